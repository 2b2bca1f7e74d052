"""Klassen: the school's class groups (lesgroepen) for one test and school year.

Layout only. For the school's own staff: the navigation shows this page to a directeur only,
and the reads refuse every other role (data_model.reading.classes, staff=True).
"""

import streamlit as st

from data_model.reading import classes
from data_model.rules import load_rules
from ui.class_tables import HIDDEN, class_table
from ui.components import page_school
from ui.data import query
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
st.caption(
    "Tussen haakjes: het 95 %-betrouwbaarheidsinterval van het klasgemiddelde. Een lesgroep "
    "is één klas in één jaar: de kleuren van de Schoolfoto zeggen meer over de school. "
    f"'{HIDDEN}': minder dan {rules.min_group_size} leerlingen, of een groep die samen met de "
    "schoolscore een kleine groep zou verraden."
)
if results["pct_goal_reached"].notna().any():
    st.subheader("Leerlingen die de doelen bereiken")
    st.dataframe(class_table(results, "goals"), width="stretch")
