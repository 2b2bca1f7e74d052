"""How many SQL statements one request sends to DuckDB (issue 10: one scoped reader per request).

    python -m bench.statements [--db PATH]

Counts, with a connection wrapper (nothing is patched inside DuckDB):
- one PDF conversation sheet (`build_conversation_pdf`) of an anker's first school;
- one rerun of the Voorbereiding page's uncached reads (`build_briefing` and the anker's own
  preparation notes), the part of that page that runs on every rerun;
and, for each, how many of those statements are scope checks (marked `/* scope */`) and how
many read the school's results (`FROM school_result r`).

Measured on the demo database (issue 10), before -> after the scoped reader:
- PDF sheet: 39 statements, 19 scope checks, 6 result reads -> 13, 1, 2 (one per assessment);
- Voorbereiding, the page's uncached reads: 26 statements, 13 scope checks, 4 result reads
  -> 11, 1, 2;
- Voorbereiding, a whole rerun of the page in AppTest (`measure_page_rerun`, also the app
  shell: login, demo user list): 30 statements, 13 scope checks, 4 result reads -> 15, 1, 2.
  (The demo user list joins `user_scope` too, so the raw counter says 14 -> 2.)
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

from data_model.reading.access import allowed_school_ids, viewer_for_user_id
from data_model.storage.db import Database


class CountingConnection:
    """Forwards everything to a DuckDB connection and records each statement it executes."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.statements: list[str] = []

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
    flat = [re.sub(r"\s+", " ", s) for s in statements]
    return {
        "statements": len(flat),
        # access.allowed_school_ids marks its snapshot query (the state part is not DuckDB).
        "scope_checks": sum("/* scope */" in s for s in flat),
        "school_results": sum("FROM school_result r" in s for s in flat),
    }


def measure(db_path: Path) -> dict[str, dict[str, int]]:
    from data_model.exports.conversation_pdf import build_conversation_pdf
    from data_model.reading import briefing
    from data_model.reading.scope import request
    from data_model.state import notes

    database = Database(db_path)
    raw = database.cursor()
    user_id = raw.state.execute("SELECT min(user_id) FROM users WHERE role = 'anker'").fetchone()[0]
    viewer = viewer_for_user_id(raw, user_id)
    school_id = allowed_school_ids(raw, viewer)[0]
    year = raw.execute(
        "SELECT max(school_year) FROM school_result WHERE school_id = ?", [school_id]
    ).fetchone()[0]
    out: dict[str, dict[str, int]] = {}

    con = CountingConnection(raw)
    build_conversation_pdf(con, viewer, school_id, year)
    out["pdf"] = summary(con.statements)

    con = CountingConnection(raw)
    with request(con, viewer):  # what the page does per rerun (ui.data.page_request)
        briefing.build_briefing(con, viewer, school_id, year)
        notes.list_notes(con, viewer, school_id, year, scope=notes.SCOPE_PREPARATION)
    out["voorbereiding"] = summary(con.statements)
    out["voorbereiding"]["by_table"] = dict(  # type: ignore[assignment]
        Counter(m for s in con.statements for m in re.findall(r"FROM (\w+)", s))
    )
    database.close()
    return out


def measure_page_rerun(db_path: Path, page: str = "app_pages/briefing.py") -> dict[str, int]:
    """Statements of one *rerun* of a page (AppTest, as an anker): the first run fills the
    result cache, the second run is what every click costs. Counted on the cursors the app
    takes from `Database.cursor()`."""
    import os

    from streamlit.testing.v1 import AppTest

    from data_model.storage.db import Database

    root = Path(__file__).resolve().parent.parent
    raw = duckdb.connect(str(db_path), read_only=True)
    user_id = raw.execute("SELECT min(user_id) FROM users WHERE role = 'anker'").fetchone()[0]
    raw.close()
    statements: list[str] = []
    original = Database.cursor

    def counting_cursor(self: Database) -> CountingConnection:
        wrapped = CountingConnection(original(self))
        wrapped.statements = statements  # one list for every cursor of the run
        return wrapped

    os.environ.update(SCHOOLFOTO_DB=str(db_path), SCHOOLFOTO_AUTH="demo")
    Database.cursor = counting_cursor  # type: ignore[method-assign]
    try:
        at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
        at.session_state["demo_user_id"] = user_id
        at.session_state["demo_role"] = "anker"
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

        path = generate(Path(tempfile.mkdtemp()) / "demo", SampleSpec())
    for name, counts in measure(path).items():
        print(name, counts)
    print("voorbereiding page rerun", measure_page_rerun(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
