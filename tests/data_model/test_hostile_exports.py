"""Every file the app offers, built from hostile data: no formula, no broken file.

Files: the Excel school photo, the PDF conversation sheet, the Gegevens control report (CSV),
the five import templates and the users sheet. Each is opened and every cell is checked:
0 text cells that start with = + - @ tab or CR, numbers still numbers, no control
characters. tests/test_security_static.py makes sure no download button offers anything else.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from data_model.exports.conversation_pdf import build_conversation_pdf
from data_model.exports.output_cells import cell, csv_bytes, safe_text, starts_like_formula
from data_model.exports.school_xlsx import build_school_xlsx
from data_model.imports import importer
from data_model.imports.formats import FORMATS
from data_model.imports.templates import build_template
from data_model.reading.access import system_viewer, viewer_for_user_id
from data_model.state import users
from data_model.storage.db import Database
from tests.conftest import copy_data
from tests.hostile import CONTROL, FORMULAS, hostile, plant


def _bad_cells(values: list[object]) -> list[str]:
    return [v for v in values if isinstance(v, str) and starts_like_formula(v)]


def _control(values: list[object]) -> list[str]:
    return [v for v in values if isinstance(v, str) and any(c in v for c in CONTROL)]


def _xlsx_values(data: bytes) -> list[object]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]


@pytest.fixture(scope="module")
def hostile_env(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory):
    path = copy_data(pristine_db, tmp_path_factory.mktemp("hostile_exports") / "data")
    ids = plant(path)
    db = Database(path)
    yield db, ids
    db.close()


def test_the_cell_rule():
    for formula in FORMULAS:
        assert not starts_like_formula(safe_text(formula))
        assert safe_text(formula) == "'" + formula.replace("\x0b", "")
    # A blank, a no-break space or a control character does not hide a formula start.
    assert safe_text(' =HYPERLINK("http://x","y")') == '\' =HYPERLINK("http://x","y")'
    assert safe_text("\u00a0@SUM(1)") == "'\u00a0@SUM(1)"
    assert safe_text("\x1b=1+1") == "'=1+1"
    assert safe_text("  Sint-Jozef") == "  Sint-Jozef"
    assert cell(-2.5) == -2.5 and cell(3) == 3 and cell(True) is True  # numbers stay numbers
    assert cell("a\x0bb\x1bc\x00") == "abc"
    assert cell("regel 1\nregel 2") == "regel 1\nregel 2"
    assert cell("Sint-Jozef") == "Sint-Jozef" and cell(None) is None


def test_excel_school_photo(hostile_env):
    db, ids = hostile_env
    con = db.cursor()
    for viewer in (viewer_for_user_id(con, ids["director"]), system_viewer(con)):
        values = _xlsx_values(build_school_xlsx(con, viewer, ids["school_id"]))
        text = [v for v in values if isinstance(v, str)]
        assert any("evil.test" in v for v in text)  # the hostile data is in the file …
        assert _bad_cells(values) == [] and _control(values) == []  # … and harmless
        assert any(isinstance(v, float) for v in values)  # scores are still numbers


def test_pdf_conversation_sheet_with_control_characters(hostile_env):
    db, ids = hostile_env
    con = db.cursor()
    director = viewer_for_user_id(con, ids["director"])
    year = con.state.execute(
        "SELECT max(school_year) FROM notes WHERE school_id = ?", [ids["school_id"]]
    ).fetchone()[0]
    data = build_conversation_pdf(con, director, ids["school_id"], year)
    assert data.startswith(b"%PDF") and len(data) > 2000
    for char in CONTROL:
        assert char.encode() not in data.split(b"stream")[0]  # metadata holds no control chars


def test_control_report_csv_of_a_refused_file(hostile_env):
    db, _ = hostile_env
    admin = system_viewer(db.cursor())
    # Refused values (a formula where a number belongs) come back in the report. A bare CR in
    # an unquoted CSV field is left out: the importer's CSV reader stops on it (reported to
    # the imports owner); the CR start is covered by the other files.
    headers = [c.header for c in FORMATS["results"].columns]
    rows = [";".join(headers)]
    for formula in FORMULAS:
        values = {h: "" for h in headers}
        values.update(instellingsnummer="012345", schooljaar="2024-2025", toets="ovsg6")
        values["gemiddelde_school"] = formula.replace(";", ",").replace("\r", "")
        rows.append(";".join(values[h] for h in headers))
    report = importer.import_file(db, admin, "=uitslagen.csv", "\n".join(rows).encode(), "results")
    assert not report.ok
    data = csv_bytes(report.problems_frame())
    cells = [
        v for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") for v in row
    ]
    assert any("HYPERLINK" in v or "cmd" in v for v in cells)  # refused values are reported …
    assert _bad_cells(cells) == [] and _control(cells) == []  # … as text


@pytest.mark.parametrize("kind", list(FORMATS))
def test_import_templates(hostile_env, kind):
    db, _ = hostile_env
    values = _xlsx_values(build_template(kind, db.cursor()))
    assert _bad_cells(values) == [] and _control(values) == []


def test_users_sheet():
    rows = [
        [f, hostile("Naam", i), "directeur", "", "012345", "ja"] for i, f in enumerate(FORMULAS)
    ]
    values = _xlsx_values(users.user_sheet_template(rows))
    assert _bad_cells(values) == [] and _control(values) == []


def test_an_export_that_fails_says_so_in_dutch(caplog):
    from data_model.exports.output_cells import failure_pdf, failure_xlsx
    from ui.errors import safe_build

    def broken() -> bytes:
        raise ValueError("IllegalCharacterError at /srv/schoolfoto/data")

    values = _xlsx_values(safe_build(broken, failure_xlsx, "export"))
    assert values[0].startswith("Deze export kon niet gemaakt worden.")
    reference = values[0].rsplit(" ", 1)[1].rstrip(".")
    assert reference.startswith("SF-") and "/srv" not in values[0]
    assert reference in caplog.text and "IllegalCharacterError" in caplog.text  # the log has it
    assert safe_build(broken, failure_pdf, "export").startswith(b"%PDF")
