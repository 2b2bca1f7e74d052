"""One reader for every spreadsheet the app accepts (.xlsx, .xlsm, .xls, .xlsb, .ods and .csv):
the data imports and the users sheet (`data_model.state.users`) both read through `open_book`.

Hostile files are refused *before* anything is materialised (docs/architecture.md, "Hostile input"):
- xlsx: the zip is inspected entry by entry with streaming reads (decompressed bytes counted
  while reading, never trusting the sizes the zip declares); every worksheet's XML is scanned
  for the rows and columns it actually uses (the declared `<dimension>` is not trusted: a
  0.5 MB file can declare A1:XFD15000), the longest cell and its formulas and %-formatted
  cells; the shared-string table is counted and its longest string measured. Only then does
  python-calamine (fast, Rust) parse the workbook.
- ods (LibreOffice): the zip is checked like an xlsx and `content.xml` is streamed through an
  XML pull parser that follows the cells as LibreOffice repeats them
  (`number-columns-repeated`, `number-rows-repeated`): the used rows and columns, the area
  calamine will hold, the longest cell, formulas, %-cells (`office:value-type="percentage"`)
  and merged cells are known before calamine reads a byte. Empty repeated cells (formatting
  "to the bottom" or "to the right") use nothing and are ignored.
- xls and xlsb (binary): there is no XML to scan, so only the file size is checked before
  calamine parses; then the sheet's used area (rows, columns, cells), which calamine knows
  before the values become Python objects, and every text's length are checked on what
  calamine returns. calamine gives the last calculated value of a formula (not the formula)
  and no number formats, so a formula is read as its value (which passes every cell check)
  and a %-formatted cell as its fraction (the fraction rule of `checks.fraction_check`
  applies).
- csv: strict UTF-8 first; cp1252 only when the whole file is consistent with it (no valid
  UTF-8 sequence anywhere), otherwise the row with the bad byte is named; UTF-16 with a BOM
  (Excel "Unicode-tekst"); universal newlines (CR only from Excel for Mac); an unbalanced
  quote or a field over the cell limit is a Dutch message.
A refusal is a `ReadError` with a Dutch message (and the sheet/row/column when known).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.etree import ElementTree

import python_calamine

from data_model.imports.cells import MAX_CELL_CHARS

CSV_SHEET = "(csv)"
MAX_FILE_BYTES = 100 * 1024 * 1024  # the upload itself
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # all entries of an xlsx together, decompressed
MAX_SHEET_XML_BYTES = 300 * 1024 * 1024  # one worksheet's XML (a Flanders pupil file: ~60 MB)
MAX_SMALL_XML_BYTES = 20 * 1024 * 1024  # workbook.xml, rels, styles.xml
MAX_SHARED_STRINGS = 1_000_000
MAX_COLUMNS = 256  # used columns of one sheet (column IV)
MAX_ROWS = 1_048_576
MAX_ZIP_ENTRIES = 10_000
_CHUNK = 8 * 1024 * 1024
# One cell in the XML: the value can be up to 6 bytes per character (entities, UTF-8) plus tags.
_MAX_CELL_XML = 6 * MAX_CELL_CHARS + 512
_MB = 1024 * 1024
# What calamine holds of one sheet is dense (rows x columns, whatever is empty): a value at A1
# and one at IV1048576 would be 268 M cells. 15 M is five times a Flanders pupil file.
MAX_CELLS = 15_000_000
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


class ReadError(Exception):
    """A file that cannot be read; `message` is Dutch and says what to do."""

    def __init__(
        self,
        message: str,
        sheet: str = "",
        row: int | None = None,
        column: str = "",
        value: str = "",
    ) -> None:
        super().__init__(message)
        self.message, self.sheet, self.row, self.column = message, sheet, row, column
        self.value = value


CORRUPT = (
    "Het bestand als geheel is onleesbaar: het is beschadigd of is geen werkmap. Open het in "
    "Excel of LibreOffice en sla het opnieuw op als Excel-werkmap (.xlsx)."
)
PASSWORD = (
    "Het bestand als geheel is beveiligd met een wachtwoord en kan dus niet gelezen worden. "
    "Verwijder het wachtwoord en sla het opnieuw op."
)


def unsupported_type(file_name: str) -> str:
    """Why a file of this type is not read (also shown by the page before anything is sent)."""
    suffix = PurePosixPath(file_name.lower()).suffix
    return (
        f"Bestanden van het type '{suffix or '(geen extensie)'}' kunnen niet worden "
        f"ingelezen. Verwacht: {WHAT_IS_READ}."
    )


def _mb(n: int) -> str:
    return f"{n // _MB} MB"


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class Sheet:
    name: str
    visible: bool
    index: int  # position for calamine
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 1/0-based
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row 1-based, col)
    # Error cells (t="e"): calamine reads them as empty, so they are noted here.
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    # False for xls/xlsb: no XML was scanned, so rows() checks what calamine returns.
    checked: bool = True


@dataclass
class Book:
    """An opened, inspected file; `rows(sheet)` materialises one sheet (values only)."""

    file_name: str
    sheets: list[Sheet]
    _calamine: object = None
    _csv_rows: list[list[object]] | None = None
    _opened: dict[int, object] = field(default_factory=dict)

    def rows(self, sheet: Sheet, limit: int | None = None) -> list[list[object]]:
        """Rows from row 1 (empty leading rows kept, so index + 1 is the Excel row)."""
        if self._csv_rows is not None:
            return self._csv_rows[:limit] if limit else self._csv_rows
        try:
            # calamine parses the whole sheet on get_sheet: once per sheet, kept for rows().
            ws = self._opened.get(sheet.index)
            if ws is None:
                ws = self._calamine.get_sheet_by_index(sheet.index)  # type: ignore[attr-defined]
                if not sheet.checked:
                    _check_area(sheet, ws)
                self._opened[sheet.index] = ws
            if limit:
                out = []
                for row in ws.iter_rows():
                    out.append(row)
                    if len(out) >= limit:
                        break
                rows = out
            else:
                rows = ws.to_python(skip_empty_area=False)
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


def _check_area(sheet: Sheet, ws: object) -> None:
    """The used area of a sheet calamine parsed from binary records, before any of its values
    becomes a Python object (rows and columns it uses, the cells it holds)."""
    if not ws.height:  # type: ignore[attr-defined]
        return
    end_row, end_col = ws.end  # type: ignore[attr-defined]
    if end_row >= MAX_ROWS:
        raise ReadError(
            f"Het blad heeft meer dan {MAX_ROWS:_} rijen. Splits het bestand.".replace("_", "."),
            sheet=sheet.name,
        )
    if (end_row + 1) * (end_col + 1) > MAX_CELLS:
        raise too_big(sheet.name, end_row + 1, end_col + 1)
    if end_col >= MAX_COLUMNS:
        start_row, start_col = ws.start  # type: ignore[attr-defined]
        for i, row in enumerate(ws.iter_rows()):  # type: ignore[attr-defined]
            for j in range(max(0, MAX_COLUMNS - start_col), len(row)):
                if row[j] != "":
                    raise too_wide(sheet.name, f"{column_letter(start_col + j)}{start_row + i + 1}")


def _check_texts(sheet: Sheet, rows: list[list[object]]) -> None:
    """Every text within the cell limit (a binary file is not bound by Excel's own)."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise cell_too_long(sheet.name, i + 1, column_letter(j))


def _merged_ref(item: object) -> str:
    (r1, c1), (r2, c2) = item  # type: ignore[misc]
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
    if kind in ("text", "utf16", "binary") and _looks_like_text(data):
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
        _check_zip(data)  # the package itself; the sheets are binary records
        return _open_calamine(file_name, data, None)
    return _open_calamine(file_name, data, inspect_xlsx(data))


# The name of the stream that holds the key of a password-protected Office file.
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")


def _package_kind(data: bytes) -> str:
    """'ods', 'xlsb' or 'xlsx' from the zip's entries."""
    with _zip(data) as zf:
        names = set(zf.namelist())
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "xlsx"


def _open_csv(file_name: str, data: bytes, kind: str) -> Book:
    if kind == "binary" and (nul := _nul_problem(data)) is not None:
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
            f"Het bestand is groter dan {_mb(MAX_FILE_BYTES)}. Splits het, bv. per schooljaar "
            "of per toets."
        )
    return None


