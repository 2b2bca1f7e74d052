"""The status (colour) of a cell: a shrunken, precision-weighted estimate over three years.

docs/statistics.md. In standardised units (z = d / SD_t, q = v / SD_t²), for the row of year t:

    the latest status_years school years up to t with at least min_colour_size pupils, among
    the latest status_span school years (the year t itself must qualify)
    w_u = 1 / (q_u + σ²_c)          pupils *and* the ordinary difference between classes
    d̄ = Σ w_u z_u / Σ w_u,  V = 1 / Σ w_u
    λ = τ² / (τ² + V)               reliability: how much of d̄ is the school, not noise
    θ = λ · d̄,  s = √(λ V)          empirical-Bayes estimate and its standard error

`higher`/`lower` when θ ∓ z·s excludes 0 (z from `confidence`, or the stricter
`domain_confidence` for domains: there are many); `much_…` only when the whole interval lies
beyond ±large_effect_size. An interval that holds 0 is `as_expected` when it lies within
±as_expected_margin, else `uncertain`. The interval is stored back in points of year t (× SD_t).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from data_model.rules import Rules
from data_model.vocabulary import (
    AS_EXPECTED,
    HIGHER,
    LOWER,
    MUCH_HIGHER,
    MUCH_LOWER,
    TOO_FEW,
    UNCERTAIN,
)


def z_value(level: float) -> float:
    """Two-sided normal quantile: 0.95 -> 1.96."""
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def colour_z(is_domain: np.ndarray, rules: Rules) -> np.ndarray:
    """The critical value of each series: stricter for domains (rules.toml)."""
    return np.where(is_domain, z_value(rules.domain_confidence), z_value(rules.confidence))


def t_quantile(n: np.ndarray, confidence: float | np.ndarray) -> np.ndarray:
    """Two-sided Student t quantile with n-1 degrees of freedom (NaN where n < 2).

    For intervals of one group of pupils (subgroups), where the spread is estimated from them.
    """
    # Imported here: scipy.stats costs 0.6 s of start-up, and only pages with subgroups need it
    # (not the importer, which uses this module on every import).
    from scipy.special import stdtrit

    df = np.asarray(n, dtype=float) - 1
    with np.errstate(invalid="ignore"):
        return stdtrit(np.where(df >= 1, df, np.nan), 1 - (1 - np.asarray(confidence)) / 2)


def classify(low: np.ndarray, high: np.ndarray, large: float, margin: float) -> np.ndarray:
    """Status code from the interval (in the units of `large` and `margin`); NaN -> too_few.

    An interval that holds 0 is grey, and the grey says which: `as_expected` when it lies
    wholly within ±margin (demonstrably close to the peers), `uncertain` when it reaches beyond
    (the data cannot tell a small difference from a real one).
    """
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    status = np.full(low.shape, UNCERTAIN, dtype=object)
    with np.errstate(invalid="ignore"):
        status[(low >= -margin) & (high <= margin)] = AS_EXPECTED
        status[low > 0] = HIGHER
        status[low > large] = MUCH_HIGHER
        status[high < 0] = LOWER
        status[high < -large] = MUCH_LOWER
    status[np.isnan(low) | np.isnan(high)] = TOO_FEW
    return status


def pooled_estimates(
    z: np.ndarray,
    q: np.ndarray,
    class_var: np.ndarray,
    between_var: np.ndarray,
    window: int,
    span: int | None = None,
    n: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """θ, s, d̄, V, λ, years pooled, the first year index and the pupils pooled, per series x
    year.

    z, q: series x year (NaN = not usable); class_var, between_var: per series (column
    vectors). The latest `window` usable years among the latest `span` school years (default
    `window`) are pooled: a school that skipped a year, or had too few pupils in one, is
    judged on its latest `window` years with data, not on fewer. A column whose own year is
    not usable gets NaN (no colour). n: pupils per series x year (NaN = not usable).
    """
    span = max(span or window, window)
    n_series, n_years = z.shape
    out = {k: np.full((n_series, n_years), np.nan) for k in ("theta", "se", "dbar", "V", "lam")}
    out["n"] = np.full((n_series, n_years), np.nan)
    out["k"] = np.zeros((n_series, n_years), dtype=int)
    out["first"] = np.full((n_series, n_years), -1, dtype=int)
    w_all = 1.0 / (q + class_var)
    pupils = np.zeros_like(z) if n is None else np.nan_to_num(n)
    for j in range(n_years):
        lo = max(0, j - span + 1)
        zz = z[:, lo : j + 1]
        ok = np.isfinite(zz) & np.isfinite(w_all[:, lo : j + 1])
        # Usable years counted from the latest backwards: keep the latest `window` of them.
        ok &= np.cumsum(ok[:, ::-1], axis=1)[:, ::-1] <= window
        w = np.where(ok, w_all[:, lo : j + 1], 0.0)
        sw = w.sum(axis=1)
        own = ok[:, -1]
        with np.errstate(invalid="ignore", divide="ignore"):
            dbar = (w * np.where(ok, zz, 0.0)).sum(axis=1) / sw
            V = 1.0 / sw
            lam = between_var[:, 0] / (between_var[:, 0] + V)
        out["dbar"][:, j] = np.where(own, dbar, np.nan)
        out["V"][:, j] = np.where(own, V, np.nan)
        out["lam"][:, j] = np.where(own, lam, np.nan)
        with np.errstate(invalid="ignore"):
            out["theta"][:, j] = np.where(own, lam * dbar, np.nan)
            out["se"][:, j] = np.where(own, np.sqrt(lam * V), np.nan)
        out["n"][:, j] = np.where(own, np.where(ok, pupils[:, lo : j + 1], 0.0).sum(axis=1), np.nan)
        out["k"][:, j] = np.where(own, ok.sum(axis=1), 0)
        out["first"][:, j] = np.where(own, lo + ok.argmax(axis=1), -1)
    return out
