"""The region's overview as a compact, accessible table: schools x learning areas.

A Markdown table (st.markdown renders a real HTML <table> with header cells, so a screen
reader reads it row by row and column by column), not a chart: it wraps long names and
headers instead of dropping them, so at 800 px every column stays identifiable and no value is
clipped. Each cell is the status colour with its symbol and the judged estimate
(`status_estimate`, points, signed), plus an arrow when the trend rises or falls; the legend
below names every symbol in words, and the interval is one click away (`school_details`).
Names are escaped here (ui.safe_text.md); everything else is a number or rules.toml text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from data_model.exports.region_overview import (
    MOVING,
    NO_GROUP,
    build_region_pdf,
    build_region_xlsx,
    cell_text,
)
from data_model.reading.access import Viewer
from data_model.reading.comparisons import Filters
from data_model.rules import Rules, load_rules
from data_model.texts.explain import TOTAL_LABEL
from data_model.texts.formatting import format_signed
from data_model.texts.legend import comparison_label, status_meanings, trend_meanings
from data_model.vocabulary import HIGHER, LOWER, STATUS_SIGN, TREND_SIGN
from ui.components import export_button
from ui.data import cursor
from ui.safe_text import md

PUPILS_HEADER = "Lln."  # leerlingen: short, so the column stays narrow at 800 px


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA


def cell_markdown(
    status: str, estimate: float | None, trend: str | None, suppressed: bool, rules: Rules
) -> str:
    """One cell: the text of `region_overview.cell_text` on the status colour. Below the
    privacy minimum nothing of the cell is shown, only that it is too small (no colour)."""
    text = cell_text(status, estimate, trend, suppressed, rules)
    if suppressed:
        return text
    arrow = f" {rules.trend_symbols[trend]}" if trend in MOVING else ""
    style = rules.statuses[status]
    badge = text.removesuffix(arrow)
    return f':color[{badge}]{{foreground="{style.text_colour}" background="{style.colour}"}}{arrow}'


def areas_in_order(matrix: pd.DataFrame) -> list[str]:
    """Total first, then the learning areas in the order of the school photo."""
    rows = matrix.sort_values("area_order")
    labels = [TOTAL_LABEL if _missing(a) else a for a in rows["learning_area"]]
    ordered = sorted(set(labels), key=lambda a: (a != TOTAL_LABEL, labels.index(a)))
    return ordered


def _rows(matrix: pd.DataFrame, rules: Rules, areas: list[str]) -> list[list[str]]:
    latest = matrix["school_year"].max()
    out = []
    for (_school_id, name), school in matrix.groupby(["school_id", "name"], sort=False):
        # pandas-stubs types a named tuple's fields as any scalar; the query fixes the columns.
        by_area: dict[str, Any] = {
            TOTAL_LABEL if _missing(r.learning_area) else str(r.learning_area): r
            for r in school.itertuples(index=False)
        }
        first = school.iloc[0]
        label = f"{md(name)}"
        if first["school_year"] != latest:  # a school without this year's results
            label += f" :gray[({first['school_year']})]"
        total = by_area.get(TOTAL_LABEL)
        pupils = (
            f"< {rules.min_group_size}"
            if total is None or total.suppressed or _missing(total.n_pupils)
            else str(int(total.n_pupils))
        )
        cells = [
            cell_markdown(r.status, r.status_estimate, r.trend, bool(r.suppressed), rules)
            if (r := by_area.get(area)) is not None
            else "–"
            for area in areas
        ]
        out.append([label, pupils, *cells])
    return out


def matrix_markdown(matrix: pd.DataFrame, rules: Rules | None = None) -> str:
    """The table as Markdown: one row per school, in the order of `matrix` (by name)."""
    rules = rules or load_rules()
    if matrix.empty:
        return ""
    areas = areas_in_order(matrix)
    header = ["School", PUPILS_HEADER, *(md(a) for a in areas)]
    lines = [
        "| " + " | ".join(header) + " |",
        "| :-- | --: | " + " | ".join(":-:" for _ in areas) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(matrix, rules, areas)]
    return "\n".join(lines)


def legend_markdown(rules: Rules | None = None) -> str:
    """Every symbol of the table in words (status colours, the two trend arrows, < 5)."""
    rules = rules or load_rules()
    parts = [
        cell_markdown(status, None, None, False, rules) + f" {rules.statuses[status].label}"
        for status in status_meanings(rules)
    ]
    trends = trend_meanings(rules)
    arrows = "; ".join(f"{rules.trend_symbols[t]} {trends[t]}" for t in MOVING)
    return (
        " · ".join(parts)
        + f" · < {rules.min_group_size}: te weinig leerlingen, niets getoond.  \n"
        + f"Het getal is het verschil met {comparison_label(rules)} in punten over de laatste "
        f"{rules.status_years} schooljaren samen: wat de kleur beoordeelt. {arrows}; geen "
        "pijl: geen duidelijke trend."
    )


def details_markdown(school: pd.DataFrame, rules: Rules | None = None) -> str:
    """One school's cells in words: colour, estimate, its interval, trend, pupils."""
    rules = rules or load_rules()
    lines = [
        "| Leergebied | Kleur | Verschil | Interval | Trend | Leerlingen |",
        "| :-- | :-- | --: | :-- | :-- | --: |",
    ]
    # pandas-stubs types a named tuple's fields as any scalar; the query fixes the columns.
    row: Any
    for row in school.sort_values("area_order").itertuples(index=False):
        area = TOTAL_LABEL if _missing(row.learning_area) else md(row.learning_area)
        if row.suppressed:
            small = f"< {rules.min_group_size}"
            lines.append(f"| {area} | te weinig leerlingen | – | – | – | {small} |")
            continue
        style = rules.statuses[row.status]
        badge = cell_markdown(row.status, None, None, False, rules) + f" {style.label}"
        interval = (
            "–"
            if _missing(row.ci_low)
            else f"{format_signed(row.ci_low)} tot {format_signed(row.ci_high)}"
        )
        trend = f"{rules.trend_symbols[row.trend]} {rules.trend_labels[row.trend]}"
        pupils = "–" if _missing(row.n_pupils) else str(int(row.n_pupils))
        lines.append(
            f"| {area} | {badge} | {format_signed(row.status_estimate)} | {interval} | "
            f"{trend} | {pupils} |"
        )
    return "\n".join(lines)


