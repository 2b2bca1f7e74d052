"""A note saved again from a new form (a reloaded page, a second tab) is the same note.

Under load a save could get no answer while it was stored; the user reloads and saves the
same text again, with a new form token. That must not make a duplicate; a different text, a
note saved again long after, or one whose first copy was deleted is a new note.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest

from data_model.reading.access import allowed_school_ids, viewer_for_user_id
from data_model.state import notes
from data_model.storage.db import Database

YEAR = "2025-2026"


@pytest.fixture
def db(writable_db):
    database = Database(writable_db)
    yield database
    database.close()


def _director(db: Database):
    con = db.cursor()
    user_id = con.state.execute(
        "SELECT min(user_id) FROM users WHERE role = 'directeur' AND active"
    ).fetchone()[0]
    viewer = viewer_for_user_id(con, user_id)
    return viewer, allowed_school_ids(con, viewer)[0]


def _texts(db: Database, viewer, school: str) -> list[str]:
    return [n.body["text"] for n in notes.list_notes(db.cursor(), viewer, school, YEAR)]


def test_the_same_note_from_a_new_form_is_not_stored_twice(db):
    director, school = _director(db)
    body = {"text": "Spelling daalt in het 6de leerjaar."}
    first = notes.create_note(db, director, school, YEAR, "observation", body, submit_token="a")
    again = notes.create_note(db, director, school, YEAR, "observation", body, submit_token="b")
    assert again.note_id == first.note_id
    other = notes.create_note(
        db, director, school, YEAR, "observation", {"text": "Lezen stijgt."}, submit_token="c"
    )
    assert other.note_id != first.note_id
    assert _texts(db, director, school) == [body["text"], "Lezen stijgt."]


def test_two_tabs_saving_the_same_note_at_once_store_it_once(db):
    director, school = _director(db)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            notes.create_note(
                db, director, school, YEAR, "hypothesis", {"text": "Te weinig leestijd."},
                submit_token=uuid.uuid4().hex,
            )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = notes.list_notes(db.cursor(), director, school, YEAR, step="hypothesis")
    assert [n.body["text"] for n in stored] == ["Te weinig leestijd."]


def test_a_deliberate_repeat_is_a_new_note(db):
    director, school = _director(db)
    body = {"text": "Rekenen daalt."}
    first = notes.create_note(db, director, school, YEAR, "observation", body, submit_token="a")
    # Long after: the same words are a new statement.
    db.state.execute(
        "UPDATE notes SET created_at = ? WHERE note_id = ?",
        [datetime.now() - notes.REPEAT_WINDOW - timedelta(minutes=1), first.note_id],
    )
    later = notes.create_note(db, director, school, YEAR, "observation", body, submit_token="b")
    assert later.note_id != first.note_id
    # After deleting it, writing it again brings a new note, not the deleted one.
    notes.delete_note(db, director, later.note_id, later.version)
    again = notes.create_note(db, director, school, YEAR, "observation", body, submit_token="c")
    assert again.note_id not in (first.note_id, later.note_id)
