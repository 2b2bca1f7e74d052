"""Exports keep scope and suppression: Excel school photo and PDF conversation sheet.

Uses the canary database of tests/pages/access_helpers.py: impossible values planted in the
suppressed rows of one school must not appear anywhere in its exported files. Whether the
exports are otherwise right is tested elsewhere; these tests only check access and privacy.
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pypdf
import pytest

from data_model.exports import conversation_pdf as pdf_module
from data_model.exports import school_xlsx as export
from data_model.reading import access
from data_model.rules import load_rules
from data_model.storage.db import Database
from tests.pages.access_helpers import CANARY, CANARY_TEXT, plant_canaries


@pytest.fixture
def canary(writable_db: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    school_id = plant_canaries(writable_db)
    db = Database(writable_db)
    yield db.cursor(), school_id
    db.close()


def _xlsx_values(data: bytes) -> list[object]:
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]


def test_excel_export_never_contains_suppressed_values(canary):
    con, school_id = canary
    admin = access.system_viewer(con)
    values = _xlsx_values(export.build_school_xlsx(con, admin, school_id))
    numbers = [v for v in values if isinstance(v, int | float)]
    for planted in CANARY.values():
        assert not any(abs(v - planted) < 1e-6 for v in numbers), planted
    text = "\n".join(str(v) for v in values)
    assert CANARY_TEXT.findall(text) == []
    assert (
        f"< {load_rules().min_group_size}" in text
    )  # the suppressed cells are there, as '< 5' only


def test_excel_export_of_a_director_holds_only_the_own_school(con, viewers):
    director = viewers["directeur"]
    own = access.allowed_school_ids(con, director)
    data = export.build_school_xlsx(con, director, own[0])
    text = "\n".join(str(v) for v in _xlsx_values(data))
    for sid, name in con.execute("SELECT school_id, name FROM schools").fetchall():
        if sid not in own:
            assert name not in text and sid not in text


def test_exports_refuse_a_school_outside_the_scope(con, viewers):
    director = viewers["directeur"]
    own = set(access.allowed_school_ids(con, director))
    other = con.execute(
        "SELECT min(school_id) FROM schools WHERE NOT list_contains(?, school_id)",
        [access.allowed_school_ids(con, director)],
    ).fetchone()[0]
    assert other not in own
    with pytest.raises(access.AccessDenied):
        export.build_school_xlsx(con, director, other)


def test_pdf_conversation_sheet_never_contains_suppressed_values(canary):
    con, school_id = canary
    admin = access.system_viewer(con)
    years = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT school_year FROM school_result WHERE school_id = ? AND suppressed "
            "ORDER BY 1",
            [school_id],
        ).fetchall()
    ]
    for year in years:
        data = pdf_module.build_conversation_pdf(con, admin, school_id, year)
        reader = pypdf.PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        assert text.strip()
        assert CANARY_TEXT.findall(text) == [], year
