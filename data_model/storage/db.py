"""Opening the DuckDB file, migrations, the single writer lock and read cursors.

One `Database` per process (the app keeps it in `st.cache_resource`); every script run or
request takes its own `cursor()`, and every write goes through `write()`, which serialises
writers with one lock and wraps the work in one transaction: a crash half-way leaves the
file as it was (DuckDB rolls back an uncommitted transaction when the file is reopened).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from data_model.storage.catalogue import seed_catalogue

SCHEMA_VERSION = 1
SYSTEM_USER_ID = "systeem"
SCHEMA_PATH = Path(__file__).with_name("schema.sql")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = REPO_ROOT / "sample_data" / "schoolfoto.duckdb"


class SchemaError(RuntimeError):
    """The file is not a Schoolfoto database this code can use."""


def configured_path() -> Path:
    """The database the app uses: $SCHOOLFOTO_DB, else the bundled sample database."""
    value = os.environ.get("SCHOOLFOTO_DB", "").strip()
    return Path(value) if value else DEFAULT_DB_PATH


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
        [str(SCHEMA_VERSION)],
    )
    con.execute("INSERT INTO meta VALUES ('is_sample', 'false') ON CONFLICT (key) DO NOTHING")
    seed_catalogue(con)
    # The identity of command-line tools (importer, export): a beheerder that cannot log in,
    # because .invalid addresses never exist (RFC 2606).
    con.execute(
        "INSERT INTO users VALUES (?, ?, ?, 'beheerder', NULL, TRUE) ON CONFLICT DO NOTHING",
        [SYSTEM_USER_ID, "systeem@schoolfoto.invalid", "Schoolfoto (opdrachtregel)"],
    )


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring an older file up to SCHEMA_VERSION; refuse a newer one."""
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"De databank heeft schemaversie {version}; deze versie van Schoolfoto kent "
            f"versie {SCHEMA_VERSION}. Werk Schoolfoto bij."
        )
    # Migrations go here as `if version < N: ...; version = N`. The DDL is idempotent, so
    # re-running it also adds views and tables introduced since the file was made.
    con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def is_sample(con: duckdb.DuckDBPyConnection) -> bool:
    return (get_meta(con, "is_sample") or "").lower() == "true"


class Database:
    """One DuckDB handle per process with a writer lock."""

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if not self.path.exists() and read_only:
            raise FileNotFoundError(self.path)
        self._con = duckdb.connect(str(self.path), read_only=read_only)
        self._lock = threading.RLock()
        if not read_only:
            has_meta = self._con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
            ).fetchone()[0]
            with self._lock:
                if has_meta:
                    migrate(self._con)
                else:
                    create_schema(self._con)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one script run / request (DuckDB cursors are cheap, thread-local)."""
        return self._con.cursor()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Serialised write in one transaction; rolled back on any exception."""
        if self.read_only:
            raise PermissionError("Deze databank is alleen-lezen geopend.")
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def close(self) -> None:
        self._con.close()
