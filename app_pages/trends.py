"""Trends: per assessment -> learning area -> domain, over the school years.
(docs/architecture.md, "Pages")

Layout only: the rows come from data_model.reading.trend_series, the sentences from
data_model.texts.trend_words, the charts from ui.trend_charts.
"""

import itertools

import pandas as pd
import streamlit as st

from data_model.reading import trend_series as trend_queries
from data_model.rules import load_rules
from data_model.state import notes
from data_model.texts.explain import TOTAL_LABEL, cell_label, highlights
from data_model.texts.legend import trend_levels
from data_model.texts.trend_words import COMPARISONS, latest_sentence, trend_verdict
from data_model.vocabulary import TOO_SHORT
from ui.charts import show_chart
from ui.class_level import render_class_level
from ui.components import chart_columns, pick_assessment, school_page, trend_text
from ui.data import cursor, query
from ui.progress_row import render_progress_table
from ui.safe_text import md, md_columns
from ui.trend_charts import (
    AREA_SELECTION,
    build_area_overview_chart,
    build_difference_chart,
    build_goal_chart,
    build_lines_chart,
    prepare_action_marks,
    prepare_difference,
    prepare_goals,
    prepare_lines,
)

rules = load_rules()
viewer, school_id, _ = school_page("Trends")
assessment_id, info = pick_assessment(viewer, school_id)
results = query(trend_queries.trend_results, viewer, school_id, assessment_id)
# Read fresh (not cached): a review saved on Datagesprek shows on the timeline at once.
actions = notes.school_actions(cursor(), viewer, school_id)
has_expected = bool(results["expected_mean"].notna().any())

modes = {
    "similar": "Vergelijkbare scholen (SES-groep)",
    "expected": "Verwachte score (leerlingkenmerken)",
}
comparison = (
    st.segmented_control(
        "Vergelijk met",
        options=list(modes) if has_expected else ["similar"],
        format_func=modes.__getitem__,
        default="similar",
        help="Vergelijkbare scholen: scholen met een gelijkaardige leerlingenpopulatie. "
        "Verwachte score: wat leerlingen met dezelfde achtergrondkenmerken gemiddeld in "
        "Vlaanderen halen (zie Uitleg).",
    )
    or "similar"
)
if not has_expected:
    st.caption(
        "Voor deze toets is er geen verwachte score: die kan alleen berekend worden uit "
        "resultaten per leerling, en deze toets komt enkel als schoolgemiddelde binnen."
    )
words = COMPARISONS[comparison]["words"]

st.info(
    f"**Lees vooral de verschillijn.** Elk schooljaar is de {md(info['name'])} een andere toets, "
    "met andere vragen en een andere moeilijkheid. Een daling van de ruwe score van het ene "
    "jaar op het andere kan dus aan de toets liggen, niet aan uw school. Het **verschil met "
    f"{words}** is wél vergelijkbaar over de jaren: iedereen maakte dezelfde toets. De band "
    "rond dat verschil is het interval van dat ene jaar: hoe minder leerlingen, hoe breder. "
    "De kleur van een punt kijkt naar de laatste schooljaren samen (zie Uitleg).",
    icon=":material/lightbulb:",
)

if actions:
    st.caption(
        "Acties van de school op de tijdlijn (◆ beslist, ■ opgevolgd): "
        + "; ".join(f"{md(a.school_year)}: {md(a.get('what'))}" for a in actions)
        + "."
    )

if comparison == "similar":
    with st.container(border=True):
        st.markdown("#### Wat valt op?")
        for sentence in highlights(md_columns(results), rules, max_domains=8):
            st.markdown(f"- {sentence}")


def series_of(learning_area: str | None, domain: str | None) -> pd.DataFrame:
    if learning_area is None:
        a = results["learning_area"].isna()
    else:
        a = results["learning_area"] == learning_area
    d = results["domain"].isna() if domain is None else results["domain"] == domain
    return results[a & d].sort_values("school_year")


_blocks = itertools.count()  # one key per block of charts in this run


