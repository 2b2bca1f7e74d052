"""Plain-Dutch sentences: what stands out, and why a cell has its colour."""

from __future__ import annotations

import pandas as pd

from data_model.texts.explain import highlights, why_colour


def _rows(
    area: str, domain: str | None, statuses: list[str], trend: str = "no_clear_trend"
) -> list:
    return [
        {
            "school_year": f"{2020 + i}-{2021 + i}",
            "learning_area": area,
            "domain": domain,
            "status": s,
            "trend": trend if i == len(statuses) - 1 else "too_short",
            "trend_years": 5,
            "suppressed": False,
        }
        for i, s in enumerate(statuses)
    ]


def test_highlights_count_years_in_a_row_and_group_areas():
    df = pd.DataFrame(
        _rows("Wiskunde", None, ["as_expected", "much_higher", "much_higher", "much_higher"])
        + _rows("Nederlands", None, ["lower", "lower", "lower", "much_lower"])
        + _rows("Frans", None, ["as_expected"] * 3 + ["lower"], trend="falling")
        + _rows("Wereldoriëntatie", None, ["as_expected"] * 3 + ["lower"])
        + _rows("Wiskunde", "Meetkunde", ["as_expected"] * 3 + ["much_higher"])
        + _rows("Wiskunde", "Bewerkingen", ["as_expected"] * 3 + ["lower"])
    )
    assert highlights(df) == [
        "Frans daalt ten opzichte van vergelijkbare scholen over de laatste 5 schooljaren.",
        "Wiskunde ligt voor het derde jaar op rij duidelijk hoger dan bij vergelijkbare scholen.",
        "Nederlands ligt voor het vierde jaar op rij lager (in 2023-2024 duidelijk lager) dan "
        "bij vergelijkbare scholen.",
        "Frans en Wereldoriëntatie liggen in 2023-2024 lager dan bij vergelijkbare scholen.",
        # Meetkunde says the same as Wiskunde: left out. Bewerkingen goes against it: kept.
        "Wiskunde – Bewerkingen ligt in 2023-2024 lager dan bij vergelijkbare scholen.",
    ]


def test_highlights_say_so_when_nothing_stands_out():
    df = pd.DataFrame(_rows("Wiskunde", None, ["as_expected", "as_expected", "too_few"]))
    assert highlights(df) == [
        "Geen enkel leergebied wijkt in 2022-2023 duidelijk af van vergelijkbare scholen."
    ]


def test_why_colour_names_n_comparison_difference_interval_and_rule():
    row = {
        "learning_area": "Wiskunde", "domain": "Meetkunde", "school_year": "2024-2025",
        "status": "lower", "suppressed": False, "n_pupils": 24, "score_mean": 58.24,
        "similar_mean": 63.0, "flanders_mean": 64.5, "ses_group": 2, "diff_similar": -4.76,
        "ci_low": -8.9, "ci_high": -0.6, "effect_size": -0.38,
    }  # fmt: skip
    text = why_colour(row)
    assert text.splitlines()[0] == "**Wiskunde – Meetkunde, 2024-2025: ▼ Lager**"
    assert "**Leerlingen:** 24; schoolgemiddelde 58,2." in text
    assert "(SES-groep 2): 63,0; **Vlaanderen**: 64,5." in text
    assert "**Verschil met vergelijkbare scholen:** −4,8 punten." in text
    assert "van dat verschil: −8,9 tot −0,6." in text
    assert "het hele interval ligt onder 0" in text and "niet groot" in text


def test_why_colour_of_a_suppressed_cell_reveals_nothing():
    row = {"learning_area": "Frans", "domain": None, "school_year": "2024-2025",
           "status": "too_few", "suppressed": True, "n_pupils": None, "score_mean": None}  # fmt: skip
    text = why_colour(row)
    assert "Minder dan 5 leerlingen" in text
    assert "schoolgemiddelde" not in text
