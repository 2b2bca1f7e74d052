"""Klassen: the school's class groups (lesgroepen) for one test and school year.

Layout only. For the school's own staff: the navigation shows this page to a directeur only,
and the reads refuse every other role (data_model.reading.classes, staff=True).
"""

import streamlit as st

from data_model.exports.output_cells import csv_bytes
from data_model.imports.own_numbers import read_pupil_numbers
from data_model.imports.reader import ACCEPTED_TYPES, ReadError, upfront_refusal
from data_model.reading import classes, pupils
from data_model.rules import load_rules
from data_model.state import audit
from ui.class_level import class_caption
from ui.class_tables import class_table, pupil_table
from ui.components import log_audit, logged_export, page_school
from ui.data import cursor, query
from ui.safe_text import md

rules = load_rules()
viewer = st.session_state["viewer"]
school_id, school = page_school(viewer)
st.title(f"Klassen · {md(school['name'])}")
st.caption(
    "De resultaten per lesgroep, naast die van de school en de vergelijkingsgroepen. Alleen "
    "voor het eigen schoolteam: resultaten van klassen en leerlingen verlaten de school niet."
)

tests = query(classes.class_tests, viewer, school_id)
if tests.empty:
    st.info(
        "Voor deze school zijn nog geen resultaten per lesgroep ingelezen. Lees het "
        "leerlingenbestand in met de kolom 'lesgroep' (bv. het overzicht van de Vlaamse toetsen)."
    )
    st.stop()

names = dict(zip(tests["assessment_id"], tests["name"], strict=False))
left, right = st.columns(2)
with left:
    assessment_id = st.selectbox(
        "Toets", options=list(names), format_func=lambda a: str(names[a]), key="klassen_test"
    )
with right:
    years = tests.loc[tests["assessment_id"] == assessment_id, "school_year"].tolist()
    school_year = st.selectbox("Schooljaar", options=years, key="klassen_year")

results = query(classes.class_results, viewer, school_id, assessment_id, school_year)
st.subheader(f"Gemiddelde score per lesgroep, {school_year}")
st.dataframe(class_table(results, "score"), width="stretch")
st.caption(class_caption(rules))
if results["pct_goal_reached"].notna().any():
    st.subheader("Leerlingen die de doelen bereiken")
    st.dataframe(class_table(results, "goals"), width="stretch")

# ----------------------------------------------------------------- the own pupils (directeur)
st.subheader("Leerlingen")
st.caption(
    "Elke leerling met een code die elk jaar dezelfde blijft. Schoolfoto bewaart geen namen "
    "of leerlingnummers. Wie meer leerlingen kent dan de code, kiest het leerlingenbestand van "
    "de school: de nummers worden alleen op dit scherm naast de codes gezet, niet bewaard. "
    "Elke weergave komt in het logboek."
)
if st.toggle("Toon de leerlingen van deze toets en dit schooljaar", key="klassen_pupils"):
    # No `type=`, as on Gegevens: the browser would refuse another file with an English hint;
    # the reader's Dutch message says which types it reads.
    own = st.file_uploader(
        "Leerlingnummers erbij zetten (optioneel): kies het leerlingenbestand van de school "
        f"({ACCEPTED_TYPES})",
        key="klassen_own_file",
    )
    numbers: dict[str, str] = {}
    refusal = upfront_refusal(own.name, own.size) if own is not None else None
    if refusal:
        st.warning(md(refusal))
    elif own is not None:
        try:
            found = read_pupil_numbers(own.name, own.getvalue(), school_id)
        except ReadError as exc:
            st.warning(md(str(exc)))
        else:
            numbers = pupils.match_numbers(cursor(), viewer, school_id, found)
            st.caption(f"{len(numbers)} van {len(found)} leerlingnummers herkend.")
    listing = pupils.pupil_list(cursor(), viewer, school_id, assessment_id, school_year)
    what = f"leerlingenlijst {assessment_id} {school_year}"
    log_audit(viewer, audit.VIEW, school_id=school_id, detail=what)
    table = pupil_table(listing, names, numbers)
    if table.empty:
        st.info("Geen leerlingen voor deze toets en dit schooljaar.")
    else:
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(
            "'Eerder': het vorige resultaat van dezelfde leerling in deze school (bv. de "
            "Vlaamse toetsen van het 4de leerjaar). Leerlingen die van school veranderden, "
            "zijn niet gekoppeld."
        )
        st.download_button(
            "Download voor de klassenraad (CSV)",
            data=logged_export(viewer, school_id, what, lambda: csv_bytes(table)),
            file_name=f"leerlingen-{assessment_id}-{school_year}.csv",
            mime="text/csv",
            on_click="ignore",
        )
