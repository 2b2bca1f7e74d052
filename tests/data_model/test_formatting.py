"""nl-BE formatting: one module, exact expectations (no test accepts either rounding)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_model.rules import load_rules
from data_model.texts.formatting import (
    MINUS,
    format_count,
    format_date,
    format_number,
    format_pct,
    format_signed,
    format_timestamp,
    previous_school_year,
    school_year,
    school_year_of,
    school_year_start,
)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (63.5, 1, "63,5"),
        (1234.5, 1, "1.234,5"),  # thousands dot (CLDR nl_BE), decimal comma
        (12345.6, 1, "12.345,6"),
        (1234567, 0, "1.234.567"),
        (0.25, 1, "0,3"),  # half away from zero, on the number as written
        (2.675, 2, "2,68"),  # stored as 2.67499999...: the written digits decide
        (7.25, 1, "7,3"),
        (-0.25, 1, "−0,3"),  # one minus sign, U+2212
        (-0.04, 1, "0,0"),  # rounds to zero: no sign
        (np.float64(3.25), 1, "3,3"),
        (None, 1, "–"),
        (float("nan"), 1, "–"),
        (pd.NA, 1, "–"),
    ],
)
def test_numbers(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_percent_signed_and_counts():
    assert format_pct(7.25) == "7,3 %"
    assert format_pct(63.5) == "63,5 %"
    assert format_pct(None) == "–"
    assert format_signed(-3.21) == "−3,2"
    assert format_signed(2.0) == "+2,0"
    assert format_signed(0.04) == "±0,0"  # the sign follows the rounded value
    assert format_signed(-0.04) == "±0,0"
    minimum = load_rules().min_group_size
    assert format_count(pd.NA, minimum) == f"< {minimum}"
    assert format_count(np.int64(1234), minimum) == "1.234"


def test_one_minus_sign_everywhere():
    for text in (format_number(-1.5), format_signed(-1.5), format_pct(-1.5)):
        assert MINUS in text and "-" not in text


def test_dates_and_school_years():
    assert format_date(dt.date(2026, 6, 3)) == "03/06/2026"
    assert format_date("2026-06-30") == "30/06/2026"
    assert format_date(pd.Timestamp("2025-01-09 10:00")) == "09/01/2025"
    assert format_date("na de herfstvakantie") == "na de herfstvakantie"  # free text as is
    assert format_date(None) == "–"
    assert format_timestamp(dt.datetime(2026, 11, 22, 14, 5)) == "22/11/2026 om 14:05"
    assert school_year(2024) == "2024-2025"
    assert school_year_start("2024-2025") == 2024
    assert previous_school_year("2024-2025") == "2023-2024"
    assert school_year_of(dt.date(2024, 9, 1)) == "2024-2025"
    assert school_year_of(dt.date(2025, 8, 31)) == "2024-2025"
