"""SES-adjusted expected scores: the *SES-gecorrigeerde score*.
(docs/statistics.md)

For every school year x assessment x cell (domain, learning area, total) we fit one ordinary
least-squares regression over all pupils of Flanders:

    score = b0 + b1 * home language not Dutch + b2 * mother low education
               + b3 * school allowance + b4 * neighbourhood indicator + error

A school's *verwachte score* is the mean of the fitted values of its own pupils: what pupils
with these backgrounds score on average. The *SES-gecorrigeerde score* (stored as
`value_added` for compatibility; it is NOT value added: there is no prior attainment, only
background) is the observed mean minus that expectation. Its status and trend follow exactly
the method of the colours (verdicts.assess): sampling variance from the pooled within-school
residual variance, variance components from all schools, the three-year shrunken estimate.
The coefficients are treated as fixed: they are estimated on many thousands of pupils.

Composition: where a school's context matters beyond its pupils' own background, the
pupil-level fit leaves a gradient across SES groups. So the schools' differences are then
compared with what schools with the same SES index show (groups.index_model, leave-one-out,
as the colours are); that part moves into the expected score and its leverage into the
variance. The index comes from school_context when the scores are judged, not from the cache.

Why it is fast at Flanders scale (~700k pupils x ~18 cells): OLS only needs the sufficient
statistics X'X, X'y and y'y. DuckDB computes them per school x cell in one GROUP BY pass;
numpy sums them per cell, solves all regressions at once (batched pseudo-inverse of 5x5
matrices) and derives each school's expected mean and residual spread from its own sums.
No pupil row ever leaves the database.

Only pupil-level results can have an expected score: aggregate-only rows (Vlaamse toetsen,
the organiser's website) carry no pupil backgrounds. Pupils with an unknown background
indicator are left out of the regression and of the school's observed mean here, so
observed and expected always describe the same pupils.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics import coded
from data_model.statistics.cache import refresh_cache
from data_model.statistics.groups import CELL_KEYS, cell_year_groups, index_model
from data_model.statistics.panel import CODE_COLUMNS, with_codes
from data_model.statistics.verdicts import COMPONENT_COLUMNS, assess
from data_model.storage.connection import Sql, one
from data_model.storage.frames import insert_frame

SUMS_TABLE = "school_expected_sums"

# Predictors, coded so that 1 = the indicator of disadvantage is present. The SQL
# expressions are constants of this module (allow-listed), never user input.
PREDICTORS: tuple[tuple[str, str], ...] = (
    ("home_language_not_dutch", "CAST(NOT p.home_language_dutch AS DOUBLE)"),
    ("mother_low_education", "CAST(p.mother_low_education AS DOUBLE)"),
    ("school_allowance", "CAST(p.school_allowance AS DOUBLE)"),
    ("neighbourhood_low", "CAST(p.neighbourhood_low AS DOUBLE)"),
)
_K = len(PREDICTORS) + 1  # with the intercept
_XS = [f"x{i}" for i in range(1, _K)]
# The columns of the sums cache: n, sum(x_j), sum(x_j x_k) (j <= k), sum(y), sum(x_j y), sum(y²).
_SUM_COLUMNS = [
    "n",
    *(f"s_{x}" for x in _XS),
    *(f"s_{a}_{b}" for i, a in enumerate(_XS) for b in _XS[i:]),
    "s_y",
    *(f"s_{x}_y" for x in _XS),
    "s_y_y",
]


def _sums_sql() -> str:
    """Per school x cell: n, sum(x_j), sum(x_j x_k) (j <= k), sum(y), sum(x_j y), sum(y^2)."""
    xs = [f"x{i}" for i in range(1, _K)]
    select_x = ", ".join(f"{expr} AS {x}" for x, (_, expr) in zip(xs, PREDICTORS, strict=True))
    complete = " AND ".join(
        f"p.{col} IS NOT NULL"
        for col in (
            "home_language_dutch",
            "mother_low_education",
            "school_allowance",
            "neighbourhood_low",
        )
    )
    aggs = ["count(*)::DOUBLE AS n"]
    aggs += [f"sum({x}) AS s_{x}" for x in xs]
    aggs += [f"sum({a} * {b}) AS s_{a}_{b}" for i, a in enumerate(xs) for b in xs[i:]]
    aggs += ["sum(y) AS s_y"]
    aggs += [f"sum({x} * y) AS s_{x}_y" for x in xs]
    aggs += ["sum(y * y) AS s_y_y"]
    x_cols = ", ".join(xs)
    return f"""
