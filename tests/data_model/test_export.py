"""The Excel school photo: colours and labels as in the app, privacy, scope, round trip."""

from __future__ import annotations

import importlib.util
import io
import math
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from data_model.exports.school_xlsx import DATA_COLUMNS, build_school_xlsx, judged_format
from data_model.imports import importer
from data_model.imports.formats import RESULTS
from data_model.reading import access
from data_model.reading.access import AccessDenied, system_viewer, viewer_for_user_id
from data_model.rules import load_rules
from data_model.state import notes
from data_model.storage.db import Database
from data_model.texts.formatting import format_number, round_half_away
from tests.conftest import ROOT, copy_data

# n_pupils of a suppressed row is exactly what an export must not reveal, so it cannot come
# back: it is compared as the app shows it (blank).
VIEW_COLUMNS = (
    "school_year, assessment_id, learning_area, domain, "
    "CASE WHEN suppressed THEN NULL ELSE n_pupils END, score_mean, score_sd, "
    "pct_goal_reached, similar_mean, flanders_mean, diff_similar, diff_flanders, ci_low, "
    "ci_high, status, trend, suppressed"
)


def _small_school(con: duckdb.DuckDBPyConnection) -> str:
    """A school with suppressed vt4 rows and shown ones (the hardest case for an export)."""
    return con.execute(
        """
        SELECT school_id FROM school_result WHERE assessment_id = 'vt4'
        GROUP BY school_id HAVING bool_or(suppressed) AND bool_or(NOT suppressed)
        ORDER BY school_id LIMIT 1
        """
    ).fetchall()[0][0]


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_sheets_colours_and_privacy(con: duckdb.DuckDBPyConnection) -> None:
    school = _small_school(con)
    director = con.state.execute(
        "SELECT user_id FROM user_schools WHERE school_id = ? AND user_id LIKE 'dir-%'", [school]
    ).fetchall()[0][0]
    viewer = viewer_for_user_id(con, director)
    wb = _workbook(build_school_xlsx(con, viewer, school))
    assert wb.sheetnames == ["Schoolfoto", "Legende", "Gegevens", "Notities"]
    rules = load_rules()
    grid = wb["Schoolfoto"]
    fills = {s.colour.lstrip("#").upper(): s for s in rules.statuses.values()}
    seen_suppressed = seen_coloured = 0
    for row in grid.iter_rows(min_row=5, min_col=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(("↗", "–", "↘", "·")):
                continue  # trend column
            if isinstance(cell.value, str) and re.fullmatch(r"\d{4}-\d{4}|Trend", cell.value):
                continue  # column headers
            colour = cell.fill.start_color.rgb[-6:]
            if isinstance(cell.value, float):  # the judged difference: its symbol in the format
                style = fills[colour]
                assert cell.number_format == judged_format(style.symbol)
                seen_coloured += 1
                continue
            if not isinstance(cell.value, str):
                continue
            if cell.value.startswith("<"):
                assert cell.value == "< 5"  # and nothing else: no score, no symbol
                assert colour == "D9D9D9"
                seen_suppressed += 1
            else:
                style = fills[colour]
                assert cell.value == style.symbol  # no judgement: the symbol alone
                seen_coloured += 1
    assert seen_suppressed and seen_coloured
    # Meeting-ready: landscape, one page wide, the title rows on every page.
    assert grid.page_setup.orientation == "landscape"
    assert grid.page_setup.fitToWidth == 1 and grid.sheet_properties.pageSetUpPr.fitToPage
    assert grid.print_title_rows == "$1:$2"
    # The data sheet: the import format's columns; suppressed rows show no school value.
    data = wb["Gegevens"]
    header = [c.value for c in data[1]]
    assert header == DATA_COLUMNS
    assert header[: len(RESULTS.columns)] == [c.header for c in RESULTS.columns]
    for row in data.iter_rows(min_row=2, values_only=True):
        if row[5] == "< 5":
            assert row[6] is None and row[9] is None and row[10] is None and row[11] is None
    legend = [
        r[0]
        for r in wb["Legende"].iter_rows(
            min_row=2, max_row=1 + len(rules.statuses), values_only=True
        )
    ]
    assert legend == [rules.statuses[s].label for s in rules.statuses]


def test_grid_cell_matches_the_app(con: duckdb.DuckDBPyConnection) -> None:
    admin = system_viewer(con)
    school = _small_school(con)
    wb = _workbook(build_school_xlsx(con, admin, school))
    grid = wb["Schoolfoto"]
    row = con.execute(
        "SELECT school_year, status_estimate, status FROM school_result WHERE school_id = ? "
        "AND assessment_id = 'ovsg6' AND learning_area IS NULL AND NOT suppressed "
        "AND status_estimate IS NOT NULL ORDER BY school_year DESC LIMIT 1",
        [school],
    ).fetchall()[0]
    year, estimate, status = row
    header_row = next(r for r in grid.iter_rows() if r[0].value and "OVSG" in str(r[0].value))
    col = next(c.column for c in header_row if c.value == year)
    total = grid.cell(header_row[0].row + 1, col)
    assert grid.cell(total.row, 1).value == "Totaal"
    style = load_rules().statuses[status]
    # The number the colour judged, as the page shows it (a number, not text).
    assert total.value == round_half_away(estimate, 1)
    assert total.number_format == judged_format(style.symbol)
    assert format_number(total.value) == format_number(estimate)
    assert total.fill.start_color.rgb[-6:] == style.colour.lstrip("#").upper()


def test_export_is_scoped(con: duckdb.DuckDBPyConnection, viewers) -> None:
    director = viewers["directeur"]
    other = con.execute(
        "SELECT min(school_id) FROM schools WHERE NOT list_contains(?, school_id)",
        [access.allowed_school_ids(con, director)],
    ).fetchall()[0][0]
    with pytest.raises(AccessDenied):
        build_school_xlsx(con, director, other)


NOW = datetime(2025, 3, 1, 10, 0)


def test_notes_sheet(writable_db: Path) -> None:
    db = Database(writable_db)
    try:
        cur = db.cursor()
        admin = system_viewer(cur)
        school = cur.execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
        anker = cur.state.execute(
            "SELECT min(user_id) FROM user_schools WHERE school_id = ? AND user_id IN "
            "(SELECT user_id FROM users WHERE role = 'anker')",
            [school],
        ).fetchall()[0][0]
        viewer = viewer_for_user_id(cur, anker)
        notes.create_note(
            db, viewer, school, "2025-2026", "observation", {"text": "Wiskunde stijgt"}
        )
        notes.create_note(
            db, viewer, school, "2025-2026", "action",
            {"what": "Rekenhoek", "owner": "Juf An", "due": "2025-06-30",
             "indicator": "80 % haalt de doelen", "category": "versterken"},
        )  # fmt: skip
        gone = notes.create_note(db, viewer, school, "2025-2026", "hypothesis", {"text": "weg"})
        notes.delete_note(db, viewer, gone.note_id, gone.version)
        notes.create_note(
            db, viewer, school, "2025-2026", "note", {"text": "intern"}, scope="voorbereiding"
        )
        wb = _workbook(build_school_xlsx(cur, admin, school))
        rows = list(wb["Notities"].iter_rows(values_only=True))
        assert rows[0][:4] == ("Schooljaar", "Stap", "Inhoud", "Eigenaar en datum")
        mine = [r for r in rows[1:] if r[0] == "2025-2026" and r[5] == viewer.name]
        assert [r[1:4] for r in mine] == [
            ("Wat valt op", "Wiskunde stijgt", None),
            (
                "Acties",
                "Rekenhoek (succesindicator: 80 % haalt de doelen; versterken)",
                "Juf An, tegen 30/06/2025",
            ),
        ]  # Dutch step names, people's names, dates; no deleted or internal notes, no JSON
        text = " ".join(str(v) for r in rows for v in r if v is not None)
        assert "{" not in text and anker not in text and "intern" not in text
    finally:
        db.close()


def _view_rows(con: duckdb.DuckDBPyConnection, school: str) -> list[tuple]:
    return con.execute(
        f"SELECT {VIEW_COLUMNS} FROM v_school_result WHERE school_id = ? ORDER BY ALL", [school]
    ).fetchall()


def _same(a: list[tuple], b: list[tuple]) -> bool:
    def eq(x: object, y: object) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) or (
                math.isnan(x) and math.isnan(y)
            )
        return x == y

    return len(a) == len(b) and all(
        all(eq(x, y) for x, y in zip(ra, rb, strict=True)) for ra, rb in zip(a, b, strict=True)
    )


