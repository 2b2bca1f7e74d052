"""Vergelijken: subgroups within the school and comparisons across schools.
(docs/architecture.md, "Pages")

Layout only. Scope and anonymity are decided in data_model.reading.comparisons / subgroups: a
directeur gets other schools without any identifying column, so nothing here can leak them.
"""

from typing import Any

import pandas as pd
import streamlit as st

from data_model.reading import comparisons, overview, queries, subgroups
from data_model.rules import load_rules
from data_model.texts.explain import cell_label, funnel_sentence
from data_model.texts.formatting import format_number
from data_model.texts.legend import colour_levels, descriptive_level
from ui.charts import show_chart
from ui.class_level import render_class_level
from ui.compare_charts import (
    build_funnel_chart,
    build_ses_scatter_chart,
    build_subgroup_chart,
    prepare_points,
    prepare_subgroups,
)
from ui.components import chart_columns, page_school, pick_assessment
from ui.data import query
from ui.overview import render_region_overview
from ui.safe_text import md

rules = load_rules()
viewer = st.session_state["viewer"]
named = viewer.sees_other_schools_by_name
school_id, school = page_school(viewer)

st.title(f"Vergelijken · {md(school['name'])}")
st.caption(
    "Verschillen binnen de school (groepen leerlingen) en tussen scholen. Elke vergelijking "
    f"toont haar onzekerheid (een {descriptive_level(rules)} bij groepen, het "
    f"{colour_levels(rules)} van de kleur bij scholen) en het aantal leerlingen; groepen met "
    f"minder dan {rules.min_group_size} leerlingen tonen we nooit. Schoolfoto rangschikt geen "
    "scholen."
)
# Stacked below 1100 px: half a column cut the assessment buttons off ("Vla…") at 800 px.
c1, c2 = chart_columns([1, 1], "kiezen")
with c1:
    assessment_id, info = pick_assessment(viewer, school_id)
levels = query(queries.school_results, viewer, school_id, assessment_id)
level_keys = list(
    dict.fromkeys(
        (None if pd.isna(a) else a, None if pd.isna(d) else d)
        for a, d in zip(levels["learning_area"], levels["domain"], strict=True)
    )
)
level_labels = [cell_label(a, d) for a, d in level_keys]
with c2:
    level_label = st.selectbox("Leergebied of domein", level_labels, index=0)
learning_area, domain = level_keys[level_labels.index(level_label)]

# Short tab labels: at 800 px two long ones scroll out of sight (the school is in the title).
within = "Binnen de school"


