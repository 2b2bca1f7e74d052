"""Datagesprek: van data naar actie, per school and school year. Layout only.
(docs/architecture.md, "Pages")

Steps: wat valt op → hypothesen → bronnen → prioriteiten → acties, with last year's actions
to review next to this year's results, and a PDF conversation sheet to print.
"""

import streamlit as st

from data_model.reading import briefing
from data_model.rules import load_rules
from data_model.state import note_steps, notes
from data_model.vocabulary import (
    OBSERVATION_ACCEPTED,
    OBSERVATION_DISMISSED,
    ORIGIN_SUGGESTION,
    STEP_ACTION,
    STEP_HYPOTHESIS,
    STEP_OBSERVATION,
    STEP_PRIORITY,
    STEP_SOURCE,
)
from ui import conversation as conv
from ui.components import area_status_lines, chart_columns, school_page
from ui.data import cursor, db_path, get_database, query
from ui.safe_text import md, md_block

rules = load_rules()
viewer, school_id, _ = school_page("Datagesprek")
years = query(briefing.conversation_years, viewer, school_id)
if not years:
    st.info("Voor deze school zijn nog geen toetsresultaten ingelezen.")
    st.stop()

top_left, top_right = st.columns([2, 3], vertical_alignment="bottom")
year = top_left.selectbox(
    "Resultaten van schooljaar",
    years,
    key="datagesprek_year",
    help="De notities horen bij de school en dit schooljaar.",
)
with top_right:
    conv.pdf_download_button(
        viewer,
        school_id,
        year,
        "Gespreksblad (PDF) downloaden",
        help="Raster, grafieken, vaststellingen, hypothesen, bronnen, acties en richtvragen; "
        "leesbaar in zwart-wit.",
    )

st.caption(
    "Van data naar actie: wat valt op → waarom zou dat zo zijn → klopt dat volgens andere "
    "bronnen → wat is het belangrijkst → wat doen we. Iedereen met toegang tot deze school "
    "ziet en bewerkt dezelfde notities."
)
with st.container(border=True):
    st.markdown("**Richtvragen** · " + " · ".join(f"*{q}*" for q in briefing.GUIDING_QUESTIONS))
conv.show_flash()

db = get_database(db_path())
con = cursor()
everything = notes.list_notes(con, viewer, school_id, year, include_deleted=True)
live = [n for n in everything if not n.deleted]
by_step = {s: [n for n in live if n.step == s] for s in note_steps.STEPS}
observations = by_step[STEP_OBSERVATION]
accepted = notes.accepted_observations(observations)
dismissed = [n for n in observations if n.get("state") == OBSERVATION_DISMISSED]
choices: conv.Choices = notes.link_choices(live)

# ------------------------------------------------------ last year's actions next to results
previous = notes.previous_actions(con, viewer, school_id, year)
# Side by side on a wide screen; stacked at 1024 px and below, where each half was 300 px.
left, right = chart_columns(2, key="vorig-jaar", gap="large")
with left:
    st.subheader(f"Acties van vorig jaar ({notes.previous_school_year(year)})")
    if not previous:
        st.caption("Vorig schooljaar zijn hier geen acties genoteerd.")
    for action in previous:
        with st.container(border=True):
            st.markdown(conv.note_markdown(action, {}))
            if not action.get("review"):
                st.caption("Opvolging: nog niet besproken.")
            conv.review_form(db, viewer, action)
with right:
    st.subheader(f"Resultaten {year}")
    st.caption("Kleur en trend ten opzichte van vergelijkbare scholen (zie Schoolfoto).")
    statuses = query(briefing.area_statuses, viewer, school_id, year)
    for name, group in statuses.groupby("assessment_name", sort=False):
        st.markdown(f"**{md(name)}**")
        st.markdown("\n".join(area_status_lines(group, rules)))

