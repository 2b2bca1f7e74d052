"""Double clicks and reruns save a note once; concurrent sessions lose nothing.

Ten sessions (threads) each submit their own note twice at the same moment, as a double
click or a rerun does with one form token: 0 duplicates and 0 lost notes. A different text
with the same token (the user edited after a save that did not reach the page) is a new note.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_model.reading.access import allowed_school_ids, viewer_for_user_id
from data_model.state import notes
from data_model.storage.db import Database
from data_model.storage.migrate import copy_state
from data_model.storage.state_store import StateStore
from tests.postgres import postgres_server

YEAR = "2025-2026"
SESSIONS = 10


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, writable_db: Path) -> Iterator[Database]:
    """The same tests on the default SQLite state store and on a real PostgreSQL server, where
    concurrent transactions really run side by side."""
    if request.param == "sqlite":
        database = Database(writable_db)
    else:
        # A new, empty database on the server for each test, filled from the sample's state.
        server = request.getfixturevalue("pg_url").rsplit("/", 1)[0]
        name = "t_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.exec_driver_sql("CREATE DATABASE " + name)  # a generated identifier
        admin.dispose()
        url = server + "/" + name
        source = Database(writable_db)
        copy_state(source.state, StateStore(url))
        source.close()
        database = Database(writable_db, state=url)
    yield database
    database.close()


def _director(db: Database):
    con = db.cursor()
    user_id = con.state.execute(
        "SELECT min(user_id) FROM users WHERE role = 'directeur' AND active"
    ).fetchone()[0]
    viewer = viewer_for_user_id(con, user_id)
    return viewer, allowed_school_ids(con, viewer)[0]


def test_the_same_submission_twice_is_one_note(db):
    director, school = _director(db)
    token = uuid.uuid4().hex
    body = {"text": "Lezen daalt"}
    first = notes.create_note(db, director, school, YEAR, "observation", body, submit_token=token)
    again = notes.create_note(db, director, school, YEAR, "observation", body, submit_token=token)
    assert again.note_id == first.note_id
    changed = notes.create_note(
        db, director, school, YEAR, "observation", {"text": "Lezen daalt sterk"}, submit_token=token
    )
    assert changed.note_id != first.note_id  # new content: a new note, nothing swallowed
    texts = [n.body["text"] for n in notes.list_notes(db.cursor(), director, school, YEAR)]
    assert texts == ["Lezen daalt", "Lezen daalt sterk"]


def test_ten_sessions_double_submitting_at_once(db):
    director, school = _director(db)
    barrier = threading.Barrier(SESSIONS * 2)
    errors: list[BaseException] = []

    def submit(i: int, token: str) -> None:
        try:
            barrier.wait()
            notes.create_note(
                db, director, school, YEAR, "hypothesis", {"text": f"Hypothese {i}"},
                submit_token=token,
            )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    tokens = [uuid.uuid4().hex for _ in range(SESSIONS)]
    threads = [
        threading.Thread(target=submit, args=(i, tokens[i]))
        for i in range(SESSIONS)
        for _ in range(2)  # the double click
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = notes.list_notes(db.cursor(), director, school, YEAR, step="hypothesis")
    texts = sorted(n.body["text"] for n in stored)
    assert len(texts) == len(set(texts))  # 0 duplicates
    assert texts == sorted(f"Hypothese {i}" for i in range(SESSIONS))  # 0 lost
