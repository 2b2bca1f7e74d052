"""What a snapshot file holds: its schema version, meta values, migration and validation.

`db.py` (the data folder and its write path) uses these on every snapshot it opens or builds
and re-exports them, so callers import storage from one place.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from data_model.storage.catalogue import seed_catalogue
from data_model.storage.connection import Sql, one
from data_model.storage.pupil_key import folder_of, load_secret, pupil_key, pupil_row_id

SCHEMA_VERSION = 2  # 2: users, notes, audit log moved to the state store
SCHEMA_PATH = Path(__file__).with_name("schema.sql")


class DataError(RuntimeError):
    """The data folder is missing, in an old format, locked or damaged (Dutch message)."""


class SchemaError(DataError):
    """The snapshot is not a Schoolfoto database this code can use."""


def create_schema(con: Sql) -> None:
    con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
        [str(SCHEMA_VERSION)],
    )
    con.execute("INSERT INTO meta VALUES ('is_sample', 'false') ON CONFLICT (key) DO NOTHING")
    seed_catalogue(con)


_STATE_TABLES_V1 = ("user_scope", "users", "user_schools", "notes", "note_history", "audit_log")


def migrate(con: Sql) -> None:
    """Bring a snapshot being built up to SCHEMA_VERSION; refuse a newer one."""
    version = schema_version(con)
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"De databank heeft schemaversie {version}; deze versie van Schoolfoto kent "
            f"versie {SCHEMA_VERSION}. Werk Schoolfoto bij."
        )
    if version < 2:  # the state moved out (copied first by migrate_single_file)
        con.execute("DROP VIEW IF EXISTS user_scope")
        for table in _STATE_TABLES_V1[1:]:
            con.execute("DROP TABLE IF EXISTS " + table)  # constant names
        con.execute("DROP SEQUENCE IF EXISTS note_seq")
    # The DDL is idempotent: re-running it adds views and tables introduced since. It is
    # skipped when this very DDL built the snapshot (and no column is missing): re-running
    # it writes the catalogue, and DuckDB then checkpoints the whole file when the connection
    # closes (1.2 s at Flanders scale, also for a build thrown away because nothing changed).
    ddl = SCHEMA_PATH.read_text(encoding="utf-8")
    digest = hashlib.sha256(ddl.encode("utf-8")).hexdigest()
    if (
        version == SCHEMA_VERSION
        and get_meta(con, "schema_sha256") == digest
        and not missing_columns(con)
    ):
        return
    con.execute("BEGIN TRANSACTION")
    keyed = _drop_pupil_results_key(con)
    unkeyed = ("pupils", "pupil_key") not in set(con.execute(_COLUMNS_SQL).fetchall())
    con.execute(ddl)
    seed_catalogue(con)  # assessments added since (vt6); existing rows are kept
    if unkeyed:
        hash_stored_pupil_ids(con)
    if keyed:
        columns = "pupil_id, assessment_id, learning_area, domain, score, goal_reached"
        con.execute(
            "INSERT INTO pupil_results (" + columns + ") SELECT " + columns + " FROM " + keyed
        )  # constant names
        con.execute("DROP TABLE " + keyed)
    set_meta(con, "schema_version", str(SCHEMA_VERSION))
    set_meta(con, "schema_sha256", digest)
    con.execute("COMMIT")


def hash_stored_pupil_ids(con: Sql) -> None:
    """A snapshot of before the pupil key stored the files' own leerling_id (then unique per
    pupil and school year). Replace each by a keyed hash (storage/pupil_key.py) in `pupils`
    and `pupil_results`, so no raw number stays in a snapshot built by this version. Those
    ids were per year, so these pupils get no `pupil_key`: they are never linked."""
    rows = con.execute("SELECT pupil_id, school_id, school_year FROM pupils").fetchall()
    if not rows:
        return
    secret = load_secret(folder_of(con))
    assert secret is not None  # created when missing
    mapping = pd.DataFrame(
        {
            "old_id": [r[0] for r in rows],
            "new_id": [
                pupil_row_id(pupil_key(secret, sid, f"{year}|{old}"), year)
                for old, sid, year in rows
            ],
        }
    )
    con.register("_pupil_id_map", mapping)
    con.execute(
        "UPDATE pupils SET pupil_id = m.new_id FROM _pupil_id_map m "
        "WHERE pupils.pupil_id = m.old_id"
    )
    con.execute(
        "UPDATE pupil_results SET pupil_id = m.new_id FROM _pupil_id_map m "
        "WHERE pupil_results.pupil_id = m.old_id"
    )
    con.unregister("_pupil_id_map")


def _drop_pupil_results_key(con: Sql) -> str | None:
    """A snapshot of before the key was dropped (schema.sql says why): rename its table, so
    the DDL creates the new one and the caller moves the rows. DuckDB cannot drop a primary
    key in place. Returns the old table's name, or None when there is nothing to move."""
    keyed = one(
        con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database() "
            "AND table_name = 'pupil_results' AND constraint_type = 'PRIMARY KEY'"
        )
    )[0]
    if not keyed:
        return None
    con.execute("ALTER TABLE pupil_results RENAME TO _pupil_results_keyed")
    return "_pupil_results_keyed"


