"""What an import reports: one `Problem` per reason a file is refused, and the `ImportReport`.
No check lives here (see `row_checks.py` for where each kind of check goes)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_model.imports.cells import show

VALUE_CHARS = 80  # a 6 MB cell is shown as its first characters, not in full


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused, with everything a user needs to find and fix it."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str
    # Set when the user can settle the problem with an answer instead of a new file
    # (FRACTIONS_QUESTION: are these fractions?); the page then asks it.
    question: str = ""

    def as_text(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"blad {self.sheet}")
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column:
            where.append(f"kolom {self.column}")
        value = f" waarde '{self.value}':" if self.value else ""
        return f"{', '.join(where)}:{value} {self.message}"

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def cell_problem(
    file: str, sheet: str, row: int | None, column: str, value: object, message: str
) -> Problem:
    """A problem with a cell value shown as typed (shortened) and a capitalised message."""
    text = message[0].upper() + message[1:]
    return Problem(file, sheet, row, column, show(value, VALUE_CHARS), text)


def file_problem(file: str, message: str, sheet: str = "") -> Problem:
    """A problem of the whole file (or sheet), not of one row or cell."""
    return Problem(file, sheet, None, "", "", message)


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problemen")
        self.problems = problems


def refused(file: str, message: str, sheet: str = "") -> ImportRejected:
    """The refusal of a whole file (or sheet) for one reason."""
    return ImportRejected([file_problem(file, message, sheet)])


@dataclass
class ImportReport:
    file_name: str
    kind: str
    sha256: str
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    rows_added: int = 0
    rows_replaced: int = 0
    unchanged: bool = False
    summary: str = ""
    import_id: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. hidden sheets that were not read
    # Imported, but something the user must still do (e.g. the context file of that year).
    warnings: list[str] = field(default_factory=list)
    # Refused for a reason of the server (out of memory), not of the file: the page does not
    # tell the user to change the file.
    server_problem: bool = False

    def problems_frame(self) -> pd.DataFrame:
        """The validation report as the Gegevens page shows it (Dutch column names)."""
        return pd.DataFrame(
            [(p.file, p.sheet, p.row, p.column, p.value, p.message) for p in self.problems],
            columns=["bestand", "blad", "rij", "kolom", "waarde", "probleem"],
        ).astype({"rij": "Int64"})


def count_text(n: int) -> str:
    return "1 probleem" if n == 1 else f"{n} problemen"
