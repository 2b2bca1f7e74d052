"""The layout of the exports: the Excel school photo's blocks share one column per school
year; the PDF prints every chart at one scale, with text of at least 7 pt."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pypdf
from pypdf.generic import ContentStream

from data_model.exports.conversation_pdf import build_conversation_pdf
from data_model.exports.school_xlsx import build_school_xlsx
from data_model.reading.access import system_viewer
from data_model.storage.db import Database

SMALLEST_VEGA_TEXT_PX = 9  # the difference chart's axis labels


def _school_with_two_tests(con) -> tuple[str, str]:
    """A school whose two assessments were taken in different sets of school years."""
    return con.execute(
        "SELECT school_id, max(school_year) FROM school_result GROUP BY school_id "
        "HAVING count(DISTINCT assessment_id) > 1 ORDER BY count(DISTINCT school_year) DESC, "
        "school_id LIMIT 1"
    ).fetchone()


def test_excel_blocks_put_each_school_year_in_one_column(sample_db: Path) -> None:
    db = Database(sample_db)
    try:
        con = db.cursor()
        school, _ = _school_with_two_tests(con)
        ws = openpyxl.load_workbook(io.BytesIO(build_school_xlsx(con, system_viewer(con), school)))
        sheet = ws.worksheets[0]
        heads = [[c.value for c in row][1:] for row in sheet.iter_rows() if any(
            c.value == "Trend" for c in row)]  # fmt: skip
    finally:
        db.close()
    assert len(heads) >= 2
    assert all(h == heads[0] for h in heads)  # same years, same columns, in every block
    years = [y for y in heads[0] if y not in (None, "Trend")]
    assert years == sorted(years) and len(set(years)) == len(years)


def _image_scales(pdf: bytes) -> list[float]:
    """Printed points per Vega pixel of every image in the PDF (width in the page's matrix
    over the image's own width, which is 2 image pixels per Vega pixel)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    scales = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        matrix = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"cm":
                matrix = [float(v) for v in operands]
            elif operator == b"Do" and matrix is not None:
                image = xobjects[operands[0]].get_object()
                if image.get("/Subtype") == "/Image":
                    scales.append(matrix[0] / (int(image["/Width"]) / 2))
    return scales


def test_pdf_charts_are_printed_at_one_readable_scale(sample_db: Path) -> None:
    db = Database(sample_db)
    try:
        con = db.cursor()
        school, year = _school_with_two_tests(con)
        pdf = build_conversation_pdf(con, system_viewer(con), school, year)
    finally:
        db.close()
    scales = _image_scales(pdf)
    assert len(scales) >= 2  # a difference chart per assessment (and the support chart)
    assert max(scales) - min(scales) < 0.01 * max(scales)  # one size of text in every chart
    assert SMALLEST_VEGA_TEXT_PX * min(scales) >= 7  # points
