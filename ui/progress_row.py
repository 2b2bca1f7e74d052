"""Learning gain (leerwinst) as a row of the school photo and a table on Trends.

The latest linked cohort of the school, per learning area: the verdict in the photo's own
colours, the judged gain in points with its interval, and how many grade-6 pupils could be
linked. The number beside the colour is the one the colour judged (`progress_estimate`), as
in every other cell of the photo.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_model.reading.access import Viewer
from data_model.reading.progress import school_progress
from data_model.rules import Rules
from data_model.texts.formatting import format_number, format_signed
from data_model.texts.legend import interval_text
from data_model.vocabulary import LEARNING_GAIN_ROLES
from ui.class_tables import HIDDEN, progress_table
from ui.components import status_badge
from ui.data import query, withheld_ids
from ui.safe_text import md

GAIN_EXPLAINED = (
    "Leerwinst: de score in het 6de leerjaar min de score die leerlingen met dezelfde score in "
    "het 4de leerjaar in heel Vlaanderen halen, gemiddeld over de gekoppelde leerlingen, met de "
    "betrouwbaarheid van de kleuren. Alleen leerlingen die in het 4de en het 6de leerjaar in "
    "deze school zaten, tellen mee: wie van school veranderde, is niet gekoppeld."
)
NO_GAIN_YET = (
    "Nog geen leerwinst: daarvoor zijn de Vlaamse toetsen van het 4de leerjaar van dezelfde "
    "leerlingen nodig, twee schooljaren eerder, met hetzelfde leerlingnummer."
)


def latest_cohort_lines(gain: pd.DataFrame, rules: Rules) -> tuple[str, list[str]]:
    """(the cohort in words, one Markdown line per cell) for the newest cohort of `gain`
    (school_progress rows): total first, then the learning areas. Pure: tested without a page."""
    newest = gain[gain["to_year"] == gain["to_year"].max()]
    first = newest.iloc[0]
    heading = (
        f"{md(first['from_name'])} {first['from_year']} → {md(first['to_name'])} "
        f"{first['to_year']}, dezelfde leerlingen"
    )
    lines = []
    for r in newest.itertuples(index=False):
        area = "Totaal" if pd.isna(r.learning_area) else md(r.learning_area)
        if r.suppressed or pd.isna(r.n_linked):
            lines.append(f"- **{area}**: {HIDDEN} (minder dan {rules.min_group_size} gekoppeld)")
            continue
        linked = f"{int(r.n_linked)} lln. gekoppeld ({format_number(r.pct_linked, 0)} %)"
        if pd.isna(r.progress_estimate):
            lines.append(f"- **{area}**: geen oordeel · {linked}")
            continue
        lines.append(
            f"- **{area}**: {status_badge(r.status, rules)} **{format_signed(r.progress_estimate)}"
            f"** punten (interval {interval_text(r.ci_low, r.ci_high)}) · {linked}"
        )
    return heading, lines


def shows_learning_gain(viewer: Viewer, school_id: str, grade: int) -> bool:
    """A grade-6 test, a role that sees learning gain, and a school that shares it with them."""
    return (
        grade == 6 and viewer.role in LEARNING_GAIN_ROLES and school_id not in withheld_ids(viewer)
    )


def render_progress_row(
    viewer: Viewer, school_id: str, assessment_id: str, grade: int, rules: Rules
) -> None:
    """The school photo's learning-gain row, for a grade-6 test (nothing for other tests, or
    for a school whose Vlaamse toetsen this viewer may not see)."""
    if not shows_learning_gain(viewer, school_id, grade):
        return
    gain = query(school_progress, viewer, school_id, assessment_id)
    if gain.empty:
        return
    heading, lines = latest_cohort_lines(gain, rules)
    with st.container(border=True):
        st.markdown("#### Leerwinst sinds het 4de leerjaar")
        st.caption(heading)
        st.markdown("\n".join(lines))
        st.caption(GAIN_EXPLAINED + " Alle cohortes staan op de pagina Trends.")


def render_progress_table(
    viewer: Viewer, school_id: str, assessment_id: str, grade: int, rules: Rules
) -> None:
    """Every cohort's learning gain on Trends, with its trend when there are enough cohorts."""
    if not shows_learning_gain(viewer, school_id, grade):
        return
    gain = query(school_progress, viewer, school_id, assessment_id)
    st.subheader("Leerwinst sinds het 4de leerjaar")
    if gain.empty:
        st.info(NO_GAIN_YET)
        return
    labels = {code: s.label for code, s in rules.statuses.items()}
    st.dataframe(progress_table(gain, labels), hide_index=True, width="stretch")
    st.caption(GAIN_EXPLAINED)
