"""Schoolfoto: the helicopter view of one school (docs/architecture.md, "Pages"). Layout only."""

import streamlit as st

from data_model.reading import queries
from data_model.rules import load_rules
from data_model.texts.explain import highlights, why_colour
from data_model.texts.formatting import format_count, format_pct
from ui.charts import GRID_SELECTION, build_status_grid_chart, prepare_grid, show_chart
from ui.components import (
    logged_export,
    page_school,
    pick_assessment,
    render_area_tiles,
    render_legend,
)
from ui.data import query
from ui.safe_text import md, md_columns, md_record

rules = load_rules()
viewer = st.session_state["viewer"]
school_id, school = page_school(viewer)
st.title(f"Schoolfoto · {md(school['name'])}")
st.caption(
    f"Instellingsnummer {md(school_id)} · {md(school['municipality'])} · "
    f"{md(school['region_name'])}"
    + (f" · {md(school['community_name'])}" if school["community_name"] else "")
)
assessment_id, info = pick_assessment(viewer, school_id)
results = query(queries.school_results, viewer, school_id, assessment_id)
latest = results["school_year"].max()

st.subheader(f"{md(info['name'])}: {latest}")
render_area_tiles(results, rules)

left, right = st.columns([5, 3], gap="large")
with left:
    st.markdown("#### Wat valt op?")
    for sentence in highlights(md_columns(results), rules):
        st.markdown(f"- {sentence}")
    st.caption(
        "Vergeleken met scholen met een gelijkaardige leerlingenpopulatie (SES-groep). Een "
        "kleur krijgt een cel alleen als het verschil statistisch duidelijk is."
    )
with right, st.container(border=True):
    st.markdown("#### Context")
    context = query(queries.school_context, viewer, school_id)
    if context.empty:
        st.caption("Geen contextgegevens.")
    else:
        now = context.iloc[-1]
        m1, m2 = st.columns(2)
        m1.metric(
            "Leerlingen", f"{int(now['n_pupils'])}", help=f"Hele school, {now['school_year']}."
        )
        m2.metric(
            "SES-groep",
            f"{int(now['ses_group'])}/{rules.ses_groups}",
            help="1 = veel leerlingen met kansarmoede-indicatoren, "
            f"{rules.ses_groups} = weinig. Basis voor 'vergelijkbare scholen'.",
        )
        st.markdown(
            f"Thuistaal niet Nederlands **{format_pct(now['pct_home_language_not_dutch'])}** · "
            f"moeder laagopgeleid **{format_pct(now['pct_mother_low_education'])}** · "
            f"schooltoelage **{format_pct(now['pct_school_allowance'])}** · "
            f"buurtindicator **{format_pct(now['pct_neighbourhood'])}**"
        )
    support = query(queries.support_counts, viewer, school_id)
    if not support.empty:
        last = support[support["school_year"] == support["school_year"].max()]
        parts = [
            f"{md(r.phase)} **{format_count(r.n_pupils, rules.min_group_size)}**"
            for r in last.itertuples(index=False)
        ]
        st.markdown(f"Zorg {last['school_year'].iloc[0]} (leerlingen): " + " · ".join(parts))

st.markdown("#### Het raster")
st.caption(
    f"Rijen: leergebieden en domeinen; kolommen: schooljaren. Score = schoolgemiddelde "
    f"({md(info['score_label'])}). Ruwe scores van verschillende jaren zijn verschillende toetsen: "
    "lees de kleur, niet het cijfer. Klik op een cel voor de uitleg."
)
grid = prepare_grid(results, rules)
event = show_chart(
    build_status_grid_chart(grid, f"{info['name']}: schoolgemiddelde en kleurcode", rules),
    width="stretch",
    on_select="rerun",
    key="grid",
)

with st.expander("Legende: wat betekenen de kleuren?"):
    render_legend(rules)

st.markdown("#### Waarom deze kleur?")
grid_rows = grid.drop_duplicates("rij").sort_values("rij_volgorde")
labels = grid_rows["rij"].tolist()
years = sorted(grid["school_year"].unique())
picked = (event or {}).get("selection", {}).get(GRID_SELECTION) or []
if picked:
    # A click in the grid moves the two pickers to that cell (once per new click).
    cell = (picked[0].get("rij"), picked[0].get("school_year"))
    if cell != st.session_state.get("why_last_click") and cell[0] in labels and cell[1] in years:
        st.session_state["why_row"], st.session_state["why_year"] = cell
    st.session_state["why_last_click"] = cell
if st.session_state.get("why_row") not in labels:
    st.session_state["why_row"] = labels[0]
# A new latest year (after an import, or another school) moves the picker to that year.
if st.session_state.get("why_year") not in years or st.session_state.get("why_latest") != latest:
    st.session_state["why_year"] = latest
st.session_state["why_latest"] = latest
c1, c2 = st.columns(2)
label = c1.selectbox("Leergebied of domein", labels, key="why_row")
year = c2.selectbox("Schooljaar", years, key="why_year")
match = results[(grid["rij"] == label).to_numpy() & (results["school_year"] == year).to_numpy()]
if match.empty:
    st.caption(f"Geen resultaat voor {md(label)} in {year}.")
else:
    st.markdown(why_colour(md_record(match.iloc[0].to_dict()), rules))

# Excel school photo (grid, legend, data, notes); built only when the button is clicked.
from data_model.exports.cells import failure_xlsx
from data_model.exports.school_xlsx import build_school_xlsx
from ui.data import db_path, get_database

_export_db = get_database(db_path())
st.divider()
st.download_button(
    "Download de schoolfoto (Excel)",
    data=logged_export(
        viewer,
        school_id,
        "Excel-schoolfoto",
        lambda: build_school_xlsx(_export_db.cursor(), viewer, school_id),
        failure=failure_xlsx,  # a failed export says so in Dutch
    ),
    file_name=f"schoolfoto_{school_id}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
    help="Raster met dezelfde kleuren, legende, alle cijfers en de notities van deze school.",
)
