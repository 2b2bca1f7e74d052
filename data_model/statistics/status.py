"""Comparisons, intervals, status and trend codes (docs/statistics.md).

Everything here works on whole DataFrames at once (numpy vectorised), because the same code
materialises the school results of all of Flanders at import time: ~2,300 schools x 10 years x
~20 cells. Nothing here knows about SQL or Streamlit; `materialize.py` feeds it and stores what
it returns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from data_model.rules import Rules, load_rules
from data_model.vocabulary import CELL_KEYS as _CELL_KEYS

CELL_KEYS = list(_CELL_KEYS)


# --------------------------------------------------------------------------- comparison groups


def pooled_groups(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pupil-weighted mean and pooled SD of the schools in each group.

    Combining school aggregates this way gives exactly the mean and SD over all pupils of
    the group, so comparison means are the same whether a school came in pupil by pupil or
    as an aggregate row from the test organiser.
    """
    df = cells[keys + ["n_pupils", "score_mean", "score_sd"]].copy()
    df = df[(df["n_pupils"] > 0) & df["score_mean"].notna()]
    n = df["n_pupils"].astype(float)
    df["_sum"] = n * df["score_mean"]
    df["_ss_within"] = (n - 1).clip(lower=0) * df["score_sd"].fillna(0.0) ** 2
    df["_sum_sq_means"] = n * df["score_mean"] ** 2
    g = df.groupby(keys, dropna=False, sort=False)
    out = g[["n_pupils", "_sum", "_ss_within", "_sum_sq_means"]].sum().reset_index()
    total_n = out["n_pupils"].astype(float)
    mean = out["_sum"] / total_n
    ss_between = out["_sum_sq_means"] - total_n * mean**2
    var = (out["_ss_within"] + ss_between.clip(lower=0)) / (total_n - 1).where(total_n > 1)
    out["group_mean"] = mean
    out["group_sd"] = np.sqrt(var)
    out["group_n"] = out["n_pupils"].astype("int64")
    for key in keys:
        if key in ("learning_area", "domain"):
            out[key] = out[key].astype(object).where(out[key].notna(), None)
    return out[keys + ["group_n", "group_mean", "group_sd"]]


def add_comparisons(cells: pd.DataFrame) -> pd.DataFrame:
    """Add similar_mean, flanders_mean, flanders_sd and the differences.

    Expects one row per school x CELL_KEYS with n_pupils, score_mean, score_sd, ses_group and
    optionally given_similar_mean / given_flanders_mean / given_flanders_sd (means published
    by the test organiser for aggregate-only imports; they win over our own pooling because
    the organiser sees every participating school, we may not).
    """
    out = cells.copy()
    # Text keys that may be all-NULL (domain on learning-area rows) must keep one dtype on
    # both sides of the merges below.
    for key in ("learning_area", "domain"):
        out[key] = out[key].astype(object)
    flanders = pooled_groups(out, CELL_KEYS).rename(
        columns={"group_mean": "flanders_mean", "group_sd": "flanders_sd", "group_n": "flanders_n"}
    )
    similar = pooled_groups(out, CELL_KEYS + ["ses_group"]).rename(
        columns={"group_mean": "similar_mean", "group_sd": "similar_sd", "group_n": "similar_n"}
    )
    out = out.merge(flanders, on=CELL_KEYS, how="left").merge(
        similar, on=CELL_KEYS + ["ses_group"], how="left"
    )
    for given, ours in (
        ("given_similar_mean", "similar_mean"),
        ("given_flanders_mean", "flanders_mean"),
        ("given_flanders_sd", "flanders_sd"),
    ):
        if given in out.columns:
            out[ours] = out[given].where(out[given].notna(), out[ours])
    out["diff_similar"] = out["score_mean"] - out["similar_mean"]
    out["diff_flanders"] = out["score_mean"] - out["flanders_mean"]
    return out


# --------------------------------------------------------------------------- status


def t_quantile(n: np.ndarray | pd.Series, confidence: float) -> np.ndarray:
    """Two-sided Student t quantile with n-1 degrees of freedom (NaN where n < 2)."""
    df = np.asarray(n, dtype=float) - 1
    with np.errstate(invalid="ignore"):
        q = sps.t.ppf(1 - (1 - confidence) / 2, np.where(df >= 1, df, np.nan))
    return q


