"""Roles, the Viewer and row scoping (docs/architecture.md, "Scope and suppression").

Scope is decided in one place, `allowed_school_ids(con, viewer)`: the user's role, region and
assigned schools come from the state store (by user id, never from what a Viewer object
claims), the schools of a region from the snapshot. Every analytic query takes that list as a
parameter (`reading.scope.SCOPE_FILTER`, computed once per request by the scoped reader);
nothing joins a users table inside DuckDB. A page therefore cannot show
a school outside the scope even if it asks for one: it gets no rows, or AccessDenied.

`con` is a `storage.db.Cursor`: a DuckDB cursor on one snapshot that carries the state store
(`con.state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from data_model.storage.connection import Connection
from data_model.storage.state_store import SYSTEM_USER_ID, StateStore
from data_model.vocabulary import (
    BEHEERDER,
    CONSENT_ROLES,
    GUIDANCE_ROLES,
    LEARNING_GAIN_ROLES,
    NAMED_SCHOOL_ROLES,
    REGIOTEAM,
    ROLE_LABELS,
    ROLES,
    SCHOOL_STAFF_ROLES,
)

# Measures that must be NULL on a suppressed row (n below the privacy minimum). The
# materialised table already blanks them; `scrub_suppressed` repeats it right after the SQL
# so that a query joining other sources cannot bring a value back (defence in depth).
SUPPRESSED_MEASURES = (
    "n_pupils", "score_mean", "score_sd", "pct_goal_reached", "diff_similar",
    "diff_flanders", "ci_low", "ci_high", "effect_size", "trend_slope", "trend_p",
    "expected_score", "diff_expected",
    # the estimate behind the colour and the single year's own numbers
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


def _state(con: Connection) -> StateStore:
    state: StateStore | None = getattr(con, "state", None)
    if state is None:
        raise TypeError("a storage.db.Cursor (or Database) is needed: it carries the state store")
    return state


def _viewer(row: tuple[Any, ...] | None) -> Viewer | None:
    return Viewer(*row) if row else None


def viewer_for_email(con: Connection, email: str) -> Viewer | None:
    """The active user with this e-mail address (case-insensitive), or None.

    The command-line identity (SYSTEM_USER_ID) can never log in, whatever a provider says.
    """
    row = (
        _state(con)
        .execute(
            _USER_SQL + "lower(email) = lower(?) AND user_id <> ?", [email.strip(), SYSTEM_USER_ID]
        )
        .fetchone()
    )
    return _viewer(row)


def account_status(con: Connection, email: str) -> str:
    """'active', 'disabled' or 'unknown' for a login e-mail: the refusal text differs."""
    if not email.strip():
        return "unknown"
    if viewer_for_email(con, email) is not None:
        return "active"
    row = (
        _state(con)
        .execute(
            "SELECT 1 FROM users WHERE lower(email) = lower(?) AND NOT active", [email.strip()]
        )
        .fetchone()
    )
    return "disabled" if row else "unknown"


def viewer_for_user_id(con: Connection, user_id: str) -> Viewer | None:
    return _viewer(_state(con).execute(_USER_SQL + "user_id = ?", [user_id]).fetchone())


# The demo picker lists users in the order of the roles: the school first, the beheerder last.
_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}


def demo_users(con: Connection) -> pd.DataFrame:
    """Active users with a short description of their scope, for the demo picker.

    Only on sample data: the list names every user and school, so on a real database it is
    refused here too, not only by the demo-mode check in ui/auth.py.
    """
    from data_model.storage.db import is_sample

    if not is_sample(con):
        raise AccessDenied("De demogebruikers bestaan alleen in een voorbeelddatabank.")
    users = (
        _state(con)
        .execute(
            "SELECT user_id, name, role, email, region_id FROM users WHERE active AND user_id <> ?",
            [SYSTEM_USER_ID],
        )
        .fetchall()
    )
    names = dict(con.execute("SELECT school_id, name FROM schools").fetchall())
    rows = []
    for user_id, name, role, email, region_id in users:
        ids = allowed_school_ids(con, Viewer(user_id, name, email, role, region_id))
        first = min((names[i] for i in ids if i in names), default=None)
        rows.append((user_id, name, role, email, len(ids), first))
    df = pd.DataFrame(
        rows, columns=["user_id", "name", "role", "email", "n_schools", "first_school"]
    )
    df["_order"] = df["role"].map(_ROLE_ORDER)
    df = df.sort_values(["_order", "first_school", "name"], na_position="last")
    return df.drop(columns="_order").reset_index(drop=True)


def system_viewer(con: Connection) -> Viewer:
    """The beheerder identity used by command-line tools (seeded by the state migration)."""
    viewer = viewer_for_user_id(con, SYSTEM_USER_ID)
    if viewer is None:
        raise AccessDenied("De systeemgebruiker ontbreekt in deze databank.")
    return viewer


def require_admin(viewer: Viewer) -> None:
    """User management, the audit log and imports are for the beheerder only."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen de beheerder kan dit doen.")


