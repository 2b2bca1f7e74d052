"""Step 1 of an import: the checks that need no write transaction (reading the untrusted
bytes, parsing, checking against the `Catalogue`). Kept free of the database and statistics
modules, so the worker process that runs it starts quickly and small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from data_model.imports.formats import FileFormat
from data_model.imports.mapping import with_mapping
from data_model.imports.reader import ReadError, open_book
from data_model.imports.report import ImportRejected, Problem
from data_model.imports.row_checks import Catalogue, Context, Frames
from data_model.imports.sheet_parse import parse_book

Progress = Callable[[float, str], None]


@dataclass
class Checked:
    """A file that passed every check that does not need a write transaction."""

    frames: Frames
    sheet: str
    headers: dict[str, str]
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_file(
    file_name: str,
    data: bytes,
    fmt: FileFormat,
    catalogue: Catalogue,
    progress: Progress | None = None,
    fractions: bool | None = None,
    mapping: dict[str, str] | None = None,
) -> Checked:
    """Read, parse and check one file; raises ImportRejected with every problem.
    `fractions`: the user's answer for a short column of fractions (row_checks.fraction_check);
    `mapping`: the file's own header per column key (imports.mapping), checked as ever."""
    fmt = with_mapping(fmt, mapping)
    say = progress or (lambda frac, msg: None)
    say(0.05, "Bestand lezen")
    try:
        book = open_book(file_name, data)
        parsed, problems = parse_book(book, fmt, catalogue)
    except ReadError as exc:
        raise ImportRejected(
            [Problem(file_name, exc.sheet, exc.row, exc.column, exc.value, exc.message)]
        ) from None
    if parsed.frame.empty:  # the header itself is wrong: cell checks would only repeat it
        raise ImportRejected(problems)
    say(0.35, f"{len(parsed.frame)} rijen controleren")
    ctx = Context(file_name, parsed.sheet, catalogue, parsed.headers, parsed.domain_cols,
                  fractions=fractions)  # fmt: skip
    frames, more = fmt.prepare(parsed.frame, ctx)
    if problems or more:
        # Every problem of the file at once, in the order a user walks through the sheet.
        # A cell that could not be read is reported once, not again as "missing".
        failed = {(p.row, p.column) for p in problems}
        everything = problems + [p for p in more if (p.row, p.column) not in failed]
        everything.sort(key=lambda p: (p.row is None, p.row or 0))
        raise ImportRejected(everything)
    return Checked(frames, parsed.sheet, parsed.headers, parsed.ignored, parsed.notes + ctx.notes)
