"""rules.toml is checked against a schema: wrong edits get Dutch messages, all at once."""

from __future__ import annotations

import re

import pytest

from data_model.rules import RULES_PATH, RulesError, load_rules, parse_rules

TEXT = RULES_PATH.read_text(encoding="utf-8")


def _problems(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        parse_rules(text)
    return info.value.problems


def test_the_shipped_rules_are_valid():
    assert parse_rules(TEXT) == load_rules()


def test_text_where_a_number_belongs_and_a_typo_in_a_key():
    text = TEXT.replace("min_group_size = 5", 'min_group_size = "vijf"').replace(
        "min_colour_size = 10", "min_color_size = 10"
    )
    problems = _problems(text)
    assert '[privacy] min_group_size = "vijf": verwacht een geheel getal van 1 tot en met 100.' in (
        problems
    )
    assert any(
        p.startswith("[statistics] min_color_size is geen gekende instelling") for p in problems
    )
    assert "[statistics] min_colour_size ontbreekt." in problems


def test_out_of_range_values_and_a_bad_colour():
    text = (
        re.sub(r"(?m)^confidence = .*$", "confidence = 95", TEXT)
        .replace('colour_comparison = "similar"', 'colour_comparison = "vlaanderen"')
        .replace('colour = "#2166ac"', 'colour = "blauw"', 1)
    )
    problems = _problems(text)
    assert "[statistics] confidence = 95: verwacht een getal strikt tussen 0,5 en 1,0." in problems
    assert any("colour_comparison" in p and '"similar" of "flanders"' in p for p in problems)
    assert any(p.startswith('[status.much_higher] colour = "blauw"') for p in problems)


def test_relations_between_values():
    problems = _problems(TEXT.replace("min_colour_size = 10", "min_colour_size = 3"))
    assert problems == [
        "[statistics] min_colour_size moet minstens even groot zijn als [privacy] "
        f"min_group_size ({load_rules().min_group_size}): een kleur mag niet verschijnen waar "
        "de score verborgen is."
    ]


def test_broken_toml_and_a_missing_section():
    assert _problems(re.sub(r"(?m)^alpha = .*$", "alpha = 0,05", TEXT))[0].startswith(
        "Het bestand is geen geldige TOML"
    )
    without_trend = TEXT.replace("[trend]", "[trends]")
    problems = _problems(without_trend)
    assert "Het onderdeel [trend] ontbreekt." in problems
    assert any(p.startswith("[trends] is geen gekend onderdeel") for p in problems)
