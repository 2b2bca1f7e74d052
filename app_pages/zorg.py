"""Zorg en begeleiding: support continuum, KOALA and (internal) guidance next to results.

Layout only. Guidance contacts and need tiers come from functions that refuse a directeur
(data_model.reading.scope, guidance=True); the page only decides whether to ask.
"""

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from data_model import vocabulary
from data_model.reading import queries
from data_model.reading import support as support_queries
from data_model.rules import load_rules
from data_model.texts.codes import core_task_label, goal_code_label
from data_model.texts.formatting import format_count, format_number
from ui.charts import build_status_grid_chart, prepare_grid, show_chart
from ui.components import chart_columns, name_ordered_table, render_legend, school_page
from ui.data import query
from ui.safe_text import md
from ui.support_charts import (
    build_contacts_timeline_chart,
    build_continuum_chart,
    build_core_task_chart,
    build_indicator_chart,
    build_koala_chart,
    build_units_chart,
)

rules = load_rules()
viewer, school_id, school = school_page("Zorg en begeleiding")
st.caption(
    "Hoe ondersteunt de school haar leerlingen, en hoe verhoudt dat zich tot de resultaten? "
    "Lees zorg en resultaten naast elkaar: ze verklaren elkaar niet, maar roepen samen vragen op."
)

# ----------------------------------------------------------------- results next to support
assessments = query(queries.assessments_for_school, viewer, school_id)
if not assessments.empty:
    names = dict(zip(assessments["assessment_id"], assessments["name"], strict=True))
    first = list(names)[0]
    assessment_id = (
        st.segmented_control(
            "Resultaten van",
            options=list(names),
            format_func=lambda a: md(names[a]),  # a button group renders Markdown
            default=first,
        )
        or first
    )
    results = query(queries.school_results, viewer, school_id, assessment_id)
    areas = results[results["domain"].isna()].reset_index(drop=True)
    show_chart(
        build_status_grid_chart(
            prepare_grid(areas, rules),
            f"Resultaten {names[assessment_id]} per leergebied",
            rules,
            selectable=False,
        ),
        width="stretch",
    )
    with st.expander("Legende: wat betekenen de kleuren van de resultaten?"):
        render_legend(rules)

# ----------------------------------------------------------------- support continuum, KOALA
support = query(support_queries.support_continuum, viewer, school_id)
koala = query(support_queries.koala_outcomes, viewer, school_id)


def chart_or_notice(
    frame: pd.DataFrame, build: Callable[[pd.DataFrame], alt.Chart], missing: str, caption: str
) -> bool:
    """The chart of `frame` with what it shows, or a notice that nothing was imported."""
    if frame.empty:
        st.info(missing)
        return False
    show_chart(build(frame), width="stretch")
    st.caption(caption)
    return True


left, right = chart_columns(2, "zorg", gap="large")
with left:
    chart_or_notice(
        support,
        build_continuum_chart,
        "Voor deze school zijn nog geen zorggegevens ingelezen.",
        "Brede basiszorg: alle leerlingen. Verhoogde zorg: extra maatregelen in de klas. "
        "Uitbreiding van zorg: leersteun met een CLB-verslag of -attest. IAC: individueel "
        "aangepast curriculum.",
    )
with right:
    if chart_or_notice(
        koala,
        build_koala_chart,
        "Voor deze school zijn geen KOALA-resultaten ingelezen.",
        "Groen, oranje en rood zijn de namen die KOALA zelf gebruikt; we tonen ze in "
        "grijstinten, want ze zijn geen oordeel over de school.",
    ):
        hidden = sorted(koala.loc[koala["suppressed"].astype(bool), "school_year"].unique())
        if hidden:
            st.caption(
                f"Niet getoond ({', '.join(hidden)}): minder dan {rules.min_group_size} "
                "kleuters gescreend."
            )
if not support.empty:
    show_chart(build_indicator_chart(support), width="stretch")
    with st.expander("De cijfers in een tabel"):
        table = support.assign(
            fase=support["phase"].map(lambda p: vocabulary.SUPPORT_INDICATOR_LABELS.get(p, p)),
            leerlingen=[format_count(n, rules.min_group_size) for n in support["n_pupils"]],
        ).pivot(index="fase", columns="school_year", values="leerlingen")
        table = table.loc[
            list(
                dict.fromkeys(
                    support["phase"].map(lambda p: vocabulary.SUPPORT_INDICATOR_LABELS.get(p, p))
                )
            )
        ]
        st.dataframe(table, width="stretch")
        st.caption("Aantal leerlingen per fase en indicator, per schooljaar.")