def _looks_like_text(data: bytes) -> bool:
    """A CSV given a spreadsheet's name (no zip or OLE signature, mostly printable)."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    printable = sum(1 for b in head if b >= 32 or b in (9, 10, 13))
    return printable >= 0.95 * len(head) and b"\x00" not in head


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


def _nul_problem(data: bytes) -> ReadError | None:
    """A text file with a NUL byte (a broken export): the line and column of the first one.
    None when the file is not text at all (then the file as a whole is refused)."""
    at = data.find(b"\x00")
    head = data[: max(at, 0)]
    if at < 0 or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0") or not _looks_like_text(head):
        return None
    if data[at:].count(b"\x00") > len(data) // 4:  # UTF-16 without a BOM, or binary
        return None
    line = _line_of(data, at)
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    before = data[start:at]
    delimiter = max((b";", b"\t", b","), key=before.count)
    column = column_letter(before.count(delimiter)) if before.count(delimiter) else "A"
    return ReadError(
        f"Regel {line}, kolom {column} bevat een NUL-teken (byte 0x00): dat komt in geen "
        "tekst voor en wijst op een beschadigde export. Verwijder het teken of sla het "
        "bestand opnieuw op als 'CSV UTF-8'.",
        sheet=CSV_SHEET,
        row=line,
        column=column,
    )


# --------------------------------------------------------------------------- xlsx inspection


@contextmanager
def _zip(data: bytes) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            yield zf
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise ReadError(CORRUPT) from exc


def _stream(zf: zipfile.ZipFile, name: str, limit: int) -> Iterator[bytes]:
    """Decompressed chunks of one entry; stops with a ReadError past `limit` bytes."""
    seen = 0
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                seen += len(chunk)
                if seen > limit:
                    raise ReadError(
                        f"Het bestand pakt uit tot meer dan {_mb(limit)} ({name}). Dat is geen "
                        "gewone werkmap; sla ze opnieuw op vanuit Excel of splits ze."
                    )
                yield chunk
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise ReadError(CORRUPT) from exc


def _small_xml(zf: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    if name not in zf.namelist():
        return None
    data = b"".join(_stream(zf, name, MAX_SMALL_XML_BYTES))
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:  # Office never writes these
        raise ReadError(CORRUPT)
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ReadError(CORRUPT) from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ElementTree.Element, name: str) -> str | None:
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Style indices (the `s` of a cell) whose number format shows a percentage."""
    root = _small_xml(zf, "xl/styles.xml")
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
    workbook = _small_xml(zf, "xl/workbook.xml")
    rels = _small_xml(zf, "xl/_rels/workbook.xml.rels")
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
    for chunk in _stream(zf, path, MAX_SHEET_XML_BYTES):
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


