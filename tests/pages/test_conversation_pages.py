"""AppTest: Zorg en begeleiding, Datagesprek and Voorbereiding for every role, and the
Datagesprek flow writing notes (accept, add, edit with a conflict, review last year)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_model.reading.access import allowed_school_ids, viewer_for_user_id
from data_model.state import notes
from data_model.storage.db import Database
from data_model.vocabulary import ROLES
from tests.conftest import ROOT
from tests.pages.apptest import all_text, open_tab, run_page
from ui.safe_text import shown

INTERNAL_WORDS = ("Begeleidingsnood", "basisaanbod", "verhoogde nood", "grote nood", "Intern")


def _submit(at: AppTest, form: str):
    """The submit button of the form with this key."""
    buttons = [b for b in at.button if b.proto.form_id == form]
    assert buttons, f"no submit button in form {form}"
    return buttons[0]


@pytest.mark.parametrize("role", ROLES)
def test_zorg_page_shows_support_and_guidance_only_to_staff(app_env, viewers, role) -> None:
    at = run_page(viewers[role], "app_pages/zorg.py")
    assert not at.exception
    assert at.title[0].value.startswith("Zorg en begeleiding · ")
    text = all_text(at)
    assert "Brede basiszorg: alle leerlingen." in text
    headers = [h.value for h in at.header]
    if role == "directeur":
        assert "Begeleiding" not in headers
        assert not [w for w in INTERNAL_WORDS if w in text]
    else:
        assert "Begeleiding" in headers
        assert "Begeleidingsnood 2025-2026: **" in text
        assert "Eenheden" in [m.label for m in at.metric]  # short: not cut off at 800 px
        assert "Alle scholen in uw overzicht" in [s.value for s in at.subheader]


@pytest.mark.parametrize("role", ROLES)
def test_datagesprek_page_opens_for_every_role(app_env, viewers, role) -> None:
    at = run_page(viewers[role], "app_pages/datagesprek.py")
    assert not at.exception
    assert at.title[0].value.startswith("Datagesprek · ")
    assert at.selectbox(key="datagesprek_year").value == "2025-2026"
    labels = [t.label for t in at.tabs]
    assert labels == [
        "1 · Wat valt op",
        "2 · Hypothesen",
        "3 · Bronnen",
        "4 · Prioriteiten",
        "5 · Acties",
    ]
    text = all_text(at)
    assert "Doen we de goede dingen?" in text and "Wat doen we met die kennis?" in text
    assert "Acties van vorig jaar (2024-2025)" in [s.value for s in at.subheader]
    assert not [w for w in INTERNAL_WORDS if w in text]


def test_only_the_open_step_runs(app_env, viewers) -> None:
    at = run_page(viewers["directeur"], "app_pages/datagesprek.py")
    hypothesis_form = "add-datagesprek-hypothesis-text"
    assert hypothesis_form not in {t.key for t in at.text_area}  # step 2 did not run
    open_tab(at, "datagesprek_step", "2 · Hypothesen")
    assert not at.exception
    assert hypothesis_form in {t.key for t in at.text_area}
    assert "add-datagesprek-observation-text" not in {t.key for t in at.text_area}


@pytest.mark.parametrize("role", ("anker", "regioteam", "beheerder"))
def test_voorbereiding_for_staff(app_env, viewers, role) -> None:
    at = run_page(viewers[role], "app_pages/voorbereiding.py")
    assert not at.exception
    assert at.title[0].value == "Voorbereiding van het datagesprek"
    text = all_text(at)
    assert "Voorgestelde vragen" in text and "Wat valt op?" in text
    assert "Begeleidingsnood 2025-2026: " in text


def test_voorbereiding_is_not_a_page_for_a_director(app_env, viewers) -> None:
    at = run_page(viewers["directeur"])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/voorbereiding.py")


@pytest.fixture
def write_env(writable_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The app on a private copy; yields a Database handle on the same file for checks."""
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(writable_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    db = Database(writable_db)
    yield db
    db.close()


def _director_and_school(db: Database, viewers):
    director = viewers["directeur"]
    return director, allowed_school_ids(db.cursor(), director)[0]


def test_accepting_a_suggestion_and_adding_a_hypothesis(write_env, viewers) -> None:
    db = write_env
    director, school = _director_and_school(db, viewers)
    at = run_page(director, "app_pages/datagesprek.py")
    first = at.button(key="sugg-aanvaard-0")
    suggestion = at.markdown  # the suggestion text is the first card's markdown
    first.click().run()
    assert not at.exception
    assert "Aanvaard." in [s.value for s in at.success]
    observations = notes.list_notes(db.cursor(), director, school, "2025-2026", step="observation")
    assert len(observations) == 1
    obs = observations[0]
    assert obs.body["state"] == "aanvaard" and obs.body["origin"] == "suggestie"
    assert any(obs.body["text"] in shown(m.value) for m in suggestion)

    open_tab(at, "datagesprek_step", "2 · Hypothesen")
    at.text_area(key="add-datagesprek-hypothesis-text").set_value("Te weinig leestijd.")
    at.selectbox(key="add-datagesprek-hypothesis-obs").set_value(obs.note_id)
    _submit(at, "add-datagesprek-hypothesis").click().run()
    assert not at.exception
    hyps = notes.list_notes(db.cursor(), director, school, "2025-2026", step="hypothesis")
    assert [(h.body["text"], h.body["observation_id"], h.author_id) for h in hyps] == [
        ("Te weinig leestijd.", obs.note_id, director.user_id)
    ]
    # The form is empty again and the new hypothesis is listed, linked to its observation.
    # A new form generation (new widget keys): the browser shows empty fields.
    assert at.text_area(key="add-datagesprek-hypothesis~1-text").value == ""
    assert any(shown(m.value).startswith("**1.** Te weinig leestijd.") for m in at.markdown)


def test_an_incomplete_action_is_refused_with_a_message(write_env, viewers) -> None:
    db = write_env
    director, school = _director_and_school(db, viewers)
    at = run_page(director, "app_pages/datagesprek.py")
    open_tab(at, "datagesprek_step", "5 · Acties")
    at.text_input(key="add-datagesprek-action-what").set_value("Leesplan")
    _submit(at, "add-datagesprek-action").click().run()
    assert "Vul nog in: eigenaar, succesindicator." in [shown(e.value) for e in at.error]
    assert notes.list_notes(db.cursor(), director, school, "2025-2026") == []
    # What the user typed is still there to complete.
    assert at.text_input(key="add-datagesprek-action-what").value == "Leesplan"


def test_an_edit_after_someone_elses_save_is_refused_then_deliberate(write_env, viewers) -> None:
    db = write_env
    director, school = _director_and_school(db, viewers)
    anker = viewer_for_user_id(
        db.cursor(),
        db.cursor()
        .state.execute(
            "SELECT min(user_id) FROM user_schools WHERE school_id = ? AND user_id LIKE 'anker-%'",
            [school],
        )
        .fetchone()[0],
    )
    note = notes.create_note(db, anker, school, "2025-2026", "hypothesis", {"text": "Versie 1"})
    at = run_page(director, "app_pages/datagesprek.py")
    open_tab(at, "datagesprek_step", "2 · Hypothesen")
    at.button(key=f"edit-{note.note_id}").click().run()
    at.text_area(key=f"form-edit-{note.note_id}-text").set_value("Versie van de directeur")
    notes.update_note(db, anker, note.note_id, {"text": "Versie van het anker"}, 1)
    _submit(at, f"form-edit-{note.note_id}").click().run()
    errors = [e.value for e in at.error]
    assert any(e.startswith(f"{anker.name} heeft deze notitie intussen gewijzigd") for e in errors)
    assert notes.get_note(db.cursor(), director, note.note_id).body["text"] == (
        "Versie van het anker"
    )
    # The director has now seen the newer version; saving again is a deliberate choice.
    assert at.text_area(key=f"form-edit-{note.note_id}-text").value == "Versie van de directeur"
    _submit(at, f"form-edit-{note.note_id}").click().run()
    saved = notes.get_note(db.cursor(), director, note.note_id)
    assert (saved.body["text"], saved.version) == ("Versie van de directeur", 3)
    assert "Wijziging bewaard." in [s.value for s in at.success]


def _last_years_action(db, viewers):  # type: ignore[no-untyped-def]
    """The director and an action of 2024-2025 for their school, to review this year."""
    director, school = _director_and_school(db, viewers)
    action = notes.create_note(
        db, director, school, "2024-2025", "action",
        {"what": "Leesplan", "owner": "Juf Els", "due": "2025-06-30",
         "indicator": "Lezen zoals verwacht", "category": "nieuw initiatief opstarten"},
    )  # fmt: skip
    return director, action


def test_last_years_action_is_reviewed_next_to_the_new_results(write_env, viewers) -> None:
    db = write_env
    director, action = _last_years_action(db, viewers)
    at = run_page(director, "app_pages/datagesprek.py")
    assert any(m.value.startswith("**Leesplan**") for m in at.markdown)
    assert "Resultaten 2025-2026" in [s.value for s in at.subheader]
    at.radio(key=f"review-{action.note_id}-status").set_value("gerealiseerd")
    at.text_input(key=f"review-{action.note_id}-comment").set_value("Lezen nu zoals verwacht")
    _submit(at, f"review-{action.note_id}").click().run()
    review = notes.get_note(db.cursor(), director, action.note_id).body["review"]
    assert (review["status"], review["comment"], review["by"]) == (
        "gerealiseerd",
        "Lezen nu zoals verwacht",
        director.name,
    )


def test_the_review_picker_shows_every_status_in_full(write_env, viewers) -> None:
    """At 1024 px a selectbox beside the comment read "loopt no…": the status is now a
    horizontal radio on its own row, every option written out, "loopt nog" until discussed."""
    director, action = _last_years_action(write_env, viewers)
    at = run_page(director, "app_pages/datagesprek.py")
    picker = at.radio(key=f"review-{action.note_id}-status")
    assert picker.label == "Hoe ver staat deze actie?"
    assert picker.options == [
        "gerealiseerd",
        "gedeeltelijk gerealiseerd",
        "niet gerealiseerd",
        "loopt nog",
    ]
    assert picker.proto.horizontal
    assert picker.value == "loopt nog"
    assert not [s for s in at.selectbox if s.key and s.key.startswith("review-")]
    # Not squeezed into a column beside the comment: no column inside its form.
    assert f"review-{action.note_id}-status" not in _keys_in_columns_in_forms(at)


def _keys_in_columns_in_forms(at: AppTest) -> set[str]:
    """Keys of the widgets that sit in st.columns inside a form."""
    found: set[str] = set()

    def walk(node, in_form: bool, in_column: bool) -> None:
        kind = getattr(node, "type", None)
        in_column = in_column or (in_form and kind == "column")
        in_form = in_form or kind == "form"
        key = getattr(node, "key", None)
        if in_column and key:
            found.add(key)
        for child in getattr(node, "children", {}).values():
            walk(child, in_form, in_column)

    walk(at.main, False, False)
    return found


def test_a_saved_note_is_saved_once_and_the_form_is_empty(write_env, viewers) -> None:
    """After "Bewaard." the form is empty; a rerun, or a second click on the now
    empty form, stores nothing more (and the empty click says why)."""
    db = write_env
    director, school = _director_and_school(db, viewers)
    at = run_page(director, "app_pages/datagesprek.py")
    at.text_area(key="add-datagesprek-observation-text").set_value("Spelling daalt.")
    _submit(at, "add-datagesprek-observation").click().run()
    assert "Bewaard." in [s.value for s in at.success]
    at.run()  # a rerun (any other click)
    assert at.text_area(key="add-datagesprek-observation~1-text").value == ""
    _submit(at, "add-datagesprek-observation~1").click().run()  # the double click
    assert "Vul nog in: tekst." in [shown(e.value) for e in at.error]
    stored = notes.list_notes(db.cursor(), director, school, "2025-2026", step="observation")
    assert [n.body["text"] for n in stored] == ["Spelling daalt."]


def test_a_save_that_fails_says_so_and_keeps_the_text(write_env, viewers, monkeypatch) -> None:
    db = write_env
    director, _ = _director_and_school(db, viewers)
    at = run_page(director, "app_pages/datagesprek.py")

    def broken(*args, **kwargs):
        raise OSError("disk full at /srv/schoolfoto/state.sqlite")

    monkeypatch.setattr(notes, "create_note", broken)
    at.text_area(key="add-datagesprek-observation-text").set_value("Spelling daalt.")
    _submit(at, "add-datagesprek-observation").click().run()
    assert not at.exception
    message = shown(at.error[0].value)
    assert message.startswith("**Niet bewaard.**") and "SF-" in message
    assert "/srv" not in message and "disk full" not in message  # no internals
    assert at.text_area(key="add-datagesprek-observation-text").value == "Spelling daalt."
