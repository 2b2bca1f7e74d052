"""The school's consent to show its Vlaamse toetsen results to the support service.

The government's rule for the Vlaamse toetsen: a school's results are its own, and results of
pupils or pupil groups are never shared with third parties. Schoolfoto therefore shows the
school-level Vlaamse toetsen results (`catalogue.CONSENT_ASSESSMENTS`) to the school's anker
and the regional team only when the director has granted it; the default is not granted.
Class groups and pupils stay inside the school whatever the choice (`access.require_school_staff`).

The choice lives in the state store (`result_sharing`, one row per school that ever decided).
Reads are filtered on it in the scoped reader (`reading.scope`, for every decorated read);
this module reads and changes it. Only the school's own director changes it, and every change
is a line in the audit log written in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from data_model.reading.access import Viewer, require_school_staff
from data_model.reading.scope import require_school, school_read
from data_model.state.audit import SHARING, log_event
from data_model.storage.db import Cursor, Database

GRANTED_DETAIL = "Vlaamse toetsen gedeeld met anker en regioteam"
WITHDRAWN_DETAIL = "Vlaamse toetsen niet meer gedeeld met anker en regioteam"


@dataclass(frozen=True)
class Sharing:
    granted: bool
    changed_by: str | None = None  # the name of who decided last (None: never decided)
    changed_at: datetime | None = None


@school_read(memo=False)  # the toggle on the same page may just have changed it
def result_sharing(con: Cursor, viewer: Viewer, school_id: str) -> Sharing:
    """Whether the school shares its Vlaamse toetsen results, and who decided when."""
    row = con.state.execute(
        """
        SELECT s.granted, coalesce(u.name, s.changed_by), s.changed_at
        FROM result_sharing s LEFT JOIN users u ON u.user_id = s.changed_by
        WHERE s.school_id = ?
        """,
        [school_id],
    ).fetchone()
    if row is None:
        return Sharing(False)
    return Sharing(bool(row[0]), row[1], row[2])


def set_result_sharing(db: Database, viewer: Viewer, school_id: str, granted: bool) -> bool:
    """Grant or withdraw; True when this changed the choice. The school's own director only.

    Setting what is already set writes nothing (a double click is not a decision worth an
    audit line); a school that never decided counts as not granted.
    """
    con = db.cursor()
    require_school_staff(con, viewer)
    require_school(con, viewer, school_id)
    granted = bool(granted)
    with db.state.transaction() as cur:
        cur.lock(f"result_sharing:{school_id}")  # two clicks at once decide once
        row = cur.execute(
            "SELECT granted FROM result_sharing WHERE school_id = ?", [school_id]
        ).fetchone()
        current = bool(row[0]) if row is not None else False
        if current == granted:
            return False
        now = datetime.now()
        if row is None:
            cur.execute(
                "INSERT INTO result_sharing (school_id, granted, changed_by, changed_at) "
                "VALUES (?, ?, ?, ?)",
                [school_id, granted, viewer.user_id, now],
            )
        else:
            cur.execute(
                "UPDATE result_sharing SET granted = ?, changed_by = ?, changed_at = ? "
                "WHERE school_id = ?",
                [granted, viewer.user_id, now, school_id],
            )
        log_event(cur, viewer, SHARING, school_id, GRANTED_DETAIL if granted else WITHDRAWN_DETAIL)
    return True
