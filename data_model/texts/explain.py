"""Plain-Dutch sentences: what stands out, "waarom deze kleur?", the legend, the funnel.

Pure functions over stored result rows (queries.school_results, comparisons.school_points),
so the Schoolfoto page, the exports and the tests all say exactly the same thing, and no
sentence ever judges a number differently from the stored status and trend.
The comparison group's name follows rules.toml `colour_comparison` everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.funnel import (
    ABOVE,
    ABOVE_OUTER,
    BELOW,
    BELOW_OUTER,
    level_label,
)
from data_model.texts.formatting import format_number, format_signed, school_year_start
from data_model.texts.legend import (  # noqa: F401 - re-exported: pages import them here too
    colour_meaning,
    comparison_label,
    comparison_phrase,
    interval_text,
    judged_number,
    much_size,
    near_size,
    rule_lines,
    ses_group_label,
    status_meanings,
)
from data_model.vocabulary import (
    AS_EXPECTED,
    HIGHER,
    LOWER,
    MUCH_HIGHER,
    MUCH_LOWER,
    SIMILAR,
    STATUS_MUCH,
    STATUS_SIGN,
    STATUSES,
    TOO_FEW,
    TREND_SIGN,
)

TOTAL_LABEL = "Totaal"
ORDINALS = {
    2: "tweede",
    3: "derde",
    4: "vierde",
    5: "vijfde",
    6: "zesde",
    7: "zevende",
    8: "achtste",
    9: "negende",
    10: "tiende",
}
# The direction of each coloured status (vocabulary.STATUS_SIGN); the words are the status
# labels of rules.toml, so a sentence and a badge never word one verdict differently.
# Keyed by `str | None`: a cell without a status (no learning-area row) looks up to 0.
_DIRECTION: dict[str | None, int] = {
    status: sign for status, sign in STATUS_SIGN.items() if sign != 0
}
_PLAIN = {MUCH_HIGHER: HIGHER, MUCH_LOWER: LOWER}  # "veel hoger" for one year, "hoger" for a run


def cell_label(learning_area: str | None, domain: str | None) -> str:
    """'Wiskunde', 'Wiskunde – Meetkunde' or 'Totaal'."""
    if learning_area is None or (isinstance(learning_area, float) and math.isnan(learning_area)):
        return TOTAL_LABEL
    if domain is None or (isinstance(domain, float) and math.isnan(domain)):
        return str(learning_area)
    return f"{learning_area} – {domain}"


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _run_length(statuses: list[str], sign: int) -> int:
    """How many of the latest years in a row point in direction `sign`."""
    run = 0
    for status in reversed(statuses):
        if _DIRECTION.get(status, 0) == sign:
            run += 1
        else:
            break
    return run


def _run_length_exact(statuses: list[str]) -> int:
    """How many of the latest years in a row have exactly the latest status."""
    run = 0
    for status in reversed(statuses):
        if status != statuses[-1]:
            break
        run += 1
    return run


def _ordinal(n: int) -> str:
    return ORDINALS.get(n, f"{n}de")


def _highlight_label(area: object, domain: object) -> str:
    """The cell's name as a sentence starts it: the total is "De totaalscore"."""
    # Group keys are names, NaN where a learning area's own row has no domain.
    label = cell_label(
        None if _is_missing(area) else str(area), None if _is_missing(domain) else str(domain)
    )
    return "De totaalscore" if label == TOTAL_LABEL else label


def _status_when_words(
    series: pd.DataFrame, status: str, latest: str, rules: Rules
) -> tuple[str, str]:
    """(when, words) of a coloured status: "voor het derde jaar op rij", "hoger".

    A run of years in one direction is told in the plain words ("hoger"), with this year's
    stronger word in brackets; "veel hoger" for a run only when every year of it said so.
    """
    words = rules.statuses[status].label.lower()
    history = series["status"].tolist()
    exact = _run_length_exact(history)
    run = _run_length(history, _DIRECTION[status])
    plain = rules.statuses[_PLAIN.get(status, status)].label.lower()
    if status in STATUS_MUCH and exact >= 2:
        return f"voor het {_ordinal(exact)} jaar op rij", words
    if run >= 2:
        if words != plain:
            plain = f"{plain} (in {latest} {words})"
        return f"voor het {_ordinal(run)} jaar op rij", plain
    return f"in {latest}", words


def _trend_sentence(row: pd.Series, label: str, versus: str) -> str | None:
    """ "Wiskunde stijgt ten opzichte van …" for a rising or falling trend, else None."""
    trend = row["trend"]
    if TREND_SIGN.get(trend, 0) == 0:  # no clear trend, too short, or none
        return None
    years = int(row["trend_years"]) if not _is_missing(row.get("trend_years")) else 0
    verb = "stijgt" if TREND_SIGN[trend] > 0 else "daalt"
    span = f" over de laatste {years} schooljaren" if years else ""
    return f"{label} {verb} ten opzichte van {versus}{span}."


