"""Roles, the Viewer and row scoping (DESIGN §8).

Scope is decided in one place, the `user_scope` view of schema.sql, and every query in
queries.py filters with SCOPE_SQL for the viewer's user id. A page therefore cannot show a
school outside the scope even if it asks for one: it gets no rows, or AccessDenied.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

ROLES = ("directeur", "anker", "regioteam", "beheerder")
ROLE_LABELS = {
    "directeur": "Directeur",
    "anker": "Anker (pedagogisch begeleider)",
    "regioteam": "Regioteam",
    "beheerder": "Beheerder",
}

# Parameter: the viewer's user_id. Use as `WHERE <alias.>school_id IN (...)`.
SCOPE_SQL = "SELECT school_id FROM user_scope WHERE user_id = ?"


class AccessDenied(PermissionError):
    """The viewer asked for something outside their scope."""


@dataclass(frozen=True)
class Viewer:
    user_id: str
    name: str
    email: str
    role: str
    region_id: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def sees_guidance(self) -> bool:
        """Guidance contacts and need tiers are internal to the support service."""
        return self.role in ("anker", "regioteam", "beheerder")

    @property
    def sees_other_schools_by_name(self) -> bool:
        return self.role != "directeur"

    @property
    def is_admin(self) -> bool:
        return self.role == "beheerder"


_USER_SQL = "SELECT user_id, name, email, role, region_id FROM users WHERE active AND "


def _viewer(row: tuple | None) -> Viewer | None:
    return Viewer(*row) if row else None


def viewer_for_email(con: duckdb.DuckDBPyConnection, email: str) -> Viewer | None:
    """The active user with this e-mail address (case-insensitive), or None."""
    row = con.execute(_USER_SQL + "lower(email) = lower(?)", [email.strip()]).fetchone()
    return _viewer(row)


def viewer_for_user_id(con: duckdb.DuckDBPyConnection, user_id: str) -> Viewer | None:
    return _viewer(con.execute(_USER_SQL + "user_id = ?", [user_id]).fetchone())


def demo_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Active users with a short description of their scope, for the demo picker."""
    return con.execute(
        """
        SELECT u.user_id, u.name, u.role, u.email,
               count(s.school_id) AS n_schools,
               min(sc.name) AS first_school
        FROM users u
        LEFT JOIN user_scope s USING (user_id)
        LEFT JOIN schools sc ON sc.school_id = s.school_id
        WHERE u.active AND u.user_id <> 'systeem'
        GROUP BY u.user_id, u.name, u.role, u.email
        ORDER BY CASE u.role WHEN 'directeur' THEN 1 WHEN 'anker' THEN 2
                             WHEN 'regioteam' THEN 3 ELSE 4 END,
                 first_school, u.name
        """
    ).df()


def system_viewer(con: duckdb.DuckDBPyConnection) -> Viewer:
    """The beheerder identity used by command-line tools (seeded by db.create_schema)."""
    from data_model.db import SYSTEM_USER_ID

    viewer = viewer_for_user_id(con, SYSTEM_USER_ID)
    if viewer is None:
        raise AccessDenied("De systeemgebruiker ontbreekt in deze databank.")
    return viewer


def allowed_school_ids(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[str]:
    rows = con.execute(SCOPE_SQL + " ORDER BY school_id", [viewer.user_id]).fetchall()
    return [r[0] for r in rows]


def require_school(con: duckdb.DuckDBPyConnection, viewer: Viewer, school_id: str) -> None:
    """Raise AccessDenied unless the school is in the viewer's scope."""
    row = con.execute(
        "SELECT 1 FROM user_scope WHERE user_id = ? AND school_id = ?",
        [viewer.user_id, str(school_id)],
    ).fetchone()
    if row is None:
        raise AccessDenied(
            "U hebt geen toegang tot deze school. Kies een school uit uw eigen lijst."
        )
