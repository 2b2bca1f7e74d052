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
   trend) are vectorised numpy on ~0.5 M rows: a new year changes the comparison groups, the
   variance components and the trends after it. They are recomputed for every cell
   (assessment x learning area x domain) whose input rows changed: after a pupil file only
   the cells of its test (found by comparing per-cell digests of the inputs before and after),
   after any other file every cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics import coded
from data_model.statistics.cache import refresh_cache
from data_model.statistics.expected import refresh_school_expected
from data_model.statistics.groups import CELL_KEYS, add_comparisons
from data_model.statistics.verdicts import COMPONENT_COLUMNS, assess
from data_model.storage.connection import Sql, one
from data_model.storage.frames import insert_frame

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
    *CELL_KEYS,
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
    # The method's intermediate numbers (see schema.sql), so every page,
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
# The school cells with their SES group, and the numbers the statistics read of them.
_ROWS = "_school_cells"
# level_sd: groups.level_within_sd over all cells (the statistics see a few cells at a time):
# the pooled within-school SD of the row's level (total, learning area, domain) in its school
# year, else over all years. A cell whose rows all lack an SD borrows it.
_LEVEL_SD_SQL = """
SELECT *, coalesce(
    sqrt(sum(ss) OVER (PARTITION BY school_year, lvl)
         / sum(df) OVER (PARTITION BY school_year, lvl)),
    sqrt(sum(ss) OVER (PARTITION BY lvl) / sum(df) OVER (PARTITION BY lvl))) AS level_sd
FROM (
    SELECT *,
        CASE WHEN domain IS NOT NULL THEN 2 WHEN learning_area IS NOT NULL THEN 1 ELSE 0 END
            AS lvl,
        CASE WHEN score_sd IS NOT NULL AND score_mean IS NOT NULL AND n_pupils > 1
            THEN (n_pupils - 1) * score_sd * score_sd END AS ss,
        CASE WHEN score_sd IS NOT NULL AND score_mean IS NOT NULL AND n_pupils > 1
            THEN n_pupils - 1 END AS df
    FROM (__CELLS__)
)
"""
_ROWS_SQL = (
    "SELECT c.* EXCLUDE (lvl, ss, df), CAST(x.ses_group AS DOUBLE) AS ses_group, "
    "x.ses_index FROM ("
    + _LEVEL_SD_SQL.replace("__CELLS__", _CELLS_SQL)
    + ") c LEFT JOIN school_context x USING (school_id, school_year)"
)
# The inputs of the judged cells as they matter to the judgement, to find the changed cells:
# level_sd is only read for a cell with a row without SD (groups._within_var), so where every
# row of the cell has one it is left out (it moves with every other test of the year).
_DIFF_SQL = (
    "SELECT * EXCLUDE (level_sd), CASE WHEN coalesce(bool_and(coalesce(isfinite(score_sd) "
    "AND isfinite(score_mean) AND n_pupils > 1, false)) OVER (PARTITION BY assessment_id, "
    "learning_area, domain), false) THEN NULL ELSE level_sd END AS level_sd FROM ("
    + _ROWS_SQL
    + ")"
)
_CHANGED_ROWS_SQL = (
    "SELECT t.* FROM _school_inputs t SEMI JOIN _changed_school_cells c ON " + coded.SAME_CELL
)
_NUMBERS = [
    "n_pupils",
    "score_mean",
    "score_sd",
    "pct_goal_reached",
    "given_similar_mean",
    "given_flanders_mean",
    "ses_group",
    "level_sd",
    "ses_index",
]


def judged_school_results(
    con: Sql, rules: Rules | None = None
) -> Iterator[tuple[coded.Chunk, pd.DataFrame, pd.DataFrame]]:
    """(chunk, school results, variance components) per chunk of cells, from the caches and the
    aggregate imports (statistics/coded.py).

    The results have integer keys and a row id of the temp table `_ROWS`, which holds their
    text keys. A school without context for that year counts for Flanders, never for a SES
    group.
    """
    yield from _judged(con, rules, _ROWS_SQL)


def _judged(
    con: Sql, rules: Rules | None, sql: str
) -> Iterator[tuple[coded.Chunk, pd.DataFrame, pd.DataFrame]]:
    """judged_school_results of the rows of `sql` (a constant of this module)."""
    rules = rules or load_rules()
    chunks = coded.load(con, _ROWS, sql)
    for chunk, (out, components) in coded.judged(
        con, _ROWS, _NUMBERS, chunks, lambda cells: judge_cells(cells, rules)
    ):
        yield chunk, out, components


