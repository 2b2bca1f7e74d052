"""Voorbereiding: the anker's one-page preparation of a data conversation. Layout only.

Visible to anker, regioteam and beheerder (ui.navigation); the guidance lines and the
preparation notes come from functions that refuse a directeur.
"""

import streamlit as st

from data_model.reading import briefing
from data_model.reading.scope import request
from data_model.rules import load_rules
from data_model.state import note_steps, notes
from data_model.vocabulary import FALLING, HIGHER, LOWER, STEP_NOTE
from ui import conversation as conv
from ui.components import (
    SCHOOL_KEY,
    area_status_lines,
    chart_columns,
    name_ordered_table,
    pick_school,
)
from ui.data import cursor, db_path, get_database, query
from ui.safe_text import md

rules = load_rules()
viewer = st.session_state["viewer"]
school_id = pick_school(viewer)
if school_id is None:
    st.stop()

st.title("Voorbereiding van het datagesprek")
st.caption(
    "Per school: wat valt op, welke acties van vorig jaar nog openstaan, welke vragen u kunt "
    "stellen en de zorgcontext. Klik op een school in de lijst om haar voorbereiding te openen."
)
conv.show_flash()

# ----------------------------------------------------------------- all schools in scope
overview = query(briefing.preparation_overview, viewer)
if not overview.empty:
    table = overview.rename(
        columns={
            "name": "School",
            "municipality": "Gemeente",
            "school_year": "Schooljaar",
            # The counts are named by their status and trend, and headed by their labels.
            LOWER: rules.statuses[LOWER].label,
            HIGHER: rules.statuses[HIGHER].label,
            FALLING: rules.trend_labels[FALLING],
            "open_actions": "Open acties",
            "tier": "Nood (intern)",
        }
    )
    shown_table = table.drop(columns=["school_id", "Gemeente"])
    one_year = table["Schooljaar"].nunique() == 1
    if one_year:
        # One school year for all: it is in the caption, not in a column that pushes
        # "Open acties" and "Nood (intern)" out of view at 1024 px.
        shown_table = shown_table.drop(columns=["Schooljaar"])
    event = name_ordered_table(
        shown_table,
        key="preparation_list",
        row_select=True,
        width="stretch",
        # Widths in pixels that add up to the 660 px of the table at 1024 px, so "Nood
        # (intern)" is in view there without a horizontal scroll bar.
        column_config={
            "School": st.column_config.TextColumn("School", width=280),
            "Lager": st.column_config.NumberColumn("Lager", width=52),
            "Hoger": st.column_config.NumberColumn("Hoger", width=54),
            "Dalend": st.column_config.NumberColumn("Dalend", width=58),
            "Open acties": st.column_config.NumberColumn("Open acties", width=82),
            "Nood (intern)": st.column_config.TextColumn("Nood (intern)", width=100),
        },
    )
    st.caption(
        (f"Schooljaar {md(str(table['Schooljaar'].iloc[0]))}. " if one_year else "")
        + "Alfabetisch op naam, niet gerangschikt. Lager / hoger / dalend: aantal leergebieden "
        "van de laatste OVSG-toets dat duidelijk afwijkt van vergelijkbare scholen of daalt. "
        "Open acties: acties van het jaar ervoor die nog niet gerealiseerd zijn. Nood: "
        "begeleidingsnood (intern)."
    )
    picked = (event or {}).get("selection", {}).get("rows") or []
    # Act only on a new click in the table: a row that stays selected must not undo a later
    # choice in the sidebar picker.
    if picked and picked != st.session_state.get("preparation_handled"):
        st.session_state["preparation_handled"] = picked
        chosen = overview.iloc[picked[0]]["school_id"]
        if chosen != school_id:
            st.session_state[SCHOOL_KEY] = chosen
            st.query_params["school"] = chosen
            st.rerun()

# ----------------------------------------------------------------- one school, one page
st.divider()
years = query(briefing.conversation_years, viewer, school_id)
if not years:
    st.info("Voor deze school zijn nog geen toetsresultaten ingelezen.")
    st.stop()
head, pick = st.columns([3, 1], vertical_alignment="bottom")
year = pick.selectbox("Schooljaar", years, key="briefing_year")
con = cursor()
# One request for the uncached reads of this rerun: scope checked once, results read once.
with request(con, viewer):
    info = briefing.build_briefing(con, viewer, school_id, year)  # fresh: includes notes
    own = notes.list_notes(con, viewer, school_id, year, scope=notes.SCOPE_PREPARATION)
head.header(f"{md(info.school_name)} · {year}")

# Side by side on a wide screen; stacked at 1024 px and below, where the results panel
# was 200 px wide (a word a line).
left, right = chart_columns([3, 2], key="voorbereiding", gap="large")
with left:
    st.markdown("#### Wat valt op?")
    if info.observations:
        st.markdown(
            "\n".join(f"- {md(o.text)} :gray[({md(o.assessment_name)})]" for o in info.observations)
        )
    else:
        st.caption("Niets opvallends in de resultaten.")
    st.markdown("#### Voorgestelde vragen")
    questions = info.questions or ["Wat herkent het team in deze resultaten?"]
    st.markdown("\n".join(f"- {md(q)}" for q in questions))
    st.caption("Richtvragen: " + " ".join(briefing.GUIDING_QUESTIONS))
with right:
    with st.container(border=True):
        st.markdown("#### Resultaten")
        for name, group in info.statuses.groupby("assessment_name", sort=False):
            st.markdown(f"**{md(name)}**\n" + "\n".join(area_status_lines(group, rules)))
    with st.container(border=True):
        st.markdown("#### Zorgcontext")
        st.markdown("\n".join(f"- {md(line)}" for line in info.support_lines) or "Geen gegevens.")
    if info.guidance_lines:
        with st.container(border=True):
            st.markdown("#### Begeleiding :gray[(intern)]")
            st.markdown("\n".join(f"- {md(line)}" for line in info.guidance_lines))

st.markdown(f"#### Open acties van vorig jaar ({notes.previous_school_year(year)})")
if info.open_actions:
    for action in info.open_actions:
        with st.container(border=True):
            st.markdown(conv.note_markdown(action, {}))
else:
    st.caption("Geen open acties van vorig jaar.")

st.markdown("#### Eigen voorbereiding :gray[(intern, niet zichtbaar voor de school)]")
db = get_database(db_path())
for note in own:
    conv.note_card(db, viewer, note, {})
conv.add_form(
    db,
    viewer,
    school_id,
    year,
    STEP_NOTE,
    {},
    note_steps.STEPS[STEP_NOTE].add_title,
    scope=notes.SCOPE_PREPARATION,
)

c1, c2 = st.columns(2)
c1.page_link(
    "app_pages/datagesprek.py",
    label="Naar het datagesprek van deze school",
    icon=":material/forum:",
)
with c2:
    conv.pdf_download_button(viewer, school_id, year, "Gespreksblad (PDF) voor de school")
