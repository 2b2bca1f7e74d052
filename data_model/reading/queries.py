"""Parameterised read queries. Every function takes a Viewer and returns only rows in scope.

Each read declares its access with `@school_read` (one school, checked against the viewer's
scope once per request) or `@scope_read` (the schools in scope, passed to the SQL as a list):
see data_model/reading/scope.py. Small-group suppression is already in `school_result`
(materialised); functions here also blank n_pupils of suppressed rows so that no page can
print "3 leerlingen".
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer, scrub_suppressed
from data_model.reading.scope import SCOPE_FILTER, allowed_ids, school_read, scope_read
from data_model.rules import load_rules
from data_model.statistics.suppression import mask_support_counts
from data_model.storage.connection import Connection, one
from data_model.vocabulary import SUPPORT_INDICATORS, SUPPORT_PHASES


@scope_read
def schools_in_scope(con: Connection, viewer: Viewer) -> pd.DataFrame:
    """The schools this viewer may open, sorted by name (never by result)."""
    return con.execute(
        f"""
        SELECT s.school_id, s.name, s.municipality, s.region_id, r.name AS region_name,
               s.community_id, c.name AS community_name
        FROM schools s
        LEFT JOIN regions r USING (region_id)
        LEFT JOIN school_communities c USING (community_id)
        WHERE s.school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
        ORDER BY s.name, s.school_id
        """,
        [allowed_ids(con, viewer)],
    ).df()


@school_read
def school_years(con: Connection, viewer: Viewer, school_id: str) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT school_year FROM school_result WHERE school_id = ? ORDER BY 1",
        [school_id],
    ).fetchall()
    return [r[0] for r in rows]


@school_read
def assessments_for_school(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    return con.execute(
        """
        SELECT a.assessment_id, a.name, a.grade, a.score_label, a.goal_label,
               min(r.school_year) AS first_year, max(r.school_year) AS last_year
        FROM assessments a JOIN school_result r USING (assessment_id)
        WHERE r.school_id = ?
        GROUP BY a.assessment_id, a.name, a.grade, a.score_label, a.goal_label, a.sort_order
        ORDER BY a.sort_order
        """,
        [school_id],
    ).df()


# The catalogue's order of a row `r`'s learning area (`a.area_order`) and domain
# (`d.domain_order`): joined by every read that lists cells as the school photo does.
AREA_ORDER_JOINS = """
    LEFT JOIN (SELECT assessment_id, learning_area, min(area_order) AS area_order
               FROM domains GROUP BY ALL) a
           ON a.assessment_id = r.assessment_id AND a.learning_area = r.learning_area
    LEFT JOIN domains d
           ON d.assessment_id = r.assessment_id AND d.learning_area = r.learning_area
          AND d.domain = r.domain
"""

_RESULT_SELECT = (
    """
    SELECT r.school_id, r.school_year, r.assessment_id, r.learning_area, r.domain,
           CASE WHEN r.suppressed THEN NULL ELSE r.n_pupils END AS n_pupils,
           r.score_mean, r.score_sd, r.pct_goal_reached, r.similar_mean, r.flanders_mean,
           r.flanders_sd, r.diff_similar, r.diff_flanders, r.ci_low, r.ci_high, r.effect_size,
           r.status, r.trend, r.trend_slope, r.trend_p, r.trend_years, r.ses_group,
           r.suppressed, r.source,
           -- what the stored status and trend were decided on (explainer, exports)
           r.status_estimate, r.status_years, r.status_from, r.status_n, r.reliability, r.z_crit,
           r.year_diff, r.year_ci_low, r.year_ci_high, r.sd_within, r.sd_class, r.sd_between,
           r.trend_se, r.trend_z, r.trend_from, r.comparison,
           coalesce(a.area_order, 0) AS area_order,
           coalesce(d.domain_order, 0) AS domain_order
    FROM school_result r