def show_series(series: pd.DataFrame, heading: str, level: int) -> None:
    """Verdict in words, then the lines, the difference and (if any) the goals, side by side."""
    last = series.iloc[-1]
    trend_col = COMPARISONS[comparison]["trend"]
    trend = last[trend_col] if isinstance(last[trend_col], str) else TOO_SHORT
    trend_words = trend_text(trend, rules) if trend != TOO_SHORT else "geen trend"
    st.markdown(f"{'#' * level} {md(heading)} · {trend_words}")
    st.markdown(trend_verdict(series, rules, comparison))
    numbers = latest_sentence(series, rules, comparison)
    if numbers:
        st.caption(numbers)
    goals = prepare_goals(series)
    has_goals = bool(goals["waarde"].notna().any())
    # Stacked below 1100 px: three charts side by side are 130 px wide at 800 px.
    cols = chart_columns(3 if has_goals else 2, f"trend-{next(_blocks)}", gap="medium")
    lines = prepare_lines(series, rules, with_expected=comparison == "expected")
    with cols[0]:
        if not lines["waarde"].notna().any():
            st.caption("Geen gemiddelden om te tonen.")
        else:
            show_chart(
                build_lines_chart(lines, "Gemiddelde score", info["score_label"]),
                width="stretch",
            )
    with cols[1]:
        diff = prepare_difference(series, rules, comparison)
        if not diff["verschil"].notna().any():
            st.caption("Geen verschil om te tonen (te weinig leerlingen of geen gegevens).")
        else:
            title = "Verschil" if comparison == "similar" else "SES-gecorrigeerd verschil"
            marks = prepare_action_marks(actions, diff["school_year"].tolist())
            show_chart(
                build_difference_chart(diff, title, comparison, rules, marks), width="stretch"
            )
    if has_goals:
        with cols[2]:
            show_chart(
                build_goal_chart(goals, "Doelen bereikt", info["goal_label"] or "% doelen"),
                width="stretch",
            )


# ---------------------------------------------------------------- overview and drill-down
@st.fragment
def drill_down() -> None:
    """The overview per learning area and the chosen area's series: a click on the overview
    or a new choice in the box reruns only this part of the page (st.fragment)."""
    areas = results[results["domain"].isna()]
    area_labels = list(
        dict.fromkeys(cell_label(None if pd.isna(a) else a, None) for a in areas["learning_area"])
    )
    overview = prepare_difference(areas, rules, comparison)
    event = None
    if not overview["verschil"].notna().any():
        st.caption("Nog geen verschillen om te tonen.")
    else:
        event = show_chart(
            build_area_overview_chart(overview, comparison, rules),
            on_select="rerun",
            key="overzicht",
            width="content",
        )

    picked = (event or {}).get("selection", {}).get(AREA_SELECTION) or []
    clicked = picked[0].get("rij") if picked else None
    AREA_KEY = "trend_area"
    if clicked in area_labels and clicked != st.session_state.get("trend_clicked"):
        # A new click on the chart wins over an earlier choice in the select box.
        st.session_state[AREA_KEY] = clicked
    st.session_state["trend_clicked"] = clicked
    if st.session_state.get(AREA_KEY) not in area_labels:
        # Start with the first learning area (after the total): that is where the talk starts.
        st.session_state[AREA_KEY] = area_labels[1] if len(area_labels) > 1 else area_labels[0]
    area = st.selectbox("Leergebied (of klik hierboven op een punt)", area_labels, key=AREA_KEY)

    learning_area = None if area == TOTAL_LABEL else area
    st.divider()
    show_series(series_of(learning_area, None), area, 3)
    if learning_area is not None:
        domains = results[(results["learning_area"] == learning_area) & results["domain"].notna()]
        domain_names = list(dict.fromkeys(domains["domain"]))
        if domain_names:
            st.markdown(f"#### De domeinen van {md(learning_area)}")
        for domain in domain_names:
            with st.container(border=True):
                show_series(series_of(learning_area, domain), domain, 5)


drill_down()

st.caption(
    f"Trend: helling van het verschil met {words} over de laatste {rules.trend_max_years} "
    f"schooljaren (grotere groepen wegen zwaarder); stijgend of dalend alleen als het "
    f"{trend_levels(rules)} van die helling helemaal boven of onder 0 ligt. Minder dan "
    f"{rules.min_group_size} leerlingen: niets getoond. Meer uitleg op de pagina Uitleg."
)

# ----------------------------------------------------------------- learning gain
# Rests on the Vlaamse toetsen: for the support service only when the school shares them.
render_progress_table(viewer, school_id, assessment_id, int(info["grade"]), rules)
# A class group lives one year: its trend is the school's; the year's groups sit below it.
render_class_level(viewer, school_id, assessment_id, None, "trends", rules)
