"""The pupil numbers of a school's own file, read in memory for the pupil list (never stored).

The director chooses the pupil file again (the one that was imported, or the school's own
list) so the page can put the pupil numbers next to the pseudonymous codes. The file goes
through the same bounded reader as an import (limits checked before anything is read); only
the `leerling_id` column is taken (by the same header names as the pupils kind), with the
`instellingsnummer` when the file has one, so pupils of other schools are left out.
"""

from __future__ import annotations

from data_model.imports.cells import is_blank, normalize_header, show
from data_model.imports.formats import HEADER_SCAN_ROWS, PUPILS
from data_model.imports.reader import ReadError, open_book

MAX_OWN_FILE_BYTES = 5 * 1024**2  # a school's own pupil list is small


def read_pupil_numbers(file_name: str, data: bytes, school_id: str) -> list[str]:
    """The pupil numbers of `school_id` in the file; ReadError with a Dutch message."""
    if len(data) > MAX_OWN_FILE_BYTES:
        raise ReadError("Het bestand is groter dan 5 MB. Kies het leerlingenbestand van de school.")
    book = open_book(file_name, data)
    number_names = PUPILS.column("pupil_id").match_names
    school_names = PUPILS.column("school_id").match_names
    for sheet in (s for s in book.sheets if s.visible):
        rows = book.rows(sheet)
        for head, header in enumerate(rows[:HEADER_SCAN_ROWS]):
            names = [normalize_header(show(h)) if not is_blank(h) else "" for h in header]
            number = next((i for i, n in enumerate(names) if n in number_names), None)
            if number is None:
                continue
            school = next((i for i, n in enumerate(names) if n in school_names), None)
            return [
                show(row[number]).strip()
                for row in rows[head + 1 :]
                if number < len(row)
                and not is_blank(row[number])
                and (school is None or _same_school(row[school], school_id))
            ]
    raise ReadError("Geen kolom 'leerling_id' gevonden. Kies het leerlingenbestand van de school.")


def _same_school(value: object, school_id: str) -> bool:
    text = show(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text.isdigit() and int(text) == int(school_id)
