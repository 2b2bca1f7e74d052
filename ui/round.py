"""Building blocks of the Ronde page: state words, a school's colours on one line, the
sentences of Start, and the download of all conversation sheets with a progress bar."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from data_model.exports.round_sheets import build_round_sheets
from data_model.reading.access import Viewer
from data_model.rules import Rules
from data_model.state import audit
from data_model.texts.explain import highlights
from data_model.texts.formatting import format_date
from data_model.vocabulary import (
    NOTE_STEP_LABELS,
    ROUND_FOLLOW_UP,
    ROUND_HELD,
    ROUND_STATE_LABELS,
)
from ui.components import log_audit
from ui.data import cursor
from ui.errors import log_exception
from ui.overview import cell_markdown
from ui.safe_text import md, md_columns

# The date that goes with a dated state, as its input is labelled.
DATE_LABELS = {ROUND_HELD: "Gehouden op", ROUND_FOLLOW_UP: "Opvolging tegen"}
# As many domains as Start's brief names: the round shows the same sentences as Start.
BRIEF_DOMAINS = 3
_SHEETS_KEY = "round_sheets"


def state_badge(state: str, state_date: str | None) -> str:
    """'Gesprek gehouden op 04/03/2025', 'Voorbereid', …"""
    label = ROUND_STATE_LABELS[state]
    if isinstance(state_date, str) and state in DATE_LABELS:
        word = "op" if state == ROUND_HELD else "tegen"
        return f"**{label} {word} {format_date(state_date)}**"
    return f"**{label}**"


def compact_status_line(results: pd.DataFrame, rules: Rules, names: bool = True) -> str:
    """The learning areas of the latest school year on one line: name (or, in a table whose
    header says it, the initial), colour with symbol and judged estimate, and the trend arrow
    when it rises or falls."""
    if results.empty:
        return ""
    latest = results["school_year"].max()
    areas = results[
        (results["school_year"] == latest)
        & results["domain"].isna()
        & results["learning_area"].notna()
    ]
    parts = [
        (f"{md(r.learning_area)} " if names else "")
        + cell_markdown(r.status, r.status_estimate, r.trend, bool(r.suppressed), rules)
        for r in areas.itertuples(index=False)
    ]
    if not parts:
        return ""
    return (f"{latest}: " if names else "") + " · ".join(parts)


def overview_markdown(overview: pd.DataFrame, details: dict, rules: Rules) -> str:
    """The whole round in one table: per school its state, its colours this year and what
    last year's conversation left (notes per step, open actions)."""
    # The results column names its learning areas once, in its header, in cell order.
    results = pd.concat([d.results for d in details.values()], ignore_index=True)
    areas = results[results["domain"].isna() & results["learning_area"].notna()]
    names = " · ".join(md(a) for a in areas.sort_values("area_order")["learning_area"].unique())
    lines = [
        f"| School | Stand | Resultaten ({names}) | Vorig jaar |",
        "| :-- | :-- | :-- | :-- |",
    ]
    # pandas-stubs types a named tuple's fields as any scalar; the query fixes the columns.
    row: Any
    for row in overview.itertuples(index=False):
        info = details[row.school_id]
        colours = compact_status_line(info.results, rules, names=False) or "–"
        last = last_year_summary(info.last_year)
        if row.open_actions:
            last += f" (**{row.open_actions} open**)"
        lines.append(
            f"| {md(row.name)} | {state_badge(row.round_state, row.state_date)} | {colours} | "
            f"{last or 'niets genoteerd'} |"
        )
    return "\n".join(lines)


def last_year_summary(last_year: dict[str, list]) -> str:
    """'Wat valt op: 1 · Hypothesen: 2 · Acties: 2' (steps without notes left out)."""
    return " · ".join(
        f"{NOTE_STEP_LABELS[step]}: {len(items)}" for step, items in last_year.items() if items
    )


def round_highlights(results: pd.DataFrame, rules: Rules) -> list[str]:
    """'Wat valt op?' in the words of Start (texts.explain.highlights, escaped names)."""
    if results.empty:
        return []
    return highlights(md_columns(results), rules, max_domains=BRIEF_DOMAINS)


def build_sheets(viewer: Viewer, school_ids: list[str], year: str) -> None:
    """A button that makes the zip of all chosen sheets with a progress bar, then offers it.

    Built on the click (not on every rerun) and kept in the session until the choice
    changes, so the download button serves the same bytes the progress bar just made.
    """
    wanted = (tuple(school_ids), year)
    made = st.session_state.get(_SHEETS_KEY)
    if st.button(
        f"Maak {len(school_ids)} gespreksbladen (zip)",
        type="primary",
        icon=":material/picture_as_pdf:",
        disabled=not school_ids,
    ):
        bar = st.progress(0.0, text="Gespreksbladen maken …")

        def progress(done: int, total: int, name: str) -> None:
            text = f"Gespreksblad {done + 1} van {total}: {md(name)}" if done < total else "Klaar"
            bar.progress(done / total, text=text)

        try:
            data = build_round_sheets(cursor(), viewer, list(school_ids), year, progress)
        except Exception as exc:  # the anker gets a Dutch message, the log the details
            reference = log_exception(exc, "building the round's sheets")
            st.error(
                "De gespreksbladen konden niet gemaakt worden. Probeer opnieuw; blijft het "
                f"probleem, geef dan deze referentie door aan de beheerder: **{reference}**."
            )
            return
        for school_id in school_ids:  # one line per school: whose data left the app
            log_audit(viewer, audit.EXPORT, school_id=school_id, detail="gespreksbladen ronde")
        made = (wanted, data)
        st.session_state[_SHEETS_KEY] = made
    if made is not None and made[0] == wanted:
        st.download_button(
            f"Download de zip ({len(school_ids)} gespreksbladen)",
            data=made[1],
            file_name=f"gespreksbladen-{year}.zip",
            mime="application/zip",
            icon=":material/download:",
            on_click="ignore",
        )
