"""How many SQL statements one request sends (one scoped reader per request).

    python -m bench.statements [--db DATA_FOLDER]

Counts, with a connection wrapper (nothing is patched inside DuckDB), the statements on the
snapshot and on the state store (`con.state`) of:
- one PDF conversation sheet (`build_conversation_pdf`) of an anker's first school;
- the Voorbereiding page's uncached reads (`build_briefing` and the anker's own preparation
  notes), the part of that page that runs on every rerun;
- a whole rerun of the Voorbereiding page in AppTest (`measure_page_rerun`), app shell
  included (login, the demo user picker);
and, for each, how many scope computations it made (`access.allowed_school_ids` marks its
snapshot query `/* scope */`)
and how many times it read the school's results (`FROM school_result r`).

Measured on the demo, before -> after the scoped reader, on the single DuckDB file
of that day: PDF 39 statements, 19 scope checks, 6 result reads -> 13, 1, 2 (one read per
assessment); Voorbereiding's uncached reads 26, 13, 4 -> 11, 1, 2; a whole Voorbereiding
rerun 30, 13, 4 -> 15, 1, 2. With the snapshot + state store a scope computation
is three statements (role, assigned schools, schools of the snapshot): PDF 16, 1, 2;
uncached reads 14, 1, 2; a whole rerun 228, of which 210 are the demo picker computing the
scope of each of its 70 users (access.demo_users) and 18 the page and the shell.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path
from typing import Any

from data_model.reading.access import viewer_for_user_id


class CountingState:
    """Forwards to the state store (users, notes, audit) and records each statement."""

    def __init__(self, state: Any, statements: list[str]) -> None:
        self._state = state
        self.statements = statements

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self.statements.append(sql)
        return self._state.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)


class CountingConnection:
    """Forwards everything to a snapshot cursor and records each statement it executes, on
    the snapshot and on the state store it carries (`con.state`)."""

    def __init__(self, con: Any, statements: list[str] | None = None) -> None:
        self._con = con
        self.statements: list[str] = [] if statements is None else statements
        state = getattr(con, "state", None)
        self.state = None if state is None else CountingState(state, self.statements)

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self.statements.append(sql)
        return self._con.execute(sql, *args, **kwargs)

    def sql(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self.statements.append(sql)
        return self._con.sql(sql, *args, **kwargs)

    def cursor(self) -> CountingConnection:
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def summary(statements: list[str]) -> dict[str, int]:
    """Statements, scope computations (they read the user's assigned schools) and reads of
    the school's results."""
    flat = [re.sub(r"\s+", " ", s) for s in statements]
    return {
        "statements": len(flat),
        # access.allowed_school_ids marks its snapshot query (one per scope computation).
        "scope_checks": sum("/* scope */" in s or "user_scope" in s for s in flat),
        "school_results": sum("FROM school_result r" in s for s in flat),
    }


def _anker_and_school(database: Any) -> tuple[Any, str, str]:
    from data_model.reading.access import allowed_school_ids

    con = database.cursor()
    user_id = con.state.execute(
        "SELECT min(user_id) FROM users WHERE role = 'anker' AND active"
    ).fetchone()[0]
    viewer = viewer_for_user_id(con, user_id)
    school_id = allowed_school_ids(con, viewer)[0]
    year = con.execute(
        "SELECT max(school_year) FROM school_result WHERE school_id = ?", [school_id]
    ).fetchone()[0]
    return viewer, school_id, year


def measure(data: Path) -> dict[str, dict[str, int]]:
    from data_model.exports.conversation_pdf import build_conversation_pdf
    from data_model.reading import briefing
    from data_model.reading.scope import request
    from data_model.state import notes
    from data_model.storage.db import Database

    database = Database(data)
    try:
        viewer, school_id, year = _anker_and_school(database)
        out: dict[str, dict[str, int]] = {}
        con = CountingConnection(database.cursor())
        build_conversation_pdf(con, viewer, school_id, year)
        out["pdf"] = summary(con.statements)
        con = CountingConnection(database.cursor())
        with request(con, viewer):  # what the page does per rerun
            briefing.build_briefing(con, viewer, school_id, year)
            notes.list_notes(con, viewer, school_id, year, scope=notes.SCOPE_PREPARATION)
        out["voorbereiding reads"] = summary(con.statements)
    finally:
        database.close()
    return out


def measure_page_rerun(data: Path, page: str = "app_pages/voorbereiding.py") -> dict[str, int]:
    """Statements of one *rerun* of a page (AppTest, as an anker): the first run fills the
    result cache, the second run is what every click costs. Counted on the cursors the app
    takes from `Database.cursor()`."""
    import os

    from streamlit.testing.v1 import AppTest

    from data_model.storage.db import Database

    root = Path(__file__).resolve().parent.parent
    database = Database(data)
    try:
        viewer, _, _ = _anker_and_school(database)
    finally:
        database.close()
    statements: list[str] = []
    original = Database.cursor

    def counting_cursor(self: Database, *args: Any, **kwargs: Any) -> CountingConnection:
        return CountingConnection(original(self, *args, **kwargs), statements)

    os.environ.pop("SCHOOLFOTO_DB", None)
    os.environ.update(SCHOOLFOTO_DATA=str(data), SCHOOLFOTO_AUTH="demo")
    Database.cursor = counting_cursor  # type: ignore[method-assign]
    try:
        at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
        at.session_state["demo_user_id"] = viewer.user_id
        at.session_state["demo_role"] = viewer.role
        at.run()
        at.switch_page(page).run()
        statements.clear()
        at.run()  # the rerun
    finally:
        Database.cursor = original  # type: ignore[method-assign]
    return summary(statements)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", "--data", type=Path, help="a data folder (default: a fresh demo)")
    args = parser.parse_args(argv)
    path = args.db
    if path is None:
        from data_model.sample import SampleSpec, generate

        path = generate(Path(tempfile.mkdtemp()) / "data", SampleSpec())
    for name, counts in measure(path).items():
        print(name, counts)
    print("voorbereiding page rerun", measure_page_rerun(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
