"""Audit log: who opened which school's pages and exports, and every import (issue 6).

Stored in the `audit_log` table of the same DuckDB file. The log holds identities of staff
users, school numbers, page titles and file names: never pupil data. Actions come from an
allow-list (anything else is a ValueError, not a silent write) and `detail` is one short line
written by our own code (a page title, an export or file name), never a data row.

Writes go through `Database.write()` (the writer lock); reading the log is for the beheerder.
"""

from __future__ import annotations

import re
from datetime import datetime

import duckdb
import pandas as pd

from data_model.reading.access import Viewer
from data_model.reading.scope import admin_read
from data_model.storage.db import Database

# The only actions the log records (Dutch, as the beheerder reads them).
VIEW = "bekijkt"
EXPORT = "exporteert"
IMPORT = "importeert"
USER_ADMIN = "beheert gebruikers"
LOGIN = "meldt aan"
REFUSED = "geweigerd"
ACTIONS = (VIEW, EXPORT, IMPORT, USER_ADMIN, LOGIN, REFUSED)

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
    db: Database,
    viewer: Viewer | None,
    action: str,
    school_id: str | None = None,
    detail: str | None = None,
    user_id: str | None = None,
) -> None:
    """Append one line to the audit log. `user_id` overrides the viewer (refused logins)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = user_id or (viewer.user_id if viewer else "onbekend")
    with db.write() as con:
        con.execute(
            "INSERT INTO audit_log (logged_at, user_id, action, school_id, detail) "
            "VALUES (current_timestamp, ?, ?, ?, ?)",
            [who, action, _clean_school(school_id), _clean_detail(detail)],
        )


@admin_read
def audit_entries(
    con: duckdb.DuckDBPyConnection,
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
    return con.execute(
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
               u.role, a.action, a.school_id, s.name AS school_name, a.detail
        FROM a
        LEFT JOIN users u USING (user_id)
        LEFT JOIN schools s ON s.school_id = a.school_id
        WHERE (CAST(? AS TIMESTAMP) IS NULL OR a.logged_at >= CAST(? AS TIMESTAMP))
          AND (CAST(? AS TEXT) IS NULL OR a.user_id = ?)
          AND (CAST(? AS TEXT) IS NULL OR a.school_id = ?)
          AND (CAST(? AS TEXT) IS NULL OR a.action = ?)
        ORDER BY a.logged_at DESC
        LIMIT ?
        """,
        [since, since, user_id, user_id, school_id, school_id, action, action, int(limit)],
    ).df()
