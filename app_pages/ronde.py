"""Ronde: the anker's schools in one view, with where each conversation stands. Layout only.

Visible to anker, regioteam and beheerder (ui.navigation); the reads refuse a directeur.
The state of a conversation is saved the moment it is clicked (a widget callback, before the
rerun), and every change is kept with who made it (data_model.state.rounds).
"""

from datetime import date

import streamlit as st

from data_model.reading import anker_round, comparisons
from data_model.reading.scope import request
from data_model.rules import load_rules
from data_model.state import note_steps, rounds
from data_model.texts.formatting import format_date, format_timestamp, previous_school_year
from data_model.vocabulary import (
    NOTE_STEP_LABELS,
    ROUND_DATED_STATES,
    ROUND_HELD,
    ROUND_STATE_LABELS,
    ROUND_STATES,
    STEP_NOTE,
)
from ui import conversation as conv
from ui.data import cursor, db_path, get_database, query
from ui.round import (
    DATE_LABELS,
    build_sheets,
    compact_status_line,
    last_year_summary,
    overview_markdown,
    round_highlights,
    state_badge,
)
from ui.safe_text import md

rules = load_rules()
viewer = st.session_state["viewer"]
db = get_database(db_path())

st.title("Ronde van het anker")
st.caption(
    "Uw scholen in één overzicht: hoe ver elk datagesprek staat, wat er dit jaar opvalt, wat "
    "vorig jaar besproken en beslist is, en uw eigen voorbereiding. Op naam gesorteerd, niet "
    "op resultaat."
)
conv.show_flash()

years = query(comparisons.comparison_years, viewer, anker_round.ROUND_ASSESSMENT)
if not years:
    st.info("Voor uw scholen zijn nog geen toetsresultaten ingelezen.")
    st.stop()
year = st.selectbox("Schooljaar", years[::-1], key="round_year")
con = cursor()
with request(con, viewer):  # one scope check and one read of each result for this rerun
    overview = anker_round.round_overview(con, viewer, year)
    details = {
        sid: anker_round.round_school(con, viewer, sid, year) for sid in overview["school_id"]
    }
if overview.empty:
    st.info("Er zijn (nog) geen scholen aan uw account gekoppeld.")
    st.stop()

with st.container(key="overzicht-ronde"):  # the compact table style (ui.style)
    st.markdown(overview_markdown(overview, details, rules))
st.caption(
    "Resultaten: OVSG-toets, kleur en verschil met vergelijkbare scholen over de laatste "
    f"schooljaren samen; ↗/↘ stijgt of daalt. Vorig jaar: de notities van het datagesprek van "
    f"{previous_school_year(year)}. Hieronder per school de details en de stand aanpassen."
)
counts = overview["round_state"].value_counts()
shown_states = st.pills(
    "Toon",
    ROUND_STATES,
    selection_mode="multi",
    format_func=lambda s: f"{ROUND_STATE_LABELS[s]} ({int(counts.get(s, 0))})",
    key="round_filter",
    help="Geen keuze: alle scholen.",
)
view = overview[overview["round_state"].isin(shown_states)] if shown_states else overview
if view.empty:
    st.info("Geen scholen met deze stand van het gesprek. Kies een andere stand hierboven.")


def save_state(school_id: str, widget: str) -> None:
    """Callback of the state control: runs before the rerun, so the page shows the new state."""
    try:
        rounds.set_round_state(db, viewer, school_id, year, st.session_state[widget])
    except (rounds.RoundError, PermissionError) as problem:
        conv.flash_error(str(problem))


def save_date(school_id: str, state: str, widget: str) -> None:
    try:
        rounds.set_round_state(db, viewer, school_id, year, state, st.session_state[widget])
    except (rounds.RoundError, PermissionError) as problem:
        conv.flash_error(str(problem))