WITH pr AS (
    SELECT p.school_id, p.school_year, r.assessment_id, r.learning_area, r.domain,
           r.pupil_id, r.score, {select_x}
    FROM pupil_results r JOIN pupils p USING (pupil_id)
    WHERE {complete}
      AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], p.school_year))
),
levels AS (
    SELECT school_id, school_year, assessment_id, learning_area, domain, {x_cols},
           score AS y
    FROM pr
    UNION ALL
    SELECT school_id, school_year, assessment_id, learning_area, NULL, {x_cols}, avg(score)
    FROM pr
    GROUP BY school_id, school_year, assessment_id, learning_area, pupil_id, {x_cols}
    UNION ALL
    SELECT school_id, school_year, assessment_id, NULL, NULL, {x_cols}, avg(score)
    FROM pr
    GROUP BY school_id, school_year, assessment_id, pupil_id, {x_cols}
)
SELECT school_id, school_year, assessment_id, CAST(learning_area AS VARCHAR) AS learning_area,
       CAST(domain AS VARCHAR) AS domain, {", ".join(aggs)}
FROM levels
GROUP BY school_id, school_year, assessment_id, learning_area, domain
"""


def _moment_arrays(sums: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X'X [m, K, K], X'y [m, K], y'y [m]) per row of `sums`, intercept first."""
    m = len(sums)
    xs = [f"x{i}" for i in range(1, _K)]
    xtx = np.empty((m, _K, _K))
    xtx[:, 0, 0] = sums["n"].to_numpy(float)
    for i, a in enumerate(xs, start=1):
        xtx[:, 0, i] = xtx[:, i, 0] = sums[f"s_{a}"].to_numpy(float)
        for j, b in enumerate(xs[i - 1 :], start=i):
            xtx[:, i, j] = xtx[:, j, i] = sums[f"s_{a}_{b}"].to_numpy(float)
    xty = np.empty((m, _K))
    xty[:, 0] = sums["s_y"].to_numpy(float)
    for i, a in enumerate(xs, start=1):
        xty[:, i] = sums[f"s_{a}_y"].to_numpy(float)
    return xtx, xty, sums["s_y_y"].to_numpy(float)


