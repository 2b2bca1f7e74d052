"""Statistics of docs/statistics.md on cases small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data_model.rules import load_rules
from data_model.statistics.status import (
    add_comparisons,
    add_status,
    add_trend,
    classify,
    pooled_groups,
    weighted_slope,
)
from data_model.statistics.suppression import mask_small_counts

RULES = load_rules()


def test_pooled_group_equals_mean_and_sd_over_all_pupils():
    # School A: pupils 1 and 3 (mean 2, sd √2); school B: pupils 5 and 7 (mean 6, sd √2).
    cells = pd.DataFrame(
        {"g": ["x", "x"], "n_pupils": [2, 2], "score_mean": [2.0, 6.0], "score_sd": [2**0.5] * 2}
    )
    out = pooled_groups(cells, ["g"]).iloc[0]
    # All four pupils 1, 3, 5, 7: mean 4, sample sd √(20/3).
    assert out["group_n"] == 4
    assert out["group_mean"] == pytest.approx(4.0)
    assert out["group_sd"] == pytest.approx(math.sqrt(20 / 3))


def test_classify_follows_the_documented_rule():
    # n=25, sd=10 -> se=2; t(24, .975)=2.0639 -> half-width 4.1278.
    n = np.array([25, 25, 25, 25, 9])
    diff = np.array([5.0, 5.0, 3.0, -7.0, 9.0])
    half = 2.063898561628021 * 2
    low, high = diff - half, diff + half
    ref_sd = np.array([12.0, 8.0, 12.0, 12.0, 12.0])
    status = classify(n, diff, low, high, ref_sd, RULES)
    assert status.tolist() == [
        "higher",  # interval 0.87..9.13 excludes 0, effect 5/12 = 0.42 < 0.5
        "much_higher",  # same interval, effect 5/8 = 0.625 >= 0.5
        "as_expected",  # interval -1.13..7.13 contains 0
        "much_lower",  # interval -11.1..-2.9, effect 7/12 = 0.58
        "too_few",  # n = 9 < 10: no colour, whatever the difference
    ]


def _cells(n: int, mean: float, sd: float, others: list[tuple[int, float, float]]) -> pd.DataFrame:
    rows = [("S0", n, mean, sd)] + [(f"S{i + 1}", *o) for i, o in enumerate(others)]
    return pd.DataFrame(
        {
            "school_id": [r[0] for r in rows],
            "school_year": "2024-2025",
            "assessment_id": "ovsg6",
            "learning_area": "Wiskunde",
            "domain": None,
            "n_pupils": [r[1] for r in rows],
            "score_mean": [r[2] for r in rows],
            "score_sd": [r[3] for r in rows],
            "ses_group": 3,
        }
    )


def test_status_interval_uses_t_quantile_and_school_se():
    cells = _cells(25, 70.0, 10.0, [(1000, 65.0, 10.0)])
    out = add_status(add_comparisons(cells)).set_index("school_id").loc["S0"]
    similar = (25 * 70 + 1000 * 65) / 1025
    assert out["similar_mean"] == pytest.approx(similar)
    assert out["diff_similar"] == pytest.approx(70 - similar)
    assert out["ci_low"] == pytest.approx(70 - similar - 2.063898561628021 * 2)
    assert out["status"] == "higher"
    assert not out["suppressed"]


def test_privacy_minimum_blanks_every_measure():
    cells = _cells(4, 90.0, 5.0, [(500, 60.0, 10.0)])
    out = add_status(add_comparisons(cells)).set_index("school_id").loc["S0"]
    assert out["suppressed"]
    assert out["status"] == "too_few"
    for col in ("score_mean", "score_sd", "diff_similar", "diff_flanders", "ci_low", "ci_high"):
        assert pd.isna(out[col]), col
    # The small school still counts in its comparison group (its pupils exist).
    assert out["similar_mean"] == pytest.approx((4 * 90 + 500 * 60) / 504)


def test_weighted_slope_by_hand():
    # x 0..3, y 0,2,1,3, equal weights: slope 4/5, residual ss 1.8, se sqrt(0.9/5).
    slope, se, p, k = weighted_slope(np.array([0.0, 1, 2, 3]), np.array([0.0, 2, 1, 3]), np.ones(4))
    assert (slope, k) == (pytest.approx(0.8), 4)
    assert se == pytest.approx(math.sqrt(0.9 / 5))
    assert p == pytest.approx(0.2, abs=1e-9)  # t = 1.886 with 2 df
    assert weighted_slope(np.array([0.0, 1]), np.array([1.0, 2]), np.ones(2))[3] == 2


def _series(school: str, diffs: list[float | None], n: int = 25) -> pd.DataFrame:
    years = [f"{2020 + i}-{2021 + i}" for i in range(len(diffs))]
    return pd.DataFrame(
        {
            "school_id": school,
            "school_year": years,
            "assessment_id": "ovsg6",
            "learning_area": "Wiskunde",
            "domain": None,
            "n_pupils": [n if d is not None else 3 for d in diffs],
            "diff_similar": [np.nan if d is None else d for d in diffs],
            "suppressed": [d is None for d in diffs],
        }
    )


def test_trend_verdicts():
    df = pd.concat(
        [
            _series("rise", [-4.0, -2.1, 0.2, 1.9, 4.1]),
            _series("fall", [3.0, 1.0, -1.2, -2.9, -5.0]),
            _series("flat", [1.0, -1.0, 1.5, -1.5, 0.5]),
            _series("short", [1.0, 2.0]),
            _series("gap", [1.0, None, 3.0, 5.0, None]),
        ]
    )
    out = add_trend(df, RULES)
    last = out.groupby("school_id").tail(1).set_index("school_id")["trend"]
    assert last.to_dict() == {
        "rise": "rising",
        "fall": "falling",
        "flat": "no_clear_trend",
        "short": "too_short",
        "gap": "too_short",  # the latest row is suppressed: never shows a trend
    }
    gap = out[out["school_id"] == "gap"].set_index("school_year")
    # Three usable years (2020, 2022, 2024) make a series; the 2022 row had only two.
    assert gap.loc["2022-2023", "trend"] == "too_short"
    assert gap.loc["2022-2023", "trend_years"] == 2
    rise = out[out["school_id"] == "rise"].set_index("school_year")
    assert rise.loc["2021-2022", "trend"] == "too_short"  # only two years so far
    assert rise.loc["2024-2025", "trend_years"] == 5


def test_trend_window_is_limited_to_max_years():
    # A long fall followed by five flat years: the latest verdict only sees the flat ones.
    diffs = [10.0, 8.0, 6.0, 4.0, 0.5, -0.5, 0.4, -0.4, 0.0]
    out = add_trend(_series("s", diffs), RULES)
    assert out.iloc[-1]["trend"] == "no_clear_trend"
    assert out.iloc[-1]["trend_years"] == RULES.trend_max_years


def test_small_counts_are_masked_with_secondary_suppression():
    df = pd.DataFrame(
        {
            "year": ["a"] * 4 + ["b"] * 3 + ["c"] * 2,
            "phase": ["p0", "p1", "p2", "p3", "p0", "p1", "p2", "CLB", "zit"],
            "n": [300, 40, 12, 2, 200, 3, 4, 20, 3],
            "linked": [True] * 7 + [False, False],
        }
    )
    out = mask_small_counts(df, "n", ["year"], 5, linked=df["linked"])
    shown = out["n"].astype(object).where(~out["masked"], "< 5").tolist()
    assert shown == [
        300, 40, "< 5", "< 5",  # 2 is masked, and 12 too: else 2 = total - the rest
        200, "< 5", "< 5",  # two small ones already protect each other
        20, "< 5",  # independent indicators: only the small one
    ]  # fmt: skip
