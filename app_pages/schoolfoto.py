"""Schoolfoto: the helicopter view of one school (docs/architecture.md, "Pages"). Layout only.

Order: tiles, then the grid with the legend in one line above it, the explanation
of a clicked cell right under its learning area, then what stands out, context and the two
downloads for the staff meeting.
"""

import streamlit as st

from data_model.reading import queries
from data_model.rules import load_rules
from data_model.texts.explain import comparison_label, highlights, ses_group_label
from data_model.texts.formatting import format_count, format_pct
from data_model.texts.legend import chance_sentence
from data_model.vocabulary import STATUSES
from ui.class_level import render_class_level
from ui.components import (
    chart_columns,
    logged_export,
    page_school,
    pick_assessment,
    render_area_tiles,
    render_legend,
    status_badge,
)
from ui.conversation import pdf_download_button
from ui.data import query
from ui.grid import render_grid
from ui.progress_row import render_progress_row
from ui.safe_text import md, md_columns

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

st.markdown("#### Het raster")
st.markdown(" ".join(status_badge(s, rules) for s in STATUSES))
st.caption(
    f"Het getal in een cel is het verschil met {comparison_label(rules)} in punten "
    f"({md(info['score_label'])}), over de laatste {rules.status_years} schooljaren samen: "
    "precies het verschil dat de kleur beoordeelt, rekening houdend met het aantal leerlingen. "
    "Het nieuwste schooljaar staat links. **Klik of tik op een cel**: de uitleg, met het "
    "interval en de score van dat jaar, verschijnt onder dat leergebied."
)


@st.fragment
def grid_with_explanation() -> None:
    # A fragment: a click reruns only the grid and its explanation, not the whole page.
    if render_grid(results, rules) is None:
        st.caption("Waarom deze kleur? Klik op een cel in het raster.")


grid_with_explanation()
st.caption(chance_sentence(results, rules))
render_progress_row(viewer, school_id, assessment_id, int(info["grade"]), rules)
render_class_level(viewer, school_id, assessment_id, latest, "schoolfoto", rules)
with st.expander("Legende: wat betekenen de kleuren?"):
    render_legend(rules)

left, right = chart_columns([5, 3], key="opvallend-context", gap="large")
with left:
    st.markdown("#### Wat valt op?")
    for sentence in highlights(md_columns(results), rules):
        st.markdown(f"- {sentence}")
    st.caption(
        "Vergeleken met scholen met een gelijkaardige leerlingenpopulatie (SES-index). Een "
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
            f"{int(now['ses_group'])} van {rules.ses_groups}",
            help=f"{ses_group_label(int(now['ses_group']), rules)}. Basis voor 'vergelijkbare "
            "scholen'; geen oordeel over de school.",
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

# For the staff meeting: both files are built only when their button is clicked.
from data_model.exports.output_cells import failure_xlsx
from data_model.exports.school_xlsx import build_school_xlsx
from ui.data import db_path, get_database

_export_db = get_database(db_path())
st.divider()
st.markdown("#### Voor het teamoverleg")
with st.container(horizontal=True):
    st.download_button(
        "Schoolfoto (Excel)",
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
        help="Raster met dezelfde kleuren en trend, legende, alle cijfers en de notities; "
        "liggend afgedrukt op één pagina breed.",
    )
    pdf_download_button(
        viewer,
        school_id,
        latest,
        "Gespreksblad (PDF)",
        help=f"Het gespreksblad van {latest}: raster, wat opvalt en de notities van het "
        "datagesprek.",
    )
