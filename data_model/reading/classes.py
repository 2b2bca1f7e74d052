"""Class groups (lesgroepen) inside one school: for the school's own staff only.

Every read here is `@school_read(staff=True)`: the school must be in the viewer's scope *and*
the viewer's role (read from the state store) must be one of `SCHOOL_STAFF_ROLES`. An anker,
a regional team or the beheerder gets AccessDenied even for a school they may otherwise see:
results of pupils or pupil groups are not shared outside the school. Suppressed groups carry
no measure (`class_result` stores NULL; `scrub_suppressed` blanks again after the SQL).
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer, scrub_suppressed
from data_model.reading.scope import school_read
from data_model.storage.connection import Connection


@school_read(staff=True)
def class_tests(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """The tests and school years of this school that have class groups, newest first."""
    return con.execute(
        """
        SELECT DISTINCT c.assessment_id, a.name, a.sort_order, c.school_year
        FROM class_result c JOIN assessments a USING (assessment_id)
        WHERE c.school_id = ?
        ORDER BY c.school_year DESC, a.sort_order
        """,
        [school_id],
    ).df()


@school_read(staff=True)
def class_results(
    con: Connection,
    viewer: Viewer,
    school_id: str,
    assessment_id: str,
    school_year: str,
) -> pd.DataFrame:
    """One row per class group and cell, with the school's own row (`class_group` NULL) and
    the comparison means of the cell beside it."""
    df = con.execute(
        """
        SELECT class_group, learning_area, domain, n_pupils, score_mean, pct_goal_reached,
               ci_low, ci_high, suppressed
        FROM class_result
        WHERE school_id = ? AND assessment_id = ? AND school_year = ?
        UNION ALL
        -- the school's interval is that of its colour (a difference): not set beside these
        SELECT NULL, learning_area, domain, n_pupils, score_mean, pct_goal_reached, NULL, NULL,
               suppressed
        FROM school_result
        WHERE school_id = ? AND assessment_id = ? AND school_year = ?
        """,
        [school_id, assessment_id, school_year] * 2,
    ).df()
    comparison = con.execute(
        """
        SELECT r.learning_area, r.domain, r.similar_mean, r.flanders_mean,
               coalesce(min(d.area_order), 0) AS area_order,
               coalesce(min(d.domain_order) FILTER (WHERE d.domain = r.domain), 0)
                   AS domain_order
        FROM school_result r
        LEFT JOIN domains d
          ON d.assessment_id = r.assessment_id AND d.learning_area = r.learning_area
        WHERE r.school_id = ? AND r.assessment_id = ? AND r.school_year = ?
        GROUP BY ALL
        """,
        [school_id, assessment_id, school_year],
    ).df()
    df = scrub_suppressed(df).merge(comparison, on=["learning_area", "domain"], how="left")
    return df.sort_values(["area_order", "domain_order", "class_group"], na_position="first")
