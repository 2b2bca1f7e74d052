"""The director shares the Vlaamse toetsen from her Start page; the anker sees the result.

One click on the director's toggle is stored and audited; the anker of that school then finds
the Vlaamse toetsen in the school photo's test picker, and without the grant reads why they
are missing instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data_model.reading import access
from data_model.state import audit, sharing
from data_model.storage.catalogue import ASSESSMENTS
from data_model.storage.db import Database
from data_model.vocabulary import ANKER
from tests.pages.apptest import all_text, private_app, run_page
from ui.sharing import NOT_SHARED

VT_NAMES = {a.name for a in ASSESSMENTS if a.shared_by_consent}


@pytest.fixture
def share_env(pristine_db, tmp_path, monkeypatch) -> Path:
    data = private_app(pristine_db, tmp_path, monkeypatch)
    db = Database(data)
    with db.state.transaction() as cur:  # every school back to the default: not shared
        cur.execute("DELETE FROM result_sharing")
    db.close()
    return data


def _anker_of(con, school_id: str):
    for (user_id,) in con.state.execute(
        "SELECT user_id FROM user_schools WHERE school_id = ? ORDER BY 1", [school_id]
    ).fetchall():
        viewer = access.viewer_for_user_id(con, user_id)
        if viewer.role == ANKER:
            return viewer
    raise AssertionError(school_id)


def _tests_offered(at) -> set[str]:
    (picker,) = [s for s in at.get("button_group") if s.proto.label == "Toets"]
    return {opt.content for opt in picker.proto.options}


def test_the_director_shares_with_one_click_and_the_anker_sees_it(share_env, viewers):
    director = viewers["directeur"]
    db = Database(share_env)
    con = db.cursor()
    school = access.allowed_school_ids(con, director)[0]
    anker = _anker_of(con, school)

    at = run_page(anker, "app_pages/schoolfoto.py", school)
    assert not at.exception, at.exception
    assert NOT_SHARED in all_text(at)
    assert not _tests_offered(at) & VT_NAMES

    at = run_page(director)
    toggle = at.toggle(key=f"share-vt-{school}")
    assert toggle.value is False and "Standaard niet gedeeld" in all_text(at)
    toggle.set_value(True).run()
    assert not at.exception, at.exception
    state = sharing.result_sharing(db.cursor(), director, school)
    assert state.granted and state.changed_by == director.name
    assert "Gedeeld sinds" in all_text(at)
    log = db.state.execute(
        "SELECT detail FROM audit_log WHERE action = ? AND school_id = ?",
        [audit.SHARING, school],
    ).fetchall()
    assert log == [(sharing.GRANTED_DETAIL,)]

    at = run_page(anker, "app_pages/schoolfoto.py", school)
    assert not at.exception, at.exception
    assert NOT_SHARED not in all_text(at)
    assert _tests_offered(at) & VT_NAMES
    db.close()
