"""How many SQL statements one request sends to DuckDB (issue 10: one scoped reader per request).

    python -m bench.statements [--db PATH]

Counts, with a connection wrapper (nothing is patched inside DuckDB):
- one PDF conversation sheet (`build_conversation_pdf`) of an anker's first school;
- one rerun of the Voorbereiding page's uncached reads (`build_briefing` and the anker's own
  preparation notes), the part of that page that runs on every rerun;
and, for each, how many of those statements are scope checks (they read `user_scope`) and how
many read the school's results (`FROM school_result r`).

Measured on the demo database (issue 10), before -> after the scoped reader:
- PDF sheet: 39 statements, 19 scope checks, 6 result reads -> 13, 1, 2 (one per assessment);
- Voorbereiding rerun: 26 statements, 13 scope checks, 4 result reads -> 11, 1, 2.
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

from data_model.reading.access import viewer_for_user_id


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
        "scope_checks": sum("user_scope" in s for s in flat),
        "school_results": sum("FROM school_result r" in s for s in flat),
    }


def measure(db_path: Path) -> dict[str, dict[str, int]]:
    from data_model.exports.conversation_pdf import build_conversation_pdf
    from data_model.reading import briefing
    from data_model.reading.scope import request
    from data_model.state import notes

    raw = duckdb.connect(str(db_path), read_only=True)
    user_id = raw.execute("SELECT min(user_id) FROM users WHERE role = 'anker'").fetchone()[0]
    viewer = viewer_for_user_id(raw, user_id)
    school_id = raw.execute(
        "SELECT min(school_id) FROM user_scope WHERE user_id = ?", [user_id]
    ).fetchone()[0]
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
    raw.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a Schoolfoto database (default: a fresh demo)")
    args = parser.parse_args(argv)
    path = args.db
    if path is None:
        from data_model.sample import SampleSpec, generate

        path = generate(Path(tempfile.mkdtemp()) / "demo.duckdb", SampleSpec())
    for name, counts in measure(path).items():
        print(name, counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
