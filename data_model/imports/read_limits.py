"""What the bounded reader refuses and how it says so: the limits of a file, a zip package,
a sheet and a cell, the `ReadError` with its Dutch messages, and the `Sheet` an inspection
fills. Shared by `reader.py` and the scans of each file type (`zip_checks.py`,
`xlsx_scan.py`, `ods_scan.py`, `csv_read.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
_MB = 1024 * 1024
# What calamine holds of one sheet is dense (rows x columns, whatever is empty): a value at A1
# and one at IV1048576 would be 268 M cells. 15 M is five times a Flanders pupil file.
MAX_CELLS = 15_000_000


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


def mb(n: int) -> str:
    return f"{n // _MB} MB"


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: bytes | str) -> int:
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
