"""The pupil key: the school's own pupil number is stored only as a keyed hash that lasts over
the years (storage/pupil_key.py), and the Vlaamse toetsen pupil files with their lesgroep."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from data_model.imports import importer
from data_model.reading.access import system_viewer
from data_model.storage import pupil_key as pk
from data_model.storage.db import Database, migrate
from tests.data_model.importer_files import stored_pupil_id, xlsx_bytes

SECRET = bytes(range(32))


def test_key_is_stable_and_tolerates_how_files_spell_a_number() -> None:
    key = pk.pupil_key(SECRET, "012345", "00123")
    assert key == pk.pupil_key(SECRET, "012345", 123)
    assert key == pk.pupil_key(SECRET, "012345", " 123 ")
    assert key == pk.pupil_key(SECRET, "012345", 123.0)
    assert key != pk.pupil_key(SECRET, "012346", "123")  # another school: another pupil
    assert key != pk.pupil_key(bytes(32), "012345", "123")  # keyed: not a plain hash
    assert pk.pupil_key(SECRET, "012345", "ab-7") == pk.pupil_key(SECRET, "012345", "AB-7")
    assert len(key) == pk.KEY_HEX_CHARS and "123" not in pk.pupil_row_id(key, "2025-2026")


def test_secret_is_made_once_beside_the_snapshots(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(pk.KEY_ENV, raising=False)
    assert pk.load_secret(tmp_path, create=False) is None
    first = pk.load_secret(tmp_path)
    assert first is not None and len(first) == 32
    path = tmp_path / pk.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pk.load_secret(tmp_path) == first  # never made again
    elsewhere = tmp_path / "kluis" / "sleutel"
    monkeypatch.setenv(pk.KEY_ENV, str(elsewhere))
    assert pk.load_secret(tmp_path) != first and elsewhere.exists()


VT_HEADER = ["leerling_id", "instellingsnummer", "schooljaar", "toets", "lesgroep",
             "Nederlands - Lezen", "Nederlands - Lezen doel behaald", "Wiskunde - Getallen"]  # fmt: skip
NUMBERS = ["20210001", "20210002", "20210003", "20210004", "20210005", "20210006"]


def _vt_file(school: str, year: str, test: str, groups: list[str | None]) -> bytes:
    rows = [
        [n, school, year, test, g, 50 + i, "ja" if i % 2 else "nee", 60 - i]
        for i, (n, g) in enumerate(zip(NUMBERS, groups, strict=True))
    ]
    return xlsx_bytes(VT_HEADER, rows, sheet="Leerlingen")


@pytest.fixture
def db(writable_db: Path):
    database = Database(writable_db)
    yield database
    database.close()


def _text_cells(con: duckdb.DuckDBPyConnection) -> str:
    """Every text value of every table of the snapshot, as one string."""
    tables = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' AND table_schema = 'main' AND table_name IN "
        "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')"
    ).fetchall()
    parts = []
    for table, column in tables:
        rows = con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall()  # test only
        parts += [str(r[0]) for r in rows]
    return "\n".join(parts)


def test_vlaamse_toetsen_files_follow_the_same_pupil_and_keep_the_lesgroep(db: Database) -> None:
    admin = system_viewer(db.cursor())
    school = db.cursor().execute("SELECT min(school_id) FROM schools").fetchone()[0]
    four = _vt_file(school, "2026-2027", "vt4", ["4A", "4A", "4B", "4B", "4B", "4A"])
    report = importer.import_file(db, admin, "vt4.xlsx", four, "pupils")
    assert report.ok, report.problems
    six = _vt_file(school, "2028-29", "Vlaamse toetsen 6de leerjaar", ["6A"] * 3 + ["6B"] * 3)
    report = importer.import_file(db, admin, "vt6.xlsx", six, "pupils")
    assert report.ok, report.problems
    # The OVSG-toets of the same pupils, without a lesgroep: the stored class group stays.
    ovsg = xlsx_bytes(
        ["leerling_id", "instellingsnummer", "schooljaar", "toets", "Wiskunde - Meetkunde"],
        [[int(n), school, "2028-2029", "ovsg6", 70] for n in NUMBERS],
    )
    report = importer.import_file(db, admin, "ovsg.xlsx", ovsg, "pupils")
    assert report.ok, report.problems
    cur = db.cursor()
    rows = cur.execute(
        "SELECT pupil_key, school_year, grade, class_group, pupil_id FROM pupils "
        "WHERE school_id = ? AND school_year IN ('2026-2027', '2028-2029') ORDER BY 2, 1",
        [school],
    ).fetchall()
    assert len(rows) == 12
    keys = {year: {r[0] for r in rows if r[1] == year} for year in ("2026-2027", "2028-2029")}
    assert keys["2026-2027"] == keys["2028-2029"]  # the same pupils, two years on
    assert {r[3] for r in rows if r[1] == "2028-2029"} == {"6A", "6B"}
    assert stored_pupil_id(db, school, NUMBERS[0], "2028-2029") in {r[4] for r in rows}
    tests = cur.execute(
        "SELECT assessment_id, count(DISTINCT pupil_id) FROM pupil_results "
        "WHERE pupil_id IN (SELECT pupil_id FROM pupils WHERE school_id = ? "
        "AND school_year = '2028-2029') GROUP BY 1 ORDER BY 1",
        [school],
    ).fetchall()
    assert tests == [("ovsg6", 6), ("vt6", 6)]
    text = _text_cells(cur)
    assert not any(n in text for n in NUMBERS)  # no raw pupil number in the snapshot


def test_a_too_long_lesgroep_is_refused_with_row_and_column(db: Database) -> None:
    admin = system_viewer(db.cursor())
    school = db.cursor().execute("SELECT min(school_id) FROM schools").fetchone()[0]
    data = _vt_file(school, "2026-2027", "vt4", ["4A", "x" * 41, "4B", "4B", "4B", "4A"])
    report = importer.import_file(db, admin, "vt4.xlsx", data, "pupils")
    assert not report.ok
    problem = report.problems[0]
    assert (problem.row, problem.column) == (3, "lesgroep")
    assert "40" in problem.message


def test_an_old_snapshot_loses_its_raw_pupil_ids_on_the_next_build(db: Database) -> None:
    # A snapshot of before the key (raw ids, no pupil_key column), as every build migrates it.
    building = db.snapshot_dir / ".old.building"
    shutil.copyfile(db.snapshot_path(db.current_snapshot()), building)
    con = duckdb.connect(str(building))
    try:
        con.execute("ALTER TABLE pupils DROP COLUMN pupil_key")
        con.execute("CREATE TEMP TABLE m AS SELECT pupil_id AS old, 'RAW' || "
                    "lpad(row_number() OVER (ORDER BY pupil_id)::TEXT, 7, '0') AS raw FROM pupils")  # fmt: skip
        con.execute("UPDATE pupil_results SET pupil_id = m.raw FROM m WHERE pupil_id = m.old")
        con.execute("UPDATE pupils SET pupil_id = m.raw FROM m WHERE pupil_id = m.old")
        before = con.execute("SELECT count(*) FROM pupil_results JOIN pupils USING (pupil_id)")
        before = before.fetchone()[0]
        migrate(con)
        assert (
            con.execute("SELECT count(*) FROM pupils WHERE pupil_id LIKE 'RAW%'").fetchone()[0] == 0
        )
        raw = con.execute("SELECT count(*) FROM pupil_results WHERE pupil_id LIKE 'RAW%'")
        assert raw.fetchone()[0] == 0
        joined = con.execute("SELECT count(*) FROM pupil_results JOIN pupils USING (pupil_id)")
        assert joined.fetchone()[0] == before > 0
        keyed = con.execute("SELECT count(*) FROM pupils WHERE pupil_key IS NOT NULL")
        assert keyed.fetchone()[0] == 0  # ids of before were per year: never linked
    finally:
        con.close()