for row in view.itertuples(index=False):
    info = details[row.school_id]
    state_key, date_key = f"round-state-{row.school_id}-{year}", f"round-date-{row.school_id}"
    # The stored state wins over what the widget remembers: a colleague may have changed it.
    st.session_state[state_key] = row.round_state
    with st.container(border=True):
        community = f" · {md(row.community_name)}" if isinstance(row.community_name, str) else ""
        st.markdown(f"#### {md(row.name)}\n:gray[{md(row.school_id)}{community}]")
        st.segmented_control(
            "Stand van het gesprek",
            ROUND_STATES,
            format_func=ROUND_STATE_LABELS.__getitem__,
            required=True,
            key=state_key,
            on_change=save_state,
            args=(row.school_id, state_key),
        )
        if row.round_state in ROUND_DATED_STATES:
            st.session_state[date_key] = date.fromisoformat(row.state_date)
            st.date_input(
                DATE_LABELS[row.round_state],
                format="DD/MM/YYYY",
                key=date_key,
                on_change=save_date,
                args=(row.school_id, row.round_state, date_key),
            )
        if isinstance(row.changed_by, str):
            st.caption(
                f"{state_badge(row.round_state, row.state_date)} · gewijzigd door "
                f"{md(row.changed_by)} op {format_timestamp(row.changed_at)}"
            )
            with st.popover("Alle wijzigingen", icon=":material/history:"):
                history = rounds.round_history(con, viewer, row.school_id, year)
                st.markdown(
                    "\n".join(
                        f"- {state_badge(h.round_state, h.state_date)}: {md(h.changed_by)}, "
                        f"{format_timestamp(h.changed_at)}"
                        for h in history.itertuples(index=False)
                    )
                )
        st.markdown(compact_status_line(info.results, rules) or "Geen resultaten dit jaar.")
        sentences = round_highlights(info.results, rules)
        st.markdown(
            "**Wat valt op?**\n"
            + ("\n".join(f"- {s}" for s in sentences) or "- Niets opvallends in de resultaten.")
        )
        last = info.last_year
        summary = last_year_summary(last)
        with st.expander(
            f"Vorig jaar ({md(info.previous_year)}): {summary or 'niets genoteerd'}"
            + (f" · {int(row.open_actions)} open acties" if row.open_actions else "")
        ):
            if not summary:
                st.caption("Vorig jaar is voor deze school niets genoteerd.")
            for step, items in last.items():
                if items:
                    st.markdown(f"**{NOTE_STEP_LABELS[step]}**")
                    for note in items:
                        st.markdown(conv.note_markdown(note, {}))
        with st.expander(f"Eigen voorbereiding (intern, {len(info.preparation)} notities)"):
            for note in info.preparation:
                st.markdown(conv.note_markdown(note, {}))
                st.caption(conv.note_meta(note))
            conv.add_form(
                db,
                viewer,
                row.school_id,
                year,
                STEP_NOTE,
                {},
                note_steps.STEPS[STEP_NOTE].add_title,
                scope=conv.notes.SCOPE_PREPARATION,
                key=row.school_id,
            )
        with st.container(horizontal=True):
            link = {"query_params": {"school": row.school_id}}
            st.page_link(
                "app_pages/voorbereiding.py",
                label="Voorbereiding",
                icon=":material/assignment:",
                **link,
            )
            st.page_link(
                "app_pages/datagesprek.py", label="Datagesprek", icon=":material/forum:", **link
            )

# ------------------------------------------------------------------ all sheets at once
st.subheader("Gespreksbladen van de ronde")
names = dict(zip(overview["school_id"], overview["name"], strict=True))
held = set(overview.loc[overview["round_state"] == ROUND_HELD, "school_id"])
chosen = st.multiselect(
    "Scholen",
    list(names),
    default=[sid for sid in names if sid not in held],
    format_func=names.__getitem__,
    key="round_sheets_schools",
    help="Standaard: alle scholen waarvan het gesprek nog niet gehouden is.",
)
st.caption(
    "Eén zip met per school een gespreksblad (PDF), zoals onderaan de Voorbereiding: elk "
    "blad is bedoeld voor het team van die ene school en kan zo apart doorgestuurd of "
    f"afgedrukt worden. Schooljaar {year}, gemaakt op {format_date(date.today())}."
)
build_sheets(viewer, chosen, year)