# ------------------------------------------------------------------------ within the school
def within_school() -> None:
    """Subgroups of the school for the chosen cell and year."""
    years = query(subgroups.subgroup_years, viewer, school_id, assessment_id)
    year = years[-1] if years else None
    if not years:
        st.info(
            f"De {md(info['name'])} komt alleen als schoolgemiddelde binnen, zonder resultaten per "
            "leerling: groepen leerlingen kunnen we daarom niet vergelijken."
        )
    else:
        year = st.selectbox("Schooljaar", years[::-1], index=0, key="subgroup_year")
        groups = query(
            subgroups.subgroup_results,
            viewer,
            school_id,
            assessment_id,
            year,
            learning_area,
            domain,
        )
        shown = prepare_subgroups(groups)
        hidden = groups[groups["hidden"].astype(bool)]
        st.markdown(
            f"**{md(level_label)}, {year}.** Per groep het gemiddelde met zijn "
            f"{descriptive_level(rules)}, en "
            "het verschil met de rest van de school. Een verschil is pas duidelijk als het "
            "interval van dat verschil 0 niet bevat."
        )
        if shown.empty:
            st.info("Geen enkele groep is groot genoeg om te tonen.")
        else:
            show_chart(build_subgroup_chart(shown, info["score_label"], rules), width="stretch")
            st.dataframe(
                pd.DataFrame(
                    {
                        "Kenmerk": shown["dimension_label"],
                        "Groep": shown["group"],
                        "Leerlingen": shown["leerlingen"],
                        "Gemiddelde": shown["gemiddelde"],
                        descriptive_level(rules): shown["interval"],
                        "Verschil met de rest": shown["verschil_rest"],
                        "Interval van het verschil": shown["interval_rest"],
                        "Duidelijk?": shown["duidelijk"],
                        "Zelfde verschil binnen Vlaamse scholen": shown["vlaanderen_rest"],
                        "Oordeel": shown["gap_text"],
                    }
                ),
                hide_index=True,
                width="stretch",
                height="content",  # every group visible, no inner scrolling
                # Nine columns scroll sideways at 800 px: the group stays in view.
                column_config={
                    "Kenmerk": st.column_config.TextColumn(pinned=True),
                    "Groep": st.column_config.TextColumn(pinned=True),
                },
            )
        if not hidden.empty:
            st.caption(
                "Niet getoond, om de privacy van leerlingen te beschermen: "
                + ", ".join(hidden["dimension_label"].str.lower())
                + f". Daar telt minstens één groep, of de rest van de school, minder dan "
                f"{rules.min_group_size} leerlingen (dan verbergen we beide)."
            )
        st.caption(
            "Zo'n verschil zegt iets over deze groep leerlingen in dit schooljaar, niet over "
            "oorzaken. Het oordeel vergelijkt het verschil met de rest van uw school met "
            "hetzelfde verschil binnen Vlaamse scholen (het gemiddelde van hun eigen verschil), "
            "alle kenmerken samen getoetst: bij een school met de gewone verschillen geeft "
            f"toeval zo in hooguit {format_number((1 - rules.subgroup_confidence) * 100, 0)} % "
            "van de "
            "cellen een oordeel."
        )
    # The level below the school: its class groups, beside the school and the comparison.
    render_class_level(viewer, school_id, assessment_id, year, "vergelijken", rules)


# ------------------------------------------------------------------------ across schools
def _pick(where: Any, label: str, choices: pd.DataFrame, everything: str) -> str | None:
    """A filter box over `choices` (columns id, name) with "all" (None) first."""
    names = dict(zip(choices["id"], choices["name"], strict=True))
    return where.selectbox(
        label, [None, *names], format_func=lambda c: everything if c is None else names[c]
    )


