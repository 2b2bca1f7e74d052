"""Audit log: who opened which school's pages and exports, and every import.

Stored in the `audit_log` table of the state store (SQLite or PostgreSQL), so a page view's
log line never waits for an import building the next snapshot. The log holds identities of staff
users, school numbers, page titles and file names: never pupil data. Actions come from an
allow-list (anything else is a ValueError, not a silent write) and `detail` is one short line
written by our own code (a page title, an export or file name), never a data row.

Each line is one short state transaction; reading the log is for the beheerder.
"""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

from data_model.reading.access import Viewer
from data_model.reading.scope import admin_read
from data_model.storage.connection import Connection, one
from data_model.storage.db import Database
from data_model.storage.state_store import Session, StateStore

# The only actions the log records (Dutch, as the beheerder reads them).
VIEW = "bekijkt"
EXPORT = "exporteert"
IMPORT = "importeert"
USER_ADMIN = "beheert gebruikers"
LOGIN = "meldt aan"
REFUSED = "geweigerd"
SHARING = "wijzigt delen"  # a director grants or withdraws the support service's access
ACTIONS = (VIEW, EXPORT, IMPORT, USER_ADMIN, LOGIN, REFUSED, SHARING)

MAX_DETAIL = 160
_SCHOOL_ID = re.compile(r"[0-9]{1,6}")


def _clean_detail(detail: str | None) -> str | None:
    if detail is None:
        return None
    text = " ".join(str(detail).split())  # no newlines or control characters in the log
    return text[:MAX_DETAIL] or None


def _clean_school(school_id: str | None) -> str | None:
    # A refused ?school= value is user input: keep it only when it looks like a school id.
    if school_id is None:
        return None
    value = str(school_id).strip()
    return value if _SCHOOL_ID.fullmatch(value) else "(ongeldig)"


def log_event(
    target: Database | StateStore | Session,
    viewer: Viewer | None,
    action: str,
    school_id: str | None = None,
    detail: str | None = None,
    user_id: str | None = None,
) -> None:
    """Append one line to the audit log. `user_id` overrides the viewer (refused logins).

    `target`: the data folder (the line is its own short transaction), or an open state
    transaction when the line must be written together with the change it records.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = user_id or (viewer.user_id if viewer else "onbekend")
    executor = target if isinstance(target, StateStore | Session) else target.state
    executor.execute(
        "INSERT INTO audit_log (logged_at, user_id, action, school_id, detail) "
        "VALUES (?, ?, ?, ?, ?)",
        [datetime.now(), who, action, _clean_school(school_id), _clean_detail(detail)],
    )


@admin_read
def audit_entries(
    con: Connection,
    viewer: Viewer,
    since: datetime | None = None,
    user_id: str | None = None,
    school_id: str | None = None,
    action: str | None = None,
    limit: int = 2000,
) -> pd.DataFrame:
    """The newest log lines with the user's name and the school's name (beheerder only)."""
    # Imports are logged by the importer in import_log (who, when, file, hash, outcome); the
    # audit view shows them as 'importeert' lines so that nothing is logged twice.
    # Filters are constant SQL fragments chosen here; only their values are parameters.
    where, params = ["1 = 1"], []
    for fragment, value in (
        ("a.logged_at >= ?", since),
        ("a.user_id = ?", user_id),
        ("a.school_id = ?", school_id),
        ("a.action = ?", action),
    ):
        if value is not None:
            where.append(fragment)
            params.append(value)
    df = con.state.execute(
        """
        WITH a AS (
            SELECT logged_at, user_id, action, school_id, detail FROM audit_log
            UNION ALL
            SELECT imported_at, user_id, 'importeert', NULL,
                   file_name || ' (' || kind || '): ' || outcome
                   || CASE WHEN outcome <> 'geweigerd' THEN ', ' || rows_added || ' nieuw, '
                           || rows_replaced || ' vervangen' ELSE '' END
            FROM import_log
        )
        SELECT a.logged_at, a.user_id, coalesce(u.name, a.user_id) AS user_name,
               u.role, a.action, a.school_id, a.detail
        FROM a
        LEFT JOIN users u ON u.user_id = a.user_id
        WHERE """
        + " AND ".join(where)
        + """
        ORDER BY a.logged_at DESC
        LIMIT ?
        """,
        [*params, int(limit)],
    ).df()
    # School names come from the snapshot (the state store has no schools table).
    names = dict(con.execute("SELECT school_id, name FROM schools").fetchall())
    df.insert(6, "school_name", df["school_id"].map(names))
    return df


def record_import(
    db: Database,
    viewer: Viewer,
    file_name: str,
    sha256: str,
    kind: str,
    outcome: str,
    message: str | None,
) -> int:
    """Log an import that published nothing (a refusal or an error) in the state store.

    Imports that publish a snapshot are logged inside it (its provenance) and copied here by
    `Database.write()`; a refusal must not cost a snapshot build, so it is written directly.
    """
    import_id: int = one(
        db.state.execute(
            "INSERT INTO import_log (imported_at, user_id, file_name, sha256, kind, rows_added, "
            "rows_replaced, outcome, message) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?) "
            "RETURNING import_id",
            [datetime.now(), viewer.user_id, file_name[:300], sha256, kind, outcome, message],
        )
    )[0]
    return import_id


def import_log(con: Connection, limit: int = 200) -> pd.DataFrame:
    """Every import attempt, newest first, with the user's name (callers check the role)."""
    return con.state.execute(
        """
        SELECT l.imported_at, coalesce(u.name, l.user_id) AS user_name, l.file_name, l.kind,
               l.outcome, l.rows_added, l.rows_replaced, l.message, l.sha256, l.snapshot_id
        FROM import_log l LEFT JOIN users u ON u.user_id = l.user_id
        ORDER BY l.imported_at DESC, l.import_id DESC LIMIT ?
        """,
        [int(limit)],
    ).df()