def classify(
    n: np.ndarray,
    diff: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    reference_sd: np.ndarray,
    rules: Rules,
) -> np.ndarray:
    """The status code of each cell; see docs/statistics.md and rules.toml."""
    n = np.asarray(n, dtype=float)
    diff = np.asarray(diff, dtype=float)
    ci_low = np.asarray(ci_low, dtype=float)
    ci_high = np.asarray(ci_high, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        effect = np.abs(diff) / np.asarray(reference_sd, dtype=float)
    large = effect >= rules.large_effect_size
    status = np.full(n.shape, "as_expected", dtype=object)
    status[(ci_low > 0) & large] = "much_higher"
    status[(ci_low > 0) & ~large] = "higher"
    status[(ci_high < 0) & large] = "much_lower"
    status[(ci_high < 0) & ~large] = "lower"
    unknown = np.isnan(diff) | np.isnan(ci_low) | np.isnan(ci_high)
    status[unknown | (n < rules.min_colour_size) | np.isnan(n)] = "too_few"
    return status


def add_status(cells: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """Add ci_low/ci_high (of the colour difference), effect_size, status and suppressed.

    The school's standard error is sd/sqrt(n) with a t quantile; the comparison mean is
    treated as fixed because its group is many times larger than one school. An aggregate row
    without its own SD borrows the Flanders SD (documented on the Uitleg page).
    """
    rules = rules or load_rules()
    out = cells.copy()
    n = out["n_pupils"].astype(float).to_numpy()
    sd = out["score_sd"].astype(float)
    sd = sd.where(sd.notna(), out["flanders_sd"]).to_numpy()
    diff_col = "diff_similar" if rules.colour_comparison == "similar" else "diff_flanders"
    diff = out[diff_col].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(n, rules.confidence) * sd / np.sqrt(n)
    out["ci_low"] = diff - half
    out["ci_high"] = diff + half
    with np.errstate(invalid="ignore", divide="ignore"):
        out["effect_size"] = diff / out["flanders_sd"].astype(float).to_numpy()
    out["status"] = classify(
        n, diff, out["ci_low"], out["ci_high"], out["flanders_sd"].to_numpy(float), rules
    )
    suppressed = (out["n_pupils"].fillna(0) < rules.min_group_size).to_numpy()
    out["suppressed"] = suppressed
    hidden = [
        "score_mean",
        "score_sd",
        "pct_goal_reached",
        "diff_similar",
        "diff_flanders",
        "ci_low",
        "ci_high",
        "effect_size",
    ]
    out.loc[suppressed, [c for c in hidden if c in out.columns]] = np.nan
    out.loc[suppressed, "status"] = "too_few"
    return out


# --------------------------------------------------------------------------- trend


def weighted_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, float, int]:
    """WLS slope of y on x with weights w: (slope, standard error, p-value, points).

    Kept scalar and plain so tests and readers can check `add_trend` against it.
    """
    mask = ~(np.isnan(x) | np.isnan(y) | np.isnan(w))
    x, y, w = x[mask], y[mask], w[mask]
    k = len(x)
    if k < 3:
        return math.nan, math.nan, math.nan, k
    xm = np.sum(w * x) / np.sum(w)
    ym = np.sum(w * y) / np.sum(w)
    sxx = np.sum(w * (x - xm) ** 2)
    slope = np.sum(w * (x - xm) * (y - ym)) / sxx
    resid = y - (ym + slope * (x - xm))
    s2 = np.sum(w * resid**2) / (k - 2)
    se = math.sqrt(s2 / sxx)
    if se == 0:
        p = 0.0 if slope != 0 else 1.0
    else:
        p = float(2 * sps.t.sf(abs(slope / se), k - 2))
    return float(slope), se, p, k


def add_trend(
    results: pd.DataFrame, rules: Rules | None = None, diff_col: str | None = None
) -> pd.DataFrame:
    """Add trend, trend_slope, trend_p, trend_years and trend_from to each school-result row.

    For the row of year Y the trend looks at the yearly difference with the comparison group
    over school years Y-(max_years-1) .. Y, weighted by n, and is rising/falling only when
    the slope is significant (t test, k-2 degrees of freedom). Suppressed years and years
    below the colour minimum do not count as points. Vectorised over all series at once.
    """
    rules = rules or load_rules()
    if diff_col is None:
        diff_col = "diff_similar" if rules.colour_comparison == "similar" else "diff_flanders"
    out = results.copy()
    series_keys = ["school_id", "assessment_id", "learning_area", "domain"]
    out["_y"] = out["school_year"].str[:4].astype(int)
    years = np.arange(out["_y"].min(), out["_y"].max() + 1) if len(out) else np.array([])
    usable = out["n_pupils"].fillna(0) >= rules.min_colour_size
    y_val = out[diff_col].where(usable)
    w_val = out["n_pupils"].astype(float).where(usable & y_val.notna())
    codes, uniques = pd.MultiIndex.from_frame(
        out[series_keys].astype(object).where(out[series_keys].notna(), "\x00")
    ).factorize()
    n_series, n_years = len(uniques), len(years)
    Y = np.full((n_series, n_years), np.nan)
    W = np.full((n_series, n_years), np.nan)
    col = (out["_y"] - (years[0] if n_years else 0)).to_numpy()
    Y[codes, col] = y_val.to_numpy(float)
    W[codes, col] = w_val.to_numpy(float)
    slope = np.full((n_series, n_years), np.nan)
    pval = np.full((n_series, n_years), np.nan)
    count = np.zeros((n_series, n_years), dtype=int)
    first = np.full((n_series, n_years), np.nan)
    x_all = years.astype(float)
    for j in range(n_years):
        lo = max(0, j - rules.trend_max_years + 1)
        y = Y[:, lo : j + 1]
        w = W[:, lo : j + 1]
        x = np.broadcast_to(x_all[lo : j + 1], y.shape)
        m = ~np.isnan(y) & ~np.isnan(w)
        k = m.sum(axis=1)
        wz = np.where(m, w, 0.0)
        yz = np.where(m, y, 0.0)
        sw = wz.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            xm = (wz * x).sum(axis=1) / sw
            ym = (wz * yz).sum(axis=1) / sw
            dx = np.where(m, x - xm[:, None], 0.0)
            sxx = (wz * dx**2).sum(axis=1)
            b = (wz * dx * (yz - ym[:, None])).sum(axis=1) / sxx
            resid = np.where(m, yz - (ym[:, None] + b[:, None] * dx), 0.0)
            s2 = (wz * resid**2).sum(axis=1) / (k - 2)
            se = np.sqrt(s2 / sxx)
            tstat = np.abs(b) / se
            p = 2 * sps.t.sf(tstat, np.where(k > 2, k - 2, np.nan))
        p = np.where((se == 0) & (b != 0), 0.0, p)
        ok = k >= max(rules.trend_min_years, 3)
        slope[:, j] = np.where(ok, b, np.nan)
        pval[:, j] = np.where(ok, p, np.nan)
        count[:, j] = k
        first_idx = np.where(m.any(axis=1), m.argmax(axis=1), -1)
        first[:, j] = np.where(first_idx >= 0, x_all[lo] + first_idx, np.nan)
    out["trend_slope"] = slope[codes, col]
    out["trend_p"] = pval[codes, col]
    out["trend_years"] = count[codes, col]
    out["trend_from"] = first[codes, col]
    trend = np.full(len(out), "no_clear_trend", dtype=object)
    sig = out["trend_p"].to_numpy() < rules.trend_alpha
    s = out["trend_slope"].to_numpy()
    trend[sig & (s > 0)] = "rising"
    trend[sig & (s < 0)] = "falling"
    trend[np.isnan(s)] = "too_short"
    out["trend"] = trend
    # A row that is itself suppressed or uncoloured still gets the trend of its series when
    # enough other years are usable; a suppressed row never shows it (privacy).
    out.loc[out["suppressed"].astype(bool), ["trend_slope", "trend_p"]] = np.nan
    out.loc[out["suppressed"].astype(bool), "trend"] = "too_short"
    return out.drop(columns=["_y"])
