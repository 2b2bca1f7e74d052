"""The data folder: schema of a new folder, migration guard, one transaction per snapshot
build, publishing beside open readers, rollback, and Dutch messages for broken folders."""

from __future__ import annotations

import subprocess
import sys
import threading

import duckdb
import pytest

from data_model.storage.db import (
    CURRENT,
    BuildCancelled,
    Database,
    DataError,
    SchemaError,
    get_meta,
    is_sample,
    save_progress,
)
from tests.conftest import ROOT


def test_new_folder_has_schema_catalogue_and_is_not_sample(tmp_path):
    db = Database(tmp_path / "new", create=True)
    con = db.cursor()
    assert get_meta(con, "schema_version") == "2"
    assert not is_sample(con)
    assert (
        con.execute("SELECT count(*) FROM domains WHERE assessment_id = 'ovsg6'").fetchone()[0]
        == 13
    )
    assert (tmp_path / "new" / "state.sqlite").exists()
    db.close()


# saved: an import commits the file's rows into the private building file before the
# recompute (to free memory); a crash after that must still leave the published data as it was.
@pytest.mark.parametrize("saved", [False, True], ids=["crash", "crash-after-saved-progress"])
def test_failed_write_publishes_nothing(writable_db, saved):
    db = Database(writable_db)
    published = db.current_snapshot()
    before = db.cursor().execute("SELECT count(*) FROM schools").fetchone()[0]
    with pytest.raises(RuntimeError), db.write() as con:
        con.execute("DELETE FROM schools")
        if saved:
            save_progress(con)
            assert con.execute("SELECT count(*) FROM schools").fetchone()[0] == 0
        raise RuntimeError("crash halfway")
    assert db.current_snapshot() == published
    assert db.cursor().execute("SELECT count(*) FROM schools").fetchone()[0] == before
    assert not list((writable_db / "snapshots").glob(".*"))  # no half-built file left
    db.close()


def test_a_cancelled_build_stops_copying_and_publishes_nothing(writable_db, monkeypatch):
    # The importer copies the snapshot while the file is still checked; a refused file sets
    # `cancel`, and the copy stops at the next piece instead of finishing for nothing.
    from data_model.storage import db as storage

    db = Database(writable_db)
    published = db.current_snapshot()
    cancel = threading.Event()
    pieces = []
    real_sendfile = storage.os.sendfile

    def sendfile(out_fd, in_fd, offset, count):
        pieces.append(offset)
        if len(pieces) == 3:
            cancel.set()  # the check failed while the copy was under way
        return real_sendfile(out_fd, in_fd, offset, count)

    monkeypatch.setattr(storage, "_COPY_PIECE", 64 * 1024)
    monkeypatch.setattr(storage.os, "sendfile", sendfile)
    with pytest.raises(BuildCancelled), db.write(cancel=cancel):
        pytest.fail("a cancelled build must not reach the caller")
    assert len(pieces) == 3  # stopped at the next piece
    assert db.snapshot_path(published).stat().st_size > 10 * 64 * 1024  # not for lack of data
    assert db.current_snapshot() == published
    assert not list((writable_db / "snapshots").glob(".*"))
    db.close()


def test_a_snapshot_that_does_not_validate_is_not_published(writable_db):
    db = Database(writable_db)
    published = db.current_snapshot()
    with pytest.raises(SchemaError, match="zonder school"), db.write() as con:
        con.execute("DELETE FROM schools WHERE school_id IN (SELECT min(school_id) FROM schools)")
    assert db.current_snapshot() == published
    db.close()


def test_newer_schema_is_refused(tmp_path):
    db = Database(tmp_path / "future", create=True)
    path = db.snapshot_path()
    db.close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(DataError, match="schemaversie"):
        Database(tmp_path / "future")


