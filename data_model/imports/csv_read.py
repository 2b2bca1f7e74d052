"""CSV files: strict UTF-8 first; cp1252 only when the whole file is consistent with it (no
valid UTF-8 sequence anywhere), otherwise the row with the bad byte is named; UTF-16 with a BOM
(Excel "Unicode-tekst"); universal newlines (CR only from Excel for Mac); an unbalanced quote,
a stray quote, a NUL byte or a field over the cell limit is a Dutch message naming its line
and column.
"""

from __future__ import annotations

import csv
import io
import re

from data_model.imports.cells import MAX_CELL_CHARS
from data_model.imports.read_limits import CSV_SHEET, MAX_ROWS, ReadError, column_letter

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _line_of(data: bytes | str, position: int) -> int:
    head = data[:position]
    if isinstance(head, bytes):
        return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


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
            cells: list[object] = list(row)  # the rows of every format are cells of any type
            rows.append(cells)
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


def looks_like_text(data: bytes) -> bool:
    """A CSV given a spreadsheet's name (no zip or OLE signature, mostly printable)."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    printable = sum(1 for b in head if b >= 32 or b in (9, 10, 13))
    return printable >= 0.95 * len(head) and b"\x00" not in head


def nul_problem(data: bytes) -> ReadError | None:
    """A text file with a NUL byte (a broken export): the line and column of the first one.
    None when the file is not text at all (then the file as a whole is refused)."""
    at = data.find(b"\x00")
    head = data[: max(at, 0)]
    if at < 0 or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0") or not looks_like_text(head):
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
