"""SES-adjusted expected scores and value added (docs/statistics.md, issue 3).

For every school year x assessment x cell (domain, learning area, total) we fit one ordinary
least-squares regression over all pupils of Flanders:

    score = b0 + b1 * home language not Dutch + b2 * mother low education
               + b3 * school allowance + b4 * neighbourhood indicator + error

A school's *verwachte score* is the mean of the fitted values of its own pupils: what pupils
with these backgrounds score on average. *Toegevoegde waarde* is the school's observed mean
minus that expectation, with a 95 % interval from the spread of its pupils' residuals (the
coefficients are treated as fixed, like the comparison means in stats.add_status, because
they are estimated on many thousands of pupils).

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

import duckdb
import numpy as np
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.status import CELL_KEYS, add_trend, classify, t_quantile

# Predictors, coded so that 1 = the indicator of disadvantage is present. The SQL
# expressions are constants of this module (allow-listed), never user input.
PREDICTORS: tuple[tuple[str, str], ...] = (
    ("home_language_not_dutch", "CAST(NOT p.home_language_dutch AS DOUBLE)"),
    ("mother_low_education", "CAST(p.mother_low_education AS DOUBLE)"),
    ("school_allowance", "CAST(p.school_allowance AS DOUBLE)"),
    ("neighbourhood_low", "CAST(p.neighbourhood_low AS DOUBLE)"),
)
_K = len(PREDICTORS) + 1  # with the intercept
_NONE = "~none~"  # stands in for a NULL learning area / domain while grouping


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
SELECT school_id, school_year, assessment_id, learning_area, domain, {", ".join(aggs)}
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

    School rows: n_pupils, observed_mean, expected_mean, value_added, va_ci_low, va_ci_high,
    va_status, suppressed. Model rows: one per cell with the coefficients, R² and residual SD.
    """
    rules = rules or load_rules()
    sums = sums.reset_index(drop=True)
    xtx, xty, yty = _moment_arrays(sums)
    # Cell totals: group the raw sums (a pandas hash aggregation; np.add.at is much slower).
    codes, cells = pd.MultiIndex.from_frame(
        sums[CELL_KEYS].astype(object).where(sums[CELL_KEYS].notna(), _NONE)
    ).factorize()
    sum_cols = [c for c in sums.columns if c == "n" or c.startswith("s_")]
    cell_sums = sums[sum_cols].groupby(codes, sort=True).sum()
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
        # Spread of the residuals around their own school mean (the value added).
        var = np.clip(ssr - n * value_added**2, 0, None) / (n - 1)
        half = t_quantile(n, rules.confidence) * np.sqrt(var) / np.sqrt(n)
    out = sums[["school_id", *CELL_KEYS]].copy()
    out["n_pupils"] = n.astype("int64")
    out["observed_mean"] = observed
    out["expected_mean"] = expected
    out["value_added"] = value_added
    out["va_ci_low"] = value_added - half
    out["va_ci_high"] = value_added + half
    out["va_status"] = classify(
        n, value_added, out["va_ci_low"], out["va_ci_high"], c_sd[codes], rules
    )
    suppressed = n < rules.min_group_size
    out["suppressed"] = suppressed
    hidden = ["observed_mean", "expected_mean", "value_added", "va_ci_low", "va_ci_high"]
    out.loc[suppressed, hidden] = np.nan
    out.loc[suppressed, "va_status"] = "too_few"

    cell_frame = pd.DataFrame(list(cells), columns=CELL_KEYS).astype(object)
    cell_frame = cell_frame.where(cell_frame != _NONE, None)
    model = cell_frame.assign(
        n_pupils=c_n.astype("int64"),
        intercept=beta[:, 0],
        **{f"coef_{name}": beta[:, i] for i, (name, _) in enumerate(PREDICTORS, start=1)},
        r_squared=r2,
        residual_sd=resid_sd,
    )
    return out, model


SCHOOL_EXPECTED_COLUMNS = [
    "school_id",
    "school_year",
    "assessment_id",
    "learning_area",
    "domain",
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
]
MODEL_COLUMNS = [
    *CELL_KEYS,
    "n_pupils",
    "intercept",
    *(f"coef_{name}" for name, _ in PREDICTORS),
    "r_squared",
    "residual_sd",
]


def compute_expected(
    con: duckdb.DuckDBPyConnection, rules: Rules | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(school_expected rows, expected_model rows) from the pupil tables."""
    rules = rules or load_rules()
    sums = con.execute(_sums_sql()).df()
    if sums.empty:
        return (
            pd.DataFrame(columns=SCHOOL_EXPECTED_COLUMNS),
            pd.DataFrame(columns=MODEL_COLUMNS),
        )
    schools, model = fit_expected(sums, rules)
    # Trend of the value added, with exactly the rule of the other trends (stats.add_trend).
    trended = add_trend(schools, rules, diff_col="value_added")
    schools["va_trend"] = trended["trend"].to_numpy()
    schools["va_trend_slope"] = trended["trend_slope"].to_numpy()
    schools["va_trend_p"] = trended["trend_p"].to_numpy()
    return schools[SCHOOL_EXPECTED_COLUMNS], model[MODEL_COLUMNS]


def refresh_school_expected(con: duckdb.DuckDBPyConnection, rules: Rules | None = None) -> int:
    """Rebuild `school_expected` and `expected_model` inside the caller's transaction."""
    schools, model = compute_expected(con, rules)
    con.execute("DELETE FROM school_expected")
    con.execute("DELETE FROM expected_model")
    for table, frame, columns in (
        ("school_expected", schools, SCHOOL_EXPECTED_COLUMNS),
        ("expected_model", model, MODEL_COLUMNS),
    ):
        if frame.empty:
            continue
        con.register("_new_expected", frame)
        try:
            # table and columns are constants of this module, not input.
            con.execute(
                "INSERT INTO " + table + " SELECT " + ", ".join(columns) + " FROM _new_expected"
            )
        finally:
            con.unregister("_new_expected")
    return len(schools)
