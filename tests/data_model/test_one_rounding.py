"""One rounding rule for every output: a stored 2.55 is +2,6 on the page, in the Excel school
photo and in the PDF conversation sheet (the judged difference each of them prints beside a
colour) (half away from zero, one decimal; Python's round()
would give 62.5 because 62.55 is 62.5499... in binary)."""

from __future__ import annotations

import io
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


def test_the_rule() -> None:
    assert round(62.55, 1) == 62.5  # what the Excel photo wrote before
    assert round_half_away(62.55) == 62.6 and format_number(62.55) == "62,6"
    assert round_half_away(-2.25) == -2.3 and round_half_away(0.05) == 0.1


def _outputs(db: Database, school: str, year: str, aid: str) -> dict[str, list[str]]:
    """What each output shows: the page's grid cells, the Excel photo's numbers as shown with
    their one-decimal format, the PDF's words."""
    con = db.cursor()
    admin = system_viewer(con)
    page = grid_blocks(queries.school_results(con, admin, school, aid))
    wb = openpyxl.load_workbook(io.BytesIO(build_school_xlsx(con, admin, school)))
    pdf = pypdf.PdfReader(io.BytesIO(build_conversation_pdf(con, admin, school, year)))
    return {
        "page": [str(v).split(" ")[0].lstrip("+") for b in page for v in b.table.to_numpy().ravel()],
        "excel": [f"{c.value:.1f}".replace(".", ",") for row in wb.worksheets[0].iter_rows()
                  for c in row if isinstance(c.value, float)],
        "pdf": [w.lstrip("+") for w in " ".join(p.extract_text() for p in pdf.pages).split()],
    }  # fmt: skip


def test_62_55_is_62_6_on_the_page_in_excel_and_in_the_pdf(writable_db: Path) -> None:
    db = Database(writable_db)
    try:
        school, year, aid = (
            db.cursor()
            .execute(
                f"SELECT school_id, school_year, assessment_id FROM school_result WHERE {TOTAL} "
                "AND NOT suppressed AND status_estimate IS NOT NULL ORDER BY school_year DESC, school_id LIMIT 1"
            )
            .fetchone()
        )
        with db.write() as con:
            con.execute(
                f"UPDATE school_result SET status_estimate = 2.45 WHERE {TOTAL} AND school_id = ? "
                "AND school_year = ? AND assessment_id = ?",
                [school, year, aid],
            )
        before = _outputs(db, school, year, aid)  # 2.45: +2,5 everywhere
        with db.write() as con:
            con.execute(
                f"UPDATE school_result SET status_estimate = 2.55 WHERE {TOTAL} AND school_id = ? "
                "AND school_year = ? AND assessment_id = ?",
                [school, year, aid],
            )
        after = _outputs(db, school, year, aid)
        for output in ("page", "excel", "pdf"):
            # the one changed number moved from 2,5 to 2,6 in every output
            assert after[output].count("2,6") == before[output].count("2,6") + 1, output
            assert after[output].count("2,5") == before[output].count("2,5") - 1, output
    finally:
        db.close()
