"""Writing a computed DataFrame into a snapshot table: one statement, DuckDB reads the frame
in place (no row-by-row inserts, which are slow at Flanders scale)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from data_model.storage.connection import Sql


def _allowed_names(con: Sql, table: str, columns: Sequence[str]) -> None:
    """Identifiers cannot be SQL parameters, so they are allow-listed: the table must be a
    table of the snapshot and every column one of its columns (asked with parameters)."""
    known = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }
    unknown = [c for c in columns if c not in known]
    if not known or unknown:
        raise ValueError(f"not a snapshot table or its columns: {table} {unknown}")


def insert_frame(con: Sql, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> int:
    """Insert `columns` of `frame` into `table`; returns the number of rows. The table and
    column names are checked against the snapshot's own catalogue before they are used."""
    _allowed_names(con, table, columns)
    view = f"_insert_{table}"
    con.register(view, frame[list(columns)])
    try:
        names = ", ".join(f'"{c}"' for c in columns)
        # Allow-listed identifiers only (above): the values travel in the registered frame.
        con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{view}"')
    finally:
        con.unregister(view)
    return len(frame)
