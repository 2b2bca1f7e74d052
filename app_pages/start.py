"""Start: role-aware landing page (docs/architecture.md, "Pages"). Layout only."""

import pandas as pd
import streamlit as st

from data_model.reading import queries
from data_model.rules import load_rules
from data_model.texts.explain import highlights
from data_model.vocabulary import STATUS_SIGN, TREND_SIGN
from ui.brief import changes_since_last_year
from ui.components import (
    SCHOOL_KEY,
    area_status_lines,
    chart_columns,
    render_area_tiles,
    status_badge,
    trend_text,
)
from ui.data import database_summary, db_path, query
from ui.safe_text import md, md_columns, md_frame

rules = load_rules()
# Up to this many schools, Start lists each school with its own link; more get one table.
LIST_LIMIT = 25
MOVING = ("rising", "falling")
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

if viewer.role == "directeur":
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
                    vt = query(queries.school_results, viewer, school.school_id, "vt4")
                    if not vt.empty:
                        vt_latest = vt[vt["school_year"] == vt["school_year"].max()]
                        st.markdown(
                            f"**Vlaamse toetsen 4de leerjaar, {vt_latest['school_year'].iloc[0]}**"
                        )
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
    st.stop()

# Anker, regioteam, beheerder: the schools in scope, alphabetically (never ranked).
intro = {
    "anker": "Dit zijn de scholen die u begeleidt, met wat er in het laatste schooljaar opvalt.",
    "regioteam": "Dit zijn de scholen van uw regio, met wat er in het laatste schooljaar opvalt.",
    "beheerder": "Alle scholen in de databank, met wat er in het laatste schooljaar opvalt.",
}
st.header(f"{len(schools)} scholen")
st.write(intro.get(viewer.role, ""))
overview = query(queries.scope_overview, viewer, "ovsg6")
if overview.empty:
    st.info("Nog geen resultaten van de OVSG-toets voor deze scholen.")
    st.stop()

labels = {s: f"{rules.statuses[s].symbol} {rules.statuses[s].label}" for s in rules.statuses}
index_cols = ["school_id", "name", "municipality", "community_id", "school_year", "ses_group"]
wide = (
    overview.pivot(index=index_cols, columns="learning_area", values="status")
    .reset_index()
    .sort_values(["name", "school_id"])  # alphabetical: never ranked by result
)
areas = list(dict.fromkeys(overview.sort_values("area_order")["learning_area"]))
flag = (
    overview.assign(
        hi=overview["status"].map(STATUS_SIGN) > 0,
        lo=overview["status"].map(STATUS_SIGN) < 0,
        move=overview["trend"].map(TREND_SIGN) != 0,
    )
    .groupby("school_id")[["hi", "lo", "move"]]
    .sum()
)
wide = wide.join(flag, on="school_id")
for area in areas:
    wide[area] = wide[area].map(labels)

community_names = dict(zip(schools["community_id"], schools["community_name"], strict=False))
communities = sorted(
    wide["community_id"].dropna().unique(), key=lambda c: community_names.get(c) or c
)
pick = st.multiselect(
    "Scholengemeenschap",
    communities,
    format_func=lambda c: community_names.get(c) or c,
    placeholder="Alle scholengemeenschappen",
)
# The toggle on its own row: in a third of the page its label read "Alleen scholen waar
# iets op…" at 1024 px.
only = st.toggle("Alleen scholen waar iets opvalt", value=False)
view = wide
if pick:
    view = view[view["community_id"].isin(pick)]
if only:
    view = view[(view["hi"] + view["lo"] + view["move"]) > 0]

# Short labels (a metric label does not wrap: the long ones were cut off at 1024 px), the
# whole sentence in the help.
m1, m2, m3 = st.columns(3)
m1.metric(
    "Lager dan verwacht",
    int((view["lo"] > 0).sum()),
    help="Aantal scholen met minstens één leergebied lager dan verwacht.",
)
m2.metric(
    "Hoger dan verwacht",
    int((view["hi"] > 0).sum()),
    help="Aantal scholen met minstens één leergebied hoger dan verwacht.",
)
m3.metric(
    "Stijgt of daalt",
    int((view["move"] > 0).sum()),
    help="Aantal scholen met minstens één leergebied dat de laatste jaren stijgt of daalt.",
)

years = sorted(view["school_year"].unique())
st.caption(
    f"OVSG-toets 6de leerjaar, {years[-1] if years else ''}: kleur per leergebied. Op naam "
    "gesorteerd, niet op resultaat: Schoolfoto rangschikt geen scholen. De kleur vergelijkt "
    "elke school met scholen met een gelijkaardige leerlingenpopulatie."
)
codes = overview.set_index(["school_id", "learning_area"])
if len(view) <= LIST_LIMIT:
    # A short list (an anker's schools): one line per school with its colours and a link
    # that opens the school photo in this tab, with the role and user kept.
    for row in view.itertuples(index=False):
        with st.container(border=True):
            st.page_link(
                "app_pages/schoolfoto.py",
                label=f"**{md(row.name)}** · Schoolfoto",
                icon=":material/grid_view:",
                query_params={"school": row.school_id},
            )
            parts = []
            for area in areas:
                if (row.school_id, area) not in codes.index:
                    continue
                cell = codes.loc[(row.school_id, area)]
                if bool(cell["suppressed"]):
                    parts.append(f"{md(area)}: te weinig leerlingen")
                    continue
                trend = cell["trend"]
                moving = f" {trend_text(trend, rules).lower()}" if trend in MOVING else ""
                parts.append(f"{md(area)} {status_badge(cell['status'], rules)}{moving}")
            if pd.notna(row.ses_group):
                parts.append(f"SES-groep {int(row.ses_group)}")
            if len(years) > 1:
                parts.append(str(row.school_year))
            st.markdown(" · ".join(parts))
else:
    columns = {
        "School": view["name"],  # the name already ends in the municipality
        "SES-groep": view["ses_group"].map(lambda g: "" if pd.isna(g) else str(int(g))),
    }
    if len(years) > 1:  # only when some schools lack the latest year
        columns["Schooljaar"] = view["school_year"]
    table = pd.DataFrame({**columns, **{area: view[area] for area in areas}})
    # A static table (it cannot be re-sorted by colour into a league table, README); every
    # cell is Markdown, so the whole table goes through md_frame. Symbol and label say the
    # colour in words.
    st.table(md_frame(table), hide_index=True)
    choice = st.selectbox(
        "Schoolfoto openen van",
        view["school_id"].tolist(),
        format_func=dict(zip(view["school_id"], view["name"], strict=True)).__getitem__,
    )
    if choice:
        st.button("Open de schoolfoto", on_click=open_school, args=(choice,), type="primary")
