"""The trend of a series: a known-variance weighted slope with a z test (docs/statistics.md).

For the row of year t, over the latest max_years school years up to t with at least
min_colour_size pupils (at least min_years of them, else `too_short`), in standardised units:

    w_u = 1 / (q_u + σ²_c),  b = Σ w (u − ū_w)(z_u − z̄_w) / Σ w (u − ū_w)²
    SE(b) = (Σ w (u − ū_w)²)^(−1/2)

The variances are known (pupils from the pooled within-school SD, classes from the variance
components), so this is a z test, not a t test on 1–3 degrees of freedom that mostly
measures how lucky the residuals were. `rising`/`falling` when |b| / SE > z, z from
rules.toml [trend] (`alpha` for the total and learning areas, the stricter `domain_alpha` for
domains; docs/statistics.md gives the levels and why); otherwise "geen duidelijke trend".
"""

from __future__ import annotations

import math

import numpy as np

from data_model.vocabulary import FALLING, NO_CLEAR_TREND, RISING, TOO_SHORT


def weighted_slopes(
    z: np.ndarray, q: np.ndarray, class_var: np.ndarray, window: int, min_points: int
) -> dict[str, np.ndarray]:
    """Slope b, SE(b), points and first year index per series x year (standardised units)."""
    n_series, n_years = z.shape
    b_out = np.full((n_series, n_years), np.nan)
    se_out = np.full((n_series, n_years), np.nan)
    k_out = np.zeros((n_series, n_years), dtype=int)
    first = np.full((n_series, n_years), -1, dtype=int)
    w_all = 1.0 / (q + class_var)
    x_all = np.arange(n_years, dtype=float)
    for j in range(n_years):
        lo = max(0, j - window + 1)
        zz = z[:, lo : j + 1]
        ok = np.isfinite(zz) & np.isfinite(w_all[:, lo : j + 1])
        w = np.where(ok, w_all[:, lo : j + 1], 0.0)
        x = x_all[lo : j + 1][None, :]
        k = ok.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sw = w.sum(axis=1)
            xm = (w * x).sum(axis=1) / sw
            zm = (w * np.where(ok, zz, 0.0)).sum(axis=1) / sw
            dx = np.where(ok, x - xm[:, None], 0.0)
            sxx = (w * dx**2).sum(axis=1)
            b = (w * dx * np.where(ok, zz - zm[:, None], 0.0)).sum(axis=1) / sxx
            se = 1.0 / np.sqrt(sxx)
        enough = k >= max(min_points, 3)
        b_out[:, j] = np.where(enough, b, np.nan)
        se_out[:, j] = np.where(enough, se, np.nan)
        k_out[:, j] = k
        first[:, j] = np.where(ok.any(axis=1), lo + ok.argmax(axis=1), -1)
    return {"b": b_out, "se": se_out, "k": k_out, "first": first}


def trend_codes(b: np.ndarray, se: np.ndarray, z_crit: np.ndarray) -> np.ndarray:
    """rising / falling / no_clear_trend / too_short from slope, SE and critical value."""
    with np.errstate(invalid="ignore", divide="ignore"):
        zstat = b / se
    codes = np.full(np.shape(b), NO_CLEAR_TREND, dtype=object)
    codes[zstat > z_crit] = RISING
    codes[zstat < -z_crit] = FALLING
    codes[np.isnan(b) | np.isnan(se)] = TOO_SHORT
    return codes


_ERFC = np.frompyfunc(math.erfc, 1, 1)  # numpy has no erfc; scipy costs 0.6 s to import


def two_sided_p(b: np.ndarray, se: np.ndarray) -> np.ndarray:
    """P(|Z| > |b / se|) for a standard normal Z: erfc(|z| / √2)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.abs(np.asarray(b, dtype=float) / np.asarray(se, dtype=float))
    return np.asarray(_ERFC(z / math.sqrt(2)), dtype=float)