# ----------------------------------------------------------------- guidance (internal only)
if viewer.sees_guidance:
    st.divider()
    st.header("Begeleiding")
    st.caption(
        ":material/lock: Intern: begeleidingscontacten en begeleidingsnood zijn niet zichtbaar "
        "voor de school."
    )
    by_year = query(support_queries.guidance_by_year, viewer, school_id)
    if by_year.empty:
        st.info("Voor deze school zijn geen begeleidingscontacten geregistreerd.")
    else:
        now = by_year.iloc[-1]
        st.markdown(
            f"Begeleidingsnood {now['school_year']}: **{md(now['tier'] or 'niet bepaald')}** "
            "(basisaanbod / verhoogde nood / grote nood)"
        )
        m2, m3, m4, m5 = st.columns(4)
        # "Eenheden", not "Begeleidingseenheden": a quarter of the page at 800 or 1024 px
        # cut the long word off ("Begeleidingseenhe…"); the heading says what they are.
        m2.metric(
            "Eenheden",
            f"{int(now['units'])}",
            help="Begeleidingseenheden: één eenheid per halve dag begeleiding.",
        )
        m3.metric("Categorie", now["unit_category"], help="Rapportagecategorie (eenheden/jaar).")
        m4.metric("Contacten", f"{int(now['contacts'])}")
        m5.metric("Uren", format_number(now["hours"]))
        st.caption(f"Schooljaar {now['school_year']}.")
        c1, c2 = chart_columns(2, "begeleiding", gap="large")
        show_chart(container=c1, chart=build_units_chart(by_year), width="stretch")
        hours = query(support_queries.guidance_hours_by_core_task, viewer, school_id)
        if not hours.empty and (hours["school_year"] == now["school_year"]).any():
            show_chart(
                container=c2,
                chart=build_core_task_chart(hours, now["school_year"]),
                width="stretch",
            )
        contacts = query(support_queries.guidance_contacts, viewer, school_id)
        if not contacts.empty:
            show_chart(build_contacts_timeline_chart(contacts), width="stretch")
            with st.expander(f"Alle contacten ({len(contacts)})"):
                st.dataframe(
                    contacts.assign(
                        hours=contacts["hours"].map(format_number),
                        goal_code=contacts["goal_code"].map(goal_code_label),
                        core_task=contacts["core_task"].map(core_task_label),
                    )
                    .rename(
                        columns={
                            "school_year": "Schooljaar",
                            "contact_date": "Datum",
                            "anker_name": "Anker",
                            "goal_code": "Operationeel doel",
                            "core_task": "Kerntaak",
                            "form": "Vorm",
                            "hours": "Uren",
                            "units": "Eenheden",
                        }
                    )
                    .drop(columns=["contact_id", "anker_id"]),
                    hide_index=True,
                    width="stretch",
                    column_config={"Datum": st.column_config.DateColumn(format="DD/MM/YYYY")},
                )

    years = query(support_queries.guidance_years, viewer)
    if years:
        st.subheader("Alle scholen in uw overzicht")
        year = st.selectbox("Schooljaar", list(reversed(years)), key="guidance_year")
        overview = query(support_queries.guidance_overview, viewer, year)
        st.caption(
            "Alfabetisch op naam, niet gerangschikt. Categorieën van begeleidingseenheden per "
            "jaar: " + ", ".join(support_queries.UNIT_CATEGORIES[1:]) + "."
        )
        name_ordered_table(
            overview.assign(hours=overview["hours"].map(format_number)).rename(
                columns={
                    "name": "School",
                    "municipality": "Gemeente",
                    "contacts": "Contacten",
                    "hours": "Uren",
                    "units": "Eenheden",
                    "unit_category": "Categorie",
                    "tier": "Begeleidingsnood",
                }
            )[
                [
                    "School",
                    "Gemeente",
                    "Begeleidingsnood",
                    "Contacten",
                    "Uren",
                    "Eenheden",
                    "Categorie",
                ]
            ],
            key="guidance_overview",
            width="stretch",
        )
