"""The state store: what people write while the app runs (docs/architecture.md, "Storage").

Notes and their history, users and their schools, the audit log, the import log and jobs live
here, not in the analytic snapshot: a snapshot is immutable and read by many processes, while
these rows are written by every app process at any time. SQLite in WAL mode next to the
snapshots by default (`state.sqlite`), PostgreSQL when `SCHOOLFOTO_STATE_URL` is set
(`postgresql+psycopg://user:pass@host/db`).

Why SQLAlchemy Core (not the ORM, not two hand-written drivers): one engine API with a
connection pool and transactions for both backends, table definitions that produce the right
DDL for each dialect (autoincrement ids, booleans, timestamps), and no object layer we do not
need. The SQL of notes/users/audit is plain portable SQL with `?` placeholders, the same
style as the DuckDB queries of data_model; `_bind` turns it into named bind parameters.

Migrations are versioned: `MIGRATIONS` is an append-only list; `state_version` records the
highest one applied, and every process runs the missing ones at start under a lock
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so two replicas starting at once
do not both migrate.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

from data_model.storage.connection import one
from data_model.vocabulary import ROLES, ROUND_STATES

SYSTEM_USER_ID = "systeem"
SQLITE_BUSY_MS = 15_000  # a writer waits this long for another process's transaction

metadata = sa.MetaData()

sa.Table(
    "state_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)
sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("region_id", sa.String(50)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # The role codes' one home is data_model.vocabulary (constants, never input).
    sa.CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"),
)
sa.Table(
    "user_schools",
    metadata,
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("school_id", sa.String(6), primary_key=True),
)
sa.Table(
    "notes",
    metadata,
    sa.Column("note_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.String(6), nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("scope", sa.String(100), nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author_id", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("deleted_at", sa.DateTime),
    sa.Index("ix_notes_school", "school_id", "school_year", "scope"),
)
sa.Table(
    "note_history",
    metadata,
    sa.Column("history_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("note_id", sa.Integer, nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author_id", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
)
sa.Table(
    "audit_log",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("logged_at", sa.DateTime, nullable=False, index=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("school_id", sa.String(20)),
    sa.Column("detail", sa.String(200)),
)
# Every import attempt (refusals too). Successful imports also live in the snapshot they built
# (its own import_log table: the provenance of the data, readable with the DuckDB CLI).
sa.Table(
    "import_log",
    metadata,
    sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("file_name", sa.String(300), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("rows_added", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_replaced", sa.Integer, nullable=False, server_default="0"),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("snapshot_id", sa.String(40)),
)
# One row per snapshot build (an import, a rollback, a migration): who, when, how it ended.
# Another process (the second replica, the Gegevens page) sees that an import is running.
sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # bezig, gepubliceerd, mislukt, afgebroken
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("snapshot_id", sa.String(40)),
    sa.Column("detail", sa.Text),
)

_V1_TABLES = ("users", "user_schools", "notes", "note_history", "audit_log", "import_log", "jobs")


def _migration_1(con: sa.Connection) -> None:
    metadata.create_all(con, tables=[metadata.tables[t] for t in _V1_TABLES])
    con.execute(
        sa.text(
            "INSERT INTO users (user_id, email, name, role, region_id, active) "
            "VALUES (:u, :e, :n, 'beheerder', NULL, :a)"
        ),
        {"u": SYSTEM_USER_ID, "e": "systeem@schoolfoto.invalid", "n": "Schoolfoto (opdrachtregel)",
         "a": True},
    )  # fmt: skip


# Where the anker's conversation with a school stands (data_model.state.rounds): the
# current state per school and school year, and every change (who, when, what) beside it.


def _round_columns(current: bool) -> list[sa.Column[Any]]:
    """The columns of a round's state: keyed by school and year for the current state, the
    same columns for each change kept in the history."""
    return [
        sa.Column("school_id", sa.String(6), primary_key=current, nullable=False),
        sa.Column("school_year", sa.String(9), primary_key=current, nullable=False),
        sa.Column("round_state", sa.String(20), nullable=False),
        sa.Column("state_date", sa.String(10)),  # ISO date: the same text on every backend
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
    ]


sa.Table(
    "conversation_rounds",
    metadata,
    *_round_columns(current=True),
    # The state codes' one home is data_model.vocabulary (constants, never input).
    sa.CheckConstraint("round_state IN (" + ", ".join(f"'{r}'" for r in ROUND_STATES) + ")"),
)
sa.Table(
    "conversation_round_history",
    metadata,
    sa.Column("history_id", sa.Integer, primary_key=True, autoincrement=True),
    *_round_columns(current=False),
    sa.Index("ix_round_history_school", "school_id", "school_year"),
)


def _migration_2(con: sa.Connection) -> None:
    tables = ("conversation_rounds", "conversation_round_history")
    metadata.create_all(con, tables=[metadata.tables[t] for t in tables])


# A remembered column mapping per source of import files (data_model.state.mappings).
sa.Table(
    "column_mappings",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("mapping", sa.Text, nullable=False),  # JSON: column key -> the file's header
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
)


def _migration_3(con: sa.Connection) -> None:
    metadata.create_all(con, tables=[metadata.tables["column_mappings"]])


# The school's consent to show its Vlaamse toetsen results to the support service
# (data_model.state.sharing): one row per school that ever decided; no row is "not granted".
# Each change is also a line in the audit log, written in the same transaction.
sa.Table(
    "result_sharing",
    metadata,
    sa.Column("school_id", sa.String(6), primary_key=True),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
)


def _migration_4(con: sa.Connection) -> None:
    metadata.create_all(con, tables=[metadata.tables["result_sharing"]])


# Append only: (version, function). A function gets a connection inside the migration's
# transaction. Never change an applied migration; add the next one.
MIGRATIONS: list[tuple[int, Callable[[sa.Connection], None]]] = [
    (1, _migration_1),
    (2, _migration_2),
    (3, _migration_3),
    (4, _migration_4),
]
STATE_VERSION = MIGRATIONS[-1][0]

# Columns whose SQLite values come back as text or 0/1: converted by name so that both
# backends return the same Python types (text() queries carry no column types).
_TIMESTAMP_COLUMNS = frozenset(
    {"created_at", "updated_at", "deleted_at", "changed_at", "logged_at", "imported_at",
     "started_at", "finished_at", "applied_at", "last_logged_at"}
)  # fmt: skip
_BOOL_COLUMNS = frozenset({"active", "granted"})


class StateError(RuntimeError):
    """The state store cannot be used (unreachable, newer schema, damaged)."""


def _bind(sql: str, params: Sequence[Any] | None) -> tuple[sa.TextClause, dict[str, Any]]:
    """`?` placeholders (outside quotes) become :p0, :p1 … for SQLAlchemy's text()."""
    params = list(params or [])
    out: list[str] = []
    n = 0
    for i, part in enumerate(re.split(r"('(?:[^']|'')*')", sql)):
        if i % 2:  # a quoted literal: copied as is
            out.append(part)
            continue
        pieces = part.split("?")
        out.append(pieces[0])
        for piece in pieces[1:]:
            out.append(f":p{n}{piece}")
            n += 1
    if n != len(params):
        raise ValueError(f"{n} placeholders, {len(params)} parameters")
    return sa.text("".join(out)), {f"p{i}": v for i, v in enumerate(params)}


