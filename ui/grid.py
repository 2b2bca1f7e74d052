"""The school-photo grid: one small `st.dataframe` per learning area, cells in the status colours.

Why this rendering (measured with bench/browser.py; numbers in README "Prestaties"):
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

from data_model.rules import Rules, StatusStyle, load_rules
from data_model.texts.explain import cell_label, why_colour
from data_model.texts.formatting import format_number, format_signed
from data_model.texts.legend import comparison_label
from data_model.vocabulary import TOO_FEW, TOTAL_LABEL
from ui.safe_text import md, md_record, plain

TREND_COLUMN = "Trend"
# What the number in a cell is: the judged difference (the default, what the colour decided on)
# or this year's own score (then the cells carry no colour, so the two never compete).
SHOW_DIFFERENCE = "verschil"
SHOW_SCORE = "score"
# Domains are indented under their learning area with an en space (the grid trims plain spaces).
_INDENT = "\u2002"
_LABEL_WIDTH = 190
_YEAR_WIDTH = 76
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


def _cell_text(row: dict, style: StatusStyle, show: str, rules: Rules) -> str:
    """The text of one cell: '< 5' when hidden; else the judged difference with the status
    symbol (only the symbol when there is no judgement), or this year's score."""
    if row["suppressed"]:
        return f"< {rules.min_group_size}"
    if show == SHOW_SCORE:
        return format_number(row.get("score_mean"))
    estimate = row.get("status_estimate")
    if estimate is None or pd.isna(estimate):
        return style.symbol
    return f"{format_signed(estimate)} {style.symbol}"


def grid_blocks(
    results: pd.DataFrame, rules: Rules | None = None, show: str = SHOW_DIFFERENCE
) -> list[GridBlock]:
    """Rows = learning area and its domains; columns = the trend, then the school years,
    newest first.

    The number in a coloured cell is the one the colour judged: `status_estimate`, the
    difference with the comparison group over the pooled school years (points, signed). With
    `show=SHOW_SCORE` the cells show that year's own score instead, without colours.
    Newest first: at 800 px beside the menu only the label, the trend and one or two years fit,
    and those must be the latest; older years scroll. `results` is `queries.school_results`
    (total, each area then its domains). The trend column shows the latest year's trend of
    each row. A year without a result (the school did not take part) is an empty white cell.
    """
    rules = rules or load_rules()
    if results.empty:
        return []
    years = sorted(results["school_year"].unique(), reverse=True)
    records = results.to_dict("records")
    # Dataframe cells show text literally: control characters dropped (ui.safe_text.plain).
    areas = [
        None if pd.isna(r["learning_area"]) else plain(str(r["learning_area"])) for r in records
    ]
    domains = [None if pd.isna(r["domain"]) else plain(str(r["domain"])) for r in records]
    labels = [cell_label(a, d) for a, d in zip(areas, domains, strict=True)]
    texts: dict[tuple[str, str], str] = {}
    css: dict[tuple[str, str], str] = {}
    for label, row in zip(labels, records, strict=True):
        style = rules.statuses[TOO_FEW if row["suppressed"] else row["status"]]
        key = (label, row["school_year"])
        texts[key] = _cell_text(row, style, show, rules)
        css[key] = (
            f"background-color: {style.colour}; color: {style.text_colour}"
            if show == SHOW_DIFFERENCE
            else ""
        )
    trends = {
        label: row["trend"]
        for label, row in zip(labels, records, strict=True)
        if row["school_year"] == years[0]
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
        columns = [area, TREND_COLUMN, *years]
        shown, styled = [], []
        for label, name, is_area in rows:
            trend = trends.get(label)
            shown.append(
                [
                    name,
                    f"{rules.trend_symbols[trend]} {rules.trend_labels[trend]}" if trend else "",
                    *(texts.get((label, y), "") for y in years),
                ]
            )
            styled.append(
                [
                    "font-weight: bold" if is_area else "",
                    "",
                    *(css.get((label, y), "") for y in years),
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
    """ "Alle schooljaren" or only those of the trend window. Returns the number of years to
    show (None = all)."""
    n_years = results["school_year"].nunique()
    window = rules.trend_max_years
    if n_years <= window:
        return None
    options = {f"Alle {n_years}": None, f"Laatste {window} (de trendperiode)": window}
    choice = st.segmented_control(
        "Schooljaren", list(options), default=next(iter(options)), key="grid_years",
        help="Het nieuwste schooljaar staat links, naast de trend; oudere jaren schuiven "
        "naar rechts.",
    )  # fmt: skip
    return options.get(choice) if choice else None


def pick_number(rules: Rules) -> str:
    """What the number in a cell is: the judged difference (default) or that year's score."""
    labels = {
        SHOW_DIFFERENCE: "Verschil (waarop de kleur steunt)",
        SHOW_SCORE: "Score van dat jaar",
    }
    choice = st.segmented_control(
        "Getal in de cel", list(labels), format_func=labels.__getitem__, default=SHOW_DIFFERENCE,
        key="grid_number",
        help=f"Verschil: het verschil met {comparison_label(rules)} over de laatste "
        f"{rules.status_years} schooljaren samen, in punten: precies wat de kleur beoordeelt. "
        "Score: het schoolgemiddelde van dat ene jaar, zonder kleur (toetsen van verschillende "
        "jaren zijn niet dezelfde, dus ruwe scores vergelijk je niet over de jaren).",
    )  # fmt: skip
    return choice or SHOW_DIFFERENCE


def render_grid(
    results: pd.DataFrame,
    rules: Rules | None = None,
) -> tuple[str, str] | None:
    """Draw the grid; under the learning area of the clicked cell, its "waarom deze kleur?".

    Returns the picked (row label, school year), or None before any click.
    """
    rules = rules or load_rules()
    with st.container(horizontal=True, gap="medium"):
        n_years = pick_years(results, rules)
        show = pick_number(rules)
    results = recent_years(results, n_years)
    blocks = grid_blocks(results, rules, show)
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
        for column in years:
            config[column] = st.column_config.TextColumn(column, width=_YEAR_WIDTH)
        event = st.dataframe(
            styler,
            key=block.key,
            hide_index=True,
            width="content",
            row_height=_ROW_HEIGHT,
            on_select=lambda k=block.key: _on_pick(k, keys),
            selection_mode="single-cell",
            column_config=config,
            alt=f"Schoolfoto-raster {block.title}: kleurcode en verschil per schooljaar",
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
