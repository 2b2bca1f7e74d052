"""One rule for every cell the app writes to a file.
(docs/architecture.md, "Hostile input and output")

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula, and
leading blanks, a tab, a carriage return or a control character can hide such a start
(`starts_like_formula` is the one rule, also for what imports and the users sheet refuse);
a school name, a note or a refused value from an import file can carry `=HYPERLINK(...)`
or `+cmd|' /C calc'!A0`. OWASP's rule (CSV injection) is applied to CSV and Excel alike:
such a text cell is written with a single quote in front, so it is shown as text and never
evaluated. Numbers, dates and booleans are written as they are (numbers stay numbers: a
negative score stays a number).

Control characters (vertical tab, ESC, NUL, …) are refused at import, but a value stored
earlier, or typed into a note, must never break a file: openpyxl refuses them with
`IllegalCharacterError` and some PDF fonts draw them as boxes. They are stripped on output;
tab and newline survive inside a cell (Excel shows them), except at its start.

PDF cells are not evaluated by anything, so `pdf_text` only strips control characters.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import numbers
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

FORMULA_CHARS = ("=", "+", "-", "@")
# C0/C1 controls except tab (\x09), newline (\x0a) and carriage return (\x0d), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What a spreadsheet skips before it decides a cell is a formula (" =HYPERLINK(...)" runs in
# some programs): blanks of every kind, controls and invisible characters.
_LEADING = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]*")


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def starts_like_formula(text: str) -> bool:
    """The one rule for text that could run as a formula, on the way in (a name or free text
    is refused) and on the way out (the cell is neutralised): its first character after any
    blanks and control characters is `=`, `+`, `-` or `@`, or it starts with a tab or CR."""
    if text.startswith(("\t", "\r")):
        return True
    start = _LEADING.match(text)
    return text[start.end() if start else 0 :].startswith(FORMULA_CHARS)


def safe_text(text: str) -> str:
    """A text cell that no spreadsheet evaluates, without control characters."""
    text = strip_control(text)
    return "'" + text if starts_like_formula(text) else text


def cell(value: Any) -> Any:
    """The value as it may be written to a CSV or Excel cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Number | decimal.Decimal):
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, dt.date | dt.datetime | dt.time | pd.Timestamp):
        return value
    return safe_text(str(value))


def frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell (and column name) neutralised."""
    out = df.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])
        ):
            out[column] = out[column].map(cell).astype(object)
    out.columns = [cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame, sep: str = ";") -> bytes:
    """A neutralised CSV for Excel in Flanders: `;` separated, UTF-8 with BOM."""
    return frame(df).to_csv(index=False, sep=sep, quoting=csv.QUOTE_MINIMAL).encode("utf-8-sig")


def neutralise_workbook(wb: Any) -> Any:
    """Make every text cell of an openpyxl workbook safe (call just before saving).

    openpyxl turns a string that starts with `=` into a formula when it is assigned, so the
    walk also resets such cells to text; our own workbooks never contain formulas.
    """
    for ws in wb.worksheets:
        ws.title = strip_control(ws.title)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    text = safe_text(c.value)
                    c.value = text
                    c.data_type = "s"
    props = wb.properties
    for name in ("title", "subject", "creator", "description", "keywords"):
        value = getattr(props, name, None)
        if isinstance(value, str):
            setattr(props, name, strip_control(value))
    return wb


def pdf_text(value: object) -> str:
    """Text for a PDF: control characters stripped (tab and newline become spaces/lines)."""
    return (
        strip_control("" if value is None else str(value))
        .replace("\t", " ")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
    )


def append(ws: Any, values: Iterable[Any]) -> None:
    """`ws.append(values)` with every value passed through `cell` first.

    openpyxl checks a string when it is assigned (IllegalCharacterError for a control
    character), so the values are cleaned before they reach the sheet, not afterwards.
    """
    ws.append([cell(v) for v in values])


def failure_message(reference: str) -> str:
    """What a file says when it could not be made (Dutch, no internals)."""
    return (
        "Deze export kon niet gemaakt worden. Probeer het opnieuw; blijft het probleem, geef "
        f"dan deze referentie door aan de beheerder van Schoolfoto: {reference}."
    )


def failure_xlsx(reference: str) -> bytes:
    """A workbook that says, in Dutch, that the export failed (instead of an empty download)."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.worksheets[0]  # a new workbook has one sheet
    sheet.title = "Export mislukt"
    sheet.append([failure_message(reference)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def failure_pdf(reference: str) -> bytes:
    """A one-page PDF that says, in Dutch, that the export failed."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 7, failure_message(reference))
    return bytes(pdf.output())