def _to_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


class Result:
    """The rows of one statement, with DuckDB's fetch methods (fetchone, fetchall, df)."""

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.columns = columns
        convert = [
            _to_datetime
            if c in _TIMESTAMP_COLUMNS
            else (bool_or_none if c in _BOOL_COLUMNS else None)
            for c in columns
        ]
        if any(convert):
            rows = [
                tuple(f(v) if f else v for f, v in zip(convert, row, strict=True)) for row in rows
            ]
        self.rows = rows
        self._i = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._i >= len(self.rows):
            return None
        self._i += 1
        return self.rows[self._i - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rest, self._i = self.rows[self._i :], len(self.rows)
        return rest

    def df(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.fetchall(), columns=self.columns)
        for col in frame.columns:
            if col in _TIMESTAMP_COLUMNS:
                frame[col] = pd.to_datetime(frame[col])
        return frame


def bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


class Session:
    """One connection inside a transaction: execute / executemany with `?` placeholders."""

    def __init__(self, con: sa.Connection, sqlite: bool) -> None:
        self._con = con
        self._sqlite = sqlite

    def _params(self, params: Iterable[Any] | None) -> list[Any]:
        values = list(params or [])
        if self._sqlite:  # explicit, not the deprecated sqlite3 default adapter
            values = [v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in values]
        return values

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Result:
        clause, bound = _bind(sql, self._params(params))
        res = self._con.execute(clause, bound)
        if not res.returns_rows:
            return Result([], [])
        return Result(list(res.keys()), [tuple(r) for r in res.fetchall()])

    def lock(self, key: str) -> None:
        """Serialise transactions that touch the same `key` until this one ends.

        SQLite needs nothing: a write transaction holds the database's write lock from its
        BEGIN IMMEDIATE. PostgreSQL runs concurrent transactions side by side, so a check
        followed by an insert (an idempotent submit) takes a transaction-level advisory lock.
        """
        if not self._sqlite:
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [key])

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [self._params(r) for r in rows]
        if not rows:
            return
        clause, _ = _bind(sql, rows[0])
        self._con.execute(clause, [{f"p{i}": v for i, v in enumerate(r)} for r in rows])


