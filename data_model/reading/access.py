"""Roles, the Viewer and row scoping (DESIGN §8).

Scope is decided in one place, the `user_scope` view of schema.sql, and every query in
queries.py filters with SCOPE_SQL for the viewer's user id. A page therefore cannot show a
school outside the scope even if it asks for one: it gets no rows, or AccessDenied.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from data_model.vocabulary import BEHEERDER, GUIDANCE_ROLES, NAMED_SCHOOL_ROLES, ROLE_LABELS

# Parameter: the viewer's user_id. Use as `WHERE <alias.>school_id IN (...)`.
SCOPE_SQL = "SELECT school_id FROM user_scope WHERE user_id = ?"


# Measures that must be NULL on a suppressed row (n below the privacy minimum). The
# materialised table already blanks them; `scrub_suppressed` repeats it right after the SQL
# so that a query joining other sources cannot bring a value back (defence in depth).
SUPPRESSED_MEASURES = (
    "n_pupils", "score_mean", "score_sd", "pct_goal_reached", "diff_similar",
    "diff_flanders", "ci_low", "ci_high", "effect_size", "trend_slope", "trend_p",
    "expected_score", "diff_expected",
    # issue 11: the estimate behind the colour and the single year's own numbers
    "status_estimate", "status_n", "year_diff", "year_ci_low", "year_ci_high", "trend_se",
    "trend_z", "reliability",
)  # fmt: skip


class AccessDenied(PermissionError):
    """The viewer asked for something outside their scope or role."""


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
        return self.role in GUIDANCE_ROLES

    @property
    def sees_other_schools_by_name(self) -> bool:
        return self.role in NAMED_SCHOOL_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == BEHEERDER


_USER_SQL = "SELECT user_id, name, email, role, region_id FROM users WHERE active AND "


def _viewer(row: tuple | None) -> Viewer | None:
    return Viewer(*row) if row else None


def viewer_for_email(con: duckdb.DuckDBPyConnection, email: str) -> Viewer | None:
    """The active user with this e-mail address (case-insensitive), or None.

    The command-line identity (SYSTEM_USER_ID) can never log in, whatever a provider says.
    """
    from data_model.storage.db import SYSTEM_USER_ID

    row = con.execute(
        _USER_SQL + "lower(email) = lower(?) AND user_id <> ?", [email.strip(), SYSTEM_USER_ID]
    ).fetchone()
    return _viewer(row)


def account_status(con: duckdb.DuckDBPyConnection, email: str) -> str:
    """'active', 'disabled' or 'unknown' for a login e-mail: the refusal text differs."""
    if not email.strip():
        return "unknown"
    if viewer_for_email(con, email) is not None:
        return "active"
    row = con.execute(
        "SELECT 1 FROM users WHERE lower(email) = lower(?) AND NOT active", [email.strip()]
    ).fetchone()
    return "disabled" if row else "unknown"


def viewer_for_user_id(con: duckdb.DuckDBPyConnection, user_id: str) -> Viewer | None:
    return _viewer(con.execute(_USER_SQL + "user_id = ?", [user_id]).fetchone())


def demo_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Active users with a short description of their scope, for the demo picker.

    Only on sample data: the list names every user and school, so on a real database it is
    refused here too, not only by the demo-mode check in ui/auth.py.
    """
    from data_model.storage.db import is_sample

    if not is_sample(con):
        raise AccessDenied("De demogebruikers bestaan alleen in een voorbeelddatabank.")
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
    from data_model.storage.db import SYSTEM_USER_ID

    viewer = viewer_for_user_id(con, SYSTEM_USER_ID)
    if viewer is None:
        raise AccessDenied("De systeemgebruiker ontbreekt in deze databank.")
    return viewer


def require_admin(viewer: Viewer) -> None:
    """User management, the audit log and imports are for the beheerder only."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen de beheerder kan dit doen.")


def require_guidance(viewer: Viewer) -> None:
    """Guidance contacts and need tiers are internal: never for a directeur (DESIGN §8)."""
    if not viewer.sees_guidance:
        raise AccessDenied(
            "Begeleidingsgegevens zijn intern voor de begeleidingsdienst en niet zichtbaar "
            "voor scholen."
        )


def scrub_suppressed(df: pd.DataFrame) -> pd.DataFrame:
    """Blank every measure of rows with `suppressed` = true (privacy minimum, DESIGN §5)."""
    if "suppressed" not in df.columns or df.empty:
        return df
    mask = df["suppressed"].fillna(False).astype(bool).to_numpy()
    if not mask.any():
        return df
    cols = [c for c in SUPPRESSED_MEASURES if c in df.columns]
    out = df.copy()
    for col in cols:
        if out[col].dtype.kind in "iub":  # integers/bools cannot hold NULL: widen first
            out[col] = out[col].astype("Float64" if out[col].dtype.kind != "b" else "boolean")
        out.loc[mask, col] = None
    return out


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