def _shared_sentences(grouped: dict[tuple[str, str], list[str]], than: str) -> list[str]:
    """Learning areas with the same verdict share one sentence ("Nederlands en Frans liggen…")."""
    sentences = []
    for (when, words), labels in grouped.items():
        if len(labels) == 1:
            sentences.append(f"{labels[0]} ligt {when} {words} dan {than}.")
        else:
            names = ", ".join(labels[:-1]) + f" en {labels[-1]}"
            sentences.append(f"{names} liggen {when} {words} dan {than}.")
    return sentences


def _cell_status(row: pd.Series, is_domain: bool, area_now: str | None) -> str:
    """The status a sentence tells: a domain that points the same way as its learning area adds
    nothing to say, so it counts as expected."""
    status: str = row["status"]
    if is_domain and _DIRECTION.get(area_now, 0) == _DIRECTION.get(status, 0):
        return AS_EXPECTED
    return status


def highlights(
    results: pd.DataFrame, rules: Rules | None = None, max_domains: int = 6
) -> list[str]:
    """Sentences about the latest school year: significant differences and trends.

    Learning areas first (they are what a team discusses first), then the domains that stand
    out, at most `max_domains` of them so the list stays readable.
    """
    rules = rules or load_rules()
    if results.empty:
        return []
    than = comparison_phrase(rules)
    versus = comparison_label(rules)
    latest = results["school_year"].max()
    area_sentences: list[str] = []
    grouped: dict[tuple[str, str], list[str]] = {}
    domain_sentences: list[str] = []
    keys = ["learning_area", "domain"]
    area_rows = results[(results["school_year"] == latest) & results["domain"].isna()]
    area_status = dict(zip(area_rows["learning_area"], area_rows["status"], strict=False))
    for (area, domain), series in results.groupby(keys, dropna=False, sort=False):
        series = series.sort_values("school_year")
        now = series[series["school_year"] == latest]
        if now.empty or bool(now["suppressed"].iloc[0]):
            continue
        row = now.iloc[0]
        label = _highlight_label(area, domain)
        is_domain = not _is_missing(domain)
        target = domain_sentences if is_domain else area_sentences
        status = _cell_status(row, is_domain, area_status.get(area))
        if status in _DIRECTION:
            when, words = _status_when_words(series, status, latest, rules)
            if not is_domain and label != "De totaalscore":
                grouped.setdefault((when, words), []).append(label)
            else:
                target.append(f"{label} ligt {when} {words} dan {than}.")
        trend = _trend_sentence(row, label, versus)
        if trend is not None:
            target.append(trend)
    area_sentences += _shared_sentences(grouped, than)
    sentences = area_sentences + domain_sentences[:max_domains]
    if not area_sentences:
        sentences.insert(0, f"Geen enkel leergebied wijkt in {latest} duidelijk af van {versus}.")
    if len(domain_sentences) > max_domains:
        sentences.append(
            f"En nog {len(domain_sentences) - max_domains} andere opvallende domeinen: "
            "zie het raster."
        )
    return sentences


def _years(row: dict[str, Any], rules: Rules) -> tuple[str, int, int | None]:
    """('2022-2023 tot 2024-2025', number of years pooled, pupils pooled)."""
    get: Callable[[str], Any] = row.get  # a cell as pandas holds it; None when absent
    last = str(get("school_year"))
    first = get("status_from")
    k = 0 if _is_missing(get("status_years")) else int(get("status_years"))
    n = None if _is_missing(get("status_n")) else int(get("status_n"))
    if _is_missing(first) or k <= 1:
        return last, max(k, 1), n
    start = int(first)
    span = school_year_start(last) - start + 1
    if span > k:  # a skipped or small year inside the window: say which years counted
        return f"de {k} schooljaren met resultaten tussen {start}-{start + 1} en {last}", k, n
    return f"{start}-{start + 1} tot {last}", k, n


