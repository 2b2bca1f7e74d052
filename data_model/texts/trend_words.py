"""The trend verdict of one series in plain Dutch (Trends page).

Pure functions over the rows of one cell (as returned by reading.trend_series.trend_results), so
the page and the tests say exactly the same thing. The verdict itself (rising /
no_clear_trend / falling / too_short) and the years it covered are materialised by
statistics.verdicts; here we only put them into words, never judge again. The comparison
group is named after rules.toml `colour_comparison`; the SES-adjusted comparison is the
"SES-gecorrigeerde score" (not "toegevoegde waarde": there is no prior attainment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.funnel import level_label
from data_model.texts.formatting import format_number, format_signed
from data_model.texts.formatting import school_year as school_year_label
from data_model.texts.formatting import school_year_start as year_start
from data_model.vocabulary import COMPARISON_LABELS, NO_CLEAR_TREND, TOO_SHORT, TREND_SIGN

# The columns of one comparison in the trend rows; "from" and "points" only where the
# verdict stores its window. Functional syntax: "from" is a keyword.
Comparison = TypedDict(
    "Comparison",
    {
        "diff": str,
        "trend": str,
        "slope": str,
        "n": str,
        "suppressed": str,
        "from": str | None,
        "points": str | None,
        "words": str,
    },
)

COMPARISONS: dict[str, Comparison] = {
    "similar": {
        "diff": "diff_similar",
        "trend": "trend",
        "slope": "trend_slope",
        "n": "n_pupils",
        "suppressed": "suppressed",
        "from": "trend_from",
        "points": "trend_years",
        # The colour comparison of rules.toml (vocabulary.COMPARISON_LABELS).
        "words": COMPARISON_LABELS[load_rules().colour_comparison],
    },
    "expected": {
        "diff": "value_added",
        "trend": "va_trend",
        "slope": "va_trend_slope",
        "n": "va_n_pupils",
        "suppressed": "va_suppressed",
        "from": None,
        "points": None,
        "words": "de verwachte score",
    },
}


def _words(comparison: str, rules: Rules) -> str:
    if comparison == "similar":
        return COMPARISON_LABELS[rules.colour_comparison]
    return COMPARISONS[comparison]["words"]


@dataclass(frozen=True)
class TrendWindow:
    first_year: str | None
    last_year: str
    points: int


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def trend_window(
    series: pd.DataFrame, rules: Rules | None = None, comparison: str = "similar"
) -> TrendWindow:
    """The school years the trend of the latest year looked at.

    Read from the stored trend_from / trend_years when the rows carry them (one verdict per
    number); otherwise the same rule: the last `max_years` school years up to the latest one,
    counting a year when its difference is shown and reaches the colour minimum.
    """
    rules = rules or load_rules()
    c = COMPARISONS[comparison]
    latest = series["school_year"].max()
    last_row = series.sort_values("school_year").iloc[-1]
    if c["from"] and c["from"] in series.columns and not _missing(last_row[c["from"]]):
        start = int(last_row[c["from"]])
        assert c["points"] is not None  # stored together with "from"
        return TrendWindow(school_year_label(start), latest, int(last_row[c["points"]]))
    last = year_start(latest)
    lo = last - rules.trend_max_years + 1
    years = series["school_year"].map(year_start)
    n = pd.to_numeric(series[c["n"]], errors="coerce")
    usable = (
        (years >= lo)
        & series[c["diff"]].notna()
        & (n >= rules.min_colour_size)
        & ~series[c["suppressed"]].astype(bool)
    )
    if not usable.any():
        return TrendWindow(None, latest, 0)
    return TrendWindow(school_year_label(int(years[usable].min())), latest, int(usable.sum()))


def trend_verdict(
    series: pd.DataFrame, rules: Rules | None = None, comparison: str = "similar"
) -> str:
    """E.g. 'Stijgend ten opzichte van vergelijkbare scholen over 2021-2022 tot 2024-2025
    (gemiddeld +1,4 punten per jaar).'"""
    rules = rules or load_rules()
    c = COMPARISONS[comparison]
    if series.empty:
        return "Geen resultaten."
    series = series.sort_values("school_year")
    last = series.iloc[-1]
    window = trend_window(series, rules, comparison)
    if bool(last[c["suppressed"]]) and _missing(last[c["diff"]]):
        if comparison == "expected" and _missing(last[c["n"]]) and not bool(last["suppressed"]):
            return (
                f"Geen verwachte score in {window.last_year}: die bestaat alleen voor "
                "resultaten per leerling met gekende achtergrondkenmerken."
            )
        return (
            f"Minder dan {rules.min_group_size} leerlingen in {window.last_year}: "
            "geen trend om de privacy te beschermen."
        )
    trend = last[c["trend"]]
    if trend not in TREND_SIGN or trend == TOO_SHORT:
        return (
            f"Te korte reeks: een trend vraagt minstens {rules.trend_min_years} schooljaren "
            f"met minstens {rules.min_colour_size} leerlingen binnen de laatste "
            f"{rules.trend_max_years} schooljaren (nu {window.points})."
        )
    words = rules.trend_labels[trend]  # the words of the legend (rules.toml)
    sentence = (
        f"{words} ten opzichte van {_words(comparison, rules)} over {window.first_year} tot "
        f"{last.school_year}"
    )
    slope = last[c["slope"]]
    if not _missing(slope):
        sentence += f" (gemiddeld {format_signed(float(slope))} punten per jaar"
        sentence += ", niet duidelijk verschillend van 0)" if trend == NO_CLEAR_TREND else ")"
    return sentence + "."


