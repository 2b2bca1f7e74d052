"""What each colour code and trend means, in one sentence each: the legend of every surface.

The school photo, the Uitleg page, the Excel sheet and the PDF all print these texts, so a
change of wording (or of `colour_comparison` in rules.toml) reaches every legend at once.
"""

from __future__ import annotations

from data_model.rules import Rules, load_rules
from data_model.vocabulary import (
    AS_EXPECTED,
    COMPARISON_LABELS,
    FALLING,
    HIGHER,
    LOWER,
    MUCH_HIGHER,
    MUCH_LOWER,
    NO_CLEAR_TREND,
    RISING,
    STATUSES,
    TOO_FEW,
    TOO_SHORT,
    TRENDS,
)


def status_meanings(rules: Rules | None = None) -> dict[str, str]:
    """Status code -> meaning, in the order of vocabulary.STATUSES."""
    rules = rules or load_rules()
    group = COMPARISON_LABELS[rules.colour_comparison]
    meanings = {
        MUCH_HIGHER: f"duidelijk hoger dan {group} (zeker én groot verschil)",
        HIGHER: f"hoger dan {group} (zeker, maar klein verschil)",
        AS_EXPECTED: "geen duidelijk verschil: het verschil kan toeval zijn",
        LOWER: f"lager dan {group} (zeker, maar klein verschil)",
        MUCH_LOWER: f"duidelijk lager dan {group} (zeker én groot verschil)",
        TOO_FEW: f"minder dan {rules.min_colour_size} leerlingen: de score staat er, zonder kleur",
    }
    return {status: meanings[status] for status in STATUSES}


def trend_meanings(rules: Rules | None = None) -> dict[str, str]:
    """Trend code -> meaning, in the order of vocabulary.TRENDS."""
    rules = rules or load_rules()
    group = COMPARISON_LABELS[rules.colour_comparison]
    meanings = {
        RISING: f"het verschil met {group} wordt duidelijk groter",
        NO_CLEAR_TREND: "geen duidelijke richting",
        FALLING: f"het verschil met {group} wordt duidelijk kleiner",
        TOO_SHORT: f"minder dan {rules.trend_min_years} jaren met een kleur",
    }
    return {trend: meanings[trend] for trend in TRENDS}


def privacy_meaning(rules: Rules | None = None) -> str:
    """The line for a cell below the privacy minimum."""
    rules = rules or load_rules()
    return (
        f"minder dan {rules.min_group_size} leerlingen: om de privacy te beschermen wordt "
        "niets getoond"
    )
