"""From yearly differences to the stored verdicts: status, trend, intervals, components.

One function, `assess`, used for the colour against the comparison group (materialize.py)
and for the SES-gecorrigeerde score (expected.py), so both follow exactly the same method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.rules import Rules
from data_model.statistics import status as st
from data_model.statistics import trend as tr
from data_model.statistics import variance
from data_model.statistics.panel import CELL_OF_SERIES, Panel
from data_model.vocabulary import TOO_FEW, TOO_SHORT

VERDICT_COLUMNS = [
    "status",
    "effect_size",  # θ in Flanders pupil SDs (the shrunken three-year estimate)
    "status_estimate",  # θ in points of the row's year
    "ci_low",
    "ci_high",
    "status_years",
    "status_from",
    "status_n",
    "reliability",
    "z_crit",
    "year_diff",  # this year's (leave-one-out) difference, no verdict
    "year_ci_low",
    "year_ci_high",
    "sd_class",  # σ_c and τ in points of the row's year (funnel limits, explainer)
    "sd_between",
    "trend",
    "trend_slope",  # points per school year, at the row's year's SD
    "trend_se",
    "trend_z",
    "trend_p",
    "trend_years",
    "trend_from",
]
COMPONENT_COLUMNS = [
    "assessment_id",
    "learning_area",
    "domain",
    "n_schools",
    "n_second_differences",
    "class_estimated",
    "class_sd_units",  # σ_c in Flanders pupil SDs
    "between_sd_units",  # τ in Flanders pupil SDs
    "sd_pupils",  # SD_t of the cell's latest year, points
    "sd_class",  # σ_c and τ in points of that year
    "sd_between",
]


def assess(
    rows: pd.DataFrame, d_col: str, v_col: str, sd_col: str, rules: Rules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add VERDICT_COLUMNS to `rows`; also return the variance components per cell.

    rows: school_id, school_year, CELL columns, n_pupils, suppressed, and the difference
    (d_col, points), its sampling variance (v_col, points²) and SD_t (sd_col, points).
    A row counts for the statistics when it is not suppressed, has at least min_colour_size
    pupils and a known difference.
    """
    out = rows.reset_index(drop=True).copy()
    if out.empty:
        for col in VERDICT_COLUMNS:
            out[col] = pd.Series(dtype=object if col in ("status", "trend") else float)
        return out, pd.DataFrame(columns=COMPONENT_COLUMNS)
    panel = Panel.of(out)
    sd = out[sd_col].astype(float).to_numpy()
    d = out[d_col].astype(float).to_numpy()
    v = out[v_col].astype(float).to_numpy()
    usable = (
        ~out["suppressed"].astype(bool).to_numpy()
        & (out["n_pupils"].fillna(0).to_numpy() >= rules.min_colour_size)
        & np.isfinite(d)
        & np.isfinite(v)
        & (sd > 0)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        z = panel.matrix(np.where(usable, d / sd, np.nan))
        q = panel.matrix(np.where(usable, v / sd**2, np.nan))
    comp = variance.estimate(panel, z, q, rules)
    class_var = panel.per_series(comp.class_var)
    between_var = panel.per_series(comp.between_var)
    z_crit_series = st.colour_z(panel.is_domain, rules)

    pooled = st.pooled_estimates(z, q, class_var, between_var, rules.status_years)
    z_rows = z_crit_series[panel.series]
    theta, se = panel.rows(pooled["theta"]), panel.rows(pooled["se"])
    low, high = theta - z_rows * se, theta + z_rows * se
    out["status"] = st.classify(low, high, rules.large_effect_size)
    out["effect_size"] = theta
    out["status_estimate"] = theta * sd
    out["ci_low"] = low * sd
    out["ci_high"] = high * sd
    k = pooled["k"][panel.series, panel.column]
    first = pooled["first"][panel.series, panel.column]
    out["status_years"] = np.where(np.isfinite(theta), k, 0)
    out["status_from"] = np.where(first >= 0, panel.years[0] + first, np.nan)
    n_usable = panel.matrix(np.where(usable, out["n_pupils"].fillna(0), np.nan))
    out["status_n"] = _window_sum(n_usable, rules.status_years)[panel.series, panel.column]
    out.loc[~np.isfinite(theta), "status_n"] = np.nan
    out["reliability"] = panel.rows(pooled["lam"])
    out["z_crit"] = z_rows

    cv_rows = comp.class_var[panel.cell[panel.series]]
    tv_rows = comp.between_var[panel.cell[panel.series]]
    year_se = np.sqrt(v + cv_rows * sd**2)
    out["year_diff"] = np.where(usable, d, np.nan)
    out["year_ci_low"] = np.where(usable, d - z_rows * year_se, np.nan)
    out["year_ci_high"] = np.where(usable, d + z_rows * year_se, np.nan)
    out["sd_class"] = np.sqrt(cv_rows) * sd
    out["sd_between"] = np.sqrt(tv_rows) * sd

    slopes = tr.weighted_slopes(z, q, class_var, rules.trend_max_years, rules.trend_min_years)
    b, bse = panel.rows(slopes["b"]), panel.rows(slopes["se"])
    trend_z = np.where(
        panel.is_domain[panel.series],
        st.z_value(1 - rules.trend_domain_alpha),
        st.z_value(1 - rules.trend_alpha),
    )
    out["trend"] = tr.trend_codes(b, bse, trend_z)
    out["trend_slope"] = b * sd
    out["trend_se"] = bse * sd
    with np.errstate(invalid="ignore", divide="ignore"):
        out["trend_z"] = b / bse
    out["trend_p"] = tr.two_sided_p(b, bse)
    out["trend_years"] = slopes["k"][panel.series, panel.column]
    tf = slopes["first"][panel.series, panel.column]
    out["trend_from"] = np.where(tf >= 0, panel.years[0] + tf, np.nan)

    # Privacy: a suppressed row shows nothing, not even the trend of its series.
    hidden = out["suppressed"].astype(bool).to_numpy()
    out.loc[hidden, "status"] = TOO_FEW
    out.loc[hidden, "trend"] = TOO_SHORT
    numbers = [c for c in VERDICT_COLUMNS if c not in ("status", "trend", "z_crit")]
    out.loc[hidden, numbers] = np.nan
    return out, _components_frame(out, panel, comp, sd)


def _window_sum(m: np.ndarray, window: int) -> np.ndarray:
    out = np.full(m.shape, np.nan)
    for j in range(m.shape[1]):
        out[:, j] = np.nansum(m[:, max(0, j - window + 1) : j + 1], axis=1)
    return out


def _components_frame(
    rows: pd.DataFrame, panel: Panel, comp: variance.Components, sd: np.ndarray
) -> pd.DataFrame:
    """One row per cell; σ_c and τ also in points of the cell's latest year (for Uitleg)."""
    cell = panel.cell[panel.series]
    keys = (
        rows[CELL_OF_SERIES].assign(_cell=cell).drop_duplicates("_cell").set_index("_cell")
    ).reindex(range(panel.n_cells))
    latest = (
        pd.DataFrame({"cell": cell, "year": panel.column, "sd": sd})
        .dropna()
        .sort_values("year")
        .groupby("cell")["sd"]
        .last()
        .reindex(range(panel.n_cells))
        .to_numpy()
    )
    return keys.reset_index(drop=True).assign(
        n_schools=comp.n_schools,
        n_second_differences=comp.n_second_differences,
        class_estimated=comp.class_estimated,
        class_sd_units=np.sqrt(comp.class_var),
        between_sd_units=np.sqrt(comp.between_var),
        sd_pupils=latest,
        sd_class=np.sqrt(comp.class_var) * latest,
        sd_between=np.sqrt(comp.between_var) * latest,
    )