def test_publish_beside_an_open_reader_and_roll_back(writable_db):
    db = Database(writable_db)
    reader = db.cursor()
    old_id = reader.snapshot_id
    before = reader.execute("SELECT count(*) FROM schools").fetchone()[0]
    with db.write() as con:
        con.execute("UPDATE schools SET name = name || ' (nieuw)'")
    # The open cursor still reads its own snapshot, unchanged; a new cursor reads the new one.
    assert (
        reader.execute("SELECT count(*) FROM schools WHERE name LIKE '%(nieuw)'").fetchone()[0] == 0
    )
    fresh = db.cursor()
    assert fresh.snapshot_id > old_id
    assert (
        fresh.execute("SELECT count(*) FROM schools WHERE name LIKE '%(nieuw)'").fetchone()[0]
        == before
    )
    # The data contract: anyone can open the published file read-only while the app reads it.
    other = duckdb.connect(str(writable_db / CURRENT), read_only=True)
    assert other.execute("SELECT count(*) FROM v_school_result").fetchone()[0] > 0
    other.close()
    assert db.rollback() == old_id
    assert (
        db.cursor().execute("SELECT count(*) FROM schools WHERE name LIKE '%(nieuw)'").fetchone()[0]
        == 0
    )
    listed = [s.snapshot_id for s in db.snapshots()]
    assert listed[0] > old_id and old_id in listed
    db.close()


def test_read_only_reader_in_another_process_while_a_writer_publishes(writable_db):
    """`duckdb.connect(current.duckdb, read_only=True)` keeps working during a publish."""
    db = Database(writable_db)
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         "for _ in range(40):\n"
         "    con = duckdb.connect(sys.argv[1], read_only=True)\n"
         "    con.execute('SELECT count(*) FROM v_school_result').fetchone()\n"
         "    con.close()\n"
         "    time.sleep(0.02)\n"
         "print('ok')\n",
         str(writable_db / CURRENT)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for _ in range(3):
        with db.write() as con:
            con.execute("UPDATE schools SET name = name || '.'")
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    assert out.strip() == "ok"
    db.close()


def test_concurrent_writers_are_serialised(writable_db):
    db = Database(writable_db)
    start = db.current_snapshot()

    def build() -> None:
        with db.write() as con:
            con.execute("UPDATE schools SET name = name || '+'")

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = db.cursor().execute("SELECT min(name) FROM schools").fetchone()[0]
    assert names.endswith("+++")  # every build started from the one before it
    assert db.current_snapshot() > start
    db.close()


def test_old_snapshots_are_pruned_but_never_the_current(writable_db, monkeypatch):
    monkeypatch.setenv("SCHOOLFOTO_KEEP_SNAPSHOTS", "2")
    db = Database(writable_db)
    for _ in range(3):
        with db.write() as con:
            con.execute("UPDATE schools SET name = name")
    kept = db.snapshots()
    assert len(kept) == 2 and kept[0].current
    db.close()


@pytest.mark.parametrize("case", ["missing", "old-file", "damaged", "not-a-folder"])
def test_broken_data_gives_a_dutch_message_exit_2_and_creates_nothing(tmp_path, case):
    target = tmp_path / "gegevens"
    if case == "old-file":
        con = duckdb.connect(str(target))
        con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        con.close()
    elif case == "damaged":
        db = Database(target, create=True)
        path = db.snapshot_path()
        db.close()
        path.write_bytes(b"dit is geen duckdb-bestand" * 100)
    elif case == "not-a-folder":
        target.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "data_model.exports", "--school", "012345", "--format", "xlsx",
         "--data", str(target), "--out", str(tmp_path / "x.xlsx")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and str(tmp_path) not in run.stderr
    assert run.stderr.strip(), "a Dutch message"
    assert any(
        w in run.stderr for w in ("bestaat niet", "oude formaat", "beschadigd", "bevat geen")
    )
    if case == "missing":
        assert not target.exists()
    assert not (tmp_path / "x.xlsx").exists()


def _make_stale(folder) -> None:  # type: ignore[no-untyped-def]
    """What an older version with the same schema number left: a column it did not have."""
    path = folder / CURRENT
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE school_result DROP COLUMN status_estimate")
    con.close()


