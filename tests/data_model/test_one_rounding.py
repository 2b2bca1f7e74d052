"""One rounding rule for every output: the number a coloured cell shows (the judged
difference) is rounded half away from zero to one decimal on the page, in the Excel school
photo and in the PDF conversation sheet: a stored 2.55 is 2,6 in all three (Python's
round() would give 2.5 in Excel: 2.55 is 2.5499... in binary)."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pypdf

from data_model.exports.conversation_pdf import build_conversation_pdf
from data_model.exports.school_xlsx import build_school_xlsx
from data_model.reading import queries
from data_model.reading.access import system_viewer
from data_model.storage.db import Database
from data_model.texts.formatting import format_number, round_half_away
from ui.grid import grid_blocks

TOTAL = "learning_area IS NULL AND domain IS NULL"
SIGNS = "+−-±"


def test_the_rule() -> None:
    assert round(62.55, 1) == 62.5  # what the Excel photo wrote before
    assert round_half_away(62.55) == 62.6 and format_number(62.55) == "62,6"
    assert round_half_away(-2.25) == -2.3 and round_half_away(0.05) == 0.1


def _as_excel_shows(value: float) -> str:
    """A number cell with a one-decimal format as Excel and LibreOffice show it (unsigned):
    they round the decimal number (15 digits), half away from zero."""
    shown = Decimal(f"{abs(value):.15g}").quantize(Decimal("0.1"), ROUND_HALF_UP)
    return str(shown).replace(".", ",")


def _outputs(db: Database, school: str, year: str, aid: str) -> dict[str, list[str]]:
    """The unsigned numbers each output shows: the page's grid cells, the Excel photo's
    one-decimal number cells as shown, the PDF's words."""
    con = db.cursor()
    admin = system_viewer(con)
    page = grid_blocks(queries.school_results(con, admin, school, aid))
    wb = openpyxl.load_workbook(io.BytesIO(build_school_xlsx(con, admin, school)))
    pdf = pypdf.PdfReader(io.BytesIO(build_conversation_pdf(con, admin, school, year)))
    return {
        "page": [str(v).split(" ")[0].lstrip(SIGNS) for b in page
                 for v in b.table.to_numpy().ravel()],
        "excel": [_as_excel_shows(c.value) for ws in wb.worksheets for row in ws.iter_rows()
                  for c in row if isinstance(c.value, float) and "0.0" in c.number_format],
        "pdf": [w.lstrip(SIGNS) for p in pdf.pages for w in p.extract_text().split()],
    }  # fmt: skip


def _set_estimate(db: Database, value: float, school: str, year: str, aid: str) -> None:
    with db.write() as con:
        con.execute(
            f"UPDATE school_result SET status_estimate = ? WHERE {TOTAL} AND school_id = ? "
            "AND school_year = ? AND assessment_id = ?",
            [value, school, year, aid],
        )


def test_2_55_is_2_6_on_the_page_in_excel_and_in_the_pdf(writable_db: Path) -> None:
    db = Database(writable_db)
    try:
        school, year, aid = (
            db.cursor()
            .execute(
                f"SELECT school_id, school_year, assessment_id FROM school_result WHERE {TOTAL} "
                "AND NOT suppressed AND status_estimate IS NOT NULL "
                "ORDER BY school_year DESC, school_id LIMIT 1"
            )
            .fetchone()
        )
        _set_estimate(db, 2.45, school, year, aid)
        before = _outputs(db, school, year, aid)  # 2.45: 2,5 everywhere
        _set_estimate(db, 2.55, school, year, aid)
        after = _outputs(db, school, year, aid)
        for output in ("page", "excel", "pdf"):
            # the one changed number moved from 2,5 to 2,6 in every output
            assert after[output].count("2,6") == before[output].count("2,6") + 1, output
            assert after[output].count("2,5") == before[output].count("2,5") - 1, output
    finally:
        db.close()
