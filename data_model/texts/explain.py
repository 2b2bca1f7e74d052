"""Plain-Dutch sentences: what stands out, and "waarom deze kleur?" for one cell.

Pure functions over result rows (as returned by queries.school_results), so the Schoolfoto
page, the exports and the tests all say exactly the same thing.
"""

from __future__ import annotations

import math

import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.texts.formatting import format_number, format_signed
from data_model.vocabulary import HIGHER, LOWER, MUCH_HIGHER, MUCH_LOWER, STATUS_MUCH, STATUS_SIGN

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
_DIRECTION = {  # the sign is vocabulary.STATUS_SIGN's, the words are this module's
    status: (word, STATUS_SIGN[status])
    for status, word in (
        (MUCH_HIGHER, "duidelijk hoger"),
        (HIGHER, "hoger"),
        (LOWER, "lager"),
        (MUCH_LOWER, "duidelijk lager"),
    )
}


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
        if _DIRECTION.get(status, ("", 0))[1] == sign:
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


# Over the complexity limit; colours (issue 11) reworks these sentences.
def highlights(  # noqa: C901
    results: pd.DataFrame, rules: Rules | None = None, max_domains: int = 6
) -> list[str]:
    """Sentences about the latest school year: significant differences and trends.

    Learning areas first (they are what a team discusses first), then the domains that stand
    out, at most `max_domains` of them so the list stays readable.
    """
    rules = rules or load_rules()
    if results.empty:
        return []
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
        label = cell_label(
            None if _is_missing(area) else area, None if _is_missing(domain) else domain
        )
        if label == TOTAL_LABEL:
            label = "De totaalscore"
        target = domain_sentences if not _is_missing(domain) else area_sentences
        status = row["status"]
        # A domain that points the same way as its learning area adds nothing to say.
        area_now = area_status.get(area)
        if (
            target is domain_sentences
            and _DIRECTION.get(area_now, ("", 0))[1] == _DIRECTION.get(status, ("", 0))[1]
        ):
            status = "as_expected"
        if status in _DIRECTION:
            words, sign = _DIRECTION[status]
            history = series["status"].tolist()
            exact = _run_length_exact(history)
            run = _run_length(history, sign)
            plain = words.removeprefix("duidelijk ")
            if status.startswith("much_") and exact >= 2:
                when = f"voor het {_ordinal(exact)} jaar op rij"
            elif run >= 2:
                when = f"voor het {_ordinal(run)} jaar op rij"
                if words != plain:
                    plain = f"{plain} (in {latest} duidelijk {plain})"
                words = plain
            else:
                when = f"in {latest}"
            if target is area_sentences and label != "De totaalscore":
                grouped.setdefault((when, words), []).append(label)
            else:
                target.append(f"{label} ligt {when} {words} dan bij vergelijkbare scholen.")
        trend = row["trend"]
        if trend in ("rising", "falling"):
            years = int(row["trend_years"]) if not _is_missing(row.get("trend_years")) else 0
            verb = "stijgt" if trend == "rising" else "daalt"
            span = f" over de laatste {years} schooljaren" if years else ""
            target.append(f"{label} {verb} ten opzichte van vergelijkbare scholen{span}.")
    # Learning areas with the same verdict share one sentence ("Nederlands en Frans liggen…").
    for (when, words), labels in grouped.items():
        if len(labels) == 1:
            area_sentences.append(f"{labels[0]} ligt {when} {words} dan bij vergelijkbare scholen.")
        else:
            names = ", ".join(labels[:-1]) + f" en {labels[-1]}"
            area_sentences.append(f"{names} liggen {when} {words} dan bij vergelijkbare scholen.")
    sentences = area_sentences + domain_sentences[:max_domains]
    if not area_sentences:
        sentences.insert(
            0,
            f"Geen enkel leergebied wijkt in {latest} duidelijk af van vergelijkbare scholen.",
        )
    if len(domain_sentences) > max_domains:
        sentences.append(
            f"En nog {len(domain_sentences) - max_domains} andere opvallende domeinen: "
            "zie het raster."
        )
    return sentences


def why_colour(row: pd.Series | dict, rules: Rules | None = None) -> str:
    """Markdown answer to "waarom deze kleur?" for one result row."""
    rules = rules or load_rules()
    get = row.get
    label = cell_label(get("learning_area"), get("domain"))
    year = get("school_year")
    status = get("status")
    style = rules.statuses[status]
    head = f"**{label}, {year}: {style.symbol} {style.label}**"
    if bool(get("suppressed")):
        return (
            f"{head}\n\nMinder dan {rules.min_group_size} leerlingen: om de privacy van de "
            "leerlingen te beschermen tonen we hier geen resultaat."
        )
    n = int(get("n_pupils"))
    lines = [
        head,
        "",
        f"- **Leerlingen:** {n}; schoolgemiddelde {format_number(get('score_mean'))}.",
        f"- **Vergelijkbare scholen** (SES-groep {get('ses_group')}): "
        f"{format_number(get('similar_mean'))}; "
        f"**Vlaanderen**: {format_number(get('flanders_mean'))}.",
        f"- **Verschil met vergelijkbare scholen:** {format_signed(get('diff_similar'))} punten.",
    ]
    if status == "too_few" or _is_missing(get("ci_low")):
        lines.append(
            f"- **Regel:** met minder dan {rules.min_colour_size} leerlingen is het toeval "
            "te groot "
            "om een kleur te geven. Het resultaat staat er wel, zonder oordeel."
        )
        return "\n".join(lines)
    conf = format_number(rules.confidence * 100, 0)
    lines.append(
        f"- **{conf} %-betrouwbaarheidsinterval** van dat verschil: "
        f"{format_signed(get('ci_low'))} tot {format_signed(get('ci_high'))}."
    )
    effect = abs(float(get("effect_size")))
    lines.append(
        f"- **Effectgrootte:** {format_number(effect, 2)} standaardafwijking van Vlaanderen "
        f"(grens voor 'veel': {format_number(rules.large_effect_size, 1)})."
    )
    if STATUS_SIGN.get(status, 0) > 0:
        rule = "het hele interval ligt boven 0, dus het verschil is geen toeval"
    elif STATUS_SIGN.get(status, 0) < 0:
        rule = "het hele interval ligt onder 0, dus het verschil is geen toeval"
    else:
        rule = "het interval bevat 0: het verschil kan toeval zijn"
    if status in STATUS_MUCH:
        limit = format_number(rules.large_effect_size, 1)
        rule += f", en het verschil is groot (effectgrootte ≥ {limit})"
    elif status in ("higher", "lower"):
        rule += ", maar het verschil is niet groot"
    lines.append(f"- **Regel:** {rule} → *{style.label}*.")
    return "\n".join(lines)
