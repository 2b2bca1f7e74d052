"""Every number, share, difference, count, date and school year the user reads (nl-BE).

The one formatting module: pages, charts, sentences, the Excel sheet and the PDF call these
functions and never write `f"{x:.1f}"`, `.replace(".", ",")` or a date pattern of their own.
Numbers go through babel with the locale `nl_BE` (CLDR: decimal comma, thousands dot).

Decisions, so that every screen says the same:
- **Rounding** is half away from zero on the number as written (2,675 -> 2,68; 0,25 -> 0,3),
  as Excel and a calculator do; binary floating-point noise (2.675 is stored as 2.67499...)
  never decides a digit.
- **Minus** is one sign, U+2212 (−), in numbers, percents and differences; a value that
  rounds to zero has no sign ("0,0", a difference "±0,0").
- **Missing** values are an en dash "–"; a masked small count is "< 5" (the privacy minimum).
- **Percent** is written with a space: "63,5 %" (Taalunie).
- **Dates** are dd/mm/jjjj ("03/06/2026"), times "14:05".
- **School years** are "2024-2025" (a hyphen, the stored form).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import SupportsInt, cast

import pandas as pd
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

LOCALE = "nl_BE"
MINUS = "\u2212"
MISSING = "–"


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float | int) and math.isnan(value))
    except TypeError:
        return False


def _rounded(value: float, decimals: int) -> Decimal:
    """The value as written (shortest repr), rounded half away from zero."""
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP  # on Decimal: half away from zero, also for negatives
        return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals))


def round_half_away(value: float, decimals: int = 1) -> float:
    """The number every output shows (page, Excel, PDF): as written, rounded half away from
    zero, so a stored 62.55 is 62,6 everywhere (Python's round() gives 62.5: 62.55 is
    62.5499... in binary)."""
    return float(_rounded(value, decimals))


def _digits(number: Decimal, decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        return format_decimal(abs(number), format=pattern, locale=LOCALE)


def format_number(value: float | None, decimals: int = 1) -> str:
    """A number in nl-BE: 63,5 · 1.234,5 · −2,0 · '–' when missing."""
    if value is None or _missing(value):
        return MISSING
    number = _rounded(float(value), decimals)
    text = _digits(number, decimals)
    return (MINUS + text) if number < 0 else text


def format_pct(value: float | None, decimals: int = 1) -> str:
    """A share already in percent (0–100): '63,5 %'."""
    if _missing(value):
        return MISSING
    return f"{format_number(value, decimals)} %"


def format_signed(value: float | None, decimals: int = 1) -> str:
    """A difference with its sign: '+2,0', '−3,2', '±0,0' (zero after rounding)."""
    if value is None or _missing(value):
        return MISSING
    number = _rounded(float(value), decimals)
    sign = "+" if number > 0 else (MINUS if number < 0 else "±")
    return sign + _digits(number, decimals)


def format_count(value: object, minimum: int) -> str:
    """A pupil count: '27', '1.234', or '< 5' where it was masked (below the minimum)."""
    if _missing(value):
        return f"< {minimum}"
    # Callers pass a row's cell (numpy int, float, Decimal): typed `object` as pandas gives it.
    return format_number(int(cast(SupportsInt | str, value)), 0)


def _as_date(value: object) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def format_date(value: object) -> str:
    """'03/06/2026' for a date, datetime, Timestamp or ISO text; other text as it is."""
    day = _as_date(value)
    if day is None:
        return MISSING if _missing(value) or not str(value).strip() else str(value)
    return _babel_date(day, "dd/MM/y", locale=LOCALE)


def format_timestamp(value: object) -> str:
    """'22/11/2026 om 14:05'."""
    if _missing(value):
        return MISSING
    # A row's cell (Timestamp, datetime, ISO text): typed `object` as pandas gives it.
    moment = pd.Timestamp(cast(dt.date | str | float, value))
    return f"{format_date(moment)} om {moment:%H:%M}"


# --------------------------------------------------------------------------- school years


def school_year(start: int) -> str:
    """The school year that starts in September of `start`: 2024 -> '2024-2025'."""
    return f"{start}-{start + 1}"


def school_year_start(value: str) -> int:
    """'2024-2025' -> 2024."""
    return int(str(value)[:4])


def previous_school_year(value: str) -> str:
    """'2024-2025' -> '2023-2024'."""
    return school_year(school_year_start(value) - 1)


def school_year_of(day: dt.date) -> str:
    """A school year runs from 1 September to 31 August."""
    return school_year(day.year if day.month >= 9 else day.year - 1)
