"""The anker's round in the state store: one state per school and year, every change kept."""

from __future__ import annotations

from datetime import date

import pytest

from data_model.reading import access
from data_model.reading.access import AccessDenied
from data_model.state import rounds
from data_model.storage.db import Database
from data_model.vocabulary import ROUND_FOLLOW_UP, ROUND_HELD, ROUND_PREPARED, ROUND_TO_PREPARE


@pytest.fixture
def db(writable_db):
    database = Database(writable_db)
    yield database
    database.close()


def _viewer(db: Database, role: str) -> access.Viewer:
    user_id = db.state.execute(
        "SELECT min(user_id) FROM users WHERE role = ? AND active", [role]
    ).fetchone()[0]
    return access.viewer_for_user_id(db.cursor(), user_id)


def test_states_start_to_prepare_and_change_with_history(db):
    anker = _viewer(db, "anker")
    con = db.cursor()
    schools = access.allowed_school_ids(con, anker)
    states = rounds.round_states(con, anker, "2024-2025")
    assert states["school_id"].tolist() == sorted(schools)
    assert set(states["round_state"]) == {ROUND_TO_PREPARE}

    first = schools[0]
    rounds.set_round_state(db, anker, first, "2024-2025", ROUND_PREPARED)
    rounds.set_round_state(db, anker, first, "2024-2025", ROUND_HELD, date(2025, 3, 4))
    rounds.set_round_state(db, anker, first, "2024-2025", ROUND_HELD, "2025-03-04")  # same
    states = rounds.round_states(db.cursor(), anker, "2024-2025").set_index("school_id")
    assert states.loc[first, "round_state"] == ROUND_HELD
    assert states.loc[first, "state_date"] == "2025-03-04"
    assert states.loc[first, "changed_by"] == anker.name
    # Another year of the same school is untouched.
    other_year = rounds.round_states(db.cursor(), anker, "2023-2024").set_index("school_id")
    assert other_year.loc[first, "round_state"] == ROUND_TO_PREPARE
    history = rounds.round_history(db.cursor(), anker, first, "2024-2025")
    assert history["round_state"].tolist() == [ROUND_HELD, ROUND_PREPARED]  # a repeat is no change
    assert set(history["changed_by"]) == {anker.name}


def test_a_dated_state_without_a_date_gets_today(db):
    anker = _viewer(db, "anker")
    school = access.allowed_school_ids(db.cursor(), anker)[0]
    rounds.set_round_state(db, anker, school, "2024-2025", ROUND_FOLLOW_UP)
    states = rounds.round_states(db.cursor(), anker, "2024-2025").set_index("school_id")
    assert states.loc[school, "state_date"] == date.today().isoformat()
    with pytest.raises(rounds.RoundError):
        rounds.set_round_state(db, anker, school, "2024-2025", ROUND_HELD, "gisteren")
    with pytest.raises(rounds.RoundError):
        rounds.set_round_state(db, anker, school, "2024-2025", "klaar")


def test_no_school_outside_the_scope_and_never_a_director(db):
    anker, director = _viewer(db, "anker"), _viewer(db, "directeur")
    con = db.cursor()
    mine = set(access.allowed_school_ids(con, anker))
    outside = next(
        r[0] for r in con.execute("SELECT school_id FROM schools").fetchall() if r[0] not in mine
    )
    with pytest.raises(AccessDenied):
        rounds.set_round_state(db, anker, outside, "2024-2025", ROUND_PREPARED)
    own = access.allowed_school_ids(con, director)[0]
    with pytest.raises(AccessDenied):
        rounds.set_round_state(db, director, own, "2024-2025", ROUND_PREPARED)
    with pytest.raises(AccessDenied):
        rounds.round_states(con, director, "2024-2025")
    stored = db.state.execute("SELECT count(*) FROM conversation_round_history").fetchone()[0]
    assert stored == 0
