"""Reading a users sheet (.xlsx or .csv) into rows of text and finding its header row.

Split from users.py (which validates and writes the users): this part only turns the bytes
of an upload into cells, with Dutch messages for a file that cannot be read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping

HEADER_SCAN_ROWS = 10  # title rows above the header are searched this deep


class UserValidationError(ValueError):
    """The input is not valid; `errors` holds one Dutch message per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def norm_header(value: object) -> str:
    """A header cell, lower case without spaces, dashes or underscores: 'E-mail' -> 'email'."""
    return re.sub(r"[\s\-_]+", "", str(value or "").strip().lower())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(file_name: str, data: bytes, max_rows: int) -> list[list[str]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UserValidationError(
            [f"{file_name}: het bestand kan niet als Excel-werkboek gelezen worden."]
        ) from exc
    try:
        rows: list[list[str]] = []
        # Read row by row and stop early: a 1 MB workbook can unpack to millions of rows.
        for row in wb.worksheets[0].iter_rows(values_only=True, max_col=20):
            rows.append([_cell(v) for v in row])
            if len(rows) > max_rows + 10:
                raise UserValidationError(
                    [f"{file_name}: meer dan {max_rows} rijen; splits de lijst op."]
                )
        return rows
    finally:
        wb.close()


def _csv_rows(data: bytes) -> list[list[str]]:
    text = ""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first = text.splitlines()[0] if text.strip() else ""
    # Belgian Excel saves CSV with ';'. A ',' header only when there is no ';' at all.
    delimiter = ";" if ";" in first or "," not in first else ","
    if "\t" in first and ";" not in first and "," not in first:
        delimiter = "\t"
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def sheet_rows(file_name: str, data: bytes, max_rows: int) -> list[list[str]]:
    """All rows of the first sheet (xlsx) or the CSV file, as text cells."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(file_name, data, max_rows)
    if name.endswith(".csv"):
        return _csv_rows(data)
    raise UserValidationError(
        [f"{file_name}: kies een .xlsx- of .csv-bestand (dit bestandstype wordt niet gelezen)."]
    )


def find_header(
    file_name: str,
    rows: list[list[str]],
    aliases: Mapping[str, str],
    required: Iterable[str],
) -> tuple[int, dict[str, int]]:
    """(index of the header row, canonical column -> column index), or every problem at once.

    The header is the first of the top rows that names an e-mail and a role column.
    """
    required = tuple(required)
    header_at = next(
        (
            i
            for i, row in enumerate(rows[:HEADER_SCAN_ROWS])
            if {"e-mail", "rol"} <= {aliases.get(norm_header(c)) for c in row}
        ),
        None,
    )
    if header_at is None:
        raise UserValidationError(
            [
                f"{file_name}: geen kopregel gevonden. De eerste regel moet de kolommen "
                + ", ".join(required)
                + " bevatten."
            ]
        )
    columns: dict[str, int] = {}
    for j, c in enumerate(rows[header_at]):
        canonical = aliases.get(norm_header(c))
        if canonical and canonical not in columns:
            columns[canonical] = j
    missing = [c for c in required if c not in columns]
    if missing:
        raise UserValidationError(
            [
                f"{file_name}: kolom '{c}' ontbreekt in de kopregel (rij {header_at + 1})."
                for c in missing
            ]
        )
    return header_at, columns
