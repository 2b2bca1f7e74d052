"""One way to put data text on a page (docs/architecture.md, "Hostile input and output").

Streamlit renders Markdown (plus its own directives) in st.markdown, titles, captions,
alerts, metric labels, help texts, widget labels, tabs, expanders, radio/segmented options and
st.table cells. Any text that comes from data (a school or user name, a note, an imported
file) goes through `md()` (one line) or `md_block()` (keeps line breaks) before it is placed
in such a call, so it shows as typed and never as a link, image, colour, icon, formula or
heading. `plain()` is for places that show text as it is (selectbox and multiselect options,
dataframe cells, page titles, chart text): there it only drops control characters.

Why not only backslashes: Streamlit linkifies bare URLs and e-mail addresses *after* Markdown
parsing (GFM autolink literals), so an escaped `https\\:\\/\\/…` still becomes a link. A word
joiner (U+2060, invisible and zero-width) after every colon and before every `@`, and inside
`www.`, breaks those patterns; the text looks and reads the same.

tests/test_security_static.py checks that no non-literal reaches a Markdown call without one
of these functions (or a reviewed producer of already-escaped Markdown).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

WORD_JOINER = "\u2060"
# C0 and C1 control characters except tab and newline (DEL included); they break exports
# and can hide text. Tab becomes a space below.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of
# them also neutralises Streamlit's `:colour[...]`, `:emoji:`, `:material/...:` and `$...$`.
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_WWW = re.compile(r"(w)(w)(w)(?=\\?\.)", re.IGNORECASE)


def plain(value: object) -> str:
    """The value as text without control characters (for places that show text literally)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return _CONTROL.sub("", str(value).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))


def _escape_line(line: str) -> str:
    # The joiner goes before `@` ahead of escaping, so the backslash stays next to its `@`.
    line = line.strip().replace("@", WORD_JOINER + "@")
    line = _PUNCT.sub(r"\\\1", line).replace(":", ":" + WORD_JOINER)
    return _WWW.sub(r"\1\2\3" + WORD_JOINER, line)


def md(value: object) -> str:
    """Data text for one line of Markdown: shown literally, line breaks become spaces."""
    return _escape_line(" ".join(plain(value).split()))


def md_block(value: object) -> str:
    """Data text that may span lines (a note): shown literally, with its line breaks.

    Every line is stripped (no indented code blocks) and escaped (no headings, lists, quotes
    or rules at line start); lines are joined with Markdown hard breaks.
    """
    lines = [_escape_line(line) for line in plain(value).split("\n")]
    return "  \n".join(line for line in lines if line) or ""


def md_join(values: Iterable[object], sep: str = ", ") -> str:
    """Several data values escaped and joined (the separator is ours, not data)."""
    return sep.join(md(v) for v in values)


def md_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are escaped, for st.table (which renders cells as Markdown)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: v if isinstance(v, int | float) else md(v))
    out.columns = [md(c) for c in out.columns]
    if not isinstance(out.index, pd.RangeIndex):
        out.index = out.index.map(md)
    return out


# The text builders of data_model.texts write Markdown around names that came from data
# (learning areas, domains, assessment names). Pages pass them a copy with those columns
# escaped, so every sentence they build is safe without data_model knowing about Markdown.
NAME_COLUMNS = ("learning_area", "domain", "assessment_name", "name")


def md_columns(frame: pd.DataFrame, columns: Iterable[str] = NAME_COLUMNS) -> pd.DataFrame:
    """A copy of `frame` with the given text columns escaped (missing values stay missing)."""
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = out[column].map(lambda v: v if _missing(v) else md(v))
    return out


def md_record(record: dict, columns: Iterable[str] = NAME_COLUMNS) -> dict:
    """`md_columns` for one row as a dict."""
    return {k: (md(v) if k in columns and not _missing(v) else v) for k, v in record.items()}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """Roughly what a reader sees of escaped text (for tests): escapes and joiners removed."""
    return _ESCAPED.sub(r"\1", markdown.replace(WORD_JOINER, ""))
