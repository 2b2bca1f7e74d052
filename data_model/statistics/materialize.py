"""Recompute `school_result` (and the SES-gecorrigeerde score) after every import.

Called inside the import transaction and by the sample generator, so pages read finished
numbers and never recompute comparison groups per request.

Two stages, because they cost very different amounts:

1. *Pupil-level aggregates* per school x year x cell (n, mean, SD, goal share; and the
   regression sums of expected.py) are the expensive part: they read every pupil score
   (7.6 M rows at Flanders scale). They are kept in `school_cell_aggregate` and
   `school_expected_sums`; `refresh_school_results(con, school_years=[...])` recomputes them
   only for the school years an import touched.
2. *Statistics* over all schools and years (comparison groups, variance components, status,
   trend) are vectorised numpy on ~0.5 M rows and always recomputed for everything: a new
   year changes the comparison groups, the variance components and the trends after it.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.cache import refresh_cache
from data_model.statistics.expected import refresh_school_expected
from data_model.statistics.groups import add_comparisons
from data_model.statistics.verdicts import COMPONENT_COLUMNS, assess

CACHE_TABLE = "school_cell_aggregate"

# One row per school x year x assessment x (total | learning area | domain) from pupils.
# A pupil's learning-area score is the mean of their domain scores in that area; their total
# is the mean over all domains of the assessment. pct_goal_reached on those levels is the
# mean share of domain goals reached. The two ? select the school years (NULL = all).
_PUPIL_CELLS_SQL = """
WITH pr AS (
    SELECT p.school_id, p.school_year, r.assessment_id, r.learning_area, r.domain,
           r.pupil_id, r.score, CAST(r.goal_reached AS DOUBLE) AS goal
    FROM pupil_results r JOIN pupils p USING (pupil_id)
    WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], p.school_year))
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
SELECT school_id, school_year, assessment_id,
       CAST(learning_area AS VARCHAR) AS learning_area, CAST(domain AS VARCHAR) AS domain,
       count(*)::INTEGER AS n_pupils,
       avg(score) AS score_mean,
       stddev_samp(score) AS score_sd,
       avg(goal) * 100 AS pct_goal_reached
FROM levels
GROUP BY school_id, school_year, assessment_id, learning_area, domain
"""

_CELLS_SQL = """
SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils, score_mean,
       score_sd, pct_goal_reached,
       CAST(NULL AS DOUBLE) AS given_similar_mean, CAST(NULL AS DOUBLE) AS given_flanders_mean,
       'pupils' AS source
FROM school_cell_aggregate
UNION ALL
-- Aggregate rows count only where no pupil rows exist for that school x year x assessment.
SELECT a.school_id, a.school_year, a.assessment_id, a.learning_area, a.domain,
       a.n_pupils, a.score_mean, a.score_sd, a.pct_goal_reached,
       a.similar_mean, a.flanders_mean, 'aggregate'
FROM school_results_aggregate a
WHERE NOT EXISTS (
    SELECT 1 FROM school_cell_aggregate c
    WHERE c.school_id = a.school_id AND c.school_year = a.school_year
      AND c.assessment_id = a.assessment_id
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
    # Added by issue 11 (see schema.sql): the method's intermediate numbers, so every page,
    # export and the explainer read one stored verdict and can say why.
    "sd_within",
    "comparison",
    "status_estimate",
    "status_years",
    "status_from",
    "status_n",
    "reliability",
    "z_crit",
    "year_diff",
    "year_ci_low",
    "year_ci_high",
    "sd_class",
    "sd_between",
    "trend_se",
    "trend_z",
    "trend_from",
]
_HIDDEN = [
    "score_mean",
    "score_sd",
    "pct_goal_reached",
    "diff_similar",
    "diff_flanders",
    "test_diff",
    "test_var",
]


def compute_school_results(
    con: duckdb.DuckDBPyConnection, rules: Rules | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(school results, variance components) from the caches and the aggregate imports."""
    rules = rules or load_rules()
    cells = con.execute(_CELLS_SQL).df()
    ses = con.execute("SELECT school_id, school_year, ses_group FROM school_context").df()
    cells = cells.merge(ses, on=["school_id", "school_year"], how="left")
    # A school without context for that year counts for Flanders, never for a SES group.
    cells["ses_group"] = cells["ses_group"].astype("Int64")
    out, components = judge_cells(cells, rules)
    out = out.sort_values(["school_id", "assessment_id", "school_year"], kind="stable")
    return out[_RESULT_COLUMNS], components


def judge_cells(cells: pd.DataFrame, rules: Rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Comparisons, privacy, status and trend of school cells; no SQL.

    The one code path from school aggregates to verdicts: materialising and the calibration
    benchmark (bench/calibration.py) both call it.
    """
    out = add_comparisons(cells, rules.colour_comparison)
    out["suppressed"] = (out["n_pupils"].fillna(0) < rules.min_group_size).to_numpy()
    out.loc[out["suppressed"], _HIDDEN] = float("nan")
    out, components = assess(out, "test_diff", "test_var", "flanders_sd", rules)
    out["comparison"] = rules.colour_comparison
    components["comparison"] = rules.colour_comparison
    return out, components


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, cols: list) -> None:
    con.execute("DELETE FROM " + table)  # table and cols: constants of this module
    if frame.empty:
        return
    con.register("_new_rows", frame)
    try:
        names = ", ".join(cols)
        con.execute("INSERT INTO " + table + " (" + names + ") SELECT " + names + " FROM _new_rows")
    finally:
        con.unregister("_new_rows")


def refresh_school_results(
    con: duckdb.DuckDBPyConnection,
    rules: Rules | None = None,
    school_years: Sequence[str] | None = None,
) -> int:
    """Rebuild `school_result`, `variance_components` and the expected scores in the caller's
    transaction; returns the number of school-result rows.

    school_years: the school years an import touched (their pupil-level aggregates are
    recomputed); None recomputes every aggregate. The statistics are always recomputed for
    all schools and years, because they depend on all of them.
    """
    rules = rules or load_rules()
    refresh_cache(con, CACHE_TABLE, _PUPIL_CELLS_SQL, school_years)
    result, components = compute_school_results(con, rules)
    _replace(con, "school_result", result, _RESULT_COLUMNS)
    components["kind"] = "school_result"
    expected_components = refresh_school_expected(con, rules, school_years)
    expected_components["kind"] = "school_expected"
    expected_components["comparison"] = "expected"
    both = pd.concat([components, expected_components], ignore_index=True)
    _replace(con, "variance_components", both, ["kind", "comparison", *COMPONENT_COLUMNS])
    return len(result)