class StateStore:
    """The state database of one deployment (SQLite file or PostgreSQL URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.engine = sa.create_engine(
                url, connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False}
            )
            self._tune_sqlite()
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        try:
            self._migrate()
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise StateError(_state_message(exc)) from None

    @classmethod
    def for_folder(cls, folder: Path, url: str | None = None) -> StateStore:
        return cls(url or f"sqlite:///{Path(folder) / 'state.sqlite'}")

    def _tune_sqlite(self) -> None:
        @event.listens_for(self.engine, "connect")
        def _connect(dbapi_con: sqlite3.Connection, _record: object) -> None:
            # pysqlite's own implicit BEGIN is off: we emit BEGIN ourselves (below), so that a
            # write transaction takes the write lock up front (BEGIN IMMEDIATE) instead of
            # failing with "database is locked" when it upgrades from a read.
            dbapi_con.isolation_level = None
            dbapi_con.execute("PRAGMA journal_mode=WAL")
            dbapi_con.execute("PRAGMA synchronous=NORMAL")
            dbapi_con.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")

        @event.listens_for(self.engine, "begin")
        def _begin(con: sa.Connection) -> None:
            con.exec_driver_sql("BEGIN IMMEDIATE" if con.info.get("write") else "BEGIN")

    @contextmanager
    def _connection(self, write: bool) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as con:
                con.info["write"] = write
                yield con
        except sa.exc.OperationalError as exc:
            raise StateError(_state_message(exc)) from None

    def _migrate(self) -> None:
        with self._connection(write=True) as con, con.begin():
            if not self.sqlite:  # one migrator at a time across replicas
                con.exec_driver_sql("SELECT pg_advisory_xact_lock(20250630)")
            metadata.create_all(con, tables=[metadata.tables["state_version"]])
            row = one(con.execute(sa.text("SELECT max(version) FROM state_version")))
            version = int(row[0] or 0)
            if version > STATE_VERSION:
                raise StateError(
                    f"De toestandsdatabank heeft schemaversie {version}; deze versie van "
                    f"Schoolfoto kent versie {STATE_VERSION}. Werk Schoolfoto bij."
                )
            for number, migration in MIGRATIONS:
                if number > version:
                    migration(con)
                    con.execute(
                        sa.text("INSERT INTO state_version VALUES (:v, :t)"),
                        {"v": number, "t": datetime.now()},
                    )

    @property
    def version(self) -> int:
        return int(one(self.execute("SELECT max(version) FROM state_version"))[0])

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Result:
        """One statement in its own short transaction (reads, or a single write)."""
        with self.transaction(write=not sql.lstrip().upper().startswith("SELECT")) as s:
            return s.execute(sql, params)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Session]:
        """A transaction: committed at the end, rolled back on any exception."""
        with self._connection(write) as con, con.begin():
            yield Session(con, self.sqlite)

    def close(self) -> None:
        self.engine.dispose()


def _state_message(exc: BaseException) -> str:
    # Never the URL (it may hold a password) or a server path: what is wrong and what to do.
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return (
            "De toestandsdatabank (notities, gebruikers, logboek) is bezet door een ander "
            "proces. Probeer het zo dadelijk opnieuw."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            "De toestandsdatabank (notities, gebruikers, logboek) is beschadigd. Zet een "
            "reservekopie terug of contacteer de beheerder."
        )
    return (
        "De toestandsdatabank (notities, gebruikers, logboek) is niet bereikbaar. Controleer "
        "SCHOOLFOTO_STATE_URL of de gegevensmap, of contacteer de beheerder."
    )