def require_guidance(viewer: Viewer) -> None:
    """Guidance contacts and need tiers are internal: never for a directeur.

    (docs/architecture.md, "Scope and suppression")
    """
    if not viewer.sees_guidance:
        raise AccessDenied(
            "Begeleidingsgegevens zijn intern voor de begeleidingsdienst en niet zichtbaar "
            "voor scholen."
        )


def _stored_role(con: Connection, viewer: Viewer) -> str | None:
    # The role as the state store has it now (a Viewer object's claim is not believed).
    row = (
        _state(con)
        .execute("SELECT role FROM users WHERE active AND user_id = ?", [viewer.user_id])
        .fetchone()
    )
    return None if row is None else str(row[0])


def require_learning_gain(con: Connection, viewer: Viewer) -> None:
    """Learning gain: the school, its anker (when the school shares its Vlaamse toetsen) and
    the beheerder; never a regional team (`vocabulary.LEARNING_GAIN_ROLES`)."""
    if _stored_role(con, viewer) not in LEARNING_GAIN_ROLES:
        raise AccessDenied(
            "De leerwinst volgt de eigen leerlingen van de school: alleen de school en haar "
            "anker zien ze."
        )


def require_school_staff(con: Connection, viewer: Viewer) -> None:
    """Class groups and pupils are for the school's own staff only: never an anker, a
    regional team or the beheerder, whatever their scope. The role is read from the state
    store by user id (a Viewer object that claims to be a directeur is not believed)."""
    if _stored_role(con, viewer) not in SCHOOL_STAFF_ROLES:
        raise AccessDenied(
            "Klasgroepen en leerlingen zijn alleen zichtbaar voor het eigen schoolteam: "
            "resultaten van leerlingen en klassen verlaten de school niet."
        )


def scrub_suppressed(df: pd.DataFrame) -> pd.DataFrame:
    """Blank every measure of rows with `suppressed` = true (the privacy minimum).

    (docs/architecture.md, "Scope and suppression")
    """
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


def allowed_school_ids(con: Connection, viewer: Viewer) -> list[str]:
    """The school ids `viewer` may see in the snapshot of `con`, sorted (the one scope rule).

    Role, region and assigned schools are read from the state store by user id: a forged or
    stale Viewer object gets the scope of its user id as it is now (none if inactive or
    unknown). beheerder: every school; regioteam: the schools of its region plus any assigned
    ones; directeur and anker: their assigned schools. Only schools in the snapshot count.
    """
    state = _state(con)
    row = state.execute(
        "SELECT role, region_id FROM users WHERE active AND user_id = ?", [viewer.user_id]
    ).fetchone()
    if row is None:
        return []
    role, region_id = row
    if role == BEHEERDER:
        ids = con.execute("SELECT school_id FROM schools /* scope */ ORDER BY school_id")
        return [r[0] for r in ids.fetchall()]
    assigned = [
        r[0]
        for r in state.execute(
            "SELECT school_id FROM user_schools WHERE user_id = ?", [viewer.user_id]
        ).fetchall()
    ]
    rows = con.execute(
        "SELECT school_id FROM schools /* scope */ "
        "WHERE list_contains(CAST(? AS VARCHAR[]), school_id) "
        "OR (? AND region_id = ?) ORDER BY school_id",
        [assigned, role == REGIOTEAM, region_id],
    ).fetchall()
    return [r[0] for r in rows]


def withheld_school_ids(con: Connection, viewer: Viewer, allowed: list[str]) -> frozenset[str]:
    """The schools of `allowed` whose consent-only results (the Vlaamse toetsen,
    `catalogue.CONSENT_ASSESSMENTS`) this viewer may not see: for an anker or a regional
    team, every school in scope that has not granted it (the default); nothing for the
    school's own director or the beheerder. Read from the state store by user id, as the scope.
    """
    state = _state(con)
    row = state.execute(
        "SELECT role FROM users WHERE active AND user_id = ?", [viewer.user_id]
    ).fetchone()
    if row is None:
        return frozenset(allowed)
    if row[0] not in CONSENT_ROLES:
        return frozenset()
    granted = {
        r[0] for r in state.execute("SELECT school_id FROM result_sharing WHERE granted").fetchall()
    }
    return frozenset(allowed) - granted


def require_school(con: Connection, viewer: Viewer, school_id: str) -> None:
    """Raise AccessDenied unless the school is in the viewer's scope."""
    if str(school_id) not in allowed_school_ids(con, viewer):
        raise AccessDenied(
            "U hebt geen toegang tot deze school. Kies een school uit uw eigen lijst."
        )
