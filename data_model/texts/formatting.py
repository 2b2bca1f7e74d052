"""nl-BE formatting of numbers, percents, signed differences and counts."""

from __future__ import annotations

import math

import pandas as pd


def format_count(value: object, minimum: int) -> str:
    """A pupil count for display: '< 5' where it was masked."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return f"< {minimum}"
    return str(int(value))


def format_number(value: float | None, decimals: int = 1) -> str:
    """nl-BE number: 63,5 (no thousands separator under 10,000; a narrow space above)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_pct(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{format_number(value, decimals)} %"


def format_signed(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{format_number(abs(value), decimals)}"
