"""The rules of `rules.toml`: thresholds, palette and labels, loaded once and validated.

Every threshold that decides what is shown, and in which colour, is read from here; nothing
else in the project opens `rules.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from data_model.vocabulary import STATUSES

RULES_PATH = Path(__file__).with_name("rules.toml")


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
    large_effect_size: float
    status_years: int
    colour_comparison: str
    ses_groups: int
    min_second_differences: int
    class_sd_fallback: float
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


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> Rules:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    statuses = {key: StatusStyle(**raw["status"][key]) for key in STATUSES}
    return Rules(
        min_group_size=int(raw["privacy"]["min_group_size"]),
        min_colour_size=int(raw["statistics"]["min_colour_size"]),
        confidence=float(raw["statistics"]["confidence"]),
        domain_confidence=float(raw["statistics"]["domain_confidence"]),
        large_effect_size=float(raw["statistics"]["large_effect_size"]),
        status_years=int(raw["statistics"]["status_years"]),
        colour_comparison=str(raw["statistics"]["colour_comparison"]),
        ses_groups=int(raw["statistics"]["ses_groups"]),
        min_second_differences=int(raw["statistics"]["min_second_differences"]),
        class_sd_fallback=float(raw["statistics"]["class_sd_fallback"]),
        trend_max_years=int(raw["trend"]["max_years"]),
        trend_min_years=int(raw["trend"]["min_years"]),
        trend_alpha=float(raw["trend"]["alpha"]),
        trend_domain_alpha=float(raw["trend"]["domain_alpha"]),
        funnel_outer_level=float(raw["funnel"]["outer_level"]),
        funnel_overdispersion_level=float(raw["funnel"]["overdispersion_level"]),
        statuses=statuses,
        trend_labels=dict(raw["trend_labels"]),
        trend_symbols=dict(raw["trend_symbols"]),
        raw=raw,
    )
