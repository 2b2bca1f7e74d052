"""Shared fixtures: one fixture builder (data_model.sample.generator) for demo, tests and browser tests.

The session data folder is the default demo spec, generated once per test run into a
temporary folder (snapshots/ + state.sqlite, as the app uses it). Every reader opens its
snapshot read-only, so the tests, AppTest (in-process) and browser-test servers share it.
Tests that write (imports, notes, users) get their own copy (`writable_db`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_model.reading.access import Viewer, viewer_for_user_id
from data_model.sample import SampleSpec, generate
from data_model.storage.db import Cursor, Database

ROOT = Path(__file__).resolve().parent.parent
# A page error is shown as a Dutch message (ui/errors.py) and, in tests, raised again so that
# AppTest's `at.exception` still fails the test. Browser tests' servers inherit it.
os.environ.setdefault("SCHOOLFOTO_ERRORS", "raise")


def copy_data(source: Path, target: Path) -> Path:
    """A private copy of a data folder (symlinks kept, so `current.duckdb` stays a pointer)."""
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def pristine_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data folder as generated: never opened by a test, only copied."""
    return generate(tmp_path_factory.mktemp("pristine") / "data", SampleSpec())


@pytest.fixture(scope="session")
def sample_db(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared demo data folder (named for its old role: the one sample database).

    Read-only tests and in-process app runs share it; their audit lines land in its state.
    """
    return copy_data(pristine_db, tmp_path_factory.mktemp("sample") / "data")


@pytest.fixture(scope="session")
def sample_database(sample_db: Path) -> Iterator[Database]:
    database = Database(sample_db)
    yield database
    database.close()


@pytest.fixture(scope="session")
def con(sample_database: Database) -> Cursor:
    """A read cursor on the sample snapshot; `con.state` is the sample's state store."""
    return sample_database.cursor()


@pytest.fixture
def writable_db(pristine_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample data folder (empty logs) for tests that write."""
    return copy_data(pristine_db, tmp_path / "data")


def _first_user(con: Cursor, role: str) -> Viewer:
    user_id = con.state.execute(
        "SELECT min(user_id) FROM users WHERE role = ? AND active", [role]
    ).fetchone()[0]
    viewer = viewer_for_user_id(con, user_id)
    assert viewer is not None
    return viewer


@pytest.fixture(scope="session")
def viewers(con: Cursor) -> dict[str, Viewer]:
    """One demo viewer per role."""
    return {
        role: _first_user(con, role) for role in ("directeur", "anker", "regioteam", "beheerder")
    }


@pytest.fixture
def app_env(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the session sample data folder in demo mode."""
    monkeypatch.delenv("SCHOOLFOTO_DATA", raising=False)
    monkeypatch.delenv("SCHOOLFOTO_STATE_URL", raising=False)
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(sample_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    return sample_db


class OpenedData:
    """`duckdb.connect(path)` of the old single-file tests: a cursor on the folder's current
    snapshot (with `.state`) whose close() also closes the folder."""

    def __init__(self, path: Path) -> None:
        self._db = Database(path)
        self._cur = self._db.cursor()

    def __getattr__(self, name: str) -> object:
        return getattr(self._cur, name)

    def close(self) -> None:
        self._db.close()