def test_snapshot_of_an_older_version_is_refused_and_upgrade_recomputes_it(writable_db):
    _make_stale(writable_db)
    with pytest.raises(SchemaError, match=r"oudere versie.*storage upgrade"):
        Database(writable_db)
    run = subprocess.run(
        [sys.executable, "-m", "data_model.storage", "upgrade", "--data", str(writable_db)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Omgezet: snapshot-")
    db = Database(writable_db)  # opens again, with the status estimate of every coloured row
    missing = db.cursor().execute(
        "SELECT count(*) FROM school_result WHERE status_estimate IS NULL AND status <> 'too_few'"
    )
    assert missing.fetchone()[0] == 0
    db.close()


def _pupil_results_key(con) -> int:  # type: ignore[no-untyped-def]
    return con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'pupil_results' "
        "AND constraint_type = 'PRIMARY KEY'"
    ).fetchone()[0]


def test_a_snapshot_with_the_old_pupil_results_key_is_moved_to_the_new_table(writable_db):
    # Snapshots of before the key was dropped (schema.sql) are migrated on the next build:
    # every pupil result is still there, and the index is gone.
    con = duckdb.connect(str(writable_db / CURRENT))
    rows = con.execute("SELECT * FROM pupil_results ORDER BY ALL").fetchall()
    con.execute("CREATE TEMP TABLE kept AS SELECT * FROM pupil_results")
    con.execute("DROP TABLE pupil_results")
    con.execute(
        "CREATE TABLE pupil_results (pupil_id TEXT NOT NULL, assessment_id TEXT NOT NULL, "
        "learning_area TEXT NOT NULL, domain TEXT NOT NULL, score DOUBLE NOT NULL, "
        "goal_reached BOOLEAN, PRIMARY KEY (pupil_id, assessment_id, learning_area, domain))"
    )
    con.execute("INSERT INTO pupil_results SELECT * FROM kept")
    con.execute("UPDATE meta SET value = 'an older schema.sql' WHERE key = 'schema_sha256'")
    assert _pupil_results_key(con) == 1
    con.close()
    db = Database(writable_db)
    with db.write() as cur:
        cur.execute("UPDATE schools SET name = name")
    after = db.cursor()
    assert _pupil_results_key(after) == 0
    assert after.execute("SELECT * FROM pupil_results ORDER BY ALL").fetchall() == rows
    assert len(rows) > 1000
    db.close()


@pytest.mark.parametrize("copy_fails", [False, True], ids=["compact", "copy-fails"])
def test_a_snapshot_that_is_mostly_free_space_is_published_compact(
    writable_db, monkeypatch, copy_fails
):
    # After a migration drops a big index the file is mostly free blocks, and every later
    # build would copy them: the next snapshot is written compactly, with the same content.
    # A compact copy that fails is only an optimisation lost: the file is published as it is.
    from data_model.storage import db as storage
    from tests.data_model.test_importer_bad_input import table_checksums

    monkeypatch.setattr(storage, "_COMPACT_MIN_FREE_MB", 1)
    if copy_fails:
        validate = storage.validate_snapshot

        def refuse(con):  # type: ignore[no-untyped-def]  # only the compact copy fails
            where = "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
            if con.execute(where).fetchone()[0].endswith(".compact"):
                raise SchemaError("De nieuwe snapshot mist schools.")
            validate(con)

        monkeypatch.setattr(storage, "validate_snapshot", refuse)
    con = duckdb.connect(str(writable_db / CURRENT))
    con.execute("CREATE TABLE junk AS SELECT random() AS x, random() AS y FROM range(3000000)")
    con.execute("CHECKPOINT")
    # Written after it, so the freed blocks are inside the file, not cut off at its end.
    con.execute("CREATE TABLE tail AS SELECT random() AS x FROM range(300000)")
    con.execute("CHECKPOINT")
    con.execute("DROP TABLE junk")
    con.execute("CHECKPOINT")
    con.close()
    db = Database(writable_db)
    sparse = (writable_db / CURRENT).resolve().stat().st_size
    before = table_checksums(db.cursor())
    with db.write() as cur:
        cur.execute("UPDATE schools SET name = name")
        next_import = cur.execute("SELECT nextval('import_seq')").fetchone()[0]
    after = db.cursor()
    size = (writable_db / CURRENT).resolve().stat().st_size
    assert size >= sparse / 2 if copy_fails else size < sparse / 2
    assert table_checksums(after) == before
    with db.write() as cur:  # the import numbers go on where they were
        assert cur.execute("SELECT nextval('import_seq')").fetchone()[0] == next_import + 1
    assert not list((writable_db / "snapshots").glob(".*"))
    db.close()