def _check_piece(sheet: Sheet, piece: bytes, pct_re: re.Pattern[bytes] | None) -> None:
    longest = max(piece.split(b"<c "), key=len) if piece else b""
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
            key = (int(m.group(2)), _column_index(m.group(1)))
            sheet.formulas[key] = "=" + text if text else "(formule)"
    if b't="e"' in piece:
        for m in _ERROR.finditer(piece):
            key = (int(m.group(2)), _column_index(m.group(1)))
            sheet.errors[key] = m.group(3).decode("utf-8", "replace")
    if pct_re is not None:
        for m in pct_re.finditer(piece):
            sheet.percent_cells.add((int(m.group(2)), _column_index(m.group(1))))


_HAS_VALUE = re.compile(rb"<v>[^<]|<t[^>]*>[^<]|<f[\s>/]")


def _used_wide_cell(piece: bytes) -> str | None:
    """The first cell past MAX_COLUMNS that holds something. A styled empty cell
    (`<c r="XFD3" s="4"/>`, or `<c ...></c>` as LibreOffice writes formatting "to the right")
    holds nothing: calamine skips it, so it is ignored here too."""
    for m in _WIDE.finditer(piece):
        if _column_index(m.group(1)) < MAX_COLUMNS or m.group(0).endswith(b"/>"):
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
    for chunk in _stream(zf, name, MAX_SHEET_XML_BYTES):
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


def _unzips_too_far(limit: int = MAX_UNZIPPED_BYTES) -> ReadError:
    return ReadError(
        f"Het bestand pakt uit tot meer dan {_mb(limit)}. Dat is geen "
        "gewone werkmap; sla ze opnieuw op vanuit Excel of splits ze."
    )


