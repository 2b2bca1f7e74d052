"""Shared fixtures: one fixture builder (data_model.sample.generator) for demo, tests and browser tests.

The session database is the default demo spec, generated once per test run into a temporary
folder. It is opened read-write (as the app does) because DuckDB refuses two connections with
different read-only settings to one file in one process, and AppTest runs the app in-process.
Tests that write get their own copy (`writable_db`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from data_model.reading.access import Viewer, viewer_for_user_id
from data_model.sample import SampleSpec, generate

ROOT = Path(__file__).resolve().parent.parent
# A page error is shown as a Dutch message (ui/errors.py) and, in tests, raised again so that
# AppTest's `at.exception` still fails the test. Browser tests' servers inherit it.
os.environ.setdefault("SCHOOLFOTO_ERRORS", "raise")


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("sample") / "schoolfoto.duckdb", SampleSpec())


@pytest.fixture(scope="session")
def con(sample_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample_db))
    yield connection
    connection.close()


@pytest.fixture
def writable_db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database for tests that write."""
    target = tmp_path / "schoolfoto.duckdb"
    shutil.copy(sample_db, target)
    return target


def _first_user(con: duckdb.DuckDBPyConnection, role: str) -> Viewer:
    user_id = con.execute(
        "SELECT min(user_id) FROM users WHERE role = ? AND active", [role]
    ).fetchone()[0]
    viewer = viewer_for_user_id(con, user_id)
    assert viewer is not None
    return viewer


@pytest.fixture(scope="session")
def viewers(con: duckdb.DuckDBPyConnection) -> dict[str, Viewer]:
    """One demo viewer per role."""
    return {
        role: _first_user(con, role) for role in ("directeur", "anker", "regioteam", "beheerder")
    }


@pytest.fixture
def app_env(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the session sample database in demo mode."""
    monkeypatch.setenv("SCHOOLFOTO_DB", str(sample_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    return sample_db