def fit_expected(
    sums: pd.DataFrame, rules: Rules | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From per school x cell sums to (school rows, model rows). Pure numpy, no SQL.

    sums: the keys of panel.CODE_COLUMNS (and a row id, or the text keys) with the sums of
    _sums_sql. School rows: those keys, n_pupils, observed_mean, expected_mean, value_added
    (the SES-corrected difference), va_var (its sampling variance), va_sd_ref (SD_t),
    suppressed. Model rows: one per cell x school year (cell_code, year) with the
    coefficients, R² and residual SD.
    """
    rules = rules or load_rules()
    sums = with_codes(sums.reset_index(drop=True))
    xtx, xty, yty = _moment_arrays(sums)
    # One regression per cell x school year: sum the raw sums per group.
    codes, n_cells = cell_year_groups(sums)
    sum_cols = [c for c in sums.columns if c == "n" or c.startswith("s_")]
    cell_sums = pd.DataFrame(
        {
            c: np.bincount(codes, weights=sums[c].to_numpy(float), minlength=n_cells)
            for c in sum_cols
        }
    )
    cxtx, cxty, cyty = _moment_arrays(cell_sums)
    # pinv, not solve: an indicator that nobody (or everybody) has in a cell makes X'X
    # singular; the minimum-norm solution still gives the unique OLS fitted values.
    beta = np.einsum("cij,cj->ci", np.linalg.pinv(cxtx), cxty)
    c_n = cxtx[:, 0, 0]
    c_ssr = (
        cyty - 2 * np.einsum("ci,ci->c", beta, cxty) + np.einsum("ci,cij,cj->c", beta, cxtx, beta)
    )
    c_ssr = np.clip(c_ssr, 0, None)
    c_mean = cxty[:, 0] / c_n
    with np.errstate(invalid="ignore", divide="ignore"):
        c_sst = cyty - c_n * c_mean**2
        c_sd = np.sqrt(c_sst / (c_n - 1))
        r2 = 1 - c_ssr / c_sst
        resid_sd = np.sqrt(c_ssr / (c_n - _K))

    # Per school: expected = mean fitted value = (X'1 / n) . beta; the residual sum of
    # squares of the school's own pupils follows from its own moments.
    b = beta[codes]
    n = xtx[:, 0, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = xty[:, 0] / n
        expected = np.einsum("mi,mi->m", xtx[:, 0, :], b) / n
        ssr = yty - 2 * np.einsum("mi,mi->m", b, xty) + np.einsum("mi,mij,mj->m", b, xtx, b)
        value_added = observed - expected
        # Residual sum of squares around the school's own mean (the SES-corrected difference).
        ss_own = np.clip(ssr - n * value_added**2, 0, None)
    # Pooled within-school residual variance of the cell: the sampling variance of a school's
    # SES-corrected difference is that over its n (as σ²_w/n for the colours).
    cell_ssw = np.bincount(codes, weights=ss_own, minlength=n_cells)
    cell_dfw = np.bincount(codes, weights=np.clip(n - 1, 0, None), minlength=n_cells)
    suppressed = n < rules.min_group_size
    with np.errstate(invalid="ignore", divide="ignore"):
        var_w = (cell_ssw / cell_dfw)[codes]
        va_var = var_w / n
    # Composition: where a school's context matters beyond its own pupils' background, the
    # pupil-level fit leaves a gradient across SES groups. The schools' differences are
    # compared, like the colours, with what schools with the same SES index show
    # (groups.index_model, leave-one-out); that expectation joins the expected score.
    if "ses_index" in sums.columns:
        frame = sums.assign(n_pupils=n, score_mean=value_added)
        use = ~suppressed & np.isfinite(value_added)
        composition, leverage = index_model(frame, codes, n_cells, use, rules.ses_model_min_schools)
        known = np.isfinite(composition)
        value_added = np.where(known, value_added - composition, value_added)
        expected = np.where(known, expected + composition, expected)
        va_var = np.where(known, va_var + var_w * leverage, va_var)

    def hide(values: np.ndarray) -> np.ndarray:
        return np.where(suppressed, np.nan, values)

    keys = [c for c in ("rid", "school_id", *CELL_KEYS, *CODE_COLUMNS) if c in sums.columns]
    out = sums[keys].assign(
        n_pupils=n.astype("int64"),
        observed_mean=hide(observed),
        expected_mean=hide(expected),
        value_added=hide(value_added),
        va_var=hide(va_var),
        va_sd_ref=c_sd[codes],
        suppressed=suppressed,
    )
    first = np.unique(codes, return_index=True)[1]  # a row of each cell x year, in code order
    model = (
        sums.iloc[first][["cell_code", "year"]]
        .reset_index(drop=True)
        .assign(
            n_pupils=c_n.astype("int64"),
            intercept=beta[:, 0],
            **{f"coef_{name}": beta[:, i] for i, (name, _) in enumerate(PREDICTORS, start=1)},
            r_squared=r2,
            residual_sd=resid_sd,
        )
    )
    return out, model


SCHOOL_EXPECTED_COLUMNS = [
    "school_id",
    *CELL_KEYS,
    "n_pupils",
    "observed_mean",
    "expected_mean",
    "value_added",
    "va_ci_low",
    "va_ci_high",
    "va_status",
    "va_trend",
    "va_trend_slope",
    "va_trend_p",
    "suppressed",
    "va_estimate",
    "va_status_years",
    "va_status_from",
    "va_year_ci_low",
    "va_year_ci_high",
]
MODEL_COLUMNS = [
    *CELL_KEYS,
    "n_pupils",
    "intercept",
    *(f"coef_{name}" for name, _ in PREDICTORS),
    "r_squared",
    "residual_sd",
]
_FROM_VERDICT = {
    "ci_low": "va_ci_low",
    "ci_high": "va_ci_high",
    "status": "va_status",
    "trend": "va_trend",
    "trend_slope": "va_trend_slope",
    "trend_p": "va_trend_p",
    "status_estimate": "va_estimate",
    "status_years": "va_status_years",
    "status_from": "va_status_from",
    "year_ci_low": "va_year_ci_low",
    "year_ci_high": "va_year_ci_high",
}


_ROWS = "_expected_cells"
_CELLS_SQL = (
    "SELECT s.*, CAST(x.ses_index AS DOUBLE) AS ses_index FROM " + SUMS_TABLE + " s "
    "LEFT JOIN school_context x USING (school_id, school_year)"
)


def _judged_chunks(
    con: Sql, rules: Rules
) -> Iterator[tuple[coded.Chunk, pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """(chunk, school rows, model rows, variance components) per chunk of cells of the sums cache;
    the school rows have a row id of temp table `_ROWS`, which holds their text keys
    (statistics/coded.py); model rows and components are keyed by cell_code (and year)."""

    # The school's SES index of that year (context), read here and not cached with the sums:
    # a context import changes it without touching a pupil.
    yield from _judged_chunks_of(con, rules, _CELLS_SQL)


def _judged_chunks_of(
    con: Sql, rules: Rules, sql: str
) -> Iterator[tuple[coded.Chunk, pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """_judged_chunks of the rows of `sql` (a constant of this module)."""

    def judge(sums: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        schools, model = fit_expected(sums, rules)
        # Status and trend of the SES-corrected difference: exactly the method of the colours.
        judged, components = assess(schools, "value_added", "va_var", "va_sd_ref", rules)
        return judged.rename(columns=_FROM_VERDICT), model, components

    chunks = coded.load(con, _ROWS, sql)
    columns = [*_SUM_COLUMNS, "ses_index"]
    for chunk, (judged, model, components) in coded.judged(con, _ROWS, columns, chunks, judge):
        yield chunk, judged, model, components


def refresh_school_expected(
    con: Sql,
    rules: Rules | None = None,
    school_years: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rebuild `school_expected` and `expected_model` inside the caller's transaction.

    The regression sums of the touched `school_years` (None = all) are recomputed in the
    cache table; the fit, status and trend always use every year. Returns the variance
    components of the SES-corrected differences.
    """
    rules = rules or load_rules()
    # After a pupil file only the cells whose sums or SES index changed are fitted and judged
    # again (as materialize.refresh_school_results does, and why it is exact).
    incremental = bool(school_years) and (
        one(con.execute("SELECT count(*) FROM (SELECT 1 FROM school_expected LIMIT 1)"))[0] > 0
    )
    if incremental:
        coded.digest_cells(con, _CELLS_SQL, "_expected_inputs_before")
    refresh_cache(con, SUMS_TABLE, _sums_sql(), school_years)
    if not incremental:
        _, cells, more = coded.replace_with_judged(
            con, "school_expected", SCHOOL_EXPECTED_COLUMNS, _ROWS, _judged_chunks(con, rules)
        )
        components = coded.with_cell_keys([part for _, part in more], cells)
        con.execute("DELETE FROM expected_model")
        if more:
            # Model rows of all chunks, with the text keys of their cell and year.
            model = pd.concat([m for m, _ in more], ignore_index=True)
            model = model.merge(cells, on=["cell_code", "year"])[MODEL_COLUMNS]
            insert_frame(con, "expected_model", model, MODEL_COLUMNS)
        return components
    con.execute("CREATE OR REPLACE TEMP TABLE _expected_inputs AS " + _CELLS_SQL)
    coded.digest_cells(con, "SELECT * FROM _expected_inputs", "_expected_inputs_after")
    coded.changed_cells(
        con, "_expected_inputs_before", "_expected_inputs_after", "_changed_expected"
    )
    _, cells, more = coded.replace_cells_with_judged(
        con, "school_expected", SCHOOL_EXPECTED_COLUMNS, _ROWS,
        _judged_chunks_of(con, rules, "SELECT t.* FROM _expected_inputs t SEMI JOIN "
                          "_changed_expected c ON " + coded.SAME_CELL),
        "_changed_expected",
    )  # fmt: skip
    con.execute("DROP TABLE _expected_inputs")
    components = coded.with_cell_keys([part for _, part in more], cells)
    model = (
        pd.concat([m for m, _ in more], ignore_index=True).merge(cells, on=["cell_code", "year"])[
            MODEL_COLUMNS
        ]
        if more
        else pd.DataFrame(columns=MODEL_COLUMNS)
    )
    coded.replace_cell_rows(con, "expected_model", model, MODEL_COLUMNS, "_changed_expected")
    components["kind"] = "school_expected"
    components["comparison"] = "expected"
    coded.replace_cell_rows(con, "variance_components", components,
                            ["kind", "comparison", *COMPONENT_COLUMNS], "_changed_expected",
                            "school_expected")  # fmt: skip
    con.execute("DROP TABLE _changed_expected")
    # Stored above: the caller replaces the components it is handed, here none.
    return components.iloc[:0]
