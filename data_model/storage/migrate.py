"""Convert a database from before the snapshots (one .duckdb file) into a data folder.

The analytic tables become the folder's first published snapshot; users, school assignments,
notes with their history, the audit log and the import log move into the state store (SQLite
in the folder, or PostgreSQL with SCHOOLFOTO_STATE_URL). The old file is only read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from data_model.storage.connection import one
from data_model.storage.db import Database, DataError, _duck_message, migrate, schema_version
from data_model.storage.state_store import SYSTEM_USER_ID, StateStore

# (table, columns) copied from a version-1 file, in an order that keeps references valid.
_STATE_COPY = (
    ("users", ("user_id", "email", "name", "role", "region_id", "active")),
    ("user_schools", ("user_id", "school_id")),
    ("notes", ("note_id", "school_id", "school_year", "scope", "step", "body", "author_id",
               "created_at", "updated_at", "version", "deleted_at")),
    ("note_history", ("note_id", "version", "body", "author_id", "changed_at", "action")),
    ("audit_log", ("logged_at", "user_id", "action", "school_id", "detail")),
    ("import_log", ("imported_at", "user_id", "file_name", "sha256", "kind", "rows_added",
                    "rows_replaced", "outcome", "message")),
)  # fmt: skip


def _read_state(old: Path) -> dict[str, pd.DataFrame]:
    try:
        con = duckdb.connect(str(old), read_only=True)
    except duckdb.Error as exc:
        raise DataError(_duck_message(exc)) from None
    try:
        if schema_version(con) >= 2:
            raise DataError("Dit bestand is al een snapshot; er is niets om te zetten.")
        tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        names = {r[0] for r in tables}
        frames = {}
        for table, cols in _STATE_COPY:
            if table in names:
                frames[table] = con.execute(
                    "SELECT " + ", ".join(cols) + " FROM " + table  # constant names
                ).df()
        return frames
    finally:
        con.close()


def migrate_single_file(old: Path | str, folder: Path | str) -> str:
    """Build `folder` from the old file; returns a Dutch one-line summary."""
    old, folder = Path(old), Path(folder)
    if not old.is_file():
        raise DataError(f"Het bestand '{old.name}' bestaat niet.")
    if folder.exists() and any(folder.iterdir()):
        raise DataError(f"De map '{folder.name}' is niet leeg. Kies een nieuwe, lege gegevensmap.")
    frames = _read_state(old)
    db = Database(folder, create=True)
    try:
        building = db.snapshot_dir / ".migrated.building"
        shutil.copyfile(old, building)
        wal = Path(str(old) + ".wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(building) + ".wal"))
        con = duckdb.connect(str(building))
        try:
            migrate(con)  # drops the state tables from the snapshot copy
            con.execute("CHECKPOINT")
        finally:
            con.close()
        Path(str(building) + ".wal").unlink(missing_ok=True)
        snapshot = db.publish_file(building, note=old.name)
        counts = []
        with db.state.transaction() as s:
            for table, cols in _STATE_COPY:
                frame = frames.get(table)
                if frame is None or frame.empty:
                    continue
                if table == "users":
                    frame = frame[frame["user_id"] != SYSTEM_USER_ID]
                rows = [
                    tuple(None if pd.isna(v) else v for v in row)
                    for row in frame.astype(object).itertuples(index=False)
                ]
                rows = [tuple(v.to_pydatetime() if hasattr(v, "to_pydatetime") else v  # type: ignore[union-attr]  # hasattr excludes None; mypy does not narrow it
                              for v in row) for row in rows]  # fmt: skip
                s.executemany(
                    "INSERT INTO "
                    + table
                    + " ("
                    + ", ".join(cols)
                    + ") VALUES ("
                    + ", ".join("?" for _ in cols)
                    + ")",
                    rows,
                )  # constant names
                counts.append(f"{len(rows)} {table}")
            if not db.state.sqlite:  # explicit note ids: move the sequence past them
                s.execute(
                    "SELECT setval(pg_get_serial_sequence('notes', 'note_id'), "
                    "(SELECT coalesce(max(note_id), 0) + 1 FROM notes), false)"
                )
    finally:
        db.close()
    return f"Omgezet naar {folder.name}: snapshot {snapshot}; " + ", ".join(
        counts or ["geen toestand"]
    )


# Tables of the state store in an order that keeps references valid (all of migration 1).
_STATE_TABLES = ("users", "user_schools", "notes", "note_history", "audit_log", "import_log",
                 "jobs", "conversation_rounds", "conversation_round_history")  # fmt: skip


def copy_state(source: StateStore, target: StateStore) -> str:
    """Copy every row of one state store into another, empty one (SQLite -> PostgreSQL).

    The target must hold nothing but the command-line identity: merging two live stores
    would mix two histories. Ids are kept, so notes keep their history and links.
    """
    used = target.execute("SELECT count(*) FROM users WHERE user_id <> ?", [SYSTEM_USER_ID])
    notes = one(target.execute("SELECT count(*) FROM notes"))[0]
    if one(used)[0] or notes:
        raise DataError("De doel-toestandsdatabank is niet leeg; er is niets gekopieerd.")
    counts = []
    with target.transaction() as s:
        for table in _STATE_TABLES:
            result = source.execute("SELECT * FROM " + table)  # constant names
            rows = result.fetchall()
            if table == "users":
                rows = [r for r in rows if r[0] != SYSTEM_USER_ID]
            if not rows:
                continue
            cols = result.columns
            s.executemany(
                "INSERT INTO " + table + " (" + ", ".join(cols) + ") VALUES ("
                + ", ".join("?" for _ in cols) + ")",
                rows,
            )  # fmt: skip
            counts.append(f"{len(rows)} {table}")
        if not target.sqlite:  # explicit ids: move every serial sequence past them
            for table, column in (("notes", "note_id"), ("note_history", "history_id"),
                                  ("audit_log", "audit_id"), ("import_log", "import_id"),
                                  ("jobs", "job_id"),
                                  ("conversation_round_history", "history_id")):  # fmt: skip
                s.execute(
                    "SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), "
                    "(SELECT coalesce(max(" + column + "), 0) + 1 FROM " + table + "), false)"
                )  # constant names
    return "Gekopieerd: " + (", ".join(counts) or "niets")
