"""The level below the school on Schoolfoto, Trends and Vergelijken: its class groups.

For the school's own staff only (the reads refuse every other role; this part is not even
drawn for them). One year at a time: a class group is one class in one school year, so the
table sets each group's mean and interval beside the school and the comparison groups of
that year, with the same suppression as the Klassen page.
"""

from __future__ import annotations

import streamlit as st

from data_model.reading import classes
from data_model.reading.access import Viewer
from data_model.rules import Rules
from data_model.statistics.classes import CLASS_CONFIDENCE
from data_model.texts.legend import interval_level
from data_model.vocabulary import SCHOOL_STAFF_ROLES
from ui.class_tables import HIDDEN, class_table
from ui.data import query


def class_caption(rules: Rules) -> str:
    return (
        f"Tussen haakjes: het {interval_level(CLASS_CONFIDENCE)} van het klasgemiddelde. Een "
        "lesgroep is één klas in één jaar: de kleuren van de Schoolfoto zeggen meer over de "
        f"school. '{HIDDEN}': minder dan {rules.min_group_size} leerlingen, of een groep die "
        "samen met de schoolscore een kleine groep zou verraden."
    )


def render_class_level(
    viewer: Viewer, school_id: str, assessment_id: str, year: str | None, key: str, rules: Rules
) -> None:
    """An expander with the class groups of one test and year (default `year`, else the
    newest with class groups); nothing for roles outside the school or without class groups."""
    if viewer.role not in SCHOOL_STAFF_ROLES:
        return
    tests = query(classes.class_tests, viewer, school_id)
    years = tests.loc[tests["assessment_id"] == assessment_id, "school_year"].tolist()
    if not years:
        return
    with st.expander("Per lesgroep: de klassen van uw school (alleen voor het schoolteam)"):
        school_year = st.selectbox(
            "Schooljaar",
            years,
            index=years.index(year) if year in years else 0,
            key=f"{key}-class-year",
        )
        results = query(classes.class_results, viewer, school_id, assessment_id, school_year)
        st.markdown(f"**Gemiddelde score per lesgroep, {school_year}**")
        st.dataframe(class_table(results, "score"), width="stretch")
        if results["pct_goal_reached"].notna().any():
            st.markdown("**Leerlingen die de doelen bereiken**")
            st.dataframe(class_table(results, "goals"), width="stretch")
        st.caption(class_caption(rules) + " Meer, met de leerlingen, op de pagina Klassen.")
