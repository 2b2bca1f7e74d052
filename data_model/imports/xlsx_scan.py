"""The safety scan of an xlsx workbook before calamine reads it: every worksheet's XML is
streamed for the rows and columns it actually uses (the declared `<dimension>` is not trusted:
a 0.5 MB file can declare A1:XFD15000), its longest cell, its formulas, error cells and
%-formatted cells; the shared-string table is counted and its longest string measured.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

from data_model.imports.cells import MAX_CELL_CHARS
from data_model.imports.read_limits import (
    CORRUPT,
    MAX_COLUMNS,
    MAX_SHARED_STRINGS,
    MAX_SHEET_XML_BYTES,
    MAX_UNZIPPED_BYTES,
    ReadError,
    Sheet,
    cell_too_long,
    column_index,
    too_wide,
)
from data_model.imports.zip_checks import (
    check_entries,
    open_zip,
    small_xml,
    stream_entry,
    unzips_too_far,
)

# One cell in the XML: the value can be up to 6 bytes per character (entities, UTF-8) plus tags.
_MAX_CELL_XML = 6 * MAX_CELL_CHARS + 512


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ElementTree.Element, name: str) -> str | None:
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Style indices (the `s` of a cell) whose number format shows a percentage."""
    root = small_xml(zf, "xl/styles.xml")
    if root is None:
        return set()
    percent_formats = {9, 10}  # built-in 0% and 0.00%
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", _attr(el, "formatCode") or "")
            if "%" in code:
                percent_formats.add(int(_attr(el, "numFmtId") or -1))
    out = set()
    for el in root.iter():
        if _local(el.tag) == "cellXfs":
            for i, xf in enumerate(x for x in el if _local(x.tag) == "xf"):
                if int(_attr(xf, "numFmtId") or 0) in percent_formats:
                    out.add(i)
    return out


def _sheet_paths(zf: zipfile.ZipFile) -> list[tuple[str, bool, str]]:
    """(name, visible, zip path) per sheet, in workbook order."""
    workbook = small_xml(zf, "xl/workbook.xml")
    rels = small_xml(zf, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        raise ReadError(CORRUPT)
    targets = {}
    for rel in rels:
        target = (rel.get("Target") or "").lstrip("/")
        targets[rel.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
    out = []
    for el in workbook.iter():
        if _local(el.tag) == "sheet":
            path = targets.get(_attr(el, "id") or "", "")
            out.append((el.get("name") or "", (el.get("state") or "visible") == "visible", path))
    if not out:
        raise ReadError(CORRUPT)
    return out


_FORMULA = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?>\s*<f([^>]*?)(?:/>|>([^<]*)</f>)')
_ERROR = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?t="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
_WIDE = re.compile(rb'<c r="([A-Z]{3}|[J-Z][A-Z]|I[W-Z])([0-9]{1,7})"[^>]*>')


def _scan_sheet(
    zf: zipfile.ZipFile, sheet: Sheet, path: str, percent: set[int], long_string: int | None
) -> int:
    """Stream one worksheet's XML: refuse over-wide sheets and over-long cells (also the cell
    that shows the over-long shared string `long_string`); note formulas and %-formatted
    cells. Returns the decompressed size."""
    pct_re = None
    if percent:
        styles = b"|".join(str(s).encode() for s in sorted(percent))
        pct_re = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})" s="(?:' + styles + rb')"')
    uses_long = None
    if long_string is not None:
        uses_long = re.compile(
            rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*\st="s"[^>]*>\s*<v>\s*'
            + str(long_string).encode()
            + rb"\s*</v>"
        )
    size = 0
    carry = b""
    done = False
    for chunk in stream_entry(zf, path, MAX_SHEET_XML_BYTES):
        size += len(chunk)
        if done:
            continue  # only counting: what follows </sheetData> is layout, not cells
        buf = carry + chunk
        end = buf.find(b"</sheetData>")
        if end >= 0:
            piece, carry, done = buf[:end], b"", True
        else:
            cut = buf.rfind(b"<c ")
            cut = cut if cut > 0 else len(buf)
            piece, carry = buf[:cut], buf[cut:]
            if len(carry) > _MAX_CELL_XML:
                piece, carry = buf, b""  # one cell spans the whole chunk: measured below
        _check_piece(sheet, piece, pct_re)
        if uses_long is not None and (m := uses_long.search(piece)):
            raise cell_too_long(sheet.name, int(m.group(2)), m.group(1).decode())
    return size


_CELL_REF = re.compile(rb'\s*r="([A-Z]{1,3})([0-9]{1,7})"')


def _may_hold_long_cell(piece: bytes) -> bool:
    """False when no stretch between two cells can exceed _MAX_CELL_XML: such a stretch holds
    a whole aligned block of half that length without a cell start, so when every block has
    one (a find in C that stops within a few bytes), splitting the piece cell by cell (a list
    of every cell, the larger part of the scan's time) is not needed."""
    block = _MAX_CELL_XML // 2
    return any(piece.find(b"<c ", at, at + block) < 0 for at in range(0, len(piece), block))


