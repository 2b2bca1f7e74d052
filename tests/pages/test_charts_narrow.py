"""Every chart reads at 800 px: no school year dropped, no subtitle cut off.

At 800 px next to the sidebar a chart is about 430 px wide. Vega's default then hides every
other school-year label (labelOverlap) and ends a long subtitle with an ellipsis; the
builders slant the years and write subtitles as short lines instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from data_model.reading import support as support_queries
from data_model.reading.access import allowed_school_ids
from data_model.reading.queries import school_results
from data_model.reading.trend_series import trend_results
from data_model.rules import load_rules
from ui import support_charts
from ui.charts import SUBTITLE_CHARS, build_status_grid_chart, prepare_grid
from ui.trend_charts import (
    OVERVIEW_COLUMNS,
    OVERVIEW_PANEL_WIDTH,
    build_area_overview_chart,
    build_difference_chart,
    build_goal_chart,
    build_lines_chart,
    prepare_difference,
    prepare_goals,
    prepare_lines,
)

NARROW_CHART_PX = 430  # a full-width chart at 800 px, next to the sidebar


def _specs(con, viewers) -> Iterator[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    anker = viewers["anker"]
    school = allowed_school_ids(con, anker)[0]
    rules = load_rules()
    support = support_queries.support_continuum(con, anker, school)
    hours = support_queries.guidance_hours_by_core_task(con, anker, school)
    results = school_results(con, anker, school, "ovsg6")
    areas = results[results["domain"].isna()].reset_index(drop=True)
    rows = trend_results(con, anker, school, "ovsg6")
    dutch = rows[(rows["learning_area"] == "Nederlands") & rows["domain"].isna()]
    charts = {
        "zorgcontinuüm": support_charts.build_continuum_chart(support),
        "CLB-trajecten": support_charts.build_indicator_chart(support),
        "KOALA": support_charts.build_koala_chart(
            support_queries.koala_outcomes(con, anker, school)
        ),
        "eenheden": support_charts.build_units_chart(
            support_queries.guidance_by_year(con, anker, school)
        ),
        "kerntaken": support_charts.build_core_task_chart(hours, hours["school_year"].max()),
        "tijdlijn": support_charts.build_contacts_timeline_chart(
            support_queries.guidance_contacts(con, anker, school)
        ),
        "raster": build_status_grid_chart(prepare_grid(areas, rules), "Resultaten", rules),
        "gemiddelde": build_lines_chart(prepare_lines(dutch, rules), "Gemiddelde score", "%"),
        "verschil": build_difference_chart(prepare_difference(dutch, rules), "Verschil"),
        "doelen": build_goal_chart(prepare_goals(dutch), "Doelen bereikt", "% doelen"),
        "overzicht": build_area_overview_chart(
            prepare_difference(rows[rows["domain"].isna()], rules)
        ),
    }
    for name, chart in charts.items():
        yield name, chart.to_dict()


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_every_school_year_label_is_drawn(con, viewers) -> None:
    checked = set()
    for name, spec in _specs(con, viewers):
        for node in _walk(spec):
            if node.get("field") == "school_year" and node.get("type") == "ordinal":
                axis = node.get("axis", {})
                # Upright years do not fit at 800 px: slanted, and none hidden.
                assert axis.get("labelOverlap") is False, name
                assert axis.get("labelAngle", 0) != 0, name
                checked.add(name)
    assert checked >= {"zorgcontinuüm", "CLB-trajecten", "KOALA", "eenheden", "raster"}


def test_every_subtitle_fits_a_narrow_chart(con, viewers) -> None:
    seen = 0
    for name, spec in _specs(con, viewers):
        for node in _walk(spec):
            subtitle = node.get("subtitle")
            if subtitle is None:
                continue
            seen += 1
            # A list of lines (a single string is cut with an ellipsis when too wide).
            assert isinstance(subtitle, list), name
            assert all(len(line) <= SUBTITLE_CHARS for line in subtitle), (name, subtitle)
    assert seen >= 8


def test_overview_panels_fit_next_to_the_sidebar_at_800_px(con, viewers) -> None:
    spec = dict(_specs(con, viewers))["overzicht"]
    assert spec["columns"] == OVERVIEW_COLUMNS
    y_axis = 50  # labels and the rotated title, on the first panel of a row only
    row = y_axis + OVERVIEW_COLUMNS * OVERVIEW_PANEL_WIDTH + (OVERVIEW_COLUMNS - 1) * 12
    assert row <= NARROW_CHART_PX
    # Every panel heading is the area on one line and its trend on the next.
    heads = spec["facet"]["sort"]
    assert all(len(h.split("\n")) == 2 for h in heads if "\n" in h)
    assert "split" in spec["facet"]["header"]["labelExpr"]


def test_subtitle_lines_keep_every_word() -> None:
    from ui.charts import subtitle_lines

    text = "Aandeel leerlingen per fase; groepen < 5 leerlingen niet getoond " * 2
    assert " ".join(subtitle_lines(text)) == " ".join(text.split())
    assert pd.Series(subtitle_lines(text)).str.len().max() <= SUBTITLE_CHARS