def schema_version(con: Sql) -> int:
    try:
        value = get_meta(con, "schema_version")
    except duckdb.CatalogException:
        raise SchemaError("Dit bestand is geen Schoolfoto-databank.") from None
    return int(value or 0)


def get_meta(con: Sql, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con: Sql, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def is_sample(con: Sql) -> bool:
    return (get_meta(con, "is_sample") or "").lower() == "true"


# Tables and views a published snapshot must have (the data contract and what pages read).
REQUIRED = (
    "meta", "schools", "school_context", "school_result", "domains", "assessments",
    "v_school_result", "v_support", "v_guidance", "v_school_context", "import_log",
    "v_class_result", "v_school_progress",
)  # fmt: skip


@functools.cache
def _expected_columns() -> frozenset[tuple[str, str]]:
    """(table, column) of every table this version's schema.sql creates."""
    con = duckdb.connect()
    try:
        con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        return frozenset(con.execute(_COLUMNS_SQL).fetchall())
    finally:
        con.close()


_COLUMNS_SQL = (
    "SELECT c.table_name, c.column_name FROM information_schema.columns c "
    "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
    "WHERE t.table_type = 'BASE TABLE' AND t.table_schema = 'main' "
    "AND t.table_catalog = current_database()"
)


def missing_columns(con: Sql) -> list[str]:
    """`table.column` this version reads but the snapshot lacks: a snapshot published by an
    older version with the same schema number (its tables gained columns since). Pages would
    fail on their first query; `python -m data_model.storage upgrade` rebuilds it."""
    have = set(con.execute(_COLUMNS_SQL).fetchall())
    return sorted(f"{t}.{c}" for t, c in _expected_columns() - have)


def validate_snapshot(con: Sql) -> None:
    """Refuse to publish a snapshot the app could not read (raises SchemaError)."""
    if schema_version(con) != SCHEMA_VERSION:
        raise SchemaError("De nieuwe snapshot heeft een verkeerde schemaversie.")
    tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    names = {r[0] for r in tables}
    missing = [n for n in REQUIRED if n not in names] + missing_columns(con)
    if missing:
        raise SchemaError("De nieuwe snapshot mist " + ", ".join(missing) + ".")
    for view in ("v_school_result", "v_support", "v_guidance", "v_school_context",
                 "v_class_result", "v_school_progress"):  # fmt: skip
        con.execute("SELECT * FROM " + view + " LIMIT 0").fetchall()  # constant names
    orphans = one(
        con.execute("SELECT count(*) FROM school_result r ANTI JOIN schools s USING (school_id)")
    )[0]
    if orphans:
        raise SchemaError(f"De nieuwe snapshot heeft {orphans} resultaten zonder school.")
