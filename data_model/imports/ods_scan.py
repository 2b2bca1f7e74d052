"""The safety scan of an OpenDocument spreadsheet (LibreOffice, .ods) before calamine reads
it: the zip is checked like an xlsx and `content.xml` is streamed through an XML pull parser
that follows the cells as LibreOffice repeats them (`number-columns-repeated`,
`number-rows-repeated`): the used rows and columns, the area calamine will hold, the longest
cell, formulas, %-cells (`office:value-type="percentage"`) and merged cells. Empty repeated
cells (formatting "to the bottom" or "to the right") use nothing and are ignored.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import cast
from xml.etree import ElementTree

from data_model.imports.cells import MAX_CELL_CHARS
from data_model.imports.read_limits import (
    CORRUPT,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEET_XML_BYTES,
    MAX_SMALL_XML_BYTES,
    MAX_UNZIPPED_BYTES,
    PASSWORD,
    ReadError,
    Sheet,
    cell_too_long,
    column_letter,
    too_big,
    too_wide,
)
from data_model.imports.zip_checks import check_entries, open_zip, stream_entry, unzips_too_far

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
# Formulas and %-cells noted per repeated row or cell at most this often: enough to name the
# first ones, without a "repeated 1,000,000 times" formula filling a dict.
_MAX_NOTED = 1000


def _repeat(el: ElementTree.Element, what: str) -> int:
    try:
        return max(1, int(el.get(_TABLE + what) or 1))
    except ValueError:
        raise ReadError(CORRUPT) from None


class _OdsScan:
    """Follows content.xml's cells as they are repeated; see the module docstring."""

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []
        self.sheet: Sheet | None = None
        self.row = 0  # 0-based row of the next <table-row>
        self.col = 0
        self.last_row = -1
        self.last_col = -1
        self.row_used = False
        self.row_formulas: dict[int, str] = {}
        self.row_percent: list[int] = []

    def start(self, el: ElementTree.Element) -> None:
        if el.tag == _TABLE + "table":
            self.sheet = Sheet(el.get(_TABLE + "name") or "", True, len(self.sheets))
            self.row, self.last_row, self.last_col = 0, -1, -1
        elif el.tag == _TABLE + "table-row":
            self.col, self.row_used = 0, False
            self.row_formulas, self.row_percent = {}, []

    def cell(self, el: ElementTree.Element) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        repeat = _repeat(el, "number-columns-repeated")
        kind = el.get(_OFFICE + "value-type")
        text = "".join(el.itertext())
        if len(text) > MAX_CELL_CHARS:
            raise cell_too_long(sheet.name, self.row + 1, column_letter(self.col))
        if kind is not None or text.strip():
            last = self.col + repeat - 1
            if last >= MAX_COLUMNS:
                first_wide = max(self.col, MAX_COLUMNS)
                raise too_wide(sheet.name, f"{column_letter(first_wide)}{self.row + 1}")
            self.row_used = True
            self.last_col = max(self.last_col, last)
            formula = el.get(_TABLE + "formula")
            for c in range(self.col, self.col + min(repeat, _MAX_NOTED)):
                if formula is not None:
                    self.row_formulas[c] = "=" + formula.split(":", 1)[-1].lstrip("=")
                if kind == "percentage":
                    self.row_percent.append(c)
        spans = (_repeat(el, "number-columns-spanned"), _repeat(el, "number-rows-spanned"))
        if spans != (1, 1):
            sheet.merged.append(
                f"{column_letter(self.col)}{self.row + 1}:"
                f"{column_letter(self.col + spans[0] - 1)}{self.row + spans[1]}"
            )
        self.col += repeat

    def end_row(self, el: ElementTree.Element) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        repeat = _repeat(el, "number-rows-repeated")
        if self.row_used:
            self.last_row = self.row + repeat - 1
            if self.last_row >= MAX_ROWS:
                raise ReadError(
                    f"Het blad heeft meer dan {MAX_ROWS:_} rijen. Splits het bestand.".replace(
                        "_", "."
                    ),
                    sheet=sheet.name,
                )
            if (self.last_row + 1) * (self.last_col + 1) > MAX_CELLS:
                raise too_big(sheet.name, self.last_row + 1, self.last_col + 1)
            for r in range(self.row, self.row + min(repeat, _MAX_NOTED)):
                for c, formula in self.row_formulas.items():
                    sheet.formulas[(r + 1, c)] = formula
                sheet.percent_cells.update((r + 1, c) for c in self.row_percent)
        self.row += repeat

    def end_table(self) -> None:
        if self.sheet is not None:
            self.sheets.append(self.sheet)
        self.sheet = None


def _parse_ods_content(zf: zipfile.ZipFile, scan: _OdsScan) -> int:
    """Stream content.xml through `scan`; returns its decompressed size."""
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("start", "end")
    )
    stack: list[ElementTree.Element] = []
    tail = b""
    total = 0
    try:
        for chunk in stream_entry(zf, "content.xml", MAX_SHEET_XML_BYTES):
            total += len(chunk)
            # Office never writes a DTD: entity expansion is refused before parsing.
            if any(m in tail + chunk for m in (b"<!DOCTYPE", b"<!ENTITY")):
                raise ReadError(CORRUPT)
            tail = chunk[-16:]
            parser.feed(chunk)
            # Only start and end were asked for: each event carries an element (no namespaces).
            events = cast(Iterator[tuple[str, ElementTree.Element]], parser.read_events())
            for event, el in events:
                if event == "start":
                    stack.append(el)
                    scan.start(el)
                    continue
                stack.pop()
                if el.tag in _CELLS:
                    scan.cell(el)
                elif el.tag == _TABLE + "table-row":
                    scan.end_row(el)
                elif el.tag == _TABLE + "table":
                    scan.end_table()
                else:
                    continue
                if stack:  # done with it: nothing of a read row stays in memory
                    stack[-1].remove(el)
        parser.close()
    except (ElementTree.ParseError, KeyError) as exc:  # KeyError: no content.xml
        raise ReadError(CORRUPT) from exc
    return total


def inspect_ods(data: bytes) -> list[Sheet]:
    """The sheets of an OpenDocument spreadsheet after every limit was checked."""
    with open_zip(data) as zf:
        check_entries(zf)
        manifest = b"".join(stream_entry(zf, "META-INF/manifest.xml", MAX_SMALL_XML_BYTES)) if (
            "META-INF/manifest.xml" in zf.namelist()
        ) else b""  # fmt: skip
        if b"encryption-data" in manifest:
            raise ReadError(PASSWORD)
        scan = _OdsScan()
        total = _parse_ods_content(zf, scan)
        if total > MAX_UNZIPPED_BYTES:
            raise unzips_too_far()
    if not scan.sheets:
        raise ReadError(CORRUPT)
    return scan.sheets
