"""Status and trend of every pupil-level row of v_school_result, recomputed independently.

Written from docs/statistics.md with pandas, numpy and statsmodels only: nothing
from data_model.statistics is imported. The thresholds come from rules.toml itself (tomllib),
so the test follows the documented rules, not the project's code. It rebuilds every step from
the pupil tables: the cells (a pupil's learning-area score is the mean of their domain
scores), the pooled within-school SD, each school's own spread shrunk towards it, the Flanders
pupil SD, the leave-one-out expected mean for the school's SES index (one statsmodels WLS fit
per school), the variance components from second differences, the three-year shrunken status and the
known-variance weighted trend. The Vlaamse toetsen (vt4) come only as school aggregates and
have no pupil rows, so they are not part of this recomputation.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

RULES = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "data_model" / "rules.toml").read_text("utf-8")
)
STAT, TREND = RULES["statistics"], RULES["trend"]
CELL = ["assessment_id", "learning_area", "domain"]


def _z(level: float) -> float:
    return float(sps.norm.ppf(1 - (1 - level) / 2))


def _cells(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    pupils = con.execute(
        """
        SELECT p.school_id, p.school_year, r.assessment_id, r.learning_area, r.domain,
               r.pupil_id, r.score
        FROM pupil_results r JOIN pupils p USING (pupil_id)
        WHERE r.assessment_id = 'ovsg6'  -- only pupil rows (vt4 mixes in school averages)
        """
    ).df()
    keys = ["school_id", "school_year", "assessment_id"]
    area = pupils.groupby([*keys, "learning_area", "pupil_id"], as_index=False)["score"].mean()
    total = pupils.groupby([*keys, "pupil_id"], as_index=False)["score"].mean()
    levels = pd.concat(
        [pupils, area.assign(domain=""), total.assign(learning_area="", domain="")],
        ignore_index=True,
    )
    cells = (
        levels.groupby([*keys, "learning_area", "domain"])["score"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )
    context = con.execute(
        "SELECT school_id, school_year, ses_group, ses_index FROM school_context"
    ).df()
    return cells.merge(context, on=["school_id", "school_year"], how="left")


def _index_expectation(g: pd.DataFrame) -> pd.DataFrame:
    """Leave-one-out expected mean for the SES index: one pupil-weighted least-squares fit
    (statsmodels WLS, mean ~ 1 + x + x², x = (index − 50)/25) per school over the others of
    the cell and year, as docs/statistics.md writes it; its variance factor h = x'(X'WX)⁻¹x."""
    g = g.copy()
    g["expected"], g["leverage"] = np.nan, np.nan
    x = (g["ses_index"].to_numpy(float) - 50) / 25
    X = np.column_stack([np.ones_like(x), x, x**2])
    fit_rows = g["ses_group"].notna().to_numpy() & np.isfinite(x)
    for i in np.flatnonzero(fit_rows):
        others = fit_rows.copy()
        others[i] = False
        if others.sum() < STAT["ses_model_min_schools"]:
            continue
        w = g["n"].to_numpy(float)[others]
        fit = sm.WLS(g["mean"].to_numpy(float)[others], X[others], weights=w).fit()
        g.iloc[i, g.columns.get_loc("expected")] = float(fit.predict(X[i : i + 1])[0])
        xtwx_inv = np.linalg.inv(X[others].T @ (w[:, None] * X[others]))
        g.iloc[i, g.columns.get_loc("leverage")] = float(X[i] @ xtwx_inv @ X[i])
    return g


def _differences(cells: pd.DataFrame) -> pd.DataFrame:
    """d (leave-one-out, points), v, SD_t, standardised z and q per school cell."""
    cy = ["school_year", *CELL]
    c = cells.copy()
    c["sum"] = c["n"] * c["mean"]
    c["ssw"] = (c["n"] - 1) * c["sd"] ** 2
    c["sq"] = c["n"] * c["mean"] ** 2
    fl = c.groupby(cy)[["n", "sum", "ssw", "sq"]].sum().add_prefix("fl_").reset_index()
    grp = c.groupby([*cy, "ses_group"])[["n", "sum"]].sum().add_prefix("g_").reset_index()
    c = c.merge(fl, on=cy).merge(grp, on=[*cy, "ses_group"], how="left")
    fl_mean = c["fl_sum"] / c["fl_n"]
    c["var_w"] = c["fl_ssw"] / (c["fl_n"] - c.groupby(cy)["n"].transform("count"))
    c["sd_t"] = np.sqrt((c["fl_ssw"] + c["fl_sq"] - c["fl_n"] * fl_mean**2) / (c["fl_n"] - 1))
    # The school's own spread over all its years of the cell, shrunk towards the pooled one.
    k = STAT["own_spread_prior_df"]
    c["ratio"] = c["ssw"] / c["var_w"]
    series = c.groupby(["school_id", *CELL])
    c["spread"] = (series["ratio"].transform("sum") + k) / (
        series["n"].transform("sum") - series["n"].transform("count") + k
    )
    c = pd.concat([_index_expectation(g) for _, g in c.groupby(cy)], ignore_index=True)
    # Without enough schools with an index: the SES group without the school.
    rest_n = c["g_n"] - c["n"]
    group_mean = (c["g_sum"] - c["sum"]) / rest_n
    modelled = c["expected"].notna()
    c["d"] = c["mean"] - c["expected"].where(modelled, group_mean)
    comparison_var = (c["var_w"] * c["leverage"]).where(modelled, c["var_w"] / rest_n)
    c["v"] = c["var_w"] * c["spread"] / c["n"] + comparison_var
    usable = (c["n"] >= STAT["min_colour_size"]) & (modelled | (rest_n > 0))
    c["z"] = (c["d"] / c["sd_t"]).where(usable)
    c["q"] = (c["v"] / c["sd_t"] ** 2).where(usable)
    c["year"] = c["school_year"].str[:4].astype(int)
    return c


def _components(c: pd.DataFrame) -> pd.DataFrame:
    """σ²_c from second differences and τ² per cell, as docs/statistics.md writes them."""
    rows = []
    for cell, g in c.groupby(CELL):
        z = g.pivot(index="school_id", columns="year", values="z")
        q = g.pivot(index="school_id", columns="year", values="q")
        years = sorted(z.columns)
        excess = []
        for a, b, t in zip(years, years[1:], years[2:], strict=False):
            if t - a != 2:
                continue
            d2 = z[t] - 2 * z[b] + z[a]
            e = d2**2 - q[t] - 4 * q[b] - q[a]
            excess.append(e.dropna())
        e = pd.concat(excess) if excess else pd.Series(dtype=float)
        if len(e) >= STAT["min_second_differences"]:
            class_var = max(0.0, float(e.mean()) / 6)
        else:
            class_var = STAT["class_sd_fallback"] ** 2
        per_year = [z[y].var(ddof=1) - q[y].mean() for y in years if z[y].notna().sum() >= 3]
        tau2 = max(0.0, float(np.mean(per_year)) - class_var) if per_year else 0.0
        rows.append((*cell, class_var, tau2))
    return pd.DataFrame(rows, columns=[*CELL, "class_var", "tau2"])


def _verdicts(c: pd.DataFrame) -> pd.DataFrame:
    c = c.merge(_components(c), on=CELL)
    out = []
    for _, s in c.groupby(["school_id", *CELL]):
        s = s.sort_values("year")
        is_domain = s["domain"].iloc[0] != ""
        z_col = _z(STAT["domain_confidence"] if is_domain else STAT["confidence"])
        z_tr = _z(1 - (TREND["domain_alpha"] if is_domain else TREND["alpha"]))
        ok = s["z"].notna()
        for row in s.itertuples(index=False):
            # The latest status_years usable years among the latest status_span school years.
            span = ok & (s["year"] > row.year - STAT["status_span"]) & (s["year"] <= row.year)
            latest = s.loc[span, "year"].sort_values().iloc[-STAT["status_years"] :]
            w_in = s["year"].isin(latest)
            status = "too_few"
            if not np.isnan(row.z):
                zz, qq = s.loc[w_in, "z"], s.loc[w_in, "q"]
                w = 1 / (qq + row.class_var)
                V = 1 / w.sum()
                lam = row.tau2 / (row.tau2 + V)
                theta, se = lam * (w * zz).sum() * V, np.sqrt(lam * V)
                lo, hi, big = theta - z_col * se, theta + z_col * se, STAT["large_effect_size"]
                near = STAT["as_expected_margin"]
                status = "as_expected" if -near <= lo and hi <= near else "uncertain"
                status = "higher" if lo > 0 else status
                status = "much_higher" if lo > big else status
                status = "lower" if hi < 0 else status
                status = "much_lower" if hi < -big else status
            t_in = ok & (s["year"] > row.year - TREND["max_years"]) & (s["year"] <= row.year)
            trend = "too_short"
            if t_in.sum() >= TREND["min_years"] and row.n >= RULES["privacy"]["min_group_size"]:
                x = sm.add_constant(s.loc[t_in, "year"].to_numpy(float))
                w = 1 / (s.loc[t_in, "q"] + row.class_var)
                fit = sm.WLS(s.loc[t_in, "z"].to_numpy(), x, weights=w.to_numpy()).fit(
                    cov_type="fixed scale", cov_kwds={"scale": 1.0}
                )
                zstat = fit.params[1] / fit.bse[1]
                trend = (
                    "rising" if zstat > z_tr else "falling" if zstat < -z_tr else "no_clear_trend"
                )
            key = (row.school_id, row.school_year, row.assessment_id, row.learning_area)
            out.append((*key, row.domain, status, trend))
    return pd.DataFrame(
        out, columns=["school_id", "school_year", *CELL, "expected_status", "expected_trend"]
    )


def test_every_status_and_trend_matches_an_independent_recomputation(con):
    expected = _verdicts(_differences(_cells(con)))
    actual = con.execute(
        """
        SELECT school_id, school_year, assessment_id, coalesce(learning_area, '') AS learning_area,
               coalesce(domain, '') AS domain, status, trend, suppressed
        FROM v_school_result WHERE assessment_id = 'ovsg6'
        """
    ).df()
    merged = actual.merge(expected, on=["school_id", "school_year", *CELL], how="outer")
    assert len(merged) == len(actual) == len(expected) == 60 * 8 * 18
    shown = merged[~merged["suppressed"]]
    bad_status = shown[shown["status"] != shown["expected_status"]]
    bad_trend = shown[shown["trend"] != shown["expected_trend"]]
    assert bad_status.empty, bad_status.head()
    assert bad_trend.empty, bad_trend.head()
    # Every verdict occurs, so the comparison covered every branch of the rules.
    assert set(shown["status"]) == {
        "much_higher", "higher", "as_expected", "uncertain", "lower", "much_lower", "too_few",
    }  # fmt: skip
    assert set(shown["trend"]) == {"rising", "no_clear_trend", "falling", "too_short"}
