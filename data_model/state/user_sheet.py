"""Reading a users sheet (a workbook or a CSV file) into rows of text and finding its header row.

Split from users.py (which validates and writes the users): this part only turns the bytes
of an upload into cells, with Dutch messages for a file that cannot be read.
"""

from __future__ import annotations

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


def sheet_rows(file_name: str, data: bytes, max_rows: int) -> list[list[str]]:
    """All rows of the first visible sheet (or the CSV file), as text cells.

    Read with the imports' shared reader (data_model.imports.reader): the same limits,
    checked before anything is materialised, and the same CSV decoding rules."""
    from data_model.imports.read_limits import ReadError
    from data_model.imports.reader import open_book, upfront_refusal

    refusal = upfront_refusal(file_name, len(data))  # the same types as every data import
    if refusal is not None:
        raise UserValidationError([f"{file_name}: {refusal}"])
    try:
        book = open_book(file_name, data)
        sheet = next((s for s in book.sheets if s.visible), None)
        if sheet is None:
            raise ReadError("het bestand heeft geen zichtbaar blad.")
        rows = book.rows(sheet, limit=max_rows + 11)
    except ReadError as exc:
        raise UserValidationError([f"{file_name}: {exc.message}"]) from None
    if len(rows) > max_rows + 10:
        raise UserValidationError([f"{file_name}: meer dan {max_rows} rijen; splits de lijst op."])
    return [[_cell(v) for v in row[:20]] for row in rows]


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
