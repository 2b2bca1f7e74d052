"""Writing a computed DataFrame into a snapshot table: one statement, DuckDB reads the frame
in place (no row-by-row inserts, which are slow at Flanders scale)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from data_model.storage.connection import Sql


def insert_frame(con: Sql, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> int:
    """Insert `columns` of `frame` into `table`; returns the number of rows. The table and
    column names are the caller's module constants, never input."""
    view = f"_insert_{table}"
    con.register(view, frame[list(columns)])
    try:
        names = ", ".join(columns)
        # Names are constants of the calling module, not input (see the docstring).
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}")
    finally:
        con.unregister(view)
    return len(frame)
