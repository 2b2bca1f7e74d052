"""Recompute the `school_result` table from pupil rows and aggregate-only rows.

Called inside the import transaction (and by the sample generator), so pages read finished
numbers and never recompute comparison groups per request (issue: speed at Flanders scale).
The whole table is rebuilt: a new year changes comparison groups and the trends of the years
after it, and the rebuild is a few seconds even for all of Flanders.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.expected import refresh_school_expected
from data_model.statistics.status import add_comparisons, add_status, add_trend

# One row per school x year x assessment x (total | learning area | domain) from pupils.
# A pupil's learning-area score is the mean of their domain scores in that area; their total
# is the mean over all domains of the assessment. pct_goal_reached on those levels is the
# mean share of domain goals reached.
_PUPIL_CELLS_SQL = """
WITH pr AS (
    SELECT p.school_id, p.school_year, r.assessment_id, r.learning_area, r.domain,
           r.pupil_id, r.score, CAST(r.goal_reached AS DOUBLE) AS goal
    FROM pupil_results r JOIN pupils p USING (pupil_id)
),
levels AS (
    SELECT school_id, school_year, assessment_id, learning_area, domain, pupil_id,
           score, goal
    FROM pr
    UNION ALL
    SELECT school_id, school_year, assessment_id, learning_area, NULL, pupil_id,
           avg(score), avg(goal)
    FROM pr GROUP BY school_id, school_year, assessment_id, learning_area, pupil_id
    UNION ALL
    SELECT school_id, school_year, assessment_id, NULL, NULL, pupil_id, avg(score), avg(goal)
    FROM pr GROUP BY school_id, school_year, assessment_id, pupil_id
)
SELECT school_id, school_year, assessment_id, learning_area, domain,
       count(*)::INTEGER AS n_pupils,
       avg(score) AS score_mean,
       stddev_samp(score) AS score_sd,
       avg(goal) * 100 AS pct_goal_reached,
       CAST(NULL AS DOUBLE) AS given_similar_mean,
       CAST(NULL AS DOUBLE) AS given_flanders_mean,
       'pupils' AS source
FROM levels
GROUP BY school_id, school_year, assessment_id, learning_area, domain
"""

# Aggregate rows count only where no pupil rows exist for that school x year x assessment.
_AGGREGATE_CELLS_SQL = """
SELECT a.school_id, a.school_year, a.assessment_id, a.learning_area, a.domain,
       a.n_pupils, a.score_mean, a.score_sd, a.pct_goal_reached,
       a.similar_mean AS given_similar_mean, a.flanders_mean AS given_flanders_mean,
       'aggregate' AS source
FROM school_results_aggregate a
WHERE NOT EXISTS (
    SELECT 1 FROM pupil_results r JOIN pupils p USING (pupil_id)
    WHERE p.school_id = a.school_id AND p.school_year = a.school_year
      AND r.assessment_id = a.assessment_id
)
"""

_RESULT_COLUMNS = [
    "school_id",
    "school_year",
    "assessment_id",
    "learning_area",
    "domain",
    "n_pupils",
    "score_mean",
    "score_sd",
    "pct_goal_reached",
    "similar_mean",
    "flanders_mean",
    "flanders_sd",
    "diff_similar",
    "diff_flanders",
    "ci_low",
    "ci_high",
    "effect_size",
    "status",
    "trend",
    "trend_slope",
    "trend_p",
    "trend_years",
    "ses_group",
    "suppressed",
    "source",
]


def compute_school_results(
    con: duckdb.DuckDBPyConnection, rules: Rules | None = None
) -> pd.DataFrame:
    """All school results with comparisons, status and trend, as a DataFrame."""
    rules = rules or load_rules()
    cells = con.execute(_PUPIL_CELLS_SQL + " UNION ALL " + _AGGREGATE_CELLS_SQL).df()
    ses = con.execute("SELECT school_id, school_year, ses_group FROM school_context").df()
    cells = cells.merge(ses, on=["school_id", "school_year"], how="left")
    # A school without context for that year still counts for Flanders, never for a SES group.
    cells["ses_group"] = cells["ses_group"].astype("Int64")
    result = add_trend(add_status(add_comparisons(cells), rules), rules)
    return result[_RESULT_COLUMNS]


def refresh_school_results(con: duckdb.DuckDBPyConnection, rules: Rules | None = None) -> int:
    """Rebuild `school_result` inside the caller's transaction; returns the row count."""
    result = compute_school_results(con, rules)
    con.execute("DELETE FROM school_result")
    con.register("_new_school_result", result)
    try:
        con.execute(
            "INSERT INTO school_result SELECT "
            + ", ".join(_RESULT_COLUMNS)
            + " FROM _new_school_result ORDER BY school_id, assessment_id, school_year"
        )
    finally:
        con.unregister("_new_school_result")
    refresh_school_expected(con, rules)  # SES-adjusted expected scores (issue 3)
    return len(result)