def _check_piece(sheet: Sheet, piece: bytes, pct_re: re.Pattern[bytes] | None) -> None:
    long_cell = len(piece) > _MAX_CELL_XML and _may_hold_long_cell(piece)
    longest = max(piece.split(b"<c "), key=len) if long_cell else b""
    if len(longest) > _MAX_CELL_XML:
        ref = _CELL_REF.match(longest)
        if ref is None:
            raise cell_too_long(sheet.name, None, "")
        raise cell_too_long(sheet.name, int(ref.group(2)), ref.group(1).decode())
    wide = _used_wide_cell(piece)
    if wide is not None:
        raise too_wide(sheet.name, wide)
    if b"<f" in piece:
        for m in _FORMULA.finditer(piece):
            text = (m.group(4) or b"").decode("utf-8", "replace")
            key = (int(m.group(2)), column_index(m.group(1)))
            sheet.formulas[key] = "=" + text if text else "(formule)"
    if b't="e"' in piece:
        for m in _ERROR.finditer(piece):
            key = (int(m.group(2)), column_index(m.group(1)))
            sheet.errors[key] = m.group(3).decode("utf-8", "replace")
    if pct_re is not None:
        for m in pct_re.finditer(piece):
            sheet.percent_cells.add((int(m.group(2)), column_index(m.group(1))))


_HAS_VALUE = re.compile(rb"<v>[^<]|<t[^>]*>[^<]|<f[\s>/]")


def _used_wide_cell(piece: bytes) -> str | None:
    """The first cell past MAX_COLUMNS that holds something. A styled empty cell
    (`<c r="XFD3" s="4"/>`, or `<c ...></c>` as LibreOffice writes formatting "to the right")
    holds nothing: calamine skips it, so it is ignored here too."""
    for m in _WIDE.finditer(piece):
        if column_index(m.group(1)) < MAX_COLUMNS or m.group(0).endswith(b"/>"):
            continue
        close = piece.find(b"</c>", m.end())
        body = piece[m.end() : close if close >= 0 else len(piece)]
        if _HAS_VALUE.search(body):
            return (m.group(1) + m.group(2)).decode()
    return None


def _scan_shared_strings(zf: zipfile.ZipFile) -> tuple[int, int | None]:
    """(decompressed size, index of the first string over the cell limit or None): the
    string is refused where a cell shows it (_scan_sheet), so the message names that cell."""
    name = "xl/sharedStrings.xml"
    if name not in zf.namelist():
        return 0, None
    count = 0
    size = 0
    carry = b""
    long_string = None
    for chunk in stream_entry(zf, name, MAX_SHEET_XML_BYTES):
        size += len(chunk)
        if long_string is not None:
            break  # refused either way (at the cell that shows it): nothing more to read
        buf = carry + chunk
        cut = buf.rfind(b"<si")
        cut = cut if cut > 0 else len(buf)
        piece, carry = buf[:cut], buf[cut:]
        parts = piece.split(b"<si")
        for i, part in enumerate(parts[1:]):
            if len(part) > _MAX_CELL_XML:
                long_string = count + i
                break
        count += piece.count(b"<si>") + piece.count(b"<si/>") + piece.count(b"<si ")
        if count > MAX_SHARED_STRINGS:
            raise ReadError(
                f"Het bestand bevat meer dan {MAX_SHARED_STRINGS:_} verschillende teksten. Dat "
                "is geen gewone werkmap; splits ze of sla ze opnieuw op vanuit Excel.".replace(
                    "_", "."
                )
            )
        if long_string is None and len(carry) > _MAX_CELL_XML:
            long_string, carry = count, b""
    return size, long_string


def inspect_xlsx(data: bytes) -> list[Sheet]:
    """The sheets of a workbook after every limit was checked (see the module docstring)."""
    with open_zip(data) as zf:
        check_entries(zf)
        total, long_string = _scan_shared_strings(zf)
        percent = _percent_styles(zf)
        sheets = []
        names = set(zf.namelist())
        for index, (name, visible, path) in enumerate(_sheet_paths(zf)):
            sheet = Sheet(name, visible, index)
            if path in names:
                total += _scan_sheet(zf, sheet, path, percent, long_string)
            if total > MAX_UNZIPPED_BYTES:
                raise unzips_too_far()
            sheets.append(sheet)
    if long_string is not None:  # in no cell: calamine would still read it
        raise ReadError(
            f"Het bestand als geheel bevat een tekst van meer dan {MAX_CELL_CHARS:_} tekens (de "
            "grens van Excel) die in geen enkele cel staat. Verwacht: gewone waarden; sla de "
            "werkmap opnieuw op vanuit Excel.".replace("_", ".")
        )
    return sheets
