"""The school-photo grid: one small `st.dataframe` per learning area, cells in the status colours.

Why this rendering (issue 13, measured with bench/browser.py; numbers in README "Prestaties"):
the Vega grid cost 1.2–1.7 s of drawing on top of Streamlit's shell, dropped every other year
header at 1280 px and faded all other cells on a click. Streamlit's own dataframe (a canvas
grid that Streamlit loads anyway) draws in a few tens of milliseconds, keeps every column
header, scrolls sideways with the labels pinned at 800 px, is keyboard navigable (arrow keys,
space) and outlines the clicked cell while leaving the others as they are.

One block per learning area (the total first) gives the visible separation between learning
areas, and lets the explanation of a clicked cell appear right under that learning area, on
the same screen as the cell. Column widths are fixed so the blocks line up as one grid.

The pure part (`grid_blocks`) builds display strings and CSS from rows the data layer already
suppressed; it is tested without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from data_model.rules import Rules, load_rules
from data_model.texts.explain import cell_label, why_colour
from data_model.texts.formatting import format_number
from data_model.vocabulary import TOTAL_LABEL
from ui.safe_text import md, md_record, plain

TREND_COLUMN = "Trend"
# Domains are indented under their learning area with an en space (the grid trims plain spaces).
_INDENT = "\u2002"
_LABEL_WIDTH = 190
_YEAR_WIDTH = 69
_TREND_WIDTH = 160
_ROW_HEIGHT = 32
_PICK_KEY = "grid_pick"  # session key: (block key, row label, school year) of the clicked cell


@dataclass(frozen=True)
class GridBlock:
    """One learning area (or the total): a table of display strings and a table of CSS."""

    key: str
    title: str
    table: pd.DataFrame
    styles: pd.DataFrame
    labels: tuple[str, ...]  # cell_label of each row ('Wiskunde – Meetkunde'), for the explainer


def grid_blocks(results: pd.DataFrame, rules: Rules | None = None) -> list[GridBlock]:
    """Rows = learning area and its domains, columns = every school year, then the trend.

    `results` is `queries.school_results` (already sorted: total, each area then its
    domains). The trend column shows the latest year's trend verdict of each row. A year
    without a result (the school did not take part) is an empty white cell.
    """
    rules = rules or load_rules()
    if results.empty:
        return []
    years = sorted(results["school_year"].unique())
    areas = [None if pd.isna(a) else str(a) for a in results["learning_area"]]
    domains = [None if pd.isna(d) else str(d) for d in results["domain"]]
    suppressed = results["suppressed"].astype(bool).tolist()
    styles = [
        rules.statuses["too_few" if hidden else status]
        for hidden, status in zip(suppressed, results["status"], strict=True)
    ]
    # Dataframe cells show text literally: control characters dropped (ui.safe_text.plain).
    areas = [None if a is None else plain(a) for a in areas]
    domains = [None if d is None else plain(d) for d in domains]
    labels = [cell_label(a, d) for a, d in zip(areas, domains, strict=True)]
    texts = {
        (label, year): f"< {rules.min_group_size}"
        if hidden
        else f"{format_number(score)} {style.symbol}"
        for label, year, hidden, score, style in zip(
            labels, results["school_year"], suppressed, results["score_mean"], styles, strict=True
        )
    }
    css = {
        (label, year): f"background-color: {style.colour}; color: {style.text_colour}"
        for label, year, style in zip(labels, results["school_year"], styles, strict=True)
    }
    trends = {
        label: trend
        for label, year, trend in zip(labels, results["school_year"], results["trend"], strict=True)
        if year == years[-1]
    }
    # Plain dicts, not pivots: pandas' reshaping cost 100 ms here for 150 cells.
    order: dict[str, list[tuple[str, str, bool]]] = {}
    for label, area, domain in zip(labels, areas, domains, strict=True):
        rows = order.setdefault(area or TOTAL_LABEL, [])
        if not rows or rows[-1][0] != label:
            name = _INDENT + domain if domain else (area or TOTAL_LABEL)
            rows.append((label, name, domain is None))
    blocks: list[GridBlock] = []
    for number, (area, rows) in enumerate(order.items()):
        columns = [area, *years, TREND_COLUMN]
        shown, styled = [], []
        for label, name, is_area in rows:
            trend = trends.get(label)
            shown.append(
                [
                    name,
                    *(texts.get((label, y), "") for y in years),
                    f"{rules.trend_symbols[trend]} {rules.trend_labels[trend]}" if trend else "",
                ]
            )
            styled.append(
                [
                    "font-weight: bold" if is_area else "",
                    *(css.get((label, y), "") for y in years),
                    "",
                ]
            )
        blocks.append(
            GridBlock(
                key=f"raster-{number}",
                title=area,
                table=pd.DataFrame(shown, columns=columns),
                styles=pd.DataFrame(styled, columns=columns),
                labels=tuple(r[0] for r in rows),
            )
        )
    return blocks


def picked_cell(block: GridBlock, selection: dict | None) -> tuple[str, str | None] | None:
    """(row label, school year) of a cell selection in `block`; year None for the label or
    trend column (the explainer then shows the latest year)."""
    cells = ((selection or {}).get("selection") or {}).get("cells") or []
    if not cells:
        return None
    row, column = cells[0][0], cells[0][1]
    if not 0 <= int(row) < len(block.labels):
        return None
    year = None if column in (block.title, TREND_COLUMN) else str(column)
    return block.labels[int(row)], year


def _on_pick(picked_key: str, all_keys: tuple[str, ...]) -> None:
    """One cell is picked in the whole grid: a click in one block clears the others."""
    state = st.session_state.get(picked_key)
    cells = ((state or {}).get("selection") or {}).get("cells") or []
    if cells:
        st.session_state[_PICK_KEY] = picked_key
        for key in all_keys:
            if key != picked_key and key in st.session_state:
                st.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": []}}
    elif st.session_state.get(_PICK_KEY) == picked_key:
        st.session_state.pop(_PICK_KEY, None)


def recent_years(results: pd.DataFrame, n: int | None) -> pd.DataFrame:
    """Only the last `n` school years (None = all); the trend column is the latest year's."""
    if n is None or results.empty:
        return results
    keep = sorted(results["school_year"].unique())[-n:]
    return results[results["school_year"].isin(keep)]


