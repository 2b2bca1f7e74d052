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
from data_model.statistics.panel import CELL_OF_SERIES, Panel, with_codes
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

    rows: the keys of panel.CODE_COLUMNS (or the text keys), n_pupils, suppressed, and the
    difference (d_col, points), its sampling variance (v_col, points²) and SD_t (sd_col,
    points). A row counts for the statistics when it is not suppressed, has at least
    min_colour_size pupils and a known difference.
    Components are keyed by `cell_code` (and the text keys of the cell when rows has them).
    """
    out = with_codes(rows.reset_index(drop=True))
    if out.empty:
        for col in VERDICT_COLUMNS:
            out[col] = pd.Series(dtype=object if col in ("status", "trend") else float)
        return out, pd.DataFrame(columns=["cell_code", *COMPONENT_COLUMNS])
    panel = Panel.of(out)
    sd = out[sd_col].to_numpy(float, na_value=np.nan)
    d = out[d_col].to_numpy(float, na_value=np.nan)
    v = out[v_col].to_numpy(float, na_value=np.nan)
    n_pupils = out["n_pupils"].to_numpy(float, na_value=np.nan)
    hidden = out["suppressed"].to_numpy(bool)
    with np.errstate(invalid="ignore"):
        usable = (
            ~hidden
            & (np.nan_to_num(n_pupils) >= rules.min_colour_size)
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

    n_usable = panel.matrix(np.where(usable, np.nan_to_num(n_pupils), np.nan))
    pooled = st.pooled_estimates(
        z, q, class_var, between_var, rules.status_years, rules.status_span, n_usable
    )
    z_rows = z_crit_series[panel.series]
    theta, se = panel.rows(pooled["theta"]), panel.rows(pooled["se"])
    low, high = theta - z_rows * se, theta + z_rows * se
    k = pooled["k"][panel.series, panel.column]
    first = pooled["first"][panel.series, panel.column]
    status_n = panel.rows(pooled["n"])
    cv_rows = comp.class_var[panel.cell[panel.series]]
    tv_rows = comp.between_var[panel.cell[panel.series]]
    year_se = np.sqrt(v + cv_rows * sd**2)

    slopes = tr.weighted_slopes(z, q, class_var, rules.trend_max_years, rules.trend_min_years)
    b, bse = panel.rows(slopes["b"]), panel.rows(slopes["se"])
    trend_z = np.where(
        panel.is_domain[panel.series],
        st.z_value(1 - rules.trend_domain_alpha),
        st.z_value(1 - rules.trend_alpha),
    )
    tf = slopes["first"][panel.series, panel.column]
    with np.errstate(invalid="ignore", divide="ignore"):
        verdict = {
            "status": st.classify(low, high, rules.large_effect_size, rules.as_expected_margin),
            "effect_size": theta,
            "status_estimate": theta * sd,
            "ci_low": low * sd,
            "ci_high": high * sd,
            "status_years": np.where(np.isfinite(theta), k, 0).astype(float),
            "status_from": np.where(first >= 0, panel.years[0] + first, np.nan),
            "status_n": np.where(np.isfinite(theta), status_n, np.nan),
            "reliability": panel.rows(pooled["lam"]),
            "z_crit": z_rows,
            "year_diff": np.where(usable, d, np.nan),
            "year_ci_low": np.where(usable, d - z_rows * year_se, np.nan),
            "year_ci_high": np.where(usable, d + z_rows * year_se, np.nan),
            "sd_class": np.sqrt(cv_rows) * sd,
            "sd_between": np.sqrt(tv_rows) * sd,
            "trend": tr.trend_codes(b, bse, trend_z),
            "trend_slope": b * sd,
            "trend_se": bse * sd,
            "trend_z": b / bse,
            "trend_p": tr.two_sided_p(b, bse),
            "trend_years": slopes["k"][panel.series, panel.column].astype(float),
            "trend_from": np.where(tf >= 0, panel.years[0] + tf, np.nan),
        }
    # Privacy: a suppressed row shows nothing, not even the trend of its series.
    verdict["status"][hidden] = TOO_FEW
    verdict["trend"][hidden] = TOO_SHORT
    for col in VERDICT_COLUMNS:
        if col not in ("status", "trend", "z_crit"):
            verdict[col] = np.where(hidden, np.nan, verdict[col])
    # Codes as categoricals: pandas would otherwise convert half a million Python strings.
    verdict["status"] = pd.Categorical(verdict["status"])
    verdict["trend"] = pd.Categorical(verdict["trend"])
    out = out.drop(columns=[c for c in VERDICT_COLUMNS if c in out.columns])
    out = pd.concat([out, pd.DataFrame(verdict, index=out.index)], axis=1)
    return out, _components_frame(out, panel, comp, sd)


def _components_frame(
    rows: pd.DataFrame, panel: Panel, comp: variance.Components, sd: np.ndarray
) -> pd.DataFrame:
    """One row per cell; σ_c and τ also in points of the cell's latest year (for Uitleg)."""
    cell = panel.cell[panel.series]
    # SD_t of each cell's latest year with a known SD (the same for every school that year).
    known = np.isfinite(sd)
    order = np.lexsort((panel.column[known], cell[known]))
    cells_known, sd_known = cell[known][order], sd[known][order]
    last = np.r_[cells_known[1:] != cells_known[:-1], True]  # last (latest) row per cell
    latest = np.full(panel.n_cells, np.nan)
    latest[cells_known[last]] = sd_known[last]
    frame = pd.DataFrame({"cell_code": panel.cell_code})
    text = [k for k in CELL_OF_SERIES if k in rows.columns]
    if text:
        first = np.zeros(panel.n_cells, dtype=np.int64)
        first[cell[::-1]] = np.arange(len(cell))[::-1]
        frame = pd.concat([frame, rows.iloc[first][text].reset_index(drop=True)], axis=1)
    return frame.assign(
        n_schools=comp.n_schools,
        n_second_differences=comp.n_second_differences,
        class_estimated=comp.class_estimated,
        class_sd_units=np.sqrt(comp.class_var),
        between_sd_units=np.sqrt(comp.between_var),
        sd_pupils=latest,
        sd_class=np.sqrt(comp.class_var) * latest,
        sd_between=np.sqrt(comp.between_var) * latest,
    )
