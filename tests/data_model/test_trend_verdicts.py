"""The Dutch trend sentences of the Trends page (the verdicts themselves are recomputed
independently in test_recomputation.py)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from data_model.rules import load_rules
from data_model.texts.trend_words import trend_verdict, trend_window


def _series(
    diffs: list[float | None], n: list[int | None], trend: str, slope: float
) -> pd.DataFrame:
    years = [f"{y}-{y + 1}" for y in range(2018, 2018 + len(diffs))]
    return pd.DataFrame(
        {
            "school_year": years,
            "n_pupils": pd.array(n, dtype="Int64"),
            "diff_similar": [np.nan if d is None else d for d in diffs],
            "suppressed": [v is None for v in n],
            "trend": trend,
            "trend_slope": slope,
        }
    )


def test_verdict_names_the_years_the_trend_covered() -> None:
    # 2018..2024; the window is the last five school years, 2020-2021 .. 2024-2025, but
    # 2020-2021 had too few pupils for a colour, so the trend starts in 2021-2022.
    series = _series([0, 1, 2, 3, 4, 5, 6], [20, 20, 8, 20, 20, 20, 20], "rising", 1.234)
    window = trend_window(series)
    assert (window.first_year, window.last_year, window.points) == ("2021-2022", "2024-2025", 4)
    assert trend_verdict(series) == (
        "Stijgend ten opzichte van vergelijkbare scholen over 2021-2022 tot 2024-2025 "
        "(gemiddeld +1,2 punten per jaar)."
    )


def test_verdict_of_a_stable_and_of_a_short_series() -> None:
    stable = _series([1, -1, 0.5], [20, 20, 20], "no_clear_trend", -0.26)
    assert trend_verdict(stable) == (
        "Geen duidelijke trend ten opzichte van vergelijkbare scholen over 2018-2019 tot 2020-2021 "
        "(gemiddeld −0,3 punten per jaar, niet duidelijk verschillend van 0)."
    )
    short = _series([1, 2], [20, 20], "too_short", np.nan)
    assert trend_verdict(short).startswith("Te korte reeks: een trend vraagt minstens 3")


def test_verdict_of_a_suppressed_year_says_nothing_about_the_pupils() -> None:
    series = _series([1, 2, 3, None], [20, 20, 20, None], "too_short", np.nan)
    assert trend_verdict(series) == (
        f"Minder dan {load_rules().min_group_size} leerlingen in 2021-2022: geen trend om de "
        "privacy te beschermen."
    )


@pytest.mark.parametrize("comparison", ["similar", "expected"])
def test_page_rows_give_a_verdict_for_every_cell(
    con: duckdb.DuckDBPyConnection, viewers: dict, comparison: str
) -> None:
    from data_model.reading.access import allowed_school_ids
    from data_model.reading.trend_series import trend_results

    viewer = viewers["anker"]
    school = allowed_school_ids(con, viewer)[0]
    rows = trend_results(con, viewer, school, "ovsg6")
    for _, series in rows.groupby(["learning_area", "domain"], dropna=False):
        sentence = trend_verdict(series, comparison=comparison)
        assert sentence.endswith(".")
        if comparison == "expected":
            assert "verwachte score" in sentence or "Te korte" in sentence or "Minder" in sentence


def test_latest_numbers_in_words() -> None:
    from data_model.statistics.funnel import level_label
    from data_model.texts.trend_words import latest_sentence

    rules = load_rules()
    series = pd.DataFrame(
        {
            "school_year": ["2023-2024", "2024-2025"],
            "n_pupils": pd.array([20, 27], dtype="Int64"),
            "suppressed": [False, False],
            "score_mean": [55.0, 52.94],
            "similar_mean": [56.0, 57.0],
            "diff_similar": [-1.0, -4.06],
            "year_ci_low": [-5.0, -8.12],
            "year_ci_high": [3.0, -0.08],
            "observed_mean": [55.0, 52.94],
            "expected_mean": [54.0, 56.9],
            "value_added": [1.0, -3.96],
            "va_estimate": [0.5, -2.5],
            "va_status_years": [2, 3],
            "va_ci_low": [-3.0, -5.0],
            "va_ci_high": [5.0, 0.2],
            "va_n_pupils": pd.array([20, 27], dtype="Int64"),
            "va_suppressed": [False, False],
        }
    )
    level = level_label(rules.confidence)
    assert latest_sentence(series) == (
        "In 2024-2025: uw school 52,9, vergelijkbare scholen 57,0: verschil −4,1 punten "
        f"(dit jaar, {level}-interval −8,1 tot −0,1), 27 leerlingen."
    )
    text = latest_sentence(series, comparison="expected")
    assert text == (
        "In 2024-2025: uw school 52,9, verwachte score 56,9: SES-gecorrigeerd verschil −4,0 "
        f"punten, 27 leerlingen. Geschat over 3 schooljaren samen: −2,5 punten ({level}-interval "
        "−5,0 tot +0,2)."
    )
    assert "toegevoegde waarde" not in text
    hidden = series.assign(suppressed=[False, True], diff_similar=[-1.0, np.nan])
    assert latest_sentence(hidden) is None
