"""The state store and the commands around the data folder: the sample guard, unique school
ids, migrating a single-file database, audit lines during an import, PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import numpy as np
import pytest

from data_model.reading.access import viewer_for_user_id
from data_model.sample import SampleSpec
from data_model.sample.generator import _school_frame
from data_model.state import audit, notes
from data_model.storage.db import Database, create_schema, set_meta
from data_model.storage.migrate import copy_state
from data_model.storage.state_store import StateStore
from tests.conftest import ROOT
from tests.postgres import postgres_server


@pytest.mark.parametrize("schools", [1500, 2000, 2300])
def test_school_ids_are_unique_for_every_seed_and_size(schools):
    # seed 61 with 1,500 schools drew a duplicate before; check it and a range of seeds.
    for seed in [61, *range(0, 40)]:
        ids = _school_frame(SampleSpec(schools=schools, seed=seed), np.random.default_rng(seed))[
            "school_id"
        ]
        assert ids.is_unique, (schools, seed)
        assert ids.str.fullmatch(r"[0-9]{6}").all()


def _sample_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_model.sample", "--schools", "6", "--years", "2", *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip


def test_sample_refuses_real_data_unless_forced(writable_db, tmp_path):
    db = Database(writable_db)
    with db.write() as con:
        set_meta(con, "is_sample", "false")
    real = db.current_snapshot()
    db.close()
    refused = _sample_cli("--out", str(writable_db))
    assert refused.returncode == 2
    assert "echte gegevens" in refused.stderr and "Traceback" not in refused.stderr
    assert Database(writable_db).current_snapshot() == real  # nothing changed
    other = tmp_path / "iets"
    other.mkdir()
    (other / "rapport.docx").write_text("geen data")
    assert _sample_cli("--out", str(other)).returncode == 2
    assert _sample_cli("--out", str(tmp_path / "oud.duckdb")).returncode == 2
    forced = _sample_cli("--out", str(writable_db), "--force")
    assert forced.returncode == 0, forced.stderr


def test_regenerating_the_sample_publishes_beside_a_running_reader(writable_db):
    db = Database(writable_db)
    reader = db.cursor()
    before = reader.execute("SELECT count(*) FROM schools").fetchone()[0]
    done = _sample_cli("--out", str(writable_db))
    assert done.returncode == 0, done.stderr
    assert reader.execute("SELECT count(*) FROM schools").fetchone()[0] == before  # undisturbed
    assert db.cursor().execute("SELECT count(*) FROM schools").fetchone()[0] == 6
    db.close()


def _old_single_file(path: Path) -> None:
    """A version-1 database as the app wrote it before snapshots: state tables inside."""
    con = duckdb.connect(str(path))
    create_schema(con)
    set_meta(con, "schema_version", "1")
    con.execute("INSERT INTO regions VALUES ('R1', 'Regio Een')")
    con.execute("INSERT INTO schools VALUES ('012345', 'GBS Een', 'Lier', 'R1', NULL)")
    con.execute(
        "CREATE TABLE users (user_id TEXT PRIMARY KEY, email TEXT, name TEXT, role TEXT, "
        "region_id TEXT, active BOOLEAN)"
    )
    con.execute("CREATE TABLE user_schools (user_id TEXT, school_id TEXT)")
    con.execute(
        "CREATE TABLE notes (note_id INTEGER, school_id TEXT, school_year TEXT, scope TEXT, "
        "step TEXT, body TEXT, author_id TEXT, created_at TIMESTAMP, updated_at TIMESTAMP, "
        "version INTEGER, deleted_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE note_history (note_id INTEGER, version INTEGER, body TEXT, "
        "author_id TEXT, changed_at TIMESTAMP, action TEXT)"
    )
    con.execute("CREATE VIEW user_scope AS SELECT user_id, school_id FROM user_schools")
    con.execute(
        "INSERT INTO users VALUES ('dir-1', 'dir@school.be', 'An Directeur', 'directeur', "
        "NULL, TRUE), ('systeem', 'systeem@schoolfoto.invalid', 'Systeem', 'beheerder', NULL, "
        "TRUE)"
    )
    con.execute("INSERT INTO user_schools VALUES ('dir-1', '012345')")
    con.execute(
        "INSERT INTO notes VALUES (7, '012345', '2024-2025', 'datagesprek', 'note', "
        "'{\"text\": \"Oude notitie\"}', 'dir-1', TIMESTAMP '2025-01-02 10:00', "
        "TIMESTAMP '2025-01-02 10:00', 1, NULL)"
    )
    con.execute(
        "INSERT INTO note_history VALUES (7, 1, '{\"text\": \"Oude notitie\"}', 'dir-1', "
        "TIMESTAMP '2025-01-02 10:00', 'create')"
    )
    con.close()


def test_an_old_single_file_database_migrates_with_its_notes_and_users(tmp_path):
    old = tmp_path / "schoolfoto.duckdb"
    _old_single_file(old)
    run = subprocess.run(
        [sys.executable, "-m", "data_model.storage", "migrate", str(old), "--data",
         str(tmp_path / "gegevens")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    db = Database(tmp_path / "gegevens")
    try:
        con = db.cursor()
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
                  .fetchall()}  # fmt: skip
        assert not tables & {"users", "notes", "user_scope", "note_history"}
        director = viewer_for_user_id(con, "dir-1")
        assert director is not None and director.name == "An Directeur"
        listed = notes.list_notes(con, director, "012345", "2024-2025", step="note")
        assert [n.body["text"] for n in listed] == ["Oude notitie"]
        new = notes.create_note(db, director, "012345", "2024-2025", "note", {"text": "Nieuw"})
        assert new.note_id > 7  # ids continue after the migrated ones
    finally:
        db.close()
    assert subprocess.run(  # a second migration into the same folder is refused
        [sys.executable, "-m", "data_model.storage", "migrate", str(old), "--data",
         str(tmp_path / "gegevens")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    ).returncode == 2  # fmt: skip


def test_audit_lines_are_written_while_an_import_builds_a_snapshot(writable_db, viewers):
    db = Database(writable_db)
    building, release = threading.Event(), threading.Event()

    def slow_import() -> None:
        with db.write() as con:
            con.execute("UPDATE schools SET name = name || ' '")
            building.set()
            release.wait(timeout=60)

    worker = threading.Thread(target=slow_import)
    worker.start()
    try:
        assert building.wait(timeout=60)
        # The import holds the snapshot write lock; page views still log (state store).
        other = Database(writable_db)  # another process's handle on the same folder
        audit.log_event(other, viewers["directeur"], audit.VIEW, detail="Schoolfoto")
        logged = other.state.execute(
            "SELECT count(*) FROM audit_log WHERE detail = 'Schoolfoto'"
        ).fetchone()[0]
        other.close()
        assert logged == 1
        assert not release.is_set()  # the import was still running when the line landed
    finally:
        release.set()
        worker.join()
        db.close()


@pytest.fixture(scope="module")
def pg_url():
    with postgres_server() as url:
        yield url


def test_postgres_state_store_holds_notes_users_and_log(writable_db, pg_url, viewers):
    source = Database(writable_db)
    copy_state(source.state, StateStore(pg_url))
    source.close()
    db = Database(writable_db, state=pg_url)
    try:
        con = db.cursor()
        director = viewer_for_user_id(con, viewers["directeur"].user_id)
        school = con.state.execute(
            "SELECT min(school_id) FROM user_schools WHERE user_id = ?", [director.user_id]
        ).fetchone()[0]
        note = notes.create_note(db, director, school, "2024-2025", "note", {"text": "In PG"})
        changed = notes.update_note(db, director, note.note_id, {"text": "Gewijzigd"}, 1)
        with pytest.raises(notes.NoteConflict):
            notes.update_note(db, director, note.note_id, {"text": "Te laat"}, 1)
        assert changed.version == 2
        history = notes.note_history(con, director, note.note_id)
        assert history["action"].tolist() == ["update", "create"]
        audit.log_event(db, director, audit.VIEW, school_id=school, detail="Schoolfoto")
        admin = viewer_for_user_id(con, "beheerder")
        entries = audit.audit_entries(con, admin, action=audit.VIEW)
        assert entries["user_name"].tolist() == [director.name]
        assert db.state.version == StateStore(pg_url).version  # migrations ran once
    finally:
        db.close()