def judge_cells(cells: pd.DataFrame, rules: Rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Comparisons, privacy, status and trend of school cells; no SQL.

    The one code path from school aggregates to verdicts: materialising and the calibration
    benchmark (bench/calibration.py) both call it. `cells` has the integer keys of
    panel.CODE_COLUMNS or the text keys.
    """
    out = add_comparisons(
        cells, rules.colour_comparison, rules.own_spread_prior_df, rules.ses_model_min_schools
    )
    suppressed = out["n_pupils"].fillna(0).to_numpy() < rules.min_group_size
    out = out.assign(
        suppressed=suppressed,
        **{c: np.where(suppressed, np.nan, out[c]) for c in _HIDDEN if c in out.columns},
    )
    out, components = assess(out, "test_diff", "test_var", "flanders_sd", rules)
    # One constant as a categorical: as text pandas would copy the string into every row.
    # pandas-stubs want a shapeless int array for the codes; a 1-D int8 array is what it takes.
    out["comparison"] = pd.Categorical.from_codes(  # type: ignore[call-overload]
        np.zeros(len(out), dtype=np.int8), [rules.colour_comparison]
    )
    components["comparison"] = rules.colour_comparison
    return out, components


def _replace_components(con: Sql, frame: pd.DataFrame) -> None:
    """Replace the variance components of the kinds in `frame` (school_result and/or
    school_expected); the other kind's rows stay."""
    columns = ["kind", "comparison", *COMPONENT_COLUMNS]
    con.execute(
        "DELETE FROM variance_components WHERE list_contains(?::VARCHAR[], kind)",
        [sorted(frame["kind"].unique())],
    )
    if frame.empty:
        return
    insert_frame(con, "variance_components", frame, columns)


def refresh_school_results(
    con: Sql,
    rules: Rules | None = None,
    school_years: Sequence[str] | None = None,
) -> int:
    """Rebuild `school_result`, `variance_components` and the expected scores in the caller's
    transaction; returns the number of school-result rows.

    school_years: the school years whose pupil rows changed (their pupil-level aggregates
    are recomputed); None recomputes every aggregate. The statistics are recomputed for all
    schools and years of every cell whose inputs changed, because they depend on all of them
    (the SES-gecorrigeerde scores too: they compare with schools of the same SES index, which
    a context import changes); with school_years None or [] for every cell. (A change to
    rules.toml takes a full recompute: `python -m data_model.storage upgrade`.)
    """
    rules = rules or load_rules()
    # After a pupil file (school_years given) only the cells whose input rows changed are
    # judged again: a cell's numbers depend on its own rows only (statistics/coded.py), so the
    # other cells' stored rows are what a full recompute writes. A pupil file of one test
    # changes that test's cells, not the other tests'. The inputs before are read before the
    # cache is rebuilt: a pupil file writes no other input (aggregates, context) of the cells;
    # the other files, which do, recompute everything.
    incremental = bool(school_years) and _has_rows(con, "school_result")
    if incremental:
        coded.digest_cells(con, _DIFF_SQL, "_school_inputs_before")
    refresh_cache(con, CACHE_TABLE, _PUPIL_CELLS_SQL, school_years)
    if incremental:
        con.execute("CREATE OR REPLACE TEMP TABLE _school_inputs AS " + _ROWS_SQL)
        coded.digest_cells(
            con, _DIFF_SQL.replace(_ROWS_SQL, "SELECT * FROM _school_inputs"),
            "_school_inputs_after",
        )  # fmt: skip
        coded.changed_cells(
            con, "_school_inputs_before", "_school_inputs_after", "_changed_school_cells"
        )
        _, cells, more = coded.replace_cells_with_judged(
            con, "school_result", _RESULT_COLUMNS, _ROWS,
            _judged(con, rules, _CHANGED_ROWS_SQL), "_changed_school_cells",
        )  # fmt: skip
        con.execute("DROP TABLE _school_inputs")
        n_rows = int(one(con.execute("SELECT count(*) FROM school_result"))[0])
    else:
        n_rows, cells, more = coded.replace_with_judged(
            con, "school_result", _RESULT_COLUMNS, _ROWS, judged_school_results(con, rules)
        )
    components = coded.with_cell_keys([part for (part,) in more], cells)
    components["kind"] = "school_result"
    if incremental:  # the other cells' components stay; none of this kind is replaced below
        coded.replace_cell_rows(con, "variance_components", components,
                                ["kind", "comparison", *COMPONENT_COLUMNS],
                                "_changed_school_cells", "school_result")  # fmt: skip
        con.execute("DROP TABLE _changed_school_cells")
        components = components.iloc[:0]
    # Also after an import without pupils (school_years == []): the SES-gecorrigeerde score
    # compares with schools of the same SES index, which a context import changes. Its
    # pupil-level sums are then left as they are.
    expected_components = refresh_school_expected(con, rules, school_years)
    expected_components["kind"] = "school_expected"
    expected_components["comparison"] = "expected"
    _replace_components(con, pd.concat([components, expected_components], ignore_index=True))
    return n_rows


def _has_rows(con: Sql, table: str) -> bool:
    """`table` (a constant of this package) holds a row."""
    return (
        int(one(con.execute("SELECT count(*) FROM (SELECT 1 FROM " + table + " LIMIT 1)"))[0]) > 0
    )