def test_data_sheet_round_trips_through_the_importer(writable_db: Path) -> None:
    db = Database(writable_db)
    try:
        cur = db.cursor()
        admin = system_viewer(cur)
        school = _small_school(cur)
        before = _view_rows(cur, school)
        wb = _workbook(build_school_xlsx(cur, admin, school))
        for name in ("Schoolfoto", "Legende", "Notities"):
            del wb[name]  # only the data sheet travels back (the full workbook works as well)
        buf = io.BytesIO()
        wb.save(buf)
        report = importer.import_file(db, admin, "gegevens.xlsx", buf.getvalue(), "results")
        assert report.ok, report.problems
        assert report.ignored_columns == ["kleurcode", "trend"]
        assert _same(_view_rows(cur, school), before)
        full = importer.import_file(
            db, admin, "schoolfoto.xlsx", build_school_xlsx(cur, admin, school), "results"
        )
        assert full.ok  # the whole workbook imports too (only its data sheet fits)
        assert _same(_view_rows(cur, school), before)
    finally:
        db.close()


def test_cli_xlsx_and_pdf(sample_db: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    target = tmp_path / "cli.duckdb"
    copy_data(sample_db, target)
    school = _small_school(con)
    out = tmp_path / "foto.xlsx"
    run = subprocess.run(
        [sys.executable, "-m", "data_model.exports", "--school", school.lstrip("0"),
         "--format", "xlsx", "--data", str(target), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert _workbook(out.read_bytes()).sheetnames[0] == "Schoolfoto"
    pdf = tmp_path / "blad.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "data_model.exports", "--school", school, "--format", "pdf",
         "--data", str(target), "--out", str(pdf), "--year", "2024-2025"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if importlib.util.find_spec("data_model.exports.conversation_pdf") is None:
        assert run.returncode == 2
        assert run.stderr.strip() == (
            "De pdf-export (gespreksblad) is in deze versie nog niet beschikbaar. "
            "Gebruik --format xlsx."
        )
    else:
        assert run.returncode == 0, run.stderr
        assert pdf.read_bytes().startswith(b"%PDF")
    run = subprocess.run(
        [sys.executable, "-m", "data_model.exports", "--school", "999999", "--format", "xlsx",
         "--data", str(target), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert (run.returncode, run.stderr.strip()) == (
        2, "School 999999 bestaat niet in deze databank."
    )  # fmt: skip
