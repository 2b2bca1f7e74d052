"""Where the anker's conversation with each school stands: the round.

One state per school and school year (to prepare, prepared, held on a date, follow-up due on
a date), in the state store (storage/state_store.py: `conversation_rounds`), so a change is one
short transaction that never waits for an import. Every change is also appended to
`conversation_round_history` with who made it and when: the state is shared by the anker and
the regional team, and a school that "was held" and is now "to prepare" must say who changed
it. A school without a row is still to prepare.

The round is internal to the support service: reads and writes refuse a directeur
(`access.require_guidance`), and only schools in the viewer's scope can be read or changed.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from data_model.reading.access import Viewer, require_guidance
from data_model.reading.scope import allowed_ids, require_school, school_read, scope_read
from data_model.storage.connection import Connection
from data_model.storage.db import Database
from data_model.vocabulary import (
    ROUND_DATED_STATES,
    ROUND_STATE_LABELS,
    ROUND_STATES,
    ROUND_TO_PREPARE,
)

COLUMNS = ["school_id", "round_state", "state_date", "changed_by", "changed_at"]


class RoundError(ValueError):
    """An unknown state or a date that is not a date (message in Dutch, for the user)."""


@scope_read(guidance=True, memo=False)  # a click in the same run may just have changed it
def round_states(con: Connection, viewer: Viewer, school_year: str) -> pd.DataFrame:
    """Per school in scope: its state in `school_year` (to prepare when never set), the date
    that goes with it, and who set it when. Sorted by school id; pages sort by name."""
    allowed = allowed_ids(con, viewer)
    rows = con.state.execute(
        """
        SELECT r.school_id, r.round_state, r.state_date,
               coalesce(u.name, r.changed_by) AS changed_by, r.changed_at
        FROM conversation_rounds r LEFT JOIN users u ON u.user_id = r.changed_by
        WHERE r.school_year = ?
        """,
        [school_year],
    ).df()
    # The state store holds no snapshot: the scope list filters here, as for notes.
    stored = rows[rows["school_id"].isin(allowed)].set_index("school_id")
    out = pd.DataFrame({"school_id": allowed})
    out = out.join(stored, on="school_id")
    out["round_state"] = out["round_state"].fillna(ROUND_TO_PREPARE)
    return out[COLUMNS].sort_values("school_id").reset_index(drop=True)


@school_read(guidance=True, memo=False)
def round_history(
    con: Connection, viewer: Viewer, school_id: str, school_year: str
) -> pd.DataFrame:
    """Every change of the school's state in the year, newest first (the audit of the round)."""
    return con.state.execute(
        """
        SELECT h.round_state, h.state_date, coalesce(u.name, h.changed_by) AS changed_by,
               h.changed_at
        FROM conversation_round_history h LEFT JOIN users u ON u.user_id = h.changed_by
        WHERE h.school_id = ? AND h.school_year = ?
        ORDER BY h.changed_at DESC, h.history_id DESC
        """,
        [school_id, school_year],
    ).df()


def _clean_date(state: str, state_date: date | str | None) -> str | None:
    if state not in ROUND_DATED_STATES:
        return None
    if state_date is None or state_date == "":
        return date.today().isoformat()
    try:
        return date.fromisoformat(str(state_date)).isoformat()
    except ValueError:
        raise RoundError("Geef de datum als dag/maand/jaar.") from None


def set_round_state(
    db: Database,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    state: str,
    state_date: date | str | None = None,
) -> None:
    """Set the school's state for the year (one transaction: the state and its history line).

    A dated state without a date gets today's. Setting the state it already has with the same
    date writes nothing: a double click is not a change worth a history line.
    """
    require_guidance(viewer)
    if state not in ROUND_STATES:
        raise RoundError("Kies een status: " + ", ".join(ROUND_STATE_LABELS.values()) + ".")
    cleaned = _clean_date(state, state_date)
    require_school(db.cursor(), viewer, school_id)
    now = datetime.now()
    with db.state.transaction() as cur:
        current = cur.execute(
            "SELECT round_state, state_date FROM conversation_rounds "
            "WHERE school_id = ? AND school_year = ?",
            [school_id, school_year],
        ).fetchone()
        if current is not None and tuple(current) == (state, cleaned):
            return
        if current is None:
            cur.execute(
                "INSERT INTO conversation_rounds (school_id, school_year, round_state, "
                "state_date, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                [school_id, school_year, state, cleaned, viewer.user_id, now],
            )
        else:
            cur.execute(
                "UPDATE conversation_rounds SET round_state = ?, state_date = ?, "
                "changed_by = ?, changed_at = ? WHERE school_id = ? AND school_year = ?",
                [state, cleaned, viewer.user_id, now, school_id, school_year],
            )
        cur.execute(
            "INSERT INTO conversation_round_history (school_id, school_year, round_state, "
            "state_date, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            [school_id, school_year, state, cleaned, viewer.user_id, now],
        )