def latest_sentence(
    series: pd.DataFrame, rules: Rules | None = None, comparison: str = "similar"
) -> str | None:
    """The numbers of the latest school year in words, or None when nothing may be shown.

    E.g. 'In 2024-2025: uw school 52,9, vergelijkbare scholen 57,0: verschil −4,1 punten
    (dit jaar, 95 %-interval −8,1 tot −0,1), 27 leerlingen.' The single year's interval is
    shown without a verdict; the colour pools three years (see "Waarom deze kleur?").
    """
    rules = rules or load_rules()
    c = COMPARISONS[comparison]
    if series.empty:
        return None
    last = series.sort_values("school_year").iloc[-1]
    if bool(last[c["suppressed"]]) or _missing(last[c["diff"]]):
        return None
    n = int(last[c["n"]])
    if comparison == "similar":
        group = COMPARISON_LABELS[rules.colour_comparison]
        mean = "similar_mean" if rules.colour_comparison == "similar" else "flanders_mean"
        diff = "diff_similar" if rules.colour_comparison == "similar" else "diff_flanders"
        lo, hi = last.get("year_ci_low"), last.get("year_ci_high")
        level = rules.domain_confidence if not _missing(last.get("domain")) else rules.confidence
        interval = "" if _missing(lo) else (
            f" (dit jaar, {level_label(level)}-interval {format_signed(lo)} tot "
            f"{format_signed(hi)})"
        )  # fmt: skip
        return (
            f"In {last['school_year']}: uw school {format_number(last['score_mean'])}, {group} "
            f"{format_number(last[mean])}: verschil {format_signed(last[diff])} punten"
            f"{interval}, {n} leerlingen."
        )
    sentence = (
        f"In {last['school_year']}: uw school {format_number(last['observed_mean'])}, verwachte "
        f"score {format_number(last['expected_mean'])}: SES-gecorrigeerd verschil "
        f"{format_signed(last['value_added'])} punten, {n} leerlingen."
    )
    estimate = last.get("va_estimate")
    if not _missing(estimate) and not _missing(last.get("va_ci_low")):
        years = last.get("va_status_years")
        span = "" if years is None or _missing(years) else f" over {int(years)} schooljaren samen"
        level = rules.domain_confidence if not _missing(last.get("domain")) else rules.confidence
        sentence += (
            f" Geschat{span}: {format_signed(estimate)} punten "
            f"({level_label(level)}-interval "
            f"{format_signed(last['va_ci_low'])} tot {format_signed(last['va_ci_high'])})."
        )
    return sentence
