"""Learning gain of one school (v_school_progress), for the school's own staff.

Learning gain rests on the Vlaamse toetsen at pupil level. Until a director can grant an anker
or a regional team access to the school's Vlaamse toetsen results, it is read like class
groups: `@school_read(staff=True)`, so no role outside the school sees it.
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer, scrub_suppressed
from data_model.reading.scope import school_read
from data_model.storage.connection import Connection


@school_read(staff=True)
def school_progress(
    con: Connection, viewer: Viewer, school_id: str, to_assessment: str
) -> pd.DataFrame:
    """The school's cohorts into `to_assessment` (newest first), total before learning areas."""
    df = con.execute(
        """
        SELECT p.from_year, p.to_year, p.from_assessment, p.to_assessment, p.learning_area,
               p.n_linked, p.pct_linked, p.progress_estimate, p.ci_low, p.ci_high, p.status,
               p.trend, p.suppressed, p.year_progress,
               a.name AS from_name, b.name AS to_name
        FROM v_school_progress p
        JOIN assessments a ON a.assessment_id = p.from_assessment
        JOIN assessments b ON b.assessment_id = p.to_assessment
        WHERE p.school_id = ? AND p.to_assessment = ?
        ORDER BY p.to_year DESC, p.learning_area NULLS FIRST
        """,
        [school_id, to_assessment],
    ).df()
    return scrub_suppressed(df)
