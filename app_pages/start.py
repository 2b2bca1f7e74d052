"""Start: role-aware landing page (docs/architecture.md, "Pages"). Layout only."""

import streamlit as st

from data_model.reading import overview, queries
from data_model.reading.comparisons import Filters
from data_model.rules import load_rules
from data_model.storage.catalogue import ASSESSMENTS
from data_model.texts.explain import highlights
from data_model.vocabulary import ANKER, BEHEERDER, DIRECTEUR, HIGHER, LOWER, REGIOTEAM
from ui.components import (
    SCHOOL_KEY,
    area_status_lines,
    chart_columns,
    render_area_tiles,
)
from ui.data import database_summary, db_path, query
from ui.overview import render_region_overview, school_counts
from ui.safe_text import md, md_columns
from ui.sharing import render_sharing_toggle
from ui.year_changes import changes_since_last_year

# The Vlaamse toetsen on the director's brief, by their catalogue names.
VLAAMSE_TOETSEN = {a.assessment_id: a.name for a in ASSESSMENTS if a.shared_by_consent}

rules = load_rules()
viewer = st.session_state["viewer"]
schools = query(queries.schools_in_scope, viewer)
summary = database_summary(db_path())

st.title("Schoolfoto")
st.caption(
    "Toetsresultaten en zorggegevens van uw school(en), naast vergelijkbare scholen en "
    f"Vlaanderen, van {summary['first_year']} tot {summary['last_year']}."
    + (" Dit zijn **synthetische voorbeeldgegevens**." if summary["is_sample"] else "")
)


def open_school(school_id: str) -> None:
    st.session_state[SCHOOL_KEY] = school_id
    st.query_params["school"] = school_id
    st.switch_page("app_pages/schoolfoto.py")


if schools.empty:
    st.info(
        "Er zijn (nog) geen scholen aan uw account gekoppeld. Neem contact op met de beheerder."
    )
    st.stop()

if viewer.role == DIRECTEUR:
    # The 30-second brief: status per learning area, what changed, the Vlaamse toetsen, and
    # the next step. Links keep the session (same tab, same role): st.page_link.
    st.header(f"Welkom, {md(viewer.name.split()[0])}")
    for school in schools.itertuples(index=False):
        with st.container(border=True):
            st.subheader(md(school.name))
            results = query(queries.school_results, viewer, school.school_id, "ovsg6")
            if results.empty:
                st.caption("Nog geen resultaten van de OVSG-toets.")
            else:
                st.caption(f"OVSG-toets 6de leerjaar, {results['school_year'].max()}")
                render_area_tiles(results, rules)
                # Stacked below 1100 px: two half columns at 800 px hold a word a line.
                left, right = chart_columns(2, key=f"brief-{school.school_id}", gap="large")
                with left:
                    st.markdown("**Wat valt op?**")
                    for sentence in highlights(md_columns(results), rules, max_domains=3):
                        st.markdown(f"- {sentence}")
                with right:
                    st.markdown("**Wat is er veranderd sinds vorig jaar?**")
                    st.markdown(
                        "\n".join(f"- {line}" for line in changes_since_last_year(results, rules))
                        or "- Elk leergebied heeft dezelfde kleur als vorig jaar."
                    )
                    for test_id, test_name in VLAAMSE_TOETSEN.items():
                        vt = query(queries.school_results, viewer, school.school_id, test_id)
                        if vt.empty:
                            continue
                        vt_latest = vt[vt["school_year"] == vt["school_year"].max()]
                        st.markdown(f"**{test_name}, {vt_latest['school_year'].iloc[0]}**")
                        st.markdown(
                            "\n".join(
                                area_status_lines(
                                    vt_latest[
                                        vt_latest["domain"].isna()
                                        & vt_latest["learning_area"].notna()
                                    ],
                                    rules,
                                )
                            )
                        )
            st.markdown("**Volgende stap**")
            with st.container(horizontal=True):
                link = {"query_params": {"school": school.school_id}}
                st.page_link(
                    "app_pages/schoolfoto.py",
                    label="Open de schoolfoto",
                    icon=":material/grid_view:",
                    **link,
                )
                st.page_link(
                    "app_pages/datagesprek.py",
                    label="Bereid het datagesprek voor",
                    icon=":material/forum:",
                    **link,
                )
            st.caption(
                "De Excel-schoolfoto en het gespreksblad (PDF) voor het teamoverleg downloadt u "
                "onderaan de schoolfoto."
            )
            st.markdown("**Delen met de begeleiding**")
            render_sharing_toggle(viewer, school.school_id)
    st.stop()

