"""How many colours and arrows a school exactly like its peers would show by chance.

A director who looks at a whole photo (18 cells over several school years) will see some
colours and arrows even when the school truly equals its peers. This module says how many,
from the stored verdicts of the cells shown, so a page can put "X kleuren en Y pijlen zijn
hier bij toeval te verwachten" next to the photo.

For one cell, if the school's true difference is 0 and the variance components are right,
the pooled difference d̄ ~ N(0, V), so the shrunken estimate θ = λ·d̄ over its standard error
s = √(λV) is N(0, λ): the cell gets a colour with probability

    P(colour) = 2 · Φ(−z / √λ)          z = z_crit of the cell, λ = reliability

(shrinkage protects most where the data are thinnest). An arrow appears with the trend test's
own level: `alpha` for the total and learning areas, `domain_alpha` for domains. The expected
number over the cells shown is the sum of these probabilities: an expectation adds up whatever
the dependence between cells and overlapping windows, so no independence is assumed.
bench/calibration_hard.py compares it with what null schools show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_model.rules import Rules
from data_model.vocabulary import TOO_FEW, TOO_SHORT

_ERFC = np.frompyfunc(math.erfc, 1, 1)  # numpy has no erfc; scipy costs 0.6 s to import


@dataclass(frozen=True)
class ChanceCounts:
    """Expected chance colours and arrows over the cells shown, and what they were over."""

    colours: float
    arrows: float
    cells: int  # cells with a colour verdict (not too_few)
    trend_cells: int  # cells with a trend verdict (not too_short)


def colour_probability(reliability: np.ndarray, z_crit: np.ndarray) -> np.ndarray:
    """2·Φ(−z/√λ) per cell; 0 where there is no verdict (λ unknown)."""
    lam = np.asarray(reliability, dtype=float)
    z = np.asarray(z_crit, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = z / np.sqrt(lam) / math.sqrt(2)
    p = np.where(np.isfinite(x), x, np.inf)
    return np.where(np.isfinite(x), np.asarray(_ERFC(p), dtype=float), 0.0)


def expected_chance(rows: pd.DataFrame, rules: Rules) -> ChanceCounts:
    """Expected colours and arrows by chance over `rows` (stored results of v_school_result
    or school_result: status, reliability, z_crit, trend, domain), for a school exactly like
    its peers. Pass the rows a page shows (one school, its cells and years)."""
    if rows.empty:
        return ChanceCounts(0.0, 0.0, 0, 0)
    judged = (rows["status"].astype(str) != TOO_FEW).to_numpy()
    p_colour = colour_probability(rows["reliability"].to_numpy(), rows["z_crit"].to_numpy())
    trended = (rows["trend"].astype(str) != TOO_SHORT).to_numpy()
    alpha = np.where(rows["domain"].notna(), rules.trend_domain_alpha, rules.trend_alpha)
    return ChanceCounts(
        colours=float(np.where(judged, p_colour, 0.0).sum()),
        arrows=float(np.where(trended, alpha, 0.0).sum()),
        cells=int(judged.sum()),
        trend_cells=int(trended.sum()),
    )