def _check_entries(zf: zipfile.ZipFile) -> None:
    """What the zip declares: the number of entries, their sizes, encryption."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ReadError(CORRUPT)
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:  # declared; counted again later
        raise _unzips_too_far()
    if any(i.flag_bits & 0x1 for i in infos):
        raise ReadError(PASSWORD)


def _check_zip(data: bytes) -> None:
    """A package whose sheets are not XML (xlsb): every entry decompressed once and counted,
    so calamine never unpacks more than the limit."""
    with _zip(data) as zf:
        _check_entries(zf)
        total = 0
        for info in zf.infolist():
            for chunk in _stream(zf, info.filename, MAX_UNZIPPED_BYTES):
                total += len(chunk)
                if total > MAX_UNZIPPED_BYTES:
                    raise _unzips_too_far()


def inspect_xlsx(data: bytes) -> list[Sheet]:
    """The sheets of a workbook after every limit was checked (see the module docstring)."""
    with _zip(data) as zf:
        _check_entries(zf)
        total, long_string = _scan_shared_strings(zf)
        percent = _percent_styles(zf)
        sheets = []
        names = set(zf.namelist())
        for index, (name, visible, path) in enumerate(_sheet_paths(zf)):
            sheet = Sheet(name, visible, index)
            if path in names:
                total += _scan_sheet(zf, sheet, path, percent, long_string)
            if total > MAX_UNZIPPED_BYTES:
                raise _unzips_too_far()
            sheets.append(sheet)
    if long_string is not None:  # in no cell: calamine would still read it
        raise ReadError(
            f"Het bestand als geheel bevat een tekst van meer dan {MAX_CELL_CHARS:_} tekens (de "
            "grens van Excel) die in geen enkele cel staat. Verwacht: gewone waarden; sla de "
            "werkmap opnieuw op vanuit Excel.".replace("_", ".")
        )
    return sheets


# --------------------------------------------------------------------------- ods inspection

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


def too_wide(sheet: str, cell: str) -> ReadError:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return ReadError(
        f"Het blad gebruikt kolommen tot {letters} (cel {cell}). Verwacht: hoogstens "
        f"{MAX_COLUMNS} kolommen; verwijder de inhoud rechts van de gegevens.",
        sheet=sheet,
        row=int(cell[len(letters) :]),
        column=letters,
    )


def too_big(sheet: str, rows: int, columns: int) -> ReadError:
    return ReadError(
        f"Het blad gebruikt {rows:_} rijen en {columns} kolommen; dat zijn meer dan "
        f"{MAX_CELLS:_} cellen. Verwacht: enkel de gegevens; verwijder lege rijen en kolommen "
        "tussen de gegevens en wat ver onder of rechts ervan staat, of splits het "
        "bestand.".replace("_", "."),
        sheet=sheet,
    )


def cell_too_long(sheet: str, row: int | None, column: str) -> ReadError:
    return ReadError(
        f"Deze cel bevat meer dan {MAX_CELL_CHARS:_} tekens (de grens van Excel). Verwacht: "
        "gewone waarden.".replace("_", "."),
        sheet=sheet,
        row=row,
        column=column,
    )


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
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    stack: list[ElementTree.Element] = []
    tail = b""
    total = 0
    try:
        for chunk in _stream(zf, "content.xml", MAX_SHEET_XML_BYTES):
            total += len(chunk)
            # Office never writes a DTD: entity expansion is refused before parsing.
            if any(m in tail + chunk for m in (b"<!DOCTYPE", b"<!ENTITY")):
                raise ReadError(CORRUPT)
            tail = chunk[-16:]
            parser.feed(chunk)
            for event, el in parser.read_events():
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
    with _zip(data) as zf:
        _check_entries(zf)
        manifest = b"".join(_stream(zf, "META-INF/manifest.xml", MAX_SMALL_XML_BYTES)) if (
            "META-INF/manifest.xml" in zf.namelist()
        ) else b""  # fmt: skip
        if b"encryption-data" in manifest:
            raise ReadError(PASSWORD)
        scan = _OdsScan()
        total = _parse_ods_content(zf, scan)
        if total > MAX_UNZIPPED_BYTES:
            raise _unzips_too_far()
    if not scan.sheets:
        raise ReadError(CORRUPT)
    return scan.sheets


# --------------------------------------------------------------------------- csv

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _line_of(data: bytes | str, position: int) -> int:
    head = data[:position]
    nl = b"\n" if isinstance(head, bytes) else "\n"
    cr = b"\r" if isinstance(head, bytes) else "\r"
    crlf = b"\r\n" if isinstance(head, bytes) else "\r\n"
    return head.count(nl) + head.count(cr) - head.count(crlf) + 1


def decode_csv(data: bytes) -> str:
    """The text of a CSV file (see the module docstring for the rules)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError(
                "Het bestand begint als UTF-16-tekst (Excel 'Unicode-tekst') maar is "
                "beschadigd. Sla het opnieuw op als 'CSV UTF-8'."
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_MULTIBYTE.search(data) is None:
        try:  # no valid UTF-8 anywhere: a consistent cp1252 (Windows) file
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    raise ReadError(
        f"Regel {_line_of(data, bad)} bevat een teken dat geen UTF-8 is (byte "
        f"0x{data[bad]:02X}), terwijl de rest van het bestand UTF-8 is. Verbeter het teken of "
        "sla het bestand opnieuw op als 'CSV UTF-8'.",
        sheet=CSV_SHEET,
        row=_line_of(data, bad),
    )


def read_csv(data: bytes) -> list[list[object]]:
    """All rows of a CSV file (delimiter ; , or tab, guessed from the first lines)."""
    text = decode_csv(data)
    first_lines = "\n".join(text.splitlines()[:20])
    counts = {d: first_lines.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[object]] = []
    started = 1
    try:
        for row in reader:
            rows.append(row)
            started = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise ReadError(
                    "Het bestand heeft meer dan 1.048.576 regels. Splits het bestand.",
                    sheet=CSV_SHEET,
                )
    except csv.Error as exc:
        lines = text.splitlines()
        line = lines[started - 1] if started - 1 < len(lines) else ""
        rest = "\n".join(lines[started - 1 :])
        index, problem = _field_at_fault(rest, delimiter)
        column = column_letter(index)
        header = rows[0][index] if rows and index < len(rows[0]) else ""
        named = f"kolom {column}" + (f" ({str(header)[:40]})" if str(header).strip() else "")
        if problem == "quote" or line.count('"') % 2 == 1:
            message = (
                f'Op regel {started}, {named}, wordt een aanhalingsteken (") geopend maar niet '
                "gesloten, zodat de rest van het bestand één veld wordt. Verwacht: elk veld "
                "tussen aanhalingstekens ook afgesloten met een aanhalingsteken."
            )
        elif problem == "long":
            message = (
                f"Op regel {started}, {named}, is een veld langer dan {MAX_CELL_CHARS:_} "
                "tekens (de grens van Excel). Verwacht: gewone waarden.".replace("_", ".")
            )
        else:
            message = (
                f'Op regel {started}, {named}, staat een aanhalingsteken (") midden in een '
                "veld. Verwacht: een veld helemaal tussen aanhalingstekens, met een dubbel "
                'aanhalingsteken ("") voor elk aanhalingsteken in de tekst.'
            )
        raise ReadError(message, sheet=CSV_SHEET, row=started, column=column) from exc
    finally:
        csv.field_size_limit(old_limit)
    return rows


def _field_at_fault(rest: str, delimiter: str) -> tuple[int, str]:
    """(0-based field, 'long' | 'quote' | 'stray') of the record that the strict reader
    refused, read again leniently (its text is in memory already)."""
    csv.field_size_limit(len(rest) + 1)
    record = next(csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter), [])
    for i, value in enumerate(record):
        if "\n" in value or "\r" in value:
            return i, "quote"  # an open quote swallowed the line ends that follow
        if len(value) > MAX_CELL_CHARS:
            return i, "long"
    return _stray_quote_field(rest.split("\n", 1)[0], delimiter), "stray"


def _stray_quote_field(line: str, delimiter: str) -> int:
    """The field of a line where a quoted value goes on after its closing quote."""
    field, i = 0, 0
    while i < len(line):
        if line[i] == '"':  # a quoted field: find its closing quote ("" is a quote inside)
            i += 1
            while i < len(line) and not (line[i] == '"' and line[i + 1 : i + 2] != '"'):
                i += 2 if line[i] == '"' else 1
            i += 1
            if i < len(line) and line[i] != delimiter:
                return field
        while i < len(line) and line[i] != delimiter:
            i += 1
        field, i = field + 1, i + 1
    return 0
