"""Rows for the statistics with integer keys, in chunks of cells, written back with their text.

The statistics (groups, panel, verdicts, expected) work on the integer keys of
panel.CODE_COLUMNS. At Flanders scale (half a million school cells, five text keys each)
moving the text keys from DuckDB to pandas, factorising and merging them, and moving them
back cost more time and memory than the statistics themselves. So the text stays in DuckDB:

- `load` materialises a query as a temporary table with the codes and splits its cells
  into chunks of at most CHUNK_ROWS rows;
- `numbers` hands pandas one chunk: a row id and numbers only (`judged` computes a chunk
  while the previous one is written);
- `append` inserts a chunk's results, with the text keys joined back by row id.

Every number the statistics compute depends only on rows of the same cell (assessment x
learning area x domain): comparison groups are cell x year, variance components, status and
trend are per cell. A chunk of whole cells therefore gives exactly the numbers of one pass
over everything, with a fraction of the memory.

Table and column names are constants of the statistics package, checked against an
identifier pattern before they go into SQL text; values travel as parameters or frames.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pandas as pd

from data_model.storage.connection import Sql, one
from data_model.storage.frames import insert_frame

TEXT_KEYS = ["school_id", "school_year", "assessment_id", "learning_area", "domain"]
CHUNK_ROWS = 75_000  # ~50 MB of statistics per chunk at Flanders scale; two are in flight
Chunk = tuple[int, int]  # first and last cell_code
T = TypeVar("T")
_IDENTIFIER = re.compile(r"_?[a-z][a-z0-9_]*")


def _checked(*names: str) -> None:
    if not all(_IDENTIFIER.fullmatch(n) for n in names):
        raise ValueError(f"unexpected identifier in {names!r}")


def load(con: Sql, name: str, sql: str, params: Sequence[object] = ()) -> list[Chunk]:
    """Materialise `sql` (rows with the TEXT_KEYS) as temp table `name` with the codes;
    return the chunks of cells to judge one after the other."""
    _checked(name)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE " + name + " AS "
        "WITH src AS (" + sql + "), "
        "schools AS (SELECT school_id, (row_number() OVER (ORDER BY school_id) - 1)::INTEGER "
        "  AS school_code FROM (SELECT DISTINCT school_id FROM src)), "
        "cells AS (SELECT assessment_id, learning_area, domain, (row_number() OVER (ORDER BY "
        "  assessment_id, learning_area NULLS FIRST, domain NULLS FIRST) - 1)::INTEGER "
        "  AS cell_code FROM (SELECT DISTINCT assessment_id, learning_area, domain FROM src)) "
        "SELECT s.school_code, c.cell_code, CAST(left(src.school_year, 4) AS INTEGER) AS year, "
        "  src.domain IS NOT NULL AS is_domain, src.* "
        "FROM src JOIN schools s USING (school_id) "
        "JOIN cells c ON c.assessment_id = src.assessment_id "
        "  AND c.learning_area IS NOT DISTINCT FROM src.learning_area "
        "  AND c.domain IS NOT DISTINCT FROM src.domain "
        "ORDER BY c.cell_code, s.school_code, year",
        list(params),
    )
    counts = con.execute(
        "SELECT cell_code, count(*) FROM " + name + " GROUP BY cell_code ORDER BY cell_code"
    ).fetchall()
    chunks: list[Chunk] = []
    rows = 0
    for cell, n in counts:
        if chunks and rows + n <= CHUNK_ROWS:
            chunks[-1] = (chunks[-1][0], cell)
            rows += n
        else:
            chunks.append((cell, cell))
            rows = n
    return chunks


def numbers(con: Sql, name: str, columns: Sequence[str], chunk: Chunk) -> pd.DataFrame:
    """One chunk of `name`: rid, school_code, cell_code, year, is_domain and `columns` (as
    DOUBLE: NULL becomes NaN)."""
    _checked(name, *columns)
    casts = "".join(", CAST(" + c + " AS DOUBLE) AS " + c for c in columns)
    return con.execute(
        "SELECT rowid AS rid, school_code, cell_code, year, is_domain" + casts + " FROM "
        + name + " WHERE cell_code BETWEEN ? AND ? ORDER BY rowid",
        list(chunk),
    ).df()  # fmt: skip


def judged(
    con: Sql,
    name: str,
    columns: Sequence[str],
    chunks: Sequence[Chunk],
    judge: Callable[[pd.DataFrame], T],
) -> Iterator[tuple[Chunk, T]]:
    """(chunk, judge(its numbers)) for every chunk, in order.

    `judge` (numpy and pandas) runs in a second thread while the caller writes the previous
    chunk (DuckDB works without holding the GIL), so the two overlap on two cores. DuckDB is
    only ever used from the calling thread: one connection is not shared between threads.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="statistics") as pool:
        pending: tuple[Chunk, Future[T]] | None = None
        for chunk in chunks:
            future = pool.submit(judge, numbers(con, name, columns, chunk))
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (chunk, future)
        if pending is not None:
            yield pending[0], pending[1].result()


def cells(con: Sql, name: str) -> pd.DataFrame:
    """cell_code, year and their text keys, one row per cell x school year of table `name`."""
    _checked(name)
    return con.execute(
        "SELECT DISTINCT cell_code, year, school_year, assessment_id, learning_area, domain "
        "FROM " + name + " ORDER BY cell_code, year"
    ).df()


def with_cell_keys(frames: Sequence[pd.DataFrame], cells_: pd.DataFrame) -> pd.DataFrame:
    """`frames` (per chunk, one row per cell_code: variance components) as one frame with each
    cell's text keys, from `cells(...)`."""
    keys = ["assessment_id", "learning_area", "domain"]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["cell_code"])
    first = cells_.drop_duplicates("cell_code")[["cell_code", *keys]]
    return frame.drop(columns=[c for c in keys if c in frame]).merge(
        first, on="cell_code", how="left"
    )


