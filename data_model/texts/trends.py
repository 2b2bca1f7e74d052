"""The trend verdict of one series in plain Dutch (Trends page, issue 3).

Pure functions over the rows of one cell (as returned by trend_queries.trend_results), so the
page and the tests say exactly the same thing. The verdict itself (rising/stable/falling/
too_short) is materialised by stats.add_trend; here we only find the school years it covered
and put it into words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.texts.formatting import format_number, format_signed
from data_model.texts.formatting import school_year as school_year_label
from data_model.texts.formatting import school_year_start as year_start

COMPARISONS = {
    "similar": {
        "diff": "diff_similar",
        "trend": "trend",
        "slope": "trend_slope",
        "n": "n_pupils",
        "suppressed": "suppressed",
        "words": "vergelijkbare scholen",
    },
    "expected": {
        "diff": "value_added",
        "trend": "va_trend",
        "slope": "va_trend_slope",
        "n": "va_n_pupils",
        "suppressed": "va_suppressed",
        "words": "de verwachte score",
    },
}
_VERDICT_WORDS = {
    "rising": "stijgend",
    "falling": "dalend",
    "no_clear_trend": "geen duidelijke trend",
}


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
    """The school years the trend of the latest year looked at (as stats.add_trend does).

    The window is the last `max_years` calendar school years up to the latest one; a year
    counts when its difference is shown and reaches the colour minimum.
    """
    rules = rules or load_rules()
    c = COMPARISONS[comparison]
    latest = series["school_year"].max()
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
    if trend not in _VERDICT_WORDS:
        return (
            f"Te korte reeks: een trend vraagt minstens {rules.trend_min_years} schooljaren "
            f"met minstens {rules.min_colour_size} leerlingen binnen de laatste "
            f"{rules.trend_max_years} schooljaren (nu {window.points})."
        )
    words = _VERDICT_WORDS[trend].capitalize()
    sentence = (
        f"{words} ten opzichte van {c['words']} over {window.first_year} tot {last.school_year}"
    )
    slope = last[c["slope"]]
    if not _missing(slope):
        sentence += f" (gemiddeld {format_signed(float(slope))} punten per jaar"
        sentence += ", niet duidelijk verschillend van 0)" if trend == "no_clear_trend" else ")"
    return sentence + "."


def latest_sentence(
    series: pd.DataFrame, rules: Rules | None = None, comparison: str = "similar"
) -> str | None:
    """The numbers of the latest school year in words, or None when nothing may be shown.

    E.g. 'In 2024-2025: uw school 52,9, vergelijkbare scholen 57,0: verschil −4,1 punten
    (95 %-interval −8,1 tot −0,1), 27 leerlingen.'
    """
    rules = rules or load_rules()
    c = COMPARISONS[comparison]
    if series.empty:
        return None
    last = series.sort_values("school_year").iloc[-1]
    if bool(last[c["suppressed"]]) or _missing(last[c["diff"]]):
        return None
    if comparison == "similar":
        values = (
            f"uw school {format_number(last['score_mean'])}, vergelijkbare scholen "
            f"{format_number(last['similar_mean'])}: verschil"
        )
        lo, hi = last["ci_low"], last["ci_high"]
    else:
        values = (
            f"uw school {format_number(last['observed_mean'])}, verwachte score "
            f"{format_number(last['expected_mean'])}: toegevoegde waarde"
        )
        lo, hi = last["va_ci_low"], last["va_ci_high"]
    interval = "" if _missing(lo) else (
        f" ({format_number(rules.confidence * 100, 0)} %-interval {format_signed(lo)} tot "
        f"{format_signed(hi)})"
    )  # fmt: skip
    n = int(last[c["n"]])
    return (
        f"In {last['school_year']}: {values} {format_signed(last[c['diff']])} punten"
        f"{interval}, {n} leerlingen."
    )
