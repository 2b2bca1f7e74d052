"""The rules used before the shrunken three-year colour, only to measure them (calibration.py).

Never imported by production code. Per cell and year, on its own:
- similar_mean and flanders_mean pupil-weighted over the group *with* the school; flanders_sd
  pooled over all pupils, with a missing school SD counted as zero (the collapse bug);
- a 95 % t interval of the difference with sd_school / √n (the comparison mean fixed):
  higher/lower when it excludes 0, "much" when |difference| / flanders_sd ≥ 0.5 on the point
  estimate;
- trend: weighted least squares (weights n) of the yearly difference over the latest 5 years
  (at least 3 with n ≥ 10), a t test with k − 2 degrees of freedom at p < 0.05;
- funnel: limits ± z · flanders_sd / √n around 0 on the published difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

CONFIDENCE = 0.95
LARGE_EFFECT = 0.5
MIN_COLOUR = 10
TREND_YEARS, TREND_MIN, TREND_ALPHA = 5, 3, 0.05
CELL = ["school_year", "assessment_id", "learning_area", "domain"]
SERIES = ["school_id", "assessment_id", "learning_area", "domain"]


def _pooled(df: pd.DataFrame, keys: list[str], prefix: str) -> pd.DataFrame:
    n = df["n_pupils"].astype(float)
    work = df[keys].copy()
    work["_n"] = n
    work["_s"] = n * df["score_mean"]
    work["_ssw"] = (n - 1) * df["score_sd"].fillna(0.0) ** 2  # the old bug: missing SD = 0
    work["_sq"] = n * df["score_mean"] ** 2
    g = work.groupby(keys, dropna=False, sort=False)[["_n", "_s", "_ssw", "_sq"]].sum()
    g = g.reset_index()
    mean = g["_s"] / g["_n"]
    var = (g["_ssw"] + (g["_sq"] - g["_n"] * mean**2).clip(lower=0)) / (g["_n"] - 1)
    return g[keys].assign(**{f"{prefix}_mean": mean, f"{prefix}_sd": np.sqrt(var)})


def _text(df: pd.DataFrame) -> pd.DataFrame:
    for key in ("learning_area", "domain"):
        df[key] = df[key].astype(object).where(df[key].notna(), None)
    return df


def judge_old(cells: pd.DataFrame) -> pd.DataFrame:
    """The old status, trend and funnel verdict of every school cell."""
    out = _text(cells.copy())
    out = out.merge(_text(_pooled(out, CELL, "flanders")), on=CELL, how="left")
    sim = _text(_pooled(out, CELL + ["ses_group"], "similar")).drop(columns="similar_sd")
    out = out.merge(sim, on=CELL + ["ses_group"], how="left")
    n = out["n_pupils"].astype(float)
    diff = out["score_mean"] - out["similar_mean"]
    q = sps.t.ppf(1 - (1 - CONFIDENCE) / 2, n - 1)
    half = q * out["score_sd"] / np.sqrt(n)
    low, high = diff - half, diff + half
    large = diff.abs() / out["flanders_sd"] >= LARGE_EFFECT
    status = np.select(
        [n < MIN_COLOUR, (low > 0) & large, low > 0, (high < 0) & large, high < 0],
        ["too_few", "much_higher", "higher", "much_lower", "lower"],
        default="as_expected",
    )
    out["diff_similar"] = diff
    out["status"] = status
    out["funnel_z"] = diff / (out["flanders_sd"] / np.sqrt(n))
    out["trend"] = _old_trend(out)
    return out


def _old_trend(df: pd.DataFrame) -> np.ndarray:
    keys = df[SERIES].astype(object).where(df[SERIES].notna(), "\x00")
    series, uniques = pd.MultiIndex.from_frame(keys).factorize()
    year = df["school_year"].str[:4].astype(int).to_numpy()
    col = year - year.min()
    n_years = col.max() + 1
    Y = np.full((len(uniques), n_years), np.nan)
    W = np.full((len(uniques), n_years), np.nan)
    usable = df["n_pupils"].to_numpy() >= MIN_COLOUR
    Y[series, col] = np.where(usable, df["diff_similar"], np.nan)
    W[series, col] = np.where(usable, df["n_pupils"], np.nan)
    codes = np.full(Y.shape, "too_short", dtype=object)
    x_all = np.arange(n_years, dtype=float)
    for j in range(n_years):
        lo = max(0, j - TREND_YEARS + 1)
        y, w = Y[:, lo : j + 1], W[:, lo : j + 1]
        m = np.isfinite(y) & np.isfinite(w)
        k = m.sum(axis=1)
        wz, yz = np.where(m, w, 0.0), np.where(m, y, 0.0)
        x = x_all[lo : j + 1][None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            xm = (wz * x).sum(1) / wz.sum(1)
            ym = (wz * yz).sum(1) / wz.sum(1)
            dx = np.where(m, x - xm[:, None], 0.0)
            sxx = (wz * dx**2).sum(1)
            b = (wz * dx * (yz - ym[:, None])).sum(1) / sxx
            resid = np.where(m, yz - ym[:, None] - b[:, None] * dx, 0.0)
            se = np.sqrt((wz * resid**2).sum(1) / (k - 2) / sxx)
            p = 2 * sps.t.sf(np.abs(b / se), np.where(k > 2, k - 2, np.nan))
        ok = k >= TREND_MIN
        codes[:, j] = np.where(
            ok & (p < TREND_ALPHA) & (b > 0),
            "rising",
            np.where(
                ok & (p < TREND_ALPHA) & (b < 0),
                "falling",
                np.where(ok, "no_clear_trend", "too_short"),
            ),
        )
    return codes[series, col]