# ------------------------------------------------------------------------------ the steps
st.divider()
# The five steps of the conversation (a free note is not one of them), in their order.
STEPS = [spec for spec in note_steps.STEPS.values() if spec.lead]
# Stable labels and a tracked key: after a save (a rerun) the team stays on the same step.
STEP_TABS = [f"{i} · {spec.label}" for i, spec in enumerate(STEPS, start=1)]
tabs = st.tabs(STEP_TABS, key="datagesprek_step", on_change="rerun")
st.caption(
    f"Genoteerd voor {year}: {len(accepted)} vaststellingen · "
    f"{len(by_step[STEP_HYPOTHESIS])} hypothesen · {len(by_step[STEP_SOURCE])} bronnen · "
    f"{len(by_step[STEP_PRIORITY])} prioriteiten · {len(by_step[STEP_ACTION])} acties."
)
# What the page says around a step's notes: before them, after the add form.
BEFORE = {
    STEP_HYPOTHESIS: ""
    if accepted
    else "Aanvaard eerst een vaststelling in stap 1 (of noteer een eigen vaststelling).",
    STEP_SOURCE: "Bronnen: " + ", ".join(notes.SOURCES) + ". Andere toetsen en KOALA vindt u "
    "op de pagina's Schoolfoto en Zorg en begeleiding.",
}
AFTER = {
    STEP_ACTION: "Volgend schooljaar staan deze acties bovenaan deze pagina, naast de nieuwe "
    "resultaten, om samen te bekijken wat ze opleverden.",
}


def guide(spec: note_steps.Step) -> None:
    st.info(f"**{spec.lead}** {spec.prompt}", icon=":material/help:")


def step_tab(spec: note_steps.Step) -> None:
    """One step after the first: its notes (numbered where the team counts them) and a form."""
    guide(spec)
    if BEFORE.get(spec.code):
        st.caption(BEFORE[spec.code])
    for number, note in enumerate(by_step[spec.code], start=1):
        conv.note_card(db, viewer, note, choices, number if spec.numbered else None)
    conv.add_form(db, viewer, school_id, year, spec.code, choices, spec.add_title)
    if AFTER.get(spec.code):
        st.caption(AFTER[spec.code])


with tabs[0]:
    if tabs[0].open:  # only the open step runs (lazy tabs)
        guide(STEPS[0])
        suggestions = query(briefing.observation_suggestions, viewer, school_id, year)
        handled = {n.get("key") for n in observations}
        open_suggestions = [s for s in suggestions if s.key not in handled]
        if open_suggestions:
            st.markdown("**Voorstellen uit de resultaten**: aanvaard wat het team herkent.")
        for i, suggestion in enumerate(open_suggestions):
            with st.container(border=True):
                # The buttons on a row of their own under the text: in narrow columns beside
                # it they read "Aanvaar…" and "Niet wee…" at 1024 px.
                st.markdown(f"{md(suggestion.text)}  \n:gray[{md(suggestion.assessment_name)}]")
                base = {
                    "text": suggestion.text,
                    "key": suggestion.key,
                    "origin": ORIGIN_SUGGESTION,
                    "assessment": suggestion.assessment_name,
                }
                buttons = st.container(horizontal=True, gap="small")
                for state, label in (
                    (OBSERVATION_ACCEPTED, "Aanvaarden"),
                    (OBSERVATION_DISMISSED, "Niet weerhouden"),
                ):
                    if buttons.button(label, key=f"sugg-{state}-{i}") and conv.save(
                        lambda state=state, base=base: notes.create_note(
                            db, viewer, school_id, year, STEP_OBSERVATION, {**base, "state": state}
                        ),
                        "Aanvaard." if state == OBSERVATION_ACCEPTED else "Niet weerhouden.",
                    ):
                        st.rerun()
        if accepted:
            st.markdown("**Wat het team vaststelt**")
        for number, note in enumerate(accepted, start=1):
            conv.note_card(db, viewer, note, choices, number)
        conv.add_form(db, viewer, school_id, year, STEP_OBSERVATION, choices, STEPS[0].add_title)
        if dismissed:
            with st.expander(f"Niet weerhouden ({len(dismissed)})"):
                for note in dismissed:
                    # A row that gives the button its whole label, whatever the width.
                    row = st.container(horizontal=True, vertical_alignment="center")
                    row.markdown(md_block(note.body["text"]), width="stretch")
                    if row.button("Toch aanvaarden", key=f"accept-{note.note_id}") and conv.save(
                        lambda note=note: notes.update_note(
                            db,
                            viewer,
                            note.note_id,
                            {**note.body, "state": OBSERVATION_ACCEPTED},
                            note.version,
                        ),
                        "Aanvaard.",
                    ):
                        st.rerun()

for tab, spec in list(zip(tabs, STEPS, strict=True))[1:]:
    with tab:
        if tab.open:  # only the open step runs (lazy tabs)
            step_tab(spec)

conv.deleted_list(db, viewer, [n for n in everything if n.deleted], choices)