def _no_colour_reason(row: dict[str, Any], rules: Rules) -> str | None:
    """Why a shown cell has no colour, or None when it has a verdict."""
    get: Callable[[str], Any] = row.get  # a cell as pandas holds it; None when absent
    n = get("n_pupils")
    if not _is_missing(n) and int(n) < rules.min_colour_size:
        return (
            f"met minder dan {rules.min_colour_size} leerlingen in dit schooljaar is het toeval "
            "te groot om een kleur te geven. Het resultaat staat er wel, zonder oordeel."
        )
    if rules.colour_comparison == SIMILAR and _is_missing(get("ses_group")):
        return (
            "voor dit schooljaar zijn er geen contextgegevens van uw school, dus geen SES-groep "
            "en geen vergelijkbare scholen. Zonder vergelijkingsgroep geven we geen kleur (we "
            "vergelijken zulke scholen ook niet met elkaar); het verschil met Vlaanderen staat "
            "hierboven."
        )
    if _is_missing(get("ci_low")):
        return "er is te weinig informatie om een kleur te geven (geen vergelijkingsgroep)."
    return None


def why_colour(row: pd.Series | dict[str, Any], rules: Rules | None = None) -> str:
    """Markdown answer to "waarom deze kleur?" for one stored result row.

    It says what the stored status was decided on: which school years, how many pupils, the
    interval, the threshold and why that threshold; and it shows this single year's own
    difference and interval without a verdict. It never claims a difference "is no chance".
    """
    rules = rules or load_rules()
    row = dict(row)
    get: Callable[[str], Any] = row.get  # a cell as pandas holds it; None when absent
    label = cell_label(get("learning_area"), get("domain"))
    year = get("school_year")
    status = get("status")
    style = rules.statuses[status]
    group = comparison_label(rules)
    head = f"**{label}, {year}: {style.symbol} {style.label}**"
    if bool(get("suppressed")):
        return (
            f"{head}\n\nMinder dan {rules.min_group_size} leerlingen: om de privacy van de "
            "leerlingen te beschermen tonen we hier geen resultaat."
        )
    n = int(get("n_pupils"))
    similar = "geen (geen contextgegevens)" if _is_missing(get("similar_mean")) else (
        format_number(get("similar_mean"))
    )  # fmt: skip
    ses = "" if _is_missing(get("ses_group")) else (
        f" ({ses_group_label(int(get('ses_group')), rules)})"
    )  # fmt: skip
    is_domain = not _is_missing(get("domain"))
    level = rules.domain_confidence if is_domain else rules.confidence
    level_text = level_label(level)
    # This single year, shown without a verdict: after the verdict, never competing with it.
    this_year = [
        f"- **Dit schooljaar alleen** (zonder oordeel): {n} leerlingen, schoolgemiddelde "
        f"{format_number(get('score_mean'))}; {group}{ses}: {similar}; Vlaanderen: "
        f"{format_number(get('flanders_mean'))}."
    ]
    if (
        rules.colour_comparison == SIMILAR
        and not _is_missing(get("year_diff"))
        and not _is_missing(get("score_mean"))
    ):
        # The colour compares with what schools with the same leerlingenpopulatie (SES index)
        # score, which is not exactly the mean of the SES group printed above.
        expected = float(get("score_mean")) - float(get("year_diff"))
        this_year.append(
            f"- **Verwacht** voor een school met uw leerlingenpopulatie (zonder uw school): "
            f"{format_number(expected)}; daarmee vergelijkt de kleur, niet met het "
            "groepsgemiddelde."
        )
    if not _is_missing(get("year_diff")):
        this_year.append(
            f"- **Verschil in dit ene jaar** met {group} (zonder uw school): "
            f"{format_signed(get('year_diff'))} punten ({level_text}-interval "
            f"{interval_text(get('year_ci_low'), get('year_ci_high'))}). Eén schooljaar zegt "
            "vooral iets over die ene klas; daarom beslist het niet alleen over de kleur."
        )
    lines = [head, ""]
    reason = _no_colour_reason(row, rules)
    if reason is not None or status == TOO_FEW:
        lines += this_year
        lines.append(f"- **Geen kleur:** {reason or 'te weinig gegevens voor een oordeel.'}")
        return "\n".join(lines)
    span, k, pooled_n = _years(row, rules)
    pupils = f", {pooled_n} leerlingen" if pooled_n else ""
    years_text = (
        f"{span} samen ({k} jaren{pupils})" if span.startswith("de ")
        else f"de schooljaren {span} samen ({k} jaren{pupils})"
    ) if k > 1 else (
        f"alleen {span} ({n} leerlingen; de schooljaren ervoor telden niet mee: te weinig "
        "leerlingen of geen resultaten)"
    )  # fmt: skip
    lines.append(
        f"- **Het getal in de cel** is het verschil met {group} over {years_text}: "
        f"**{judged_number(row)} punten**, {level_text}-interval "
        f"{interval_text(get('ci_low'), get('ci_high'))}."
    )
    sd = get("flanders_sd")
    much_points = "" if _is_missing(sd) else (
        f" (hier {format_number(rules.large_effect_size * float(sd), 1)} punten)"
    )  # fmt: skip
    near_points = "" if _is_missing(sd) else (
        f" (hier ±{format_number(rules.as_expected_margin * float(sd), 1)} punten)"
    )  # fmt: skip
    size = f"{much_size(rules)} van Vlaanderen{much_points}"
    sign = STATUS_SIGN[status]
    if status == AS_EXPECTED:
        rule = (
            f"het hele interval ligt binnen {near_size(rules)} van Vlaanderen rond 0"
            f"{near_points}: uw school ligt aantoonbaar dicht bij {group}"
        )
    elif sign == 0:
        rule = (
            f"het interval bevat 0, maar reikt verder dan {near_size(rules)}{near_points}: de "
            "gegevens laten nog niet zien of uw school hoger, lager of even hoog ligt als "
            f"{group}. Duidelijker wordt het met meer schooljaren (de kleur neemt er tot "
            f"{rules.status_years} samen) of meer leerlingen"
        )
    else:
        side = "boven" if sign > 0 else "onder"
        rule = f"het hele interval ligt {side} 0"
        if status in STATUS_MUCH:
            rule += f", en zelfs voorbij {size}: een groot verschil"
        else:
            much = rules.statuses[MUCH_HIGHER if sign > 0 else MUCH_LOWER].label
            rule += (
                f"; voor *{much}* moet het hele interval voorbij {size} liggen, en dat is hier "
                "niet zo"
            )
    lines.append(f"- **Regel:** {rule} → *{style.label}*.")
    why_z = (
        f"Voor domeinen gebruiken we {level_text} in plaats van "
        f"{level_label(rules.confidence)}, omdat u er veel "
        "tegelijk bekijkt: anders kleurt er al snel één door toeval."
        if is_domain
        else ""
    )
    lam = get("reliability")
    shrink = "" if _is_missing(lam) else (
        f" Een uitschieter trekken we naar het gemiddelde toe (betrouwbaarheid "
        f"{format_number(float(lam), 2)}: hoe meer leerlingen en jaren, hoe dichter bij 1)."
    )  # fmt: skip
    klass = get("sd_class")
    klass_text = (
        "" if _is_missing(klass) else f" (ongeveer ±{format_number(float(klass), 1)} punten)"
    )
    lines.append(
        "- **Waarom dit interval:** het houdt rekening met welke leerlingen toevallig getoetst "
        f"werden en met het gewone verschil tussen klassen van jaar tot jaar{klass_text}."
        f"{shrink} {why_z}".rstrip()
    )
    return "\n".join(lines + this_year)