def school_counts(matrix: pd.DataFrame) -> dict[str, set[str]]:
    """Which schools have a learning area lower, higher, or rising/falling (Start's counts):
    the sets, so a page can also show which schools they are."""
    areas = matrix[matrix["learning_area"].notna() & ~matrix["suppressed"].astype(bool)]
    sign = areas["status"].map(STATUS_SIGN)
    move = areas["trend"].map(TREND_SIGN) != 0
    return {
        LOWER: set(areas.loc[sign < 0, "school_id"]),
        HIGHER: set(areas.loc[sign > 0, "school_id"]),
        "moving": set(areas.loc[move, "school_id"]),
    }


def render_region_overview(
    viewer: Viewer,
    matrix: pd.DataFrame,
    assessment_id: str,
    school_year: str | None,
    filters: Filters,
    key: str,
    rules: Rules | None = None,
) -> None:
    """The table (or one per scholengemeenschap), its legend, one school's cells in words,
    and the overview as PDF (A4 landscape) and Excel, built on click and logged."""
    rules = rules or load_rules()
    by_community = st.toggle("Per scholengemeenschap", key=f"{key}-per-sg")
    # The key gives the table its compact style (ui.style: `overzicht-…`).
    with st.container(key=f"overzicht-{key}"):
        if by_community:
            named = matrix.assign(_sg=matrix["community_name"].fillna(NO_GROUP))
            for group in sorted(named["_sg"].unique(), key=lambda g: (g == NO_GROUP, g)):
                st.markdown(f"**{md(group)}**")
                st.markdown(matrix_markdown(named[named["_sg"] == group], rules))
        else:
            st.markdown(matrix_markdown(matrix, rules))
        st.caption(legend_markdown(rules))
    names = dict(zip(matrix["school_id"], matrix["name"], strict=False))
    picked = st.selectbox(
        "Uitleg per leergebied (met het interval) van",
        list(names),
        index=None,
        placeholder="Kies een school",
        format_func=names.__getitem__,
        key=f"{key}-details",
    )
    if picked:
        st.markdown(details_markdown(matrix[matrix["school_id"] == picked], rules))
        st.caption(
            "Interval: waar het verschil met vergelijkbare scholen over de laatste "
            f"{rules.status_years} schooljaren samen met grote zekerheid ligt; de kleur volgt "
            "eruit (zie Uitleg)."
        )
    stem = f"overzicht-scholen-{school_year or 'laatste-schooljaar'}"
    shown_ids = tuple(dict.fromkeys(matrix["school_id"]))  # the files hold what the page shows

    def deferred(build: Callable[..., bytes]) -> Callable[[], bytes]:
        # Binds this button's builder; a fresh cursor when the file is built. (A lambda with
        # `build=build` as a default would do the same, but mypy cannot infer its type.)
        return lambda: build(
            cursor(), viewer, assessment_id, school_year, filters, by_community, shown_ids
        )

    with st.container(horizontal=True):
        for kind, label, what, build in (
            ("pdf", "Overzicht als PDF (A4 liggend)", "Overzicht scholen (PDF)", build_region_pdf),
            ("xlsx", "Overzicht als Excel", "Overzicht scholen (Excel)", build_region_xlsx),
        ):
            export_button(
                label, viewer, None, what, deferred(build), f"{stem}.{kind}", key=f"{key}-{kind}"
            )
