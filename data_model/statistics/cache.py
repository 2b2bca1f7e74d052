"""Per school-year cache tables of pupil-level aggregates (the expensive part of a refresh)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def refresh_cache(
    con: duckdb.DuckDBPyConnection,
    table: str,
    sql: str,
    school_years: Sequence[str] | None,
) -> None:
    """Recompute a per school-year cache table for `school_years` (None = everything).

    `table` and `sql` are constants of this package; `sql` takes the year list twice.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS " + table + " AS SELECT * FROM (" + sql + ") LIMIT 0",
        [None, None],
    )
    empty = con.execute("SELECT count(*) FROM " + table).fetchone()[0] == 0
    if school_years is None or empty:
        con.execute("DELETE FROM " + table)
        con.execute("INSERT INTO " + table + " " + sql, [None, None])
        return
    years = sorted({str(y) for y in school_years})
    if not years:
        return
    con.execute("DELETE FROM " + table + " WHERE list_contains(?::VARCHAR[], school_year)", [years])
    con.execute("INSERT INTO " + table + " " + sql, [years, years])
