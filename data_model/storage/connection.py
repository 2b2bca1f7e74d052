"""The connection contract of the read side, written down so a type checker holds it.

Every read, statistic and export takes a `Connection`: SQL on one snapshot (`execute`,
`register`, …) plus the state store (`.state`: users, notes, audit) and the id of the
snapshot it reads (`.snapshot_id`). `Database.cursor()` returns one (`storage.db.Cursor`);
so does `Database.write()` while a snapshot is built.

A plain DuckDB connection has the SQL part only: it is a `Sql`. Code that needs no state
(schema checks, migrations, the statistics over a building snapshot, the sample generator)
takes a `Sql`, so a DuckDB connection, a `Cursor` and a test's in-memory database all fit.
Handing a plain connection to a function that wants a `Connection` is a type error (mypy in
CI) instead of an AttributeError on `.state` at run time.

Protocols, not a base class: DuckDB's own connection is never a subclass of ours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from data_model.storage.state_store import StateStore


class Rows(Protocol):
    """What `execute` returns: the rows of the last statement."""

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def df(self) -> pd.DataFrame: ...


class Sql(Protocol):
    """SQL on one DuckDB database: a plain connection, a cursor or a `Connection`."""

    def execute(self, query: str, parameters: object = None) -> Rows: ...

    def executemany(self, query: str, parameters: object = None) -> Rows: ...

    def register(self, view_name: str, python_object: object) -> object: ...

    def unregister(self, view_name: str) -> object: ...


class Connection(Sql, Protocol):
    """SQL on one snapshot plus the state store: what every read function takes."""

    @property
    def state(self) -> StateStore: ...

    @property
    def snapshot_id(self) -> str: ...


class _OneRow(Protocol):
    def fetchone(self) -> tuple[Any, ...] | None: ...


def one(rows: _OneRow) -> tuple[Any, ...]:
    """The row of a query that always returns one (an aggregate: count, max, …), as a tuple
    the type checker knows is there; a missing row is a bug, not a value."""
    row = rows.fetchone()
    if row is None:
        raise LookupError("an aggregate query returned no row")
    return row
