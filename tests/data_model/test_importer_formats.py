"""Every spreadsheet a school office has: .xls (Excel 97-2003), .ods (LibreOffice's default)
and .xlsx are read alike through the one bounded reader; their hostile variants are refused
with the cell named, before calamine holds the sheet."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from data_model.imports.check_step import check_file
from data_model.imports.formats import FORMATS
from data_model.imports.importer import import_file
from data_model.imports.reader import MAX_CELLS
from data_model.imports.report import ImportRejected
from data_model.imports.row_checks import Catalogue
from data_model.reading.access import Viewer
from data_model.storage.db import SYSTEM_USER_ID, Database
from tests.data_model.importer_files import (
    RESULT_HEADER,
    ods_bytes,
    ods_cell,
    xls_bytes,
    xlsx_bytes,
)
from tests.data_model.test_importer_bad_input import table_checksums


def _check(db: Database, name: str, data: bytes, kind: str = "results"):
    return check_file(name, data, FORMATS[kind], Catalogue.load(db.cursor(), SYSTEM_USER_ID))


def _refusal(db: Database, name: str, data: bytes) -> tuple:
    with pytest.raises(ImportRejected) as exc:
        _check(db, name, data)
    p = exc.value.problems[0]
    return p.file, p.sheet, p.row, p.column, p.message


@pytest.mark.parametrize("build", [xls_bytes, ods_bytes], ids=["xls", "ods"])
def test_xls_and_ods_read_exactly_as_the_same_xlsx(import_db, base, build) -> None:
    expected = _check(import_db, "r.xlsx", xlsx_bytes(RESULT_HEADER, base)).frames
    name = "resultaten." + ("xls" if build is xls_bytes else "ods")
    got = _check(import_db, name, build(RESULT_HEADER, base)).frames
    assert list(got) == list(expected)
    for key in expected:
        pd.testing.assert_frame_equal(got[key], expected[key])


def test_an_ods_file_is_imported_and_published(import_db, admin: Viewer, base) -> None:
    rows = [list(r) for r in base]
    report = import_file(import_db, admin, "resultaten.ods", ods_bytes(RESULT_HEADER, rows),
                         "results")  # fmt: skip
    assert report.ok, report.problems
    assert report.rows_added == len(rows)


def test_an_xls_renamed_xlsx_is_still_read(import_db, base) -> None:
    checked = _check(import_db, "resultaten.xlsx", xls_bytes(RESULT_HEADER, base))
    assert len(next(iter(checked.frames.values()))) == len(base)


def test_ods_formatting_to_the_right_and_bottom_is_ignored(import_db, base) -> None:
    # 1,048,000 formatted rows x 16,384 columns after the data: nothing used, nothing held.
    data = ods_bytes(RESULT_HEADER, base)
    assert b'number-rows-repeated="1048000"' in zipfile.ZipFile(io.BytesIO(data)).read(
        "content.xml"
    )
    assert len(next(iter(_check(import_db, "r.ods", data).frames.values()))) == len(base)


def test_ods_value_far_to_the_right_names_the_cell(import_db, base) -> None:
    data = ods_bytes(RESULT_HEADER, base, cells=[
        '<table:table-cell table:number-columns-repeated="2000"/>', ods_cell("x")
    ])  # fmt: skip
    # the value sits in the last data row after 11 + 2,000 empty cells: column BYJ
    last = len(base) + 1
    assert _refusal(import_db, "r.ods", data) == (
        "r.ods", "Resultaten", last, "BYJ",
        f"Het blad gebruikt kolommen tot BYJ (cel BYJ{last}). Verwacht: hoogstens 256 "
        "kolommen; verwijder de inhoud rechts van de gegevens.",
    )  # fmt: skip


def test_ods_repeated_values_that_would_fill_memory_are_refused_before_reading(
    import_db, base
) -> None:
    bomb = (
        '<table:table-row table:number-rows-repeated="1000000">'
        + ods_cell(1, ' table:number-columns-repeated="200"')
        + "</table:table-row>"
    )
    data = ods_bytes(RESULT_HEADER, base, tail=bomb)
    assert len(data) < 5_000
    sheet, message = _refusal(import_db, "r.ods", data)[1::3]
    assert sheet == "Resultaten"
    rows = f"{1_000_000 + len(base) + 1:_}".replace("_", ".")
    limit = f"{MAX_CELLS:_}".replace("_", ".")
    assert message.startswith(
        f"Het blad gebruikt {rows} rijen en 200 kolommen; dat zijn meer dan {limit} cellen."
    )


def test_ods_formula_is_refused_at_its_cell(import_db, base) -> None:
    rows = [list(r) for r in base]
    with pytest.raises(ImportRejected) as exc:
        _check(import_db, "r.ods", _ods_with_formula(rows))
    p = exc.value.problems[0]
    assert (p.sheet, p.row, p.column, p.value) == ("Resultaten", 3, "gemiddelde_school", "=[.G2]+1")
    assert p.message.startswith("Deze cel bevat een formule.")


def _ods_with_formula(rows: list[list[object]]) -> bytes:
    """The rows with gemiddelde_school of the second row as a formula (row 3, column G)."""
    marked = [list(r) for r in rows]
    marked[1][6] = "__FORMULA__"
    data = ods_bytes(RESULT_HEADER, marked)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        content = src.read("content.xml").replace(
            b'<table:table-cell office:value-type="string"><text:p>__FORMULA__</text:p>',
            b'<table:table-cell table:formula="of:=[.G2]+1" office:value-type="float" '
            b'office:value="70"><text:p>70</text:p>',
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                dst.writestr(item, content if item.filename == "content.xml" else src.read(item))
    return out.getvalue()


def test_a_cell_over_excels_limit_names_the_cell(import_db, base) -> None:
    # (xlwt cannot write such an .xls; calamine's .xls/.xlsb texts pass the same check)
    rows = [list(r) for r in base]
    rows[1][3] = "x" * 40_000
    name = "r.ods"
    assert _refusal(import_db, name, ods_bytes(RESULT_HEADER, rows)) == (
        name, "Resultaten", 3, "D",
        "Deze cel bevat meer dan 32.767 tekens (de grens van Excel). Verwacht: gewone waarden.",
    )  # fmt: skip


def test_a_password_protected_workbook_says_so(import_db) -> None:
    fake = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le")
    )
    assert _refusal(import_db, "r.xlsx", fake)[4].startswith(
        "Het bestand als geheel is beveiligd met een wachtwoord"
    )


def test_refused_formats_change_nothing(import_db, admin: Viewer, base) -> None:
    before = table_checksums(import_db.cursor())
    rows = [list(r) for r in base]
    rows[0][6] = 140
    report = import_file(import_db, admin, "r.ods", ods_bytes(RESULT_HEADER, rows), "results")
    assert not report.ok
    assert table_checksums(import_db.cursor()) == before