"""
    + AREA_ORDER_JOINS
)


@school_read
def school_results(
    con: Connection, viewer: Viewer, school_id: str, assessment_id: str
) -> pd.DataFrame:
    """All result rows (total, learning areas, domains) of one school and assessment.

    Sorted as the school photo shows them: total first, then each learning area followed by
    its domains, then by school year.
    """
    df = con.execute(
        _RESULT_SELECT
        + """
        WHERE r.school_id = ? AND r.assessment_id = ?
        ORDER BY (r.learning_area IS NOT NULL), area_order, (r.domain IS NOT NULL),
                 domain_order, r.school_year
        """,
        [school_id, assessment_id],
    ).df()
    return scrub_suppressed(df)


@school_read
def school_context(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    return con.execute(
        "SELECT * FROM v_school_context WHERE school_id = ? ORDER BY school_year",
        [school_id],
    ).df()


@school_read
def support_counts(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """Pupils per support phase and indicator; counts of 1-4 pupils are masked (NA)."""
    df = con.execute(
        """
        SELECT * FROM v_support WHERE school_id = ?
        ORDER BY school_year, measure_kind,
                 coalesce(list_position(?::VARCHAR[], phase), 99), phase
        """,
        [school_id, list(SUPPORT_PHASES + SUPPORT_INDICATORS)],
    ).df()
    return mask_support_counts(df, load_rules().min_group_size)


@scope_read
def scope_overview(con: Connection, viewer: Viewer, assessment_id: str = "ovsg6") -> pd.DataFrame:
    """Per school in scope: its latest year and the learning-area statuses of that year.

    One row per school x learning area, for the Start page of an anker or regioteam. Sorted
    by school name, never by score (non-ranking principle).
    """
    return con.execute(
        f"""
        WITH latest AS (
            SELECT school_id, max(school_year) AS school_year
            FROM school_result
            WHERE assessment_id = ?
              AND school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
            GROUP BY school_id
        )
        SELECT s.school_id, s.name, s.municipality, s.region_id, s.community_id,
               r.school_year, r.learning_area, r.status, r.trend, r.suppressed,
               coalesce(a.area_order, 0) AS area_order, c.ses_group
        FROM latest l
        JOIN school_result r USING (school_id, school_year)
        JOIN schools s USING (school_id)
        LEFT JOIN school_context c USING (school_id, school_year)
        LEFT JOIN (SELECT assessment_id, learning_area, min(area_order) AS area_order
                   FROM domains GROUP BY ALL) a
               ON a.assessment_id = r.assessment_id AND a.learning_area = r.learning_area
        WHERE r.assessment_id = ? AND r.domain IS NULL AND r.learning_area IS NOT NULL
        ORDER BY s.name, s.school_id, area_order
        """,
        [assessment_id, allowed_ids(con, viewer), assessment_id],
    ).df()


@scope_read
def years_waiting_for_context(con: Connection, viewer: Viewer) -> pd.DataFrame:
    """School years with results of schools in scope that have no context data that year:
    without it there is no comparison with similar schools, so no colour. Results may be
    imported before the context file; this says which context files are still to come.
    Columns: school_year, n_schools (schools with results but no context)."""
    return con.execute(
        f"""
        SELECT r.school_year, count(DISTINCT r.school_id) AS n_schools
        FROM school_result r
        LEFT JOIN school_context c USING (school_id, school_year)
        WHERE c.school_id IS NULL
          AND r.school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
        GROUP BY r.school_year
        ORDER BY r.school_year
        """,
        [allowed_ids(con, viewer)],
    ).df()


def database_summary(con: Connection) -> dict[str, object]:
    """Counts for the footer and the Uitleg page (no school-level data)."""
    row = one(
        con.execute(
            """
        SELECT (SELECT count(*) FROM schools),
               (SELECT min(school_year) FROM school_result),
               (SELECT max(school_year) FROM school_result),
               (SELECT value FROM meta WHERE key = 'is_sample')
        """
        )
    )
    return {
        "schools": row[0],
        "first_year": row[1],
        "last_year": row[2],
        "is_sample": (row[3] or "").lower() == "true",
    }
