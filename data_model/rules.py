"""The rules of `rules.toml`: thresholds, palette and labels, loaded once and validated.

Every threshold that decides what is shown, and in which colour, is read from here; nothing
else in the project opens `rules.toml`.

An administrator edits that file by hand, so it is checked against `SCHEMA` before anything
uses it: a typo in a key, a missing value, text where a number belongs, a number out of range
or a colour that is not `#rrggbb` stops the app with a Dutch message that names the section,
the key, what was found and what is expected (`RulesError`, every problem at once). A new key
in rules.toml needs a line in `SCHEMA` (and a field in `Rules` if code reads it).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from data_model.texts.formatting import format_number
from data_model.vocabulary import COMPARISONS, STATUSES, TRENDS

RULES_PATH = Path(__file__).with_name("rules.toml")


class RulesError(ValueError):
    """rules.toml does not match the schema; `problems` holds one Dutch sentence each."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"De regels in {path.name} kloppen niet:\n{lines}")


# --------------------------------------------------------------------------- the schema

Check = Callable[[Any], str | None]  # None when the value is fine, else what is expected


def _integer(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"een geheel getal van {low} tot en met {high}"

    return check


def _number(low: float, high: float, *, open_interval: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            ok = False
        elif open_interval:
            ok = low < value < high
        else:
            ok = low <= value <= high
        shown = (format_number(low), format_number(high))
        between = "strikt tussen" if open_interval else "van"
        joiner = "en" if open_interval else "tot en met"
        return None if ok else f"een getal {between} {shown[0]} {joiner} {shown[1]}"

    return check


def _one_of(options: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        quoted = " of ".join(f'"{o}"' for o in options)
        return None if value in options else f"een van {quoted}"

    return check


def _text(value: Any) -> str | None:
    return (
        None
        if isinstance(value, str) and value.strip()
        else "een niet-lege tekst tussen aanhalingstekens"
    )


def _colour(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value)
    return None if ok else 'een kleur als "#2166ac" (# en zes hexadecimale tekens)'


_STATUS_STYLE: dict[str, Callable[[Any], str | None]] = {
    "label": _text,
    "colour": _colour,
    "symbol": _text,
    "text_colour": _colour,
}

# Section -> key -> check. Sub-tables (status.much_higher) are sections of their own.
SCHEMA: dict[str, dict[str, Check]] = {
    "privacy": {"min_group_size": _integer(1, 100)},
    "statistics": {
        "min_colour_size": _integer(1, 1000),
        "confidence": _number(0.5, 1.0, open_interval=True),
        "domain_confidence": _number(0.5, 1.0, open_interval=True),
        "descriptive_confidence": _number(0.5, 1.0, open_interval=True),
        "subgroup_confidence": _number(0.5, 1.0, open_interval=True),
        "large_effect_size": _number(0.0, 5.0, open_interval=True),
        "as_expected_margin": _number(0.0, 0.5, open_interval=True),
        "status_years": _integer(1, 10),
        "status_span": _integer(1, 20),
        "colour_comparison": _one_of(COMPARISONS),
        "ses_groups": _integer(2, 9),  # schema.sql: ses_group BETWEEN 1 AND 9
        "min_second_differences": _integer(1, 100_000),
        "class_sd_fallback": _number(0.0, 2.0),
        "own_spread_prior_df": _number(0.0, 10_000.0),
        "ses_model_min_schools": _integer(3, 100_000),
    },
    "trend": {
        "max_years": _integer(3, 20),
        "min_years": _integer(3, 20),  # a slope needs at least 3 points to be tested
        "alpha": _number(0.0, 0.5, open_interval=True),
        "domain_alpha": _number(0.0, 0.5, open_interval=True),
    },
    "funnel": {
        "outer_level": _number(0.5, 1.0, open_interval=True),
        "overdispersion_level": _number(0.5, 1.0, open_interval=True),
    },
    **{f"status.{status}": _STATUS_STYLE for status in STATUSES},
    "trend_labels": dict.fromkeys(TRENDS, _text),
    "trend_symbols": dict.fromkeys(TRENDS, _text),
}


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _sections(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Flatten [status.x] into 'status.x'; report tables that should not be there."""
    flat: dict[str, Any] = {}
    problems: list[str] = []
    for name, table in raw.items():
        if name == "status" and isinstance(table, dict):
            for status, style in table.items():
                flat[f"status.{status}"] = style
        else:
            flat[name] = table
    for name in flat:
        if name not in SCHEMA:
            known = ", ".join(f"[{s}]" for s in SCHEMA)
            problems.append(f"[{name}] is geen gekend onderdeel (gekend: {known}).")
    return flat, problems


def validate(raw: dict[str, Any]) -> list[str]:
    """Every problem of a parsed rules.toml, in Dutch; empty when it matches the schema."""
    flat, problems = _sections(raw)
    for section, keys in SCHEMA.items():
        table = flat.get(section)
        if not isinstance(table, dict):
            problems.append(f"Het onderdeel [{section}] ontbreekt.")
            continue
        for key in table:
            if key not in keys:
                known = ", ".join(keys)
                problems.append(f"[{section}] {key} is geen gekende instelling (gekend: {known}).")
        for key, check in keys.items():
            if key not in table:
                problems.append(f"[{section}] {key} ontbreekt.")
                continue
            expected = check(table[key])
            if expected:
                problems.append(f"[{section}] {key} = {_shown(table[key])}: verwacht {expected}.")
    if not problems:  # relations between values, once each value is fine on its own
        privacy, stats, trend = flat["privacy"], flat["statistics"], flat["trend"]
        if stats["min_colour_size"] < privacy["min_group_size"]:
            problems.append(
                "[statistics] min_colour_size moet minstens even groot zijn als "
                f"[privacy] min_group_size ({privacy['min_group_size']}): een kleur mag niet "
                "verschijnen waar de score verborgen is."
            )
        if stats["status_span"] < stats["status_years"]:
            problems.append(
                f"[statistics] status_span ({stats['status_span']}) mag niet kleiner zijn dan "
                f"status_years ({stats['status_years']})."
            )
        if trend["min_years"] > trend["max_years"]:
            problems.append(
                f"[trend] min_years ({trend['min_years']}) mag niet groter zijn dan "
                f"max_years ({trend['max_years']})."
            )
    return problems


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class StatusStyle:
    label: str
    colour: str
    symbol: str
    text_colour: str


@dataclass(frozen=True)
class Rules:
    min_group_size: int
    min_colour_size: int
    confidence: float
    domain_confidence: float
    descriptive_confidence: float
    subgroup_confidence: float
    large_effect_size: float
    as_expected_margin: float
    status_years: int
    status_span: int
    colour_comparison: str
    ses_groups: int
    min_second_differences: int
    class_sd_fallback: float
    own_spread_prior_df: float
    ses_model_min_schools: int
    trend_max_years: int
    trend_min_years: int
    trend_alpha: float
    trend_domain_alpha: float
    funnel_outer_level: float
    funnel_overdispersion_level: float
    statuses: dict[str, StatusStyle]
    trend_labels: dict[str, str]
    trend_symbols: dict[str, str]
    raw: dict[str, Any]


def parse_rules(text: str, path: Path = RULES_PATH) -> Rules:
    """Rules from the text of a rules.toml; RulesError (Dutch) when it does not fit the schema."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            path,
            [
                f"Het bestand is geen geldige TOML: {exc}. Controleer aanhalingstekens rond "
                "teksten, = tussen naam en waarde, en een punt (niet een komma) in getallen."
            ],
        ) from None
    problems = validate(raw)
    if problems:
        raise RulesError(path, problems)
    return Rules(
        min_group_size=raw["privacy"]["min_group_size"],
        min_colour_size=raw["statistics"]["min_colour_size"],
        confidence=float(raw["statistics"]["confidence"]),
        domain_confidence=float(raw["statistics"]["domain_confidence"]),
        descriptive_confidence=float(raw["statistics"]["descriptive_confidence"]),
        subgroup_confidence=float(raw["statistics"]["subgroup_confidence"]),
        large_effect_size=float(raw["statistics"]["large_effect_size"]),
        as_expected_margin=float(raw["statistics"]["as_expected_margin"]),
        status_years=raw["statistics"]["status_years"],
        status_span=raw["statistics"]["status_span"],
        colour_comparison=raw["statistics"]["colour_comparison"],
        ses_groups=raw["statistics"]["ses_groups"],
        min_second_differences=raw["statistics"]["min_second_differences"],
        class_sd_fallback=float(raw["statistics"]["class_sd_fallback"]),
        own_spread_prior_df=float(raw["statistics"]["own_spread_prior_df"]),
        ses_model_min_schools=raw["statistics"]["ses_model_min_schools"],
        trend_max_years=raw["trend"]["max_years"],
        trend_min_years=raw["trend"]["min_years"],
        trend_alpha=float(raw["trend"]["alpha"]),
        trend_domain_alpha=float(raw["trend"]["domain_alpha"]),
        funnel_outer_level=float(raw["funnel"]["outer_level"]),
        funnel_overdispersion_level=float(raw["funnel"]["overdispersion_level"]),
        statuses={key: StatusStyle(**raw["status"][key]) for key in STATUSES},
        trend_labels={key: raw["trend_labels"][key] for key in TRENDS},
        trend_symbols={key: raw["trend_symbols"][key] for key in TRENDS},
        raw=raw,
    )


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> Rules:
    return parse_rules(Path(path).read_text(encoding="utf-8"), Path(path))
