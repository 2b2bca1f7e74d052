"""Notes of the data conversation: round trips, edit history, soft delete, concurrent edits
and who may read them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_model.reading.access import AccessDenied, Viewer, viewer_for_user_id
from data_model.state import notes
from data_model.storage.db import Database

YEAR = "2024-2025"
ACTION = {
    "what": "Dagelijks 20 minuten begrijpend lezen",
    "owner": "Leerkrachten 5de-6de",
    "due": "2025-06-30",
    "indicator": "Lezen minstens zoals verwacht",
    "category": "nieuw initiatief opstarten",
}


@pytest.fixture
def db(writable_db: Path) -> Iterator[Database]:
    database = Database(writable_db)
    yield database
    database.close()


def _people(db: Database) -> tuple[Viewer, Viewer, Viewer, str]:
    """A director, the anker of that school, a director of another school, and the school."""
    cur = db.cursor()
    anker_id, school_id = cur.state.execute(
        "SELECT min(user_id), min(school_id) FROM user_schools WHERE user_id LIKE 'anker-%'"
    ).fetchone()
    # A school of that anker without the sample's notes of last year (sample/history.py).
    school_id = cur.state.execute(
        "SELECT min(school_id) FROM user_schools WHERE user_id = ? "
        "AND school_id NOT IN (SELECT school_id FROM notes)",
        [anker_id],
    ).fetchone()[0]
    director_id = cur.state.execute(
        "SELECT min(us.user_id) FROM user_schools us JOIN users u USING (user_id) "
        "WHERE u.role = 'directeur' AND us.school_id = ?",
        [school_id],
    ).fetchone()[0]
    other_id = cur.state.execute(
        "SELECT min(u.user_id) FROM users u WHERE u.role = 'directeur' AND u.user_id NOT IN "
        "(SELECT user_id FROM user_schools WHERE school_id = ?)",
        [school_id],
    ).fetchone()[0]
    get = lambda uid: viewer_for_user_id(cur, uid)  # noqa: E731
    return get(director_id), get(anker_id), get(other_id), school_id


def test_round_trip_keeps_text_author_and_links(db: Database) -> None:
    director, anker, _, school = _people(db)
    obs = notes.create_note(
        db, anker, school, YEAR, "observation", {"text": "  Lezen ligt duidelijk lager.  "}
    )
    hyp = notes.create_note(
        db,
        director,
        school,
        YEAR,
        "hypothesis",
        {"text": "Te weinig leestijd – vooral in het 5de", "observation_id": obs.note_id},
    )
    listed = notes.list_notes(db.cursor(), director, school, YEAR)
    assert [n.note_id for n in listed] == [obs.note_id, hyp.note_id]
    assert listed[0].body == {"text": "Lezen ligt duidelijk lager.", "state": "aanvaard",
                              "origin": "eigen"}  # fmt: skip
    assert listed[1].body["text"] == "Te weinig leestijd – vooral in het 5de"
    assert listed[1].body["observation_id"] == obs.note_id
    assert listed[0].author_name == anker.name and listed[1].author_name == director.name
    assert listed[1].version == 1 and not listed[1].deleted
    assert notes.list_notes(db.cursor(), director, school, YEAR, step="hypothesis") == [listed[1]]
    assert notes.list_notes(db.cursor(), director, school, "2023-2024") == []


def test_update_keeps_every_version_in_history(db: Database) -> None:
    director, anker, _, school = _people(db)
    note = notes.create_note(db, director, school, YEAR, "action", ACTION)
    v2 = notes.update_note(db, anker, note.note_id, {**ACTION, "owner": "Zorgteam"}, 1)
    v3 = notes.update_note(db, director, note.note_id, {**ACTION, "owner": "Directie"}, 2)
    assert (v2.version, v3.version) == (2, 3)
    assert v3.body["owner"] == "Directie" and v3.editor_name == director.name
    assert v3.author_name == director.name  # the author stays who created it
    history = notes.note_history(db.cursor(), director, note.note_id)
    assert history["version"].tolist() == [3, 2, 1]
    assert history["action"].tolist() == ["update", "update", "create"]
    assert history["author_name"].tolist() == [director.name, anker.name, director.name]
    assert '"owner": "Zorgteam"' in history["body"].iloc[1]


def test_stale_update_is_refused_with_a_dutch_message(db: Database) -> None:
    director, anker, _, school = _people(db)
    note = notes.create_note(db, director, school, YEAR, "hypothesis", {"text": "A"})
    notes.update_note(db, anker, note.note_id, {"text": "B (anker)"}, expected_version=1)
    with pytest.raises(notes.NoteConflict) as caught:
        notes.update_note(db, director, note.note_id, {"text": "C (directeur)"}, 1)
    message = str(caught.value)
    assert message.startswith(f"{anker.name} heeft deze notitie intussen gewijzigd")
    assert "Uw wijziging is niet bewaard" in message
    assert caught.value.current.body == {"text": "B (anker)"}
    assert notes.get_note(db.cursor(), director, note.note_id).body == {"text": "B (anker)"}


def test_two_cursors_with_stale_versions_lose_nothing(db: Database) -> None:
    """Two sessions (two cursors of the one Database) open the same note and both save."""
    director, anker, _, school = _people(db)
    note = notes.create_note(db, director, school, YEAR, "priority", {"text": "Lezen"})
    cur_a, cur_b = db.cursor(), db.cursor()
    seen_a = notes.get_note(cur_a, director, note.note_id)
    seen_b = notes.get_note(cur_b, anker, note.note_id)
    notes.update_note(db, director, note.note_id, {"text": "Lezen (directeur)"}, seen_a.version)
    with pytest.raises(notes.NoteConflict):
        notes.update_note(db, anker, note.note_id, {"text": "Lezen (anker)"}, seen_b.version)
    # The anker sees the newer version, merges and saves deliberately.
    fresh = notes.get_note(cur_b, anker, note.note_id)
    merged = notes.update_note(
        db, anker, note.note_id, {"text": fresh.body["text"] + " + anker"}, fresh.version
    )
    assert merged.body["text"] == "Lezen (directeur) + anker" and merged.version == 3
    bodies = notes.note_history(cur_a, director, note.note_id)["body"].tolist()
    assert any("Lezen (directeur)" in b for b in bodies) and len(bodies) == 3


def test_concurrent_threads_never_overwrite_each_other(db: Database) -> None:
    director, anker, _, school = _people(db)
    note = notes.create_note(db, director, school, YEAR, "note", {"text": "start"})
    edits = 15
    conflicts = {"directeur": 0, "anker": 0}

    def edit(viewer: Viewer, label: str) -> None:
        cur = db.cursor()
        done = 0
        while done < edits:
            current = notes.get_note(cur, viewer, note.note_id)
            try:
                notes.update_note(
                    db, viewer, note.note_id, {"text": f"{label} {done}"}, current.version
                )
                done += 1
            except notes.NoteConflict:
                conflicts[label] += 1

    threads = [
        threading.Thread(target=edit, args=(director, "directeur")),
        threading.Thread(target=edit, args=(anker, "anker")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = notes.get_note(db.cursor(), director, note.note_id)
    history = notes.note_history(db.cursor(), director, note.note_id)
    assert final.version == 1 + 2 * edits
    assert sorted(history["version"]) == list(range(1, 2 + 2 * edits))
    texts = set(history["body"])
    for label in ("directeur", "anker"):
        assert all(f'{{"text": "{label} {i}"}}' in texts for i in range(edits))


def test_concurrent_creates_all_arrive(db: Database) -> None:
    director, anker, _, school = _people(db)

    def add(viewer: Viewer) -> None:
        for i in range(10):
            notes.create_note(
                db, viewer, school, YEAR, "hypothesis", {"text": f"{viewer.role} {i}"}
            )

    threads = [threading.Thread(target=add, args=(v,)) for v in (director, anker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    listed = notes.list_notes(db.cursor(), director, school, YEAR, step="hypothesis")
    assert len(listed) == 20 and len({n.note_id for n in listed}) == 20


def test_soft_delete_and_restore(db: Database) -> None:
    director, anker, _, school = _people(db)
    note = notes.create_note(db, director, school, YEAR, "hypothesis", {"text": "weg"})
    deleted = notes.delete_note(db, anker, note.note_id, 1)
    assert deleted.deleted and deleted.version == 2
    assert notes.list_notes(db.cursor(), director, school, YEAR) == []
    assert len(notes.list_notes(db.cursor(), director, school, YEAR, include_deleted=True)) == 1
    with pytest.raises(notes.NoteConflict, match="intussen verwijderd"):
        notes.update_note(db, director, note.note_id, {"text": "nog wijzigen"}, 1)
    restored = notes.restore_note(db, director, note.note_id, 2)
    assert not restored.deleted and restored.body == {"text": "weg"}
    assert notes.note_history(db.cursor(), director, note.note_id)["action"].tolist() == [
        "restore",
        "delete",
        "create",
    ]


@pytest.mark.parametrize(
    ("step", "body", "message"),
    [
        ("action", {**ACTION, "owner": " "}, "Vul nog in: eigenaar."),
        ("action", {**ACTION, "category": "doorgaan"}, "Kies een reflectiecategorie"),
        ("action", {**ACTION, "due": "30/06/2025"}, "Geef de datum als dag/maand/jaar."),
        ("source", {"source": "Facebook", "finding": "x"}, "Kies een bron uit de lijst"),
        ("hypothesis", {"text": ""}, "Vul nog in: tekst."),
        ("gossip", {"text": "x"}, "Onbekende stap"),
    ],
)
def test_invalid_notes_are_refused(db: Database, step: str, body: dict, message: str) -> None:
    director, _, _, school = _people(db)
    with pytest.raises(notes.NoteError, match=message):
        notes.create_note(db, director, school, YEAR, step, body)
    assert notes.list_notes(db.cursor(), director, school, YEAR, include_deleted=True) == []


def test_director_of_another_school_sees_and_writes_nothing(db: Database) -> None:
    director, anker, other, school = _people(db)
    note = notes.create_note(db, anker, school, YEAR, "hypothesis", {"text": "intern"})
    # The own director sees what the anker wrote: it is one conversation.
    assert [n.note_id for n in notes.list_notes(db.cursor(), director, school, YEAR)] == [
        note.note_id
    ]
    with pytest.raises(AccessDenied):
        notes.list_notes(db.cursor(), other, school, YEAR)
    with pytest.raises(AccessDenied):
        notes.get_note(db.cursor(), other, note.note_id)
    with pytest.raises(AccessDenied):
        notes.note_history(db.cursor(), other, note.note_id)
    with pytest.raises(AccessDenied):
        notes.update_note(db, other, note.note_id, {"text": "overschreven"}, 1)
    with pytest.raises(AccessDenied):
        notes.delete_note(db, other, note.note_id, 1)
    with pytest.raises(AccessDenied):
        notes.create_note(db, other, school, YEAR, "hypothesis", {"text": "binnengeglipt"})
    assert notes.get_note(db.cursor(), anker, note.note_id).body == {"text": "intern"}
    assert len(notes.list_notes(db.cursor(), anker, school, YEAR)) == 1


def test_the_ankers_preparation_never_reaches_a_director(db: Database) -> None:
    director, anker, _, school = _people(db)
    prep = notes.create_note(
        db, anker, school, YEAR, "note", {"text": "grote nood"}, scope=notes.SCOPE_PREPARATION
    )
    assert notes.list_notes(db.cursor(), director, school, YEAR) == []
    with pytest.raises(AccessDenied):
        notes.list_notes(db.cursor(), director, school, YEAR, scope=notes.SCOPE_PREPARATION)
    with pytest.raises(AccessDenied):
        notes.get_note(db.cursor(), director, prep.note_id)
    with pytest.raises(AccessDenied):
        notes.create_note(
            db, director, school, YEAR, "note", {"text": "x"}, scope=notes.SCOPE_PREPARATION
        )
    assert notes.list_notes(db.cursor(), anker, school, YEAR, scope=notes.SCOPE_PREPARATION)


def test_last_years_actions_come_back_for_review(db: Database) -> None:
    director, anker, _, school = _people(db)
    done = notes.create_note(db, director, school, "2023-2024", "action", ACTION)
    open_ = notes.create_note(
        db, director, school, "2023-2024", "action", {**ACTION, "what": "Rekenhoek afbouwen"}
    )
    notes.create_note(db, director, school, "2022-2023", "action", {**ACTION, "what": "Oud"})
    previous = notes.previous_actions(db.cursor(), anker, school, YEAR)
    assert [a.get("what") for a in previous] == [ACTION["what"], "Rekenhoek afbouwen"]
    reviewed = notes.review_action(db, director, done.note_id, 1, "gerealiseerd", "Lezen ok")
    assert reviewed.body["review"]["status"] == "gerealiseerd"
    assert reviewed.body["review"]["by"] == director.name
    assert [a.note_id for a in notes.open_actions(db.cursor(), anker, school, YEAR)] == [
        open_.note_id
    ]
    with pytest.raises(notes.NoteError, match="Kies hoe ver de actie staat"):
        notes.review_action(db, director, open_.note_id, 1, "misschien")


def test_dates_and_years_are_written_the_flemish_way() -> None:
    assert notes.previous_school_year("2024-2025") == "2023-2024"
    assert notes.format_due("2025-06-30") == "30/06/2025"
    assert notes.format_due("") == "–"
