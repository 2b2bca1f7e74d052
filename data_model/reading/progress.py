"""Learning gain of one school (v_school_progress).

Learning gain is a school-level result built by following the school's own pupils from
grade 4 to grade 6, on the Vlaamse toetsen of grade 4. The school sees it; its anker only when
the school shares its Vlaamse toetsen (the scoped reader drops rows whose `from_assessment`
is one of them for a school that did not; `reading/scope.py`); a regional team never
(`access.require_learning_gain`). The pupils behind it never leave the school.
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer, require_learning_gain, scrub_suppressed
from data_model.reading.scope import school_read
from data_model.storage.connection import Connection


@school_read
def school_progress(
    con: Connection, viewer: Viewer, school_id: str, to_assessment: str
) -> pd.DataFrame:
    """The school's cohorts into `to_assessment` (newest first), total before learning areas."""
    require_learning_gain(con, viewer)
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
