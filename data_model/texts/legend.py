"""What each colour code and trend means, in one sentence each: the legend of every surface.

The school photo, the Uitleg page, the Excel sheet and the PDF all print these texts, so a
change of wording (or of `colour_comparison` in rules.toml) reaches every legend at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.chance import expected_chance
from data_model.statistics.funnel import level_label
from data_model.texts.formatting import format_number, format_signed
from data_model.vocabulary import (
    AS_EXPECTED,
    COLOURED_STATUSES,
    COMPARISON_LABELS,
    COMPARISON_PHRASES,
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
    UNCERTAIN,
)


def comparison_label(rules: Rules) -> str:
    """'vergelijkbare scholen' or 'Vlaanderen': the group the colours compare with."""
    return COMPARISON_LABELS[rules.colour_comparison]


def comparison_phrase(rules: Rules) -> str:
    """'bij vergelijkbare scholen' or 'in Vlaanderen', as in 'hoger dan …'."""
    return COMPARISON_PHRASES[rules.colour_comparison]


def colour_meaning(rules: Rules | None = None) -> str:
    """The one sentence that says what a colour means (legend, Uitleg, exports)."""
    rules = rules or load_rules()
    return (
        f"Een kleur beschrijft de laatste {rules.status_years} schooljaren samen: ze verschijnt "
        f"alleen als uw school over die jaren duidelijk verschilt van {comparison_label(rules)}, "
        "rekening houdend met toeval bij de leerlingen en met het gewone verschil tussen "
        "klassen van jaar tot jaar. Het getal in de cel is dat verschil in punten, over die "
        "jaren samen: precies wat de kleur beoordeelt."
    )


def _missing(value: Any) -> bool:  # a cell of a row: any scalar pandas holds
    return value is None or bool(pd.isna(value))


def judged_number(row: Mapping[str, Any] | pd.Series) -> str:
    """The number a coloured cell shows: the judged difference with the comparison group
    (`status_estimate`, points, signed, one decimal) or '–' when there is no judgement.

    One home, so the grid, the tiles, the briefs, the region matrix, the Excel photo and the
    PDF print the same number beside the same colour.
    """
    estimate = row.get("status_estimate")
    return "–" if estimate is None or _missing(estimate) else format_signed(float(estimate))


def interval_text(low: Any, high: Any) -> str:  # cells of a row, as pandas gives them
    """'−7,1 tot −1,3' (an interval in points, signed), '–' when unknown."""
    if _missing(low) or _missing(high):
        return "–"
    return f"{format_signed(float(low))} tot {format_signed(float(high))}"


def judged_span(row: Mapping[str, Any] | pd.Series, rules: Rules) -> str:
    """'3 jaar samen, interval −7,1 tot −1,3': what the judged number pools, and its interval."""
    k = row.get("status_years")
    if _missing(row.get("status_estimate")):
        return "Geen oordeel (te weinig leerlingen of geen vergelijkingsgroep)"
    years = (
        "1 schooljaar" if k is None or _missing(k) or int(k) <= 1 else f"{int(k)} schooljaren samen"
    )
    return f"{years}, interval {interval_text(row.get('ci_low'), row.get('ci_high'))}"


def interval_level(level: float) -> str:
    """'97,5 %-interval': the one wording of a level of certainty on every page, tooltip and
    export (never a p-value, never a z)."""
    return f"{level_label(level)}-interval"


def colour_levels(rules: Rules) -> str:
    """'97,5 %-interval (domeinen: 99,5 %)': the certainty behind a colour."""
    return f"{interval_level(rules.confidence)} (domeinen: {level_label(rules.domain_confidence)})"


def trend_levels(rules: Rules) -> str:
    """'98 %-interval (domeinen: 99,5 %)': the certainty behind an arrow, worded like a colour's
    (a two-sided test at alpha is an interval at 1 - alpha that excludes 0)."""
    return (
        f"{interval_level(1 - rules.trend_alpha)} (domeinen: "
        f"{level_label(1 - rules.trend_domain_alpha)})"
    )


def descriptive_level(rules: Rules) -> str:
    """'95 %-interval': intervals without a colour (subgroups, the SES scatter)."""
    return interval_level(rules.descriptive_confidence)


def chance_sentence(results: pd.DataFrame, rules: Rules) -> str:
    """How many colours and arrows the cells shown hold, next to how many a school exactly
    like its peers would show by chance (statistics.chance): one colour can be chance, a
    pattern over years and domains rarely is. `results` are the rows a photo shows (one
    school and test, every cell and year); arrows are those of the latest year, as shown."""
    if results.empty:
        return ""
    latest = results[results["school_year"] == results["school_year"].max()]
    by_chance_colours = expected_chance(results.assign(trend=TOO_SHORT), rules).colours
    by_chance_arrows = expected_chance(latest, rules).arrows
    colours = int(results["status"].isin(COLOURED_STATUSES).sum())
    arrows = int(latest["trend"].isin((RISING, FALLING)).sum())
    years = results["school_year"].nunique()
    cells = "gekleurde cel" if colours == 1 else "gekleurde cellen"
    arrow_word = "pijl" if arrows == 1 else "pijlen"
    return (
        f"Deze schoolfoto toont over {years} schooljaren {colours} {cells} en "
        f"{arrows} {arrow_word}. Een school die precies doet wat {comparison_label(rules)} doen, "
        f"toont er door toeval gemiddeld {format_number(by_chance_colours)} kleuren en "
        f"{format_number(by_chance_arrows)} pijlen: één kleur kan toeval zijn, een patroon over "
        "jaren en domeinen zelden."
    )


def much_size(rules: Rules) -> str:
    """'0,2 standaardafwijking' – the stated size of 'veel', one wording everywhere."""
    return f"{format_number(rules.large_effect_size, 1)} standaardafwijking"


def ses_group_label(group: int, rules: Rules) -> str:
    """'SES-groep 1 van 5: de meeste kansarmoede-indicatoren' – never a bare '1/5', which reads
    like a mark."""
    if group == 1:
        what = "scholen met de meeste leerlingen met kansarmoede-indicatoren"
    elif group == rules.ses_groups:
        what = "scholen met de minste leerlingen met kansarmoede-indicatoren"
    else:
        what = "scholen met een gemiddelde leerlingenpopulatie" if (
            group == (rules.ses_groups + 1) / 2
        ) else (
            "meer kansarmoede-indicatoren dan gemiddeld"
            if group < (rules.ses_groups + 1) / 2
            else "minder kansarmoede-indicatoren dan gemiddeld"
        )  # fmt: skip
    return f"SES-groep {group} van {rules.ses_groups}: {what}"


def near_size(rules: Rules) -> str:
    """'0,45 standaardafwijking' – how close 'zoals verwacht' is, one wording everywhere."""
    return f"{format_number(rules.as_expected_margin, 2)} standaardafwijking"


def rule_lines(rules: Rules | None = None) -> list[str]:
    """How a colour is decided, in a few plain sentences (Excel legend, PDF)."""
    rules = rules or load_rules()
    group = comparison_label(rules)
    return [
        colour_meaning(rules),
        f"'Hoger' of 'lager': het hele {level_label(rules.confidence)}-interval (domeinen: "
        f"{level_label(rules.domain_confidence)}) rond het verschil met {group} ligt boven of "
        "onder 0.",
        f"'Veel hoger' of 'veel lager': het hele interval ligt bovendien voorbij "
        f"{much_size(rules)} van Vlaanderen.",
        f"Grijs zegt welk grijs: '{rules.statuses[AS_EXPECTED].label}' als het hele interval "
        f"binnen {near_size(rules)} van Vlaanderen rond 0 ligt (aantoonbaar dichtbij), "
        f"'{rules.statuses[UNCERTAIN].label}' als het 0 bevat maar verder reikt (te weinig "
        "gegevens om te zeggen).",
        f"Met minder dan {rules.min_colour_size} leerlingen in een schooljaar krijgt een cel geen "
        f"kleur; met minder dan {rules.min_group_size} leerlingen wordt niets getoond.",
    ]


def status_meanings(rules: Rules | None = None) -> dict[str, str]:
    """Status code -> meaning, in the order of vocabulary.STATUSES (the colour pools the
    latest school years; "much" is sure to reach the stated size; grey says which grey)."""
    rules = rules or load_rules()
    group = comparison_label(rules)
    size = much_size(rules)
    meanings = {
        MUCH_HIGHER: f"duidelijk hoger dan {group}, en zeker minstens {size} van Vlaanderen",
        HIGHER: f"duidelijk hoger dan {group}",
        AS_EXPECTED: (
            f"dicht bij {group}: het verschil ligt zeker binnen {near_size(rules)} van Vlaanderen"
        ),
        UNCERTAIN: (
            f"geen duidelijk verschil met {group}, maar ook niet zeker dichtbij: de gegevens "
            "zijn nog te onzeker (meer schooljaren of meer leerlingen maken het duidelijk)"
        ),
        LOWER: f"duidelijk lager dan {group}",
        MUCH_LOWER: f"duidelijk lager dan {group}, en zeker minstens {size} van Vlaanderen",
        TOO_FEW: (
            f"geen kleur: minder dan {rules.min_colour_size} leerlingen, of geen vergelijkingsgroep"
        ),
    }
    return {status: meanings[status] for status in STATUSES}


def trend_meanings(rules: Rules | None = None) -> dict[str, str]:
    """Trend code -> meaning, in the order of vocabulary.TRENDS."""
    rules = rules or load_rules()
    group = COMPARISON_LABELS[rules.colour_comparison]
    meanings = {
        RISING: f"het verschil met {group} wordt duidelijk groter",
        NO_CLEAR_TREND: "geen richting die duidelijk uit het toeval springt (niet hetzelfde als "
        "'stabiel')",
        FALLING: f"het verschil met {group} wordt duidelijk kleiner",
        TOO_SHORT: (
            f"minder dan {rules.trend_min_years} jaren met minstens {rules.min_colour_size} "
            "leerlingen"
        ),
    }
    return {trend: meanings[trend] for trend in TRENDS}


def privacy_meaning(rules: Rules | None = None) -> str:
    """The line for a cell below the privacy minimum."""
    rules = rules or load_rules()
    return (
        f"minder dan {rules.min_group_size} leerlingen: om de privacy te beschermen wordt "
        "niets getoond"
    )