def replace_with_judged(
    con: Sql,
    table: str,
    columns: Sequence[str],
    name: str,
    judged_chunks: Iterator[tuple[Any, ...]],
) -> tuple[int, pd.DataFrame, list[tuple[Any, ...]]]:
    """Replace every row of `table` by the judged chunks of temp table `name`, then drop it.

    `judged_chunks` yields (chunk, rows for `table`, *more) and is only started after the
    DELETE. Returns the number of rows written, `cells(con, name)` (read before the drop) and
    the `more` of each chunk, in order.
    """
    _checked(table, name)
    con.execute("DELETE FROM " + table)
    return _write_judged(con, table, columns, name, judged_chunks)


# A row of `t` whose cell (assessment x learning area x domain) is a row of `c`.
SAME_CELL = (
    "t.assessment_id = c.assessment_id AND t.learning_area IS NOT DISTINCT FROM c.learning_area "
    "AND t.domain IS NOT DISTINCT FROM c.domain"
)


def replace_cells_with_judged(
    con: Sql,
    table: str,
    columns: Sequence[str],
    name: str,
    judged_chunks: Iterator[tuple[Any, ...]],
    changed: str,
) -> tuple[int, pd.DataFrame, list[tuple[Any, ...]]]:
    """As `replace_with_judged`, for the cells of temp table `changed` only (assessment_id,
    learning_area, domain): their rows of `table` are deleted, the other cells' rows stay.
    `name` must hold the rows of exactly those cells."""
    _checked(table, name, changed)
    con.execute("DELETE FROM " + table + " t USING " + changed + " c WHERE " + SAME_CELL)
    return _write_judged(con, table, columns, name, judged_chunks)


def digest_cells(con: Sql, sql: str, name: str) -> None:
    """Temp table `name`: per cell (assessment_id, learning_area, domain) of the rows of `sql`
    (a constant of this package) their number and the sum of their rows' hashes, to find the
    cells whose rows changed without holding two copies of every row."""
    _checked(name)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE " + name + " AS SELECT assessment_id, learning_area, "
        "domain, count(*) AS n, sum(hash(t)::HUGEINT) AS h FROM (" + sql + ") t GROUP BY ALL"
    )


def changed_cells(con: Sql, before: str, after: str, changed: str) -> None:
    """Temp table `changed`: the cells whose digests (`digest_cells`) differ between temp
    tables `before` and `after`, or that only one has; drops both. A cell's numbers depend
    only on its own rows (module docstring), so every other cell judges exactly as before."""
    _checked(before, after, changed)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE " + changed + " AS "
        "SELECT coalesce(t.assessment_id, c.assessment_id) AS assessment_id, "
        "coalesce(t.learning_area, c.learning_area) AS learning_area, "
        "coalesce(t.domain, c.domain) AS domain "
        "FROM " + before + " t FULL JOIN " + after + " c ON " + SAME_CELL + " "
        "WHERE t.n IS DISTINCT FROM c.n OR t.h IS DISTINCT FROM c.h"
    )
    con.execute("DROP TABLE " + before)
    con.execute("DROP TABLE " + after)


def replace_cell_rows(
    con: Sql,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    changed: str,
    kind: str | None = None,
) -> None:
    """Replace the rows of `table` (of `kind` when given) whose cell is in temp table
    `changed` by `frame` (rows of those cells only); the other cells' rows stay."""
    _checked(table, changed, *columns)
    con.execute(
        "DELETE FROM " + table + " t USING " + changed + " c WHERE " + SAME_CELL
        + ("" if kind is None else " AND t.kind = ?"),
        [] if kind is None else [kind],
    )  # fmt: skip
    if not frame.empty:
        insert_frame(con, table, frame, list(columns))


def _write_judged(
    con: Sql,
    table: str,
    columns: Sequence[str],
    name: str,
    judged_chunks: Iterator[tuple[Any, ...]],
) -> tuple[int, pd.DataFrame, list[tuple[Any, ...]]]:
    written, more = 0, []
    for chunk, rows, *rest in judged_chunks:
        append(con, table, columns, rows, name, chunk)
        written += len(rows)
        more.append(tuple(rest))
    keys = cells(con, name)
    con.execute("DROP TABLE IF EXISTS " + name)
    return written, keys, more


def append(
    con: Sql,
    table: str,
    columns: Sequence[str],
    frame: pd.DataFrame,
    name: str,
    chunk: Chunk,
) -> None:
    """Insert `frame` (the rows of `chunk` of temp table `name`, with rid) into `table`: each
    of `columns` from the frame when it has it, else from `name` (the text keys)."""
    _checked(table, name, *columns)
    if frame.empty:
        return
    ours = [c for c in columns if c in frame.columns and c not in TEXT_KEYS]
    theirs = [c for c in columns if c not in ours]
    select = ", ".join(("o." if c in ours else "k.") + c for c in columns)
    con.register("_coded_out", frame[["rid", *ours]])
    try:
        added = one(con.execute(
            "INSERT INTO " + table + " (" + ", ".join(columns) + ") SELECT " + select
            + " FROM _coded_out o JOIN (SELECT rowid AS rid, " + ", ".join(theirs) + " FROM "
            + name + " WHERE cell_code BETWEEN ? AND ?) k USING (rid)",
            list(chunk),
        ))[0]  # fmt: skip
    finally:
        con.unregister("_coded_out")
    if added != len(frame):  # every row has exactly one row id
        raise RuntimeError(f"{table}: {added} rows written for {len(frame)} results")
