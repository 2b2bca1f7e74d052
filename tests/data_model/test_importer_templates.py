"""Every downloadable template imports as it is (after putting in a known school)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from data_model.imports import importer
from data_model.imports.formats import FORMATS
from data_model.imports.templates import build_template, template_file_name
from data_model.reading.access import system_viewer
from data_model.storage.db import Database


@pytest.mark.parametrize("kind", list(FORMATS))
def test_template_imports(kind: str, writable_db: Path) -> None:
    db = Database(writable_db)
    try:
        cur = db.cursor()
        data = build_template(kind, cur)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        assert wb.sheetnames[1] == "Uitleg"
        ws = wb.worksheets[0]
        header = [c.value for c in ws[1]]
        assert header[: len(FORMATS[kind].columns)] == [c.header for c in FORMATS[kind].columns]
        assert ws.max_row == 2  # header + one example row
        if kind != "schools":  # the register creates its school; others need a known one
            school = cur.execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
            col = header.index("instellingsnummer") + 1
            ws.cell(2, col).value = school
        buf = io.BytesIO()
        wb.save(buf)
        report = importer.import_file(
            db, system_viewer(cur), template_file_name(kind), buf.getvalue(), kind
        )
        assert report.ok, [p.as_text() for p in report.problems]
        assert report.ignored_columns == []
    finally:
        db.close()


@pytest.mark.parametrize("kind", list(FORMATS))
def test_template_sheet_names_are_whole(kind: str, sample_db: Path) -> None:
    # Excel allows 31 characters for a sheet name: a longer label would be cut
    # ("Resultaten per school (gemiddel") and messages would quote the cut name.
    db = Database(sample_db)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(build_template(kind, db.cursor())))
    finally:
        db.close()
    title = wb.worksheets[0].title
    assert len(title) <= 31
    assert title == FORMATS[kind].sheet_title
    label = FORMATS[kind].label
    assert label.startswith(title) and label[len(title) : len(title) + 1] in ("", " ")