def pick_years(results: pd.DataFrame, rules: Rules) -> int | None:
    """ "Alle schooljaren" or only those of the trend window: at 1024 px (a projector) or 800 px
    beside the menu, eight years and the trend do not fit and the latest year would be the
    one scrolled out of sight. Returns the number of years to show (None = all)."""
    n_years = results["school_year"].nunique()
    window = rules.trend_max_years
    if n_years <= window:
        return None
    options = {f"Alle {n_years}": None, f"Laatste {window} (de trendperiode)": window}
    choice = st.segmented_control(
        "Schooljaren", list(options), default=next(iter(options)), key="grid_years",
        help="Op een smal scherm of een projector past de trendperiode zonder schuiven; of "
        "klap het menu links in (‹‹).",
    )  # fmt: skip
    return options.get(choice) if choice else None


def render_grid(
    results: pd.DataFrame,
    rules: Rules | None = None,
) -> tuple[str, str] | None:
    """Draw the grid; under the learning area of the clicked cell, its "waarom deze kleur?".

    Returns the picked (row label, school year), or None before any click.
    """
    rules = rules or load_rules()
    results = recent_years(results, pick_years(results, rules))
    blocks = grid_blocks(results, rules)
    keys = tuple(b.key for b in blocks)
    latest = max(results["school_year"]) if not results.empty else None
    labels_of = results.assign(
        _label=[
            cell_label(
                None if pd.isna(a) else plain(a),
                None if pd.isna(d) else plain(d),
            )
            for a, d in zip(results["learning_area"], results["domain"], strict=True)
        ]
    )
    picked: tuple[str, str] | None = None
    for block in blocks:
        styler = block.table.style.apply(lambda _df, css=block.styles: css, axis=None)
        years = [c for c in block.table.columns if c not in (block.title, TREND_COLUMN)]
        config: dict = {
            block.title: st.column_config.TextColumn(block.title, width=_LABEL_WIDTH, pinned=True),
            TREND_COLUMN: st.column_config.TextColumn(
                TREND_COLUMN,
                width=_TREND_WIDTH,
                help=f"Trend over de laatste {rules.trend_max_years} schooljaren tot {latest}",
            ),
        }
        for year in years:
            config[year] = st.column_config.TextColumn(year, width=_YEAR_WIDTH)
        event = st.dataframe(
            styler,
            key=block.key,
            hide_index=True,
            width="content",
            row_height=_ROW_HEIGHT,
            on_select=lambda k=block.key: _on_pick(k, keys),
            selection_mode="single-cell",
            column_config=config,
            alt=f"Schoolfoto-raster {block.title}: score en kleurcode per schooljaar",
        )
        if st.session_state.get(_PICK_KEY) != block.key:
            continue
        cell = picked_cell(block, event)
        if cell is None:
            continue
        label, year = cell
        year = year or latest
        match = labels_of[(labels_of["_label"] == label) & (labels_of["school_year"] == year)]
        with st.container(border=True, key=f"uitleg-{block.key}"):
            st.markdown("##### Waarom deze kleur?")
            if match.empty:
                st.caption(f"Geen resultaat voor {md(label)} in {year}.")
            else:
                # Data text in the Markdown explanation is escaped (ui.safe_text).
                row = match.drop(columns="_label").iloc[0].to_dict()
                st.markdown(why_colour(md_record(row), rules))
        picked = (label, str(year))
    return picked
