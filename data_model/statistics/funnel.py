"""Funnel plot limits and positions (docs/statistics.md), from the numbers stored in school_result.

The funnel shows the *single year*: the school's (leave-one-out) difference against its number
of pupils. Its limits use the same standard error as the colour's yearly term,

    ± z · √(σ²_w / n + σ²_c)             pupils and the ordinary difference between classes

at the cell's own colour level (`confidence` for the total and learning areas,
`domain_confidence` for domains, rules.toml) and at the outer level (`outer_level`). An
extra band adds τ², the between-school variance
(Spiegelhalter's additive overdispersion): outside it a school stands out even among schools
that truly differ. A point is outside the inner limits exactly when the single-year interval
of the explainer (year_ci_low..year_ci_high) excludes 0: the same number, the same verdict.
The *colour* pools three years; texts/explain.funnel_sentence says both without contradiction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.rules import Rules
from data_model.statistics.status import z_value

ABOVE_OUTER, ABOVE, INSIDE, BELOW, BELOW_OUTER = (
    "above_outer",
    "above",
    "inside",
    "below",
    "below_outer",
)


def level_label(level: float) -> str:
    """0.95 -> '95 %', 0.998 -> '99,8 %'."""
    text = f"{level * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} %"


def funnel_limits(
    sd_within: float,
    sd_class: float,
    sd_between: float,
    inner_level: float,
    rules: Rules,
    n_min: int,
    n_max: int,
    points: int = 60,
) -> pd.DataFrame:
    """Long format: n_pupils, level (label), lower, upper. Pure function, no data access."""
    n_min = max(int(n_min), 2)
    n_max = max(int(n_max), n_min + 1)
    n = np.unique(np.round(np.geomspace(n_min, n_max, points)).astype(int))
    base = sd_within**2 / n + sd_class**2
    lines = [
        (level_label(inner_level), z_value(inner_level), base),
        (level_label(rules.funnel_outer_level), z_value(rules.funnel_outer_level), base),
        (
            f"{level_label(rules.funnel_overdispersion_level)} met verschillen tussen scholen",
            z_value(rules.funnel_overdispersion_level),
            base + sd_between**2,
        ),
    ]
    frames = [
        pd.DataFrame(
            {"n_pupils": n, "level": label, "lower": -z * np.sqrt(v), "upper": z * np.sqrt(v)}
        )
        for label, z, v in lines
    ]
    return pd.concat(frames, ignore_index=True)


def year_se(df: pd.DataFrame) -> pd.Series:
    """The single-year standard error, recovered from the stored year interval."""
    return (df["year_ci_high"] - df["year_ci_low"]) / (2 * df["z_crit"])


def funnel_positions(df: pd.DataFrame, rules: Rules) -> pd.Series:
    """above_outer / above / inside / below / below_outer per row (stored columns only)."""
    z_outer = z_value(rules.funnel_outer_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = df["year_diff"] / year_se(df)
    out = pd.Series(INSIDE, index=df.index, dtype=object)
    out[df["year_ci_low"] > 0] = ABOVE
    out[ratio > z_outer] = ABOVE_OUTER
    out[df["year_ci_high"] < 0] = BELOW
    out[ratio < -z_outer] = BELOW_OUTER
    out[df["year_diff"].isna()] = None
    return out