def across_schools() -> None:
    """The school among other schools: funnel, SES scatter, status matrix."""
    comp_years = query(comparisons.comparison_years, viewer, assessment_id)
    options = query(comparisons.filter_options, viewer)
    cols = st.columns(4 if named else 2)
    year = cols[0].selectbox(
        "Schooljaar", comp_years[::-1] if comp_years else ["–"], key="compare_year"
    )
    ses_choice = cols[1].selectbox(
        "SES-groep",
        [None, *range(1, rules.ses_groups + 1)],
        format_func=lambda g: "Alle SES-groepen" if g is None else f"SES-groep {g}",
        help=f"1 = veel leerlingen met kansarmoede-indicatoren, {rules.ses_groups} = weinig.",
        key="compare_ses",
    )
    region_id = community_id = None
    if named:
        region_id = _pick(cols[2], "Regio", options["regions"], "Alle regio's")
        communities = options["communities"]
        if region_id:
            communities = communities[communities["region_id"] == region_id]
        community_id = _pick(
            cols[3], "Scholengemeenschap", communities, "Alle scholengemeenschappen"
        )
    filters = comparisons.Filters(region_id, community_id, ses_choice)
    if not comp_years:
        st.info("Nog geen resultaten om te vergelijken.")
        st.stop()

    points = query(
        comparisons.school_points,
        viewer,
        assessment_id,
        year,
        learning_area,
        domain,
        filters,
    )
    if named:
        st.markdown(
            f"**{md(level_label)}, {year}: {len(points)} scholen in uw selectie.** Elke school is "
            "een punt; de kleur vergelijkt met scholen met dezelfde SES-index "
            "(leerlingenpopulatie)."
        )
    else:
        st.markdown(
            f"**{md(level_label)}, {year}.** Uw school tussen alle deelnemende scholen"
            + (f" van SES-groep {ses_choice}" if ses_choice else "")
            + f" ({len(points)} scholen). Andere scholen zijn **anonieme punten**: u ziet "
            "geen namen."
        )
    if points.empty:
        st.info("Geen scholen met genoeg leerlingen voor deze keuze.")
    else:
        points = points.assign(positie=comparisons.funnel_position(points, rules))
        limits = comparisons.funnel_limits(points, rules)
        shown = prepare_points(points, rules)
        show_chart(build_funnel_chart(shown, limits, rules), width="stretch")
        codes = comparisons.funnel_codes(points, rules)
        outside = int(codes.isin(["above_outer", "below_outer"]).sum())
        levels = list(dict.fromkeys(limits["level"]))
        st.caption(
            "Elk punt is het verschil van één schooljaar. De grijze lijnen zijn "
            f"controlegrenzen: binnen de {levels[0]}-grenzen ligt een verschil dat bij een school "
            "van die grootte ook door toeval kan ontstaan (welke leerlingen getoetst werden en "
            f"het gewone verschil tussen klassen van jaar tot jaar); buiten de {levels[1]}-grenzen "
            "is dat zeer onwaarschijnlijk. De buitenste band rekent ook met de echte verschillen "
            "tussen scholen: wie daarbuiten valt, valt op tussen alle scholen. "
            f"{outside} van de {len(points)} scholen liggen buiten de {levels[1]}-grenzen. De "
            "kleur van een punt is de kleur van de cel: die kijkt naar de laatste "
            f"{rules.status_years} schooljaren samen."
        )
        if not named and points["own"].any():
            own_index = points.index[points["own"]][0]
            st.markdown(
                funnel_sentence(
                    {**points.loc[own_index].to_dict(), "school_year": year},
                    codes.loc[own_index],
                    rules,
                )
            )
        elif not named:
            st.caption(
                "Uw school zit niet in deze selectie (andere SES-groep of te weinig leerlingen)."
            )
        show_chart(build_ses_scatter_chart(shown, info["score_label"], rules), width="stretch")
        st.caption(
            "Scholen met meer leerlingen met een kansarmoede-indicator halen gemiddeld lagere "
            "ruwe scores; daarom vergelijkt Schoolfoto met wat scholen met dezelfde SES-index "
            "halen. Een school hoog boven scholen met dezelfde SES-index doet het beter dan "
            "verwacht."
        )

    if named:
        st.markdown("#### Kleurcodes per school")
        st.caption(
            "Per school en leergebied: de kleur, het symbool en het verschil met vergelijkbare "
            f"scholen in punten over de laatste {rules.status_years} schooljaren samen (wat de "
            "kleur beoordeelt), met ↗ of ↘ als het duidelijk stijgt of daalt."
        )
        matrix = query(overview.region_matrix, viewer, assessment_id, year, filters)
        if matrix.empty:
            st.info("Geen scholen voor deze keuze.")
        else:
            render_region_overview(viewer, matrix, assessment_id, year, filters, key="vergelijken")


# Only the open tab runs (on_change="rerun" + `.open`): the other tab's queries and charts
# wait until it is opened.
if named:
    # Advisers come here to compare schools: that tab first.
    tab_schools, tab_school = st.tabs(
        ["Tussen scholen", within], key="vergelijken_tab", on_change="rerun"
    )
else:
    tab_school, tab_schools = st.tabs(
        [within, "Uw school tussen andere scholen"], key="vergelijken_tab", on_change="rerun"
    )
for tab, render in ((tab_school, within_school), (tab_schools, across_schools)):
    with tab:
        if tab.open:
            render()
