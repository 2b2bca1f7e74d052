"""Quirky-but-valid files import correctly; re-imports change nothing; corrections replace."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from data_model.imports import importer
from data_model.imports.cells import parse_number, parse_school_id, parse_school_year
from data_model.reading.access import system_viewer
from data_model.storage.db import Database
from tests.conftest import ROOT, copy_data
from tests.data_model.importer_files import (
    RESULT_HEADER,
    csv_bytes,
    next_year_pupils,
    next_year_results,
    stored_pupil_id,
    xlsx_bytes,
)
from tests.data_model.test_importer_bad_input import table_checksums


@pytest.fixture
def db(writable_db: Path):
    database = Database(writable_db)
    yield database
    database.close()


def _aggregate(db: Database, year: str) -> list[tuple]:
    return (
        db.cursor()
        .execute(
            "SELECT school_id, assessment_id, learning_area, domain, n_pupils, score_mean, "
            "pct_goal_reached FROM school_results_aggregate WHERE school_year = ? "
            "ORDER BY ALL",
            [year],
        )
        .fetchall()
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024-2025", "2024-2025"), ("2024-25", "2024-2025"), ("2025", "2024-2025"),
     (2025, "2024-2025"), ("2024/2025", "2024-2025"), (" 2099-00 ", None)],
)  # fmt: skip
def test_school_years(text: object, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            parse_school_year(text)
    else:
        assert parse_school_year(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("63,5", 63.5), ("63,5 %", 63.5), ("63.5%", 63.5), (" 1.234,5 ", 1234.5), (7, 7.0),
     ("\u00a071,25\u00a0", 71.25)],
)  # fmt: skip
def test_numbers(text: object, expected: float) -> None:
    assert parse_number(text) == expected


def test_school_numbers_keep_their_leading_zero() -> None:
    assert parse_school_id(12345) == "012345"
    assert parse_school_id("12345") == "012345"
    assert parse_school_id(12345.0) == "012345"
    assert parse_school_id("123456") == "123456"


def test_quirky_results_workbook_imports_and_colours_the_new_year(db: Database) -> None:
    admin = system_viewer(db.cursor())
    rows = next_year_results(db.cursor(), n_schools=3)
    # Quirks: headers in other case and spacing, an accent, a 5-digit school number, years
    # written three ways, decimal commas and % signs in text, title rows, trailing blanks.
    header = ["Instellings Nummer", "SCHOOLJAAR", "Toets", "Leergébied", "domein",
              "Aantal leerlingen", "Gemiddelde School", "gemiddelde vergelijkbare scholen",
              "Gemiddelde_Vlaanderen", "% doelen behaald", "standaardafwijking school"]  # fmt: skip
    quirky = []
    for i, r in enumerate(rows):
        r = list(r)
        r[1] = ("2026-27", 2027, "2026-2027")[i % 3]
        r[6] = f"{r[6]:.2f}".replace(".", ",") + (" %" if i % 2 else "")
        if r[0].startswith("0"):
            r[0] = int(r[0])  # Excel turned the number into 5 digits
        quirky.append(r)
    data = xlsx_bytes(
        header,
        quirky + [[None] * len(header)] * 4,
        title_rows=[["Resultaten Vlaamse toetsen"], ["Bron: testorganisator"], []],
    )
    report = importer.import_file(db, admin, "vt4 2027.xlsx", data, "results")
    assert report.ok, report.problems
    assert report.summary == (
        f"Resultaten per school (gemiddelden): {len(rows)} rijen toegevoegd, 0 oude rijen "
        "vervangen (3 scholen, schooljaar 2026-2027)."
    )
    stored = _aggregate(db, "2026-2027")
    expected = [(r[0], r[2], r[3], r[4], r[5], round(r[6], 2), r[9]) for r in rows]
    assert sorted(stored, key=str) == sorted(expected, key=str)
    # The import refreshed school_result for the new year. There is no context for 2026-2027
    # yet, so no SES group: the three schools get the Flanders mean but no similar schools,
    # and are never compared with each other, hence no colour yet.
    new_year = (
        db.cursor()
        .execute(
            "SELECT count(*), count(flanders_mean), count(similar_mean), "
            "list(DISTINCT status) FROM school_result "
            "WHERE school_year = '2026-2027' AND assessment_id = 'vt4'"
        )
        .fetchone()
    )
    assert new_year[0] == len(rows) and new_year[1] == len(rows)
    assert new_year[2] == 0 and new_year[3] == ["too_few"]


def test_reimport_changes_nothing_and_correction_replaces(db: Database) -> None:
    admin = system_viewer(db.cursor())
    rows = next_year_results(db.cursor(), n_schools=2)
    data = xlsx_bytes(RESULT_HEADER, rows)
    first = importer.import_file(db, admin, "r.xlsx", data, "results")
    assert first.ok and first.rows_added == len(rows)
    before = table_checksums(db.cursor())
    again = importer.import_file(db, admin, "r.xlsx", data, "results")
    assert again.ok and again.unchanged
    assert again.summary.startswith(  # the same bytes as the last import: not read again
        "Resultaten per school (gemiddelden): niets gewijzigd; dit bestand werd al ingelezen op "
    )
    # Other bytes, the same rows: read, checked and compared with what is stored.
    copy = xlsx_bytes(RESULT_HEADER, rows, title_rows=[["Kopie"]])
    snapshots = sorted(p.name for p in db.snapshot_dir.iterdir())
    published = db.current_snapshot()
    same = importer.import_file(db, admin, "r-kopie.xlsx", copy, "results")
    assert same.ok and same.unchanged
    # Compared in a build that is thrown away: no snapshot published, no half-built file left.
    assert db.current_snapshot() == published
    assert sorted(p.name for p in db.snapshot_dir.iterdir()) == snapshots
    assert same.summary == (
        "Resultaten per school (gemiddelden): niets gewijzigd (2 scholen, schooljaar "
        "2026-2027); deze gegevens stonden al in de databank."
    )
    assert table_checksums(db.cursor()) == before
    # The corrected file: one score changed, one row gone.
    corrected = [list(r) for r in rows[:-1]]
    corrected[0][6] = 55.5
    fixed = importer.import_file(db, admin, "r2.xlsx", xlsx_bytes(RESULT_HEADER, corrected),
                                 "results")  # fmt: skip
    assert fixed.ok and (fixed.rows_added, fixed.rows_replaced) == (len(rows) - 1, len(rows))
    stored = _aggregate(db, "2026-2027")
    assert len(stored) == len(rows) - 1
    assert (corrected[0][0], 55.5) in {(r[0], r[5]) for r in stored}
    log = db.state.execute(
        "SELECT file_name, outcome, rows_added, rows_replaced, user_id FROM import_log "
        "ORDER BY import_id"
    ).fetchall()
    assert log[-4:] == [
        ("r.xlsx", "gelukt", len(rows), 0, "systeem"),
        ("r.xlsx", "ongewijzigd", 0, 0, "systeem"),
        ("r-kopie.xlsx", "ongewijzigd", 0, 0, "systeem"),
        ("r2.xlsx", "gelukt", len(rows) - 1, len(rows), "systeem"),
    ]


def test_pupil_workbook_adds_a_year_and_can_be_replaced(db: Database) -> None:
    admin = system_viewer(db.cursor())
    header, rows = next_year_pupils(db.cursor(), n_schools=3)
    report = importer.import_file(db, admin, "ll.xlsx", xlsx_bytes(header, rows), "pupils")
    assert report.ok, report.problems
    cur = db.cursor()  # a cursor reads one snapshot: taken after the import published it
    n = cur.execute("SELECT count(*) FROM pupils WHERE school_year = '2026-2027'").fetchall()
    assert n[0][0] == len(rows)
    cells = cur.execute(
        "SELECT count(*) FROM school_result WHERE school_year = '2026-2027' AND source = 'pupils'"
    ).fetchall()[0][0]
    assert cells == 3 * (1 + 4 + 13)  # total + learning areas + domains for 3 schools
    # Re-import with one pupil fewer: that pupil and their results disappear.
    again = importer.import_file(db, admin, "ll.xlsx", xlsx_bytes(header, rows[1:]), "pupils")
    assert again.ok and not again.unchanged
    cur = db.cursor()
    gone = stored_pupil_id(db, rows[0][1], rows[0][0], "2026-2027")
    kept = stored_pupil_id(db, rows[1][1], rows[1][0], "2026-2027")
    for pupil_id, count in ((gone, 0), (kept, 1)):
        left = cur.execute("SELECT count(*) FROM pupils WHERE pupil_id = ?", [pupil_id])
        assert left.fetchall()[0][0] == count
    res = cur.execute("SELECT count(*) FROM pupil_results WHERE pupil_id = ?", [gone])
    assert res.fetchall()[0][0] == 0


def test_a_pupil_file_is_compared_score_by_score(db: Database) -> None:
    """The same pupils and scores in another file (rows in another order) change nothing; the
    same scores swapped between two pupils are a change, though every count and every column's
    values stay the same."""
    admin = system_viewer(db.cursor())
    header, rows = next_year_pupils(db.cursor(), n_schools=2)
    first = importer.import_file(db, admin, "ll.xlsx", xlsx_bytes(header, rows), "pupils")
    assert first.ok, first.problems
    again = importer.import_file(db, admin, "ll-kopie.xlsx", xlsx_bytes(header, rows[::-1]),
                                 "pupils")  # fmt: skip
    assert again.ok and again.unchanged, again.problems
    at = len(header) - 1  # the last domain column
    scored = [r for r in rows if isinstance(r[at], float) and not math.isnan(r[at])]
    a, b = next((a, b) for a, b in itertools.pairwise(scored) if a[at] != b[at])
    swapped = [list(r) for r in rows]
    i, j = rows.index(a), rows.index(b)
    swapped[i][at], swapped[j][at] = b[at], a[at]
    changed = importer.import_file(db, admin, "ll2.xlsx", xlsx_bytes(header, swapped), "pupils")
    assert changed.ok and not changed.unchanged, changed.problems
    stored = (
        db.cursor()
        .execute(
            "SELECT score FROM pupil_results WHERE pupil_id = ? AND learning_area || ' - ' || "
            "domain = ?",
            [stored_pupil_id(db, a[1], a[0], a[header.index("schooljaar")]), header[at]],
        )
        .fetchall()
    )
    assert stored == [(b[at],)]


def _double_results(cur) -> int:  # type: ignore[no-untyped-def]
    return cur.execute(
        "SELECT count(*) - count(DISTINCT (pupil_id, assessment_id, learning_area, domain)) "
        "FROM pupil_results"
    ).fetchone()[0]


def test_pupil_results_stay_unique_without_a_key_index(db: Database) -> None:
    # pupil_results has no primary key (schema.sql says why); the writer keeps it unique.
    admin = system_viewer(db.cursor())
    header, rows = next_year_pupils(db.cursor(), n_schools=2)
    # A result row left behind for a pupil that is not in `pupils` (a hand-edited snapshot):
    # the file bringing that pupil would store it twice, and is refused as the index did.
    leftover = (
        "pupil_results WHERE pupil_id = ? AND (learning_area, domain) = "
        "(SELECT (learning_area, domain) FROM domains WHERE assessment_id = 'ovsg6' "
        "ORDER BY area_order, domain_order LIMIT 1)"
    )
    with db.write() as con:
        con.execute(
            "INSERT INTO pupil_results SELECT ?, assessment_id, learning_area, domain, 50, true "
            "FROM domains WHERE assessment_id = 'ovsg6' ORDER BY area_order, domain_order LIMIT 1",
            [stored_pupil_id(db, rows[0][1], rows[0][0], "2026-2027")],
        )
    before = table_checksums(db.cursor())
    refused = importer.import_file(db, admin, "ll.xlsx", xlsx_bytes(header, rows), "pupils")
    assert not refused.ok
    assert "De databank weigerde de gegevens" in refused.problems[0].message
    assert table_checksums(db.cursor()) == before
    with db.write() as con:
        con.execute(
            "DELETE FROM " + leftover, [stored_pupil_id(db, rows[0][1], rows[0][0], "2026-2027")]
        )
    first = importer.import_file(db, admin, "ll.xlsx", xlsx_bytes(header, rows), "pupils")
    corrected = [row[:-1] + [50.0] for row in rows]  # a corrected file for the same pupils
    second = importer.import_file(db, admin, "ll2.xlsx", xlsx_bytes(header, corrected), "pupils")
    assert first.ok and second.ok and not second.unchanged, second.problems
    assert second.rows_replaced == first.rows_added
    assert _double_results(db.cursor()) == 0


def test_school_register_computes_ses_groups_and_updates_names(db: Database) -> None:
    admin = system_viewer(db.cursor())
    cur = db.cursor()
    existing = cur.execute(
        "SELECT school_id, name, municipality, region_id FROM schools ORDER BY school_id LIMIT 2"
    ).fetchall()
    header = ["instellingsnummer", "naam", "gemeente", "regio", "schooljaar",
              "aantal_leerlingen", "pct_thuistaal_niet_nederlands", "pct_moeder_laagopgeleid",
              "pct_schooltoelage", "pct_buurtindicator"]  # fmt: skip
    rows = [
        ["654321", "GBS Nieuwe School", "Mol", "Regio Antwerpen-Kempen", "2024-2025", 180,
         "95,0", "95,0", "95 %", 95],
        [existing[0][0], existing[0][1] + " (nieuwe naam)", existing[0][2], existing[0][3],
         "2024-2025", 200, 1, 1, 1, 1],
    ]  # fmt: skip
    report = importer.import_file(db, admin, "scholen.csv", csv_bytes(header, rows), "schools")
    assert report.ok, report.problems
    got = (
        db.cursor()
        .execute(
            "SELECT school_id, school_name, region_id, ses_group, ses_index FROM v_school_context "
            "WHERE school_year = '2024-2025' AND school_id IN (?, ?) ORDER BY school_id",
            ["654321", existing[0][0]],
        )
        .fetchall()
    )
    by_id = {g[0]: g for g in got}
    assert by_id["654321"][1:4] == ("GBS Nieuwe School", "R1", 1)  # most disadvantaged
    assert by_id[existing[0][0]][1] == existing[0][1] + " (nieuwe naam)"
    assert by_id[existing[0][0]][3] == 5  # fewest indicators of disadvantage
    assert by_id["654321"][4] == pytest.approx(95.0)


def test_support_and_guidance_files(db: Database) -> None:
    admin = system_viewer(db.cursor())
    school = db.cursor().execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
    support = csv_bytes(
        ["Instellingsnummer", "Schooljaar", "Fase", "Aantal leerlingen"],
        [[school, "2025-26", "fase 0", 180], [school, "2025-26", "Verhoogde zorg", 20],
         [school, "2025-26", "zittenblijvers", 3]],
    )  # fmt: skip
    report = importer.import_file(db, admin, "zorg.csv", support, "support")
    assert report.ok, report.problems
    rows = (
        db.cursor()
        .execute(
            "SELECT phase, measure_kind, n_pupils FROM v_support WHERE school_id = ? "
            "AND school_year = '2025-2026' ORDER BY phase",
            [school],
        )
        .fetchall()
    )
    assert rows == [("brede basiszorg", "continuum", 180), ("verhoogde zorg", "continuum", 20),
                    ("zittenblijven", "indicator", 3)]  # fmt: skip
    guidance = xlsx_bytes(
        ["instellingsnummer", "datum", "anker", "doelcode", "kerntaak", "vorm", "uren"],
        [[school, dt.datetime(2025, 10, 15), "anker-001", "bao2.1", "kt2", "Individueel", "3,5"],
         [school, "20/01/2026", "anker001@demo.schoolfoto.test", "NO 1.3", "BI1",
          "lerend netwerk", 7]],
    )  # fmt: skip
    report = importer.import_file(db, admin, "begeleiding.xlsx", guidance, "guidance")
    assert report.ok, report.problems
    rows = (
        db.cursor()
        .execute(
            "SELECT school_year, contact_date, anker_id, goal_code, core_task, form, hours, units "
            "FROM v_guidance WHERE school_id = ? AND school_year = '2025-2026' ORDER BY contact_date",
            [school],
        )
        .fetchall()
    )
    assert rows == [
        ("2025-2026", dt.date(2025, 10, 15), "anker-001", "BAO 2.1", "KT2", "individueel", 3.5, 1),
        ("2025-2026", dt.date(2026, 1, 20), "anker-001", "NO 1.3", "BI1", "lerend netwerk", 7.0, 2),
    ]
    again = importer.import_file(db, admin, "begeleiding.xlsx", guidance, "guidance")
    assert again.unchanged


def test_kill_during_write_leaves_the_database_unchanged(writable_db: Path, tmp_path: Path) -> None:
    reader = Database(writable_db)
    con = reader.cursor()
    header, rows = next_year_pupils(con, n_schools=None)  # every school: a big file
    before = table_checksums(con)
    published = reader.current_snapshot()
    reader.close()
    big = tmp_path / "leerlingen.xlsx"
    big.write_bytes(xlsx_bytes(header, rows, sheet="Leerlingen"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "data_model.imports", str(big), "--kind", "pupils",
         "--data", str(writable_db)],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        # The rows are written and the recomputation runs: inside the build, before publishing.
        if "herberekenen" in line:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    database = Database(writable_db)  # the half-built snapshot was never published
    try:
        assert database.current_snapshot() == published
        assert table_checksums(database.cursor()) == before
        report = importer.import_file(
            database, system_viewer(database.cursor()), "leerlingen.xlsx", big.read_bytes(),
            "pupils",
        )  # fmt: skip
        assert report.ok, report.problems  # and the database still takes the same file
        # The killed build's job row was ended when the next build started.
        jobs = database.state.execute(
            "SELECT status, finished_at IS NOT NULL FROM jobs ORDER BY job_id DESC LIMIT 2"
        ).fetchall()
        assert [tuple(j) for j in jobs] == [("gepubliceerd", True), ("afgebroken", True)]
    finally:
        database.close()


def test_worker_path_writes_what_the_in_process_path_writes(
    writable_db: Path, tmp_path: Path
) -> None:
    """The page and the CLI check files in the worker (frames come back as Parquet): every
    kind must land in the database exactly as when checked in this process."""
    from data_model.imports.worker import check_in_worker

    twin = copy_data(writable_db, tmp_path / "twin")
    first_db = Database(writable_db)
    con = first_db.cursor()
    school = con.execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
    header, pupils = next_year_pupils(con, n_schools=1)
    files = [
        ("r.xlsx", xlsx_bytes(RESULT_HEADER, next_year_results(con, n_schools=2)), "results"),
        ("l.xlsx", xlsx_bytes(header, pupils), "pupils"),
        ("s.csv", csv_bytes(
            ["instellingsnummer", "naam", "gemeente", "regio", "schooljaar", "aantal_leerlingen",
             "pct_thuistaal_niet_nederlands", "pct_moeder_laagopgeleid", "pct_schooltoelage",
             "pct_buurtindicator"],
            [[school, "GBS Nieuw", "Lier", "R1", "2025-2026", 200, 10, 12, 14, 16]]), "schools"),
        ("g.xlsx", xlsx_bytes(
            ["instellingsnummer", "datum", "anker", "doelcode", "kerntaak", "vorm", "uren"],
            [[school, dt.datetime(2025, 10, 15), "anker-001", "BAO 2.1", "KT2", "individueel",
              3.5]]), "guidance"),
    ]  # fmt: skip
    first_db.close()
    checksums = []
    for path, checker in ((writable_db, check_in_worker), (twin, None)):
        db = Database(path)
        try:
            admin = system_viewer(db.cursor())
            for name, data, kind in files:
                report = importer.import_file(db, admin, name, data, kind, checker=checker)
                assert report.ok, report.problems
            # Derived tables are sums of floats in a parallel (run-dependent) order: compare
            # what the files brought, the stored input tables.
            derived = {
                "school_result",
                "school_expected",
                "expected_model",
                "school_cell_aggregate",
                "variance_components",
                "school_expected_sums",
                "class_result",
                "school_progress",
            }
            checksums.append(
                {t: v for t, v in table_checksums(db.cursor()).items() if t not in derived}
            )
        finally:
            db.close()
    assert checksums[0] == checksums[1]
