"""AppTest of the anker's round, the region overview on Start and the demo role picker."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from data_model.exports.round_sheets import build_round_sheets
from data_model.reading import queries
from data_model.state import audit, notes, rounds
from data_model.storage.db import Database
from data_model.texts.formatting import format_date
from data_model.vocabulary import ROUND_HELD, ROUND_STATE_LABELS, ROUND_TO_PREPARE
from tests.conftest import ROOT
from tests.pages.apptest import all_text, private_app, run_page
from ui.navigation import visible_pages
from ui.safe_text import shown


def test_clicking_the_selected_role_keeps_it(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    roles = at.sidebar.button_group[0]
    assert roles.proto.required  # the browser cannot deselect the role
    roles.set_value("anker").run()
    chosen = at.sidebar.selectbox[0].value
    # A deselection (what a click on the selected role used to send) keeps role and user.
    at.sidebar.button_group[0].set_value(None).run()
    assert not at.exception
    assert at.sidebar.button_group[0].value in ("anker", None)
    assert at.sidebar.selectbox[0].value == chosen
    assert "Anker" in at.sidebar.caption[-1].value


@pytest.fixture
def round_env(pristine_db, tmp_path, monkeypatch) -> Path:
    """The app on a private copy of the demo: these tests change states and write notes."""
    return private_app(pristine_db, tmp_path, monkeypatch)


def _round(viewer) -> AppTest:
    at = run_page(viewer, "app_pages/ronde.py")
    assert not at.exception, at.exception
    return at


def _overview_rows(at: AppTest) -> list[list[str]]:
    (table,) = [m.value for m in at.markdown if m.value.startswith("| School | Stand |")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in table.splitlines()[2:]]


def test_the_round_shows_every_school_and_where_it_stands(round_env, viewers):
    anker = viewers["anker"]
    db = Database(round_env)
    schools = queries.schools_in_scope(db.cursor(), anker)
    at = _round(anker)
    rows = _overview_rows(at)
    assert [shown(r[0]) for r in rows] == schools["name"].tolist()  # by name, never ranked
    assert {r[1] for r in rows} == {f"**{ROUND_STATE_LABELS[ROUND_TO_PREPARE]}**"}
    # Last year's conversation per school, in the table and in words under each school.
    with_notes = [r for r in rows if "Hypothesen: 1" in r[3]]
    assert with_notes, "the demo has last year's notes for some of the anker's schools"
    name = shown(with_notes[0][0])
    school_id = schools.set_index("name").loc[name, "school_id"]
    last = notes.list_notes(db.cursor(), anker, school_id, "2024-2025", step="hypothesis")
    assert last[0].body["text"] in all_text(at)
    db.close()


def test_one_click_sets_the_state_and_keeps_who_did_it(round_env, viewers):
    anker = viewers["anker"]
    at = _round(anker)
    control = next(b for b in at.button_group if b.label == "Stand van het gesprek")
    school_id = control.key.split("-")[2]
    control.set_value(ROUND_HELD).run()
    assert not at.exception, at.exception
    db = Database(round_env)
    states = rounds.round_states(db.cursor(), anker, "2025-2026").set_index("school_id")
    assert states.loc[school_id, "round_state"] == ROUND_HELD
    assert states.loc[school_id, "state_date"] == date.today().isoformat()
    history = rounds.round_history(db.cursor(), anker, school_id, "2025-2026")
    assert history["changed_by"].tolist() == [anker.name]
    # The page says so at once: in the table, and with a date to correct.
    held = f"**{ROUND_STATE_LABELS[ROUND_HELD]} op {format_date(date.today())}**"
    assert held in [r[1] for r in _overview_rows(at)]
    assert [d.label for d in at.date_input] == ["Gehouden op"]
    at.date_input[0].set_value(date(2026, 3, 4)).run()
    states = rounds.round_states(db.cursor(), anker, "2025-2026").set_index("school_id")
    assert states.loc[school_id, "state_date"] == "2026-03-04"
    db.close()


def test_all_sheets_of_the_round_in_one_zip(round_env, viewers):
    anker = viewers["anker"]
    at = _round(anker)
    picker = next(m for m in at.multiselect if m.label == "Scholen")
    chosen = picker.value[:2]
    picker.set_value(chosen).run()
    (make,) = [b for b in at.button if b.label.startswith("Maak 2 gespreksbladen")]
    make.click().run()
    assert not at.exception, at.exception
    (download,) = [b for b in at.get("download_button") if "zip" in b.proto.label]
    assert "2 gespreksbladen" in download.proto.label
    db = Database(round_env)
    data = build_round_sheets(db.cursor(), anker, chosen, "2025-2026")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = queries.schools_in_scope(db.cursor(), anker).set_index("school_id")["name"]
    assert len(archive.namelist()) == 2
    for school_id, file_name in zip(chosen, archive.namelist(), strict=True):
        assert school_id in file_name
        first_page = PdfReader(io.BytesIO(archive.read(file_name))).pages[0].extract_text()
        assert names[school_id] in first_page
    # Whose data left the app: one audit line per school.
    logged = db.state.execute(
        "SELECT school_id FROM audit_log WHERE action = ? AND detail = ?",
        [audit.EXPORT, "gespreksbladen ronde"],
    ).fetchall()
    assert sorted(r[0] for r in logged) == sorted(chosen)
    db.close()


def test_a_director_has_no_round(viewers):
    assert "app_pages/ronde.py" not in [p.path for p in visible_pages(viewers["directeur"])]
    assert "app_pages/ronde.py" in [p.path for p in visible_pages(viewers["anker"])]
