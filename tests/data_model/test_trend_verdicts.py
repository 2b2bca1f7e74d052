"""The trend column, recomputed independently from the public view v_school_result.

A plain weighted least-squares fit (numpy lstsq on sqrt(w)-scaled rows) with a t test on the
slope, written without stats.add_trend, must give the same verdict for every row of the
sample database. Also the Dutch verdict sentence of the Trends page.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from data_model.rules import load_rules
from data_model.texts.trends import trend_verdict, trend_window


def _wls_verdict(x: np.ndarray, y: np.ndarray, w: np.ndarray, alpha: float) -> str:
    design = np.column_stack([np.ones_like(x), x])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
    resid = y - design @ coef
    dof = len(x) - 2
    s2 = float(np.sum(w * resid**2)) / dof
    cov = s2 * np.linalg.inv(design.T @ (design * w[:, None]))
    se = float(np.sqrt(cov[1, 1]))
    p = 2 * sps.t.sf(abs(coef[1]) / se, dof) if se > 0 else 0.0
    if p < alpha:
        return "rising" if coef[1] > 0 else "falling"
    return "no_clear_trend"


def test_every_trend_matches_an_independent_wls_t_test(con: duckdb.DuckDBPyConnection) -> None:
    rules = load_rules()
    df = con.execute(
        """
        SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils,
               diff_similar, trend, suppressed
        FROM v_school_result
        """
    ).df()
    df["year"] = df["school_year"].str[:4].astype(int)
    keys = ["school_id", "assessment_id", "learning_area", "domain"]
    checked = mismatches = 0
    seen: set[str] = set()
    for _, series in df.groupby(keys, dropna=False, sort=False):
        series = series.sort_values("year")
        ok = (series["n_pupils"] >= rules.min_colour_size) & series["diff_similar"].notna()
        years = series["year"].to_numpy()[ok.to_numpy()]
        diffs = series["diff_similar"].to_numpy(float)[ok.to_numpy()]
        weights = series["n_pupils"].to_numpy(float)[ok.to_numpy()]
        for row in series.itertuples(index=False):
            inside = (years > row.year - rules.trend_max_years) & (years <= row.year)
            if row.suppressed or inside.sum() < max(rules.trend_min_years, 3):
                expected = "too_short"
            else:
                expected = _wls_verdict(
                    years[inside].astype(float), diffs[inside], weights[inside], rules.trend_alpha
                )
            checked += 1
            seen.add(expected)
            mismatches += expected != row.trend
    assert checked == len(df)
    assert mismatches == 0
    # The sample really contains every verdict, so the comparison is not vacuous.
    assert seen == {"rising", "no_clear_trend", "falling", "too_short"}


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
    from data_model.reading.trends import trend_results

    viewer = viewers["anker"]
    school = allowed_school_ids(con, viewer)[0]
    rows = trend_results(con, viewer, school, "ovsg6")
    for _, series in rows.groupby(["learning_area", "domain"], dropna=False):
        sentence = trend_verdict(series, comparison=comparison)
        assert sentence.endswith(".")
        if comparison == "expected":
            assert "verwachte score" in sentence or "Te korte" in sentence or "Minder" in sentence


def test_latest_numbers_in_words() -> None:
    from data_model.texts.trends import latest_sentence

    series = pd.DataFrame(
        {
            "school_year": ["2023-2024", "2024-2025"],
            "n_pupils": pd.array([20, 27], dtype="Int64"),
            "suppressed": [False, False],
            "score_mean": [55.0, 52.94],
            "similar_mean": [56.0, 57.0],
            "diff_similar": [-1.0, -4.06],
            "ci_low": [-5.0, -8.12],
            "ci_high": [3.0, -0.08],
            "observed_mean": [55.0, 52.94],
            "expected_mean": [54.0, 56.9],
            "value_added": [1.0, -3.96],
            "va_ci_low": [-3.0, -8.0],
            "va_ci_high": [5.0, 0.2],
            "va_n_pupils": pd.array([20, 27], dtype="Int64"),
            "va_suppressed": [False, False],
        }
    )
    assert latest_sentence(series) == (
        "In 2024-2025: uw school 52,9, vergelijkbare scholen 57,0: verschil −4,1 punten "
        "(95 %-interval −8,1 tot −0,1), 27 leerlingen."
    )
    assert latest_sentence(series, comparison="expected") == (
        "In 2024-2025: uw school 52,9, verwachte score 56,9: toegevoegde waarde −4,0 punten "
        "(95 %-interval −8,0 tot +0,2), 27 leerlingen."
    )
    hidden = series.assign(suppressed=[False, True], diff_similar=[-1.0, np.nan])
    assert latest_sentence(hidden) is None
