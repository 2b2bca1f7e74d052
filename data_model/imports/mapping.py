"""A column mapping: which of a file's own columns holds each column of a file kind, for the
source whose headers are not the template's ("OVSG-feedback 2025" calls school numbers
"Schoolnummer"). Stored per source in the state store (`data_model.state.mappings`), chosen
on the Gegevens page or with the CLI's `--mapping NAME`.

A mapping only adds the file's header names as aliases of the kind's columns
(`with_mapping`): the file is then read, parsed and checked exactly as any other file, so a
mapping can name columns but never bypass a check (a mapped column that is also present
under its own name is refused as a doubled column, a mapped column of text where numbers
belong is refused cell by cell).
"""

from __future__ import annotations

import dataclasses
import difflib

from data_model.imports.cells import is_blank, normalize_header, show
from data_model.imports.formats import HEADER_SCAN_ROWS, FileFormat
from data_model.imports.reader import Book

Mapping = dict[str, str]  # column key -> the file's header as written
PREVIEW_ROWS = 5
# Below this similarity a file column is not suggested for a field (the user picks).
MIN_SIMILARITY = 0.6


def with_mapping(fmt: FileFormat, mapping: Mapping | None) -> FileFormat:
    """The kind with each mapped file header as one more alias of its column."""
    if not mapping:
        return fmt
    columns = tuple(
        dataclasses.replace(c, aliases=(*c.aliases, mapping[c.key])) if mapping.get(c.key) else c
        for c in fmt.columns
    )
    return dataclasses.replace(fmt, columns=columns)


def _similarity(header: str, column_names: set[str]) -> float:
    name = normalize_header(header)
    return max(difflib.SequenceMatcher(None, name, n).ratio() for n in column_names)


def suggest(fmt: FileFormat, headers: list[str], saved: Mapping | None = None) -> Mapping:
    """Per column of the kind the file header that fits best: a saved mapping's header when
    the file has it, else the most similar header (each header used once)."""
    out: Mapping = {}
    used: set[str] = set()
    for column in fmt.columns:
        if saved and saved.get(column.key) in headers:
            out[column.key] = saved[column.key]
            used.add(saved[column.key])
    for column in fmt.columns:
        if column.key in out:
            continue
        scored = [(_similarity(h, column.match_names), h) for h in headers if h not in used]
        best = max(scored, default=(0.0, ""))
        if best[0] >= MIN_SIMILARITY:
            out[column.key] = best[1]
            used.add(best[1])
    return out


@dataclasses.dataclass
class Preview:
    """The header row and the first rows of a file, as text (what the page shows)."""

    sheet: str
    header_row: int  # 1-based
    headers: list[str]
    rows: list[list[str]]


def preview(book: Book) -> Preview:
    """The first visible sheet with data: the row with the most text cells among the first
    rows is the header (titles above it are skipped), then the first rows below it."""
    sheet = next((s for s in book.sheets if s.visible), book.sheets[0])
    head = book.rows(sheet, limit=HEADER_SCAN_ROWS + PREVIEW_ROWS + 1)
    texts = [sum(isinstance(v, str) and not is_blank(v) for v in row) for row in head]
    index = max(range(len(texts)), key=lambda i: texts[i], default=0)
    raw = list(head[index]) if head else []
    width = max((i + 1 for i, v in enumerate(raw) if not is_blank(v)), default=0)
    headers = [show(v, 80) for v in raw[:width]]
    rows = [
        [show(v, 80) for v in (list(row) + [None] * width)[:width]]
        for row in head[index + 1 : index + 1 + PREVIEW_ROWS]
        if not all(is_blank(v) for v in row)
    ]
    return Preview(sheet.name, index + 1, headers, rows)


def missing_required(fmt: FileFormat, mapping: Mapping) -> list[str]:
    """The headers of the required columns a mapping leaves without a file column."""
    return [c.header for c in fmt.columns if c.required and not mapping.get(c.key)]