# Anker, regioteam, beheerder: every school in scope in one compact table, alphabetically
# (never ranked): its colours with the judged estimate and the trend arrows, so a count such
# as "Stijgt of daalt: 7" can be followed to the seven schools it counts.
intro = {
    ANKER: "Dit zijn de scholen die u begeleidt, met wat er in het laatste schooljaar opvalt.",
    REGIOTEAM: "Dit zijn de scholen van uw regio, met wat er in het laatste schooljaar opvalt.",
    BEHEERDER: "Alle scholen in de databank, met wat er in het laatste schooljaar opvalt.",
}
st.header(f"{len(schools)} scholen")
st.write(intro.get(viewer.role, ""))
if viewer.role == BEHEERDER:
    # Results may come in before that year's context file; until it does, those schools have
    # no similar schools and so no colours. Say which file is still to come.
    for wait in query(queries.years_waiting_for_context, viewer).itertuples(index=False):
        st.warning(
            f"Schooljaar {wait.school_year}: {int(wait.n_schools)} "
            f"{'school heeft' if wait.n_schools == 1 else 'scholen hebben'} resultaten maar "
            "nog geen contextgegevens (het bestand 'Scholen en context'). Zodra dat bestand is "
            "ingelezen, krijgen hun cellen een kleur.",
            icon=":material/pending:",
        )
matrix = query(overview.region_matrix, viewer, "ovsg6")
if matrix.empty:
    st.info("Nog geen resultaten van de OVSG-toets voor deze scholen.")
    st.stop()

community_names = dict(zip(schools["community_id"], schools["community_name"], strict=False))
communities = sorted(
    matrix["community_id"].dropna().unique(), key=lambda c: community_names.get(c) or c
)
pick = st.multiselect(
    "Scholengemeenschap",
    communities,
    format_func=lambda c: community_names.get(c) or c,
    placeholder="Alle scholengemeenschappen",
)
view = matrix[matrix["community_id"].isin(pick)] if pick else matrix
counts = school_counts(view)
SHOW = {
    "all": "Alle scholen",
    LOWER: "Lager dan verwacht",
    HIGHER: "Hoger dan verwacht",
    "moving": "Stijgt of daalt",
}
n_all = view["school_id"].nunique()
show = (
    st.segmented_control(
        "Toon",
        list(SHOW),
        format_func=lambda k: f"{SHOW[k]}: {int(n_all) if k == 'all' else len(counts[k])}",
        default="all",
        required=True,
        key="start_show",
        help="Lager / hoger: minstens één leergebied duidelijk lager of hoger dan vergelijkbare "
        "scholen. Stijgt of daalt: minstens één leergebied met een duidelijke trend (↗ of ↘ "
        "in de tabel).",
    )
    or "all"
)
if show != "all":
    view = view[view["school_id"].isin(counts[show])]
years = sorted(view["school_year"].unique())
st.caption(
    f"OVSG-toets 6de leerjaar, {years[-1] if years else ''}: kleur per leergebied. Op naam "
    "gesorteerd, niet op resultaat: Schoolfoto rangschikt geen scholen. De kleur vergelijkt "
    "elke school met scholen met een gelijkaardige leerlingenpopulatie."
)
if view.empty:
    st.info("Geen scholen voor deze keuze.")
    st.stop()
render_region_overview(viewer, view, "ovsg6", None, Filters(), key="start", rules=rules)
names = dict(zip(view["school_id"], view["name"], strict=False))
choice = st.selectbox("Schoolfoto openen van", list(names), format_func=names.__getitem__)
if choice:
    st.button("Open de schoolfoto", on_click=open_school, args=(choice,), type="primary")