_FUNNEL_WORDS = {
    ABOVE_OUTER: "boven de buitenste grens",
    ABOVE: "boven de binnenste grens",
    BELOW: "onder de binnenste grens",
    BELOW_OUTER: "onder de buitenste grens",
}

# The side of the funnel a position is on; no position (not in the funnel) is 0.
_FUNNEL_SIGN: dict[str | None, int] = {ABOVE_OUTER: 1, ABOVE: 1, BELOW: -1, BELOW_OUTER: -1}


def funnel_sentence(
    row: pd.Series | dict[str, Any], position: str | None, rules: Rules | None = None
) -> str:
    """The own school's place in the funnel, next to the stored colour, never against it.

    The funnel shows one school year; the colour pools three. When they point differently the
    sentence says so and why, instead of giving a second verdict.
    """
    rules = rules or load_rules()
    row = dict(row)
    get: Callable[[str], Any] = row.get  # a cell as pandas holds it; None when absent
    status: str = get("status")
    style = rules.statuses[status]
    year = row.get("school_year", "")
    if position is None or _is_missing(row.get("year_diff")):
        place = "staat niet in de trechter (te weinig leerlingen of geen vergelijkingsgroep)"
    elif position in _FUNNEL_WORDS:
        place = f"ligt {_FUNNEL_WORDS[position]}: dit ene jaar valt op"
    else:
        place = "ligt binnen de grenzen: dit ene jaar valt niet op"
    colour = f"De kleur van deze cel is *{style.symbol} {style.label}*"
    if status not in STATUSES or status == TOO_FEW:
        verdict = f"{colour}."
    else:
        verdict = f"{colour}: die kijkt naar de laatste {rules.status_years} schooljaren samen."
        funnel_sign = _FUNNEL_SIGN.get(position, 0)
        if funnel_sign != STATUS_SIGN[status]:
            verdict += (
                " Eén jaar en drie jaar samen kunnen verschillen: een uitschieter in één jaar is "
                "vaak een klas, een kleur een patroon."
            )
    return f"Uw school {place} in {year}. {verdict}"
