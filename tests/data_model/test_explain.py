"""Plain-Dutch sentences: what stands out, and why a cell has its colour."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from data_model.rules import load_rules
from data_model.statistics.funnel import level_label
from data_model.texts.explain import colour_meaning, highlights, status_meanings, why_colour
from data_model.texts.formatting import format_number
from data_model.vocabulary import COMPARISON_LABELS, COMPARISON_PHRASES


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
        # The words of the badges: "veel hoger", never a third wording such as "duidelijk hoger".
        "Wiskunde ligt voor het derde jaar op rij veel hoger dan bij vergelijkbare scholen.",
        "Nederlands ligt voor het vierde jaar op rij lager (in 2023-2024 veel lager) dan "
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


def _row(**changes) -> dict:
    row = {
        "learning_area": "Wiskunde", "domain": "Meetkunde", "school_year": "2024-2025",
        "status": "lower", "suppressed": False, "n_pupils": 24, "score_mean": 58.24,
        "similar_mean": 63.0, "flanders_mean": 64.5, "ses_group": 2, "diff_similar": -4.76,
        "year_diff": -5.1, "year_ci_low": -11.2, "year_ci_high": 1.0,
        "status_estimate": -3.4, "ci_low": -6.3, "ci_high": -0.5, "effect_size": -0.27,
        "status_from": 2022, "status_years": 3, "status_n": 73, "reliability": 0.74,
        "flanders_sd": 12.5, "sd_class": 2.1,
    }  # fmt: skip
    return {**row, **changes}


def test_why_colour_names_years_n_interval_threshold_and_why():
    rules = load_rules()
    text = why_colour(_row())
    dom = level_label(rules.domain_confidence)
    assert text.splitlines()[0] == "**Wiskunde – Meetkunde, 2024-2025: ▼ Lager**"
    # The judged number comes first: which years, how many pupils, the interval.
    lines = text.splitlines()
    assert lines[2].startswith("- **Het getal in de cel**")
    assert "de schooljaren 2022-2023 tot 2024-2025 samen (3 jaren, 73 leerlingen)" in lines[2]
    assert f"**−3,4 punten**, {dom}-interval −6,3 tot −0,5" in lines[2]
    # The single year comes after the verdict, marked as without a verdict.
    year_line = next(i for i, line in enumerate(lines) if "Dit schooljaar alleen" in line)
    assert year_line > 2
    assert "24 leerlingen, schoolgemiddelde 58,2" in lines[year_line]
    assert "SES-groep 2 van 5" in lines[year_line] and "Vlaanderen: 64,5" in lines[year_line]
    assert f"−5,1 punten ({dom}-interval −11,2 tot +1,0)" in text
    # The threshold of "much" in SD and in points, and why domains are stricter.
    much = format_number(rules.large_effect_size, 1)
    assert f"{much} standaardafwijking van Vlaanderen" in text
    assert f"(hier {format_number(rules.large_effect_size * 12.5, 1)} punten)" in text
    assert "omdat u er veel tegelijk bekijkt" in text
    assert "toeval" in text and "geen toeval" not in text


def test_why_colour_never_claims_certainty_and_says_what_as_expected_means():
    for status in ("much_higher", "higher", "as_expected", "lower", "much_lower"):
        text = why_colour(_row(status=status))
        assert "geen toeval" not in text and "zeker geen" not in text.replace(
            "niet dat er zeker geen", ""
        )
    rules = load_rules()
    near = format_number(rules.as_expected_margin * 12.5, 1)
    text = why_colour(_row(status="as_expected", ci_low=-2.0, ci_high=3.0))
    assert "aantoonbaar dicht bij vergelijkbare scholen" in text and f"±{near} punten" in text
    # The other grey says the data cannot tell yet, and what would make it clear.
    text = why_colour(_row(status="uncertain", ci_low=-9.0, ci_high=1.0))
    assert "het interval bevat 0, maar reikt verder" in text
    assert "meer schooljaren" in text and "meer leerlingen" in text
    assert "Nog onduidelijk" in text.splitlines()[0]


def test_why_colour_of_a_school_without_context_explains_no_similar_group():
    text = why_colour(
        _row(status="too_few", ses_group=None, similar_mean=None, year_diff=None, ci_low=None)
    )
    assert "geen contextgegevens" in text and "geen kleur" in text.lower()


def test_every_sentence_names_the_comparison_group_of_rules_toml():
    rules = load_rules()
    flanders = replace(rules, colour_comparison="flanders")
    df = pd.DataFrame(
        _rows("Wiskunde", None, ["lower", "lower"], trend="falling")
        + _rows("Frans", None, ["as_expected", "higher"])
    )
    for r, phrase, label in (
        (rules, COMPARISON_PHRASES["similar"], COMPARISON_LABELS["similar"]),
        (flanders, COMPARISON_PHRASES["flanders"], COMPARISON_LABELS["flanders"]),
    ):
        sentences = highlights(df, r)
        assert any(f"dan {phrase}." in s for s in sentences), sentences
        assert any(f"ten opzichte van {label}" in s for s in sentences), sentences
        text = why_colour(_row(), r)
        assert f"met {label}" in text
        assert all(label in m for k, m in status_meanings(r).items() if k != "too_few")
        assert label in colour_meaning(r)
    # Switched to Flanders, no sentence still speaks of similar schools as the yardstick.
    assert not any("vergelijkbare scholen" in s for s in highlights(df, flanders))


def test_why_colour_of_a_suppressed_cell_reveals_nothing():
    row = {"learning_area": "Frans", "domain": None, "school_year": "2024-2025",
           "status": "too_few", "suppressed": True, "n_pupils": None, "score_mean": None}  # fmt: skip
    text = why_colour(row)
    assert "Minder dan 5 leerlingen" in text
    assert "schoolgemiddelde" not in text
