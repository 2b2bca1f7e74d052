"""Per school-year cache tables of pupil-level aggregates (the expensive part of a refresh)."""

from __future__ import annotations

from collections.abc import Sequence

from data_model.storage.connection import Sql, one

_YEARS_SQL = "SELECT DISTINCT school_year FROM pupils ORDER BY school_year"


def refresh_cache(
    con: Sql,
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
    empty = one(con.execute("SELECT count(*) FROM " + table))[0] == 0
    if school_years is None or empty:
        con.execute("DELETE FROM " + table)
        years = [r[0] for r in con.execute(_YEARS_SQL).fetchall()]
    else:
        years = sorted({str(y) for y in school_years})
        con.execute(
            "DELETE FROM " + table + " WHERE list_contains(?::VARCHAR[], school_year)", [years]
        )
    # One school year at a time: all years in one query hold every pupil's rows of every
    # level at once, which does not fit the builder's DuckDB memory limit at Flanders scale
    # (SCHOOLFOTO_WRITER_MEMORY in data_model/settings.py); a year at a time the memory is
    # bounded by one year.
    for year in years:
        con.execute("INSERT INTO " + table + " " + sql, [[year], [year]])
