"""One reader for every spreadsheet the app accepts (.xlsx, .xlsm, .xls, .xlsb, .ods and .csv):
the data imports and the users sheet (`data_model.state.users`) both read through `open_book`.

Hostile files are refused *before* anything is materialised (docs/architecture.md, "Hostile input"):
- xlsx: the zip is inspected entry by entry (`zip_checks.py`), then every worksheet's XML and
  the shared strings are scanned (`xlsx_scan.py`). Only then does python-calamine (fast, Rust)
  parse the workbook.
- ods (LibreOffice): the zip is checked like an xlsx and `content.xml` is followed cell by
  repeated cell (`ods_scan.py`) before calamine reads a byte.
- xls and xlsb (binary): there is no XML to scan, so only the file size (and for xlsb the zip)
  is checked before calamine parses; then the sheet's used area (rows, columns, cells), which
  calamine knows before the values become Python objects, and every text's length are
  checked on what calamine returns (here, `Book.rows`). calamine gives the last calculated
  value of a formula (not the formula) and no number formats, so a formula is read as its
  value (which passes every cell check) and a %-formatted cell as its fraction (the fraction
  rule of `row_checks.fraction_check` applies).
- csv: decoding, delimiters and broken quoting in `csv_read.py`.
The limits and the Dutch messages are in `read_limits.py`. A refusal is a `ReadError` with a
Dutch message (and the sheet/row/column when known).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import cast

import python_calamine

from data_model.imports.cells import MAX_CELL_CHARS
from data_model.imports.csv_read import looks_like_text, nul_problem, read_csv
from data_model.imports.ods_scan import inspect_ods
from data_model.imports.read_limits import (
    CORRUPT,
    CSV_SHEET,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    PASSWORD,
    cell_too_long,
    column_letter,
    mb,
    too_big,
    too_wide,
)

# Re-exported: the reader is where callers get the file limit, a refusal and a sheet.
from data_model.imports.read_limits import MAX_FILE_BYTES as MAX_FILE_BYTES
from data_model.imports.read_limits import ReadError as ReadError
from data_model.imports.read_limits import Sheet as Sheet
from data_model.imports.xlsx_scan import inspect_xlsx
from data_model.imports.zip_checks import check_zip, open_zip

XLSX_SUFFIXES = (".xlsx", ".xlsm")
BINARY_SUFFIXES = (".xls", ".xlsb")
ODS_SUFFIXES = (".ods",)
CSV_SUFFIXES = (".csv", ".txt")
SUFFIXES = XLSX_SUFFIXES + BINARY_SUFFIXES + ODS_SUFFIXES + CSV_SUFFIXES
WHAT_IS_READ = (
    "een werkmap van Excel (.xlsx, .xls, .xlsb) of LibreOffice (.ods) of een CSV-bestand (.csv)"
)
# The types an upload field names (every uploader reads through open_book; .xlsm and .txt are
# read too, but not offered).
ACCEPTED_TYPES = ".xlsx, .xls, .xlsb, .ods of .csv"


def unsupported_type(file_name: str) -> str:
    """Why a file of this type is not read (also shown by the page before anything is sent)."""
    suffix = PurePosixPath(file_name.lower()).suffix
    return (
        f"Bestanden van het type '{suffix or '(geen extensie)'}' kunnen niet worden "
        f"ingelezen. Verwacht: {WHAT_IS_READ}."
    )


@dataclass
class Book:
    """An opened, inspected file; `rows(sheet)` materialises one sheet (values only)."""

    file_name: str
    sheets: list[Sheet]
    _calamine: python_calamine.CalamineWorkbook | None = None
    _csv_rows: list[list[object]] | None = None
    _opened: dict[int, python_calamine.CalamineSheet] = field(default_factory=dict)

    def rows(self, sheet: Sheet, limit: int | None = None) -> list[list[object]]:
        """Rows from row 1 (empty leading rows kept, so index + 1 is the Excel row)."""
        if self._csv_rows is not None:
            return self._csv_rows[:limit] if limit else self._csv_rows
        try:
            # calamine parses the whole sheet on get_sheet: once per sheet, kept for rows().
            ws = self._opened.get(sheet.index)
            if ws is None:
                assert self._calamine is not None  # a book without CSV rows is a calamine one
                ws = self._calamine.get_sheet_by_index(sheet.index)
                if not sheet.checked:
                    _check_area(sheet, ws)
                self._opened[sheet.index] = ws
            if limit:
                out: list[list[object]] = []
                # calamine's cells are a union of scalar types; rows hand on cells of any type.
                for cells in cast(Iterator[list[object]], ws.iter_rows()):
                    out.append(cells)
                    if len(out) >= limit:
                        break
                rows = out
            else:
                rows = cast(list[list[object]], ws.to_python(skip_empty_area=False))
            if not sheet.checked:
                _check_texts(sheet, rows)
            if not sheet.merged:
                sheet.merged = [_merged_ref(m) for m in (ws.merged_cell_ranges or [])]
        except (python_calamine.CalamineError, ValueError) as exc:
            if sheet.errors:  # e.g. #SPILL!, which calamine does not know: name the cell
                (row, col), value = min(sheet.errors.items())
                raise ReadError(
                    "Deze cel bevat een Excel-fout. Verwacht: een waarde.",
                    sheet.name, row, column_letter(col), value,
                ) from exc  # fmt: skip
            raise ReadError(CORRUPT) from exc
        return rows


def _check_area(sheet: Sheet, ws: python_calamine.CalamineSheet) -> None:
    """The used area of a sheet calamine parsed from binary records, before any of its values
    becomes a Python object (rows and columns it uses, the cells it holds)."""
    if not ws.height:
        return
    assert ws.end is not None  # a sheet with rows has a used area
    end_row, end_col = ws.end
    if end_row >= MAX_ROWS:
        raise ReadError(
            f"Het blad heeft meer dan {MAX_ROWS:_} rijen. Splits het bestand.".replace("_", "."),
            sheet=sheet.name,
        )
    if (end_row + 1) * (end_col + 1) > MAX_CELLS:
        raise too_big(sheet.name, end_row + 1, end_col + 1)
    if end_col >= MAX_COLUMNS:
        assert ws.start is not None
        start_row, start_col = ws.start
        for i, row in enumerate(ws.iter_rows()):
            for j in range(max(0, MAX_COLUMNS - start_col), len(row)):
                if row[j] != "":
                    raise too_wide(sheet.name, f"{column_letter(start_col + j)}{start_row + i + 1}")


def _check_texts(sheet: Sheet, rows: list[list[object]]) -> None:
    """Every text within the cell limit (a binary file is not bound by Excel's own)."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise cell_too_long(sheet.name, i + 1, column_letter(j))


def _merged_ref(item: tuple[tuple[int, int], tuple[int, int]]) -> str:
    (r1, c1), (r2, c2) = item
    return f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"


def sniff(data: bytes) -> str:
    if not data:
        return "empty"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"  # password-protected OOXML or an old .xls
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf16"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def open_book(file_name: str, data: bytes) -> Book:
    """Check the file type and limits and open it; raises ReadError with a Dutch message."""
    suffix = PurePosixPath(file_name.lower()).suffix
    kind = sniff(data)
    if kind == "empty" or (kind == "text" and not data.strip()):
        raise ReadError("Het bestand is leeg.")
    upfront = upfront_refusal(file_name, len(data))
    if upfront is not None:
        raise ReadError(upfront)
    if suffix in CSV_SUFFIXES:
        return _open_csv(file_name, data, kind)
    if kind in ("text", "utf16", "binary") and looks_like_text(data):
        raise ReadError(
            f"Het bestand heet {suffix} maar is een tekstbestand (CSV). Geef het de extensie "
            ".csv of open het in Excel en sla het op als Excel-werkmap (.xlsx)."
        )
    if kind == "ole":  # an .xls, or an xlsx/xlsb with a password (an encrypted OLE package)
        if _ENCRYPTED in data:
            raise ReadError(PASSWORD)
        return _open_calamine(file_name, data, None)
    if kind != "zip":
        raise ReadError(CORRUPT)
    # The content decides, not the name: a school office renames files.
    package = _package_kind(data)
    if package == "ods":
        return _open_calamine(file_name, data, inspect_ods(data))
    if package == "xlsb":
        check_zip(data)  # the package itself; the sheets are binary records
        return _open_calamine(file_name, data, None)
    return _open_calamine(file_name, data, inspect_xlsx(data))


# The name of the stream that holds the key of a password-protected Office file.
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")


def _package_kind(data: bytes) -> str:
    """'ods', 'xlsb' or 'xlsx' from the zip's entries."""
    with open_zip(data) as zf:
        names = set(zf.namelist())
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "xlsx"


def _open_csv(file_name: str, data: bytes, kind: str) -> Book:
    if kind == "binary" and (nul := nul_problem(data)) is not None:
        raise nul
    if kind not in ("text", "utf16"):
        raise ReadError(
            "Het bestand heet .csv maar is als geheel geen tekstbestand (misschien een "
            "werkmap). Geef het de juiste extensie (.xlsx, .xls of .ods) of sla het op als CSV."
        )
    return Book(file_name, [Sheet(CSV_SHEET, True, 0)], _csv_rows=read_csv(data))


def upfront_refusal(file_name: str, size: int) -> str | None:
    """What the page can say before a file is sent to the worker: its type and size."""
    if PurePosixPath(file_name.lower()).suffix not in SUFFIXES:
        return unsupported_type(file_name)
    if size > MAX_FILE_BYTES:
        return (
            f"Het bestand is groter dan {mb(MAX_FILE_BYTES)}. Splits het, bv. per schooljaar "
            "of per toets."
        )
    return None


def _open_calamine(file_name: str, data: bytes, sheets: list[Sheet] | None) -> Book:
    """The workbook in calamine; `sheets` from the XML inspection (xlsx, ods) or, for the
    binary formats, from calamine's own list (their limits are checked per sheet in rows())."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise ReadError(PASSWORD) from exc
    except Exception as exc:  # calamine raises its own and zip errors for broken packages
        raise ReadError(CORRUPT) from exc
    names = book.sheet_names
    if sheets is None:
        visible = python_calamine.SheetVisibleEnum.Visible
        sheets = [
            Sheet(meta.name, meta.visible == visible, i, checked=False)
            for i, meta in enumerate(book.sheets_metadata)
        ]
    elif any(s.visible for s in sheets) and len(names) == len(sheets):
        # ods keeps visibility in styles: calamine reads it there; the XML scan gave the rest
        visible = python_calamine.SheetVisibleEnum.Visible
        for sheet, meta in zip(sheets, book.sheets_metadata, strict=True):
            sheet.visible = sheet.visible and meta.visible == visible
    if len(names) != len(sheets):
        raise ReadError(CORRUPT)
    return Book(file_name, sheets, _calamine=book)
