"""Chart builders of the Trends and Vergelijken pages, checked through to_dict()."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest

from data_model.reading.access import Viewer, allowed_school_ids
from data_model.reading.comparisons import (
    funnel_limits,
    funnel_position,
    school_points,
)
from data_model.reading.subgroups import summarise_groups
from data_model.reading.trend_series import trend_results
from data_model.rules import load_rules
from data_model.statistics.funnel import funnel_limits as stat_funnel_limits
from data_model.statistics.funnel import level_label
from data_model.statistics.status import z_value
from ui.compare_charts import (
    OTHER_LABEL,
    OWN_LABEL,
    build_funnel_chart,
    build_ses_scatter_chart,
    build_subgroup_chart,
    prepare_points,
    prepare_subgroups,
)
from ui.trend_charts import (
    AREA_SELECTION,
    build_area_overview_chart,
    build_difference_chart,
    build_goal_chart,
    build_lines_chart,
    prepare_difference,
    prepare_goals,
    prepare_lines,
)


def _series() -> pd.DataFrame:
    """Three school years of Wiskunde; the middle one is suppressed (3 pupils)."""
    return pd.DataFrame(
        {
            "school_year": ["2022-2023", "2023-2024", "2024-2025"],
            "learning_area": "Wiskunde",
            "domain": None,
            "n_pupils": pd.array([24, None, 18], dtype="Int64"),
            "suppressed": [False, True, False],
            "score_mean": [61.25, np.nan, 58.5],
            "similar_mean": [60.0, 62.0, 57.0],
            "flanders_mean": [63.0, 64.0, 59.0],
            "diff_similar": [1.25, np.nan, 1.5],
            "ci_low": [-2.0, np.nan, -2.5],
            "ci_high": [4.0, np.nan, 5.0],
            # Each year's own difference and interval: what the chart shows.
            "year_diff": [1.25, np.nan, 1.5],
            "year_ci_low": [-2.5, np.nan, -3.0],
            "year_ci_high": [5.0, np.nan, 6.0],
            "status": ["as_expected", "too_few", "as_expected"],
            "trend": ["too_short", "too_short", "rising"],
            "va_trend": ["too_short", "too_short", "no_clear_trend"],
            "pct_goal_reached": [np.nan, np.nan, 72.0],
            "similar_pct_goal": [np.nan, np.nan, 70.0],
            "flanders_pct_goal": [np.nan, np.nan, 68.5],
            "expected_mean": [60.5, np.nan, 59.0],
            "value_added": [0.75, np.nan, -0.5],
            "va_ci_low": [-3.0, np.nan, -4.0],
            "va_ci_high": [4.5, np.nan, 3.0],
            "va_year_ci_low": [-3.0, np.nan, -4.0],
            "va_year_ci_high": [4.5, np.nan, 3.0],
            "va_status": ["as_expected", "too_few", "as_expected"],
            "va_n_pupils": pd.array([24, None, 18], dtype="Int64"),
            "va_suppressed": [False, True, False],
        }
    )


def test_lines_keep_a_gap_for_the_suppressed_year() -> None:
    long = prepare_lines(_series())
    school = long[long["reeks"] == "Uw school"]
    assert school["waarde_tekst"].tolist() == ["61,3", "–", "58,5"]  # 61.25: half away from zero
    assert school["leerlingen"].tolist() == ["24", "minder dan 5", "18"]
    spec = build_lines_chart(long, "Gemiddelde score", "% juist").to_dict()
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == ["Uw school", "Vergelijkbare scholen", "Vlaanderen"]
    assert spec["layer"][0]["encoding"]["y"]["title"] == "% juist"
    assert spec["title"]["subtitle"] == ["Ruwe gemiddelden: elk jaar is een andere toets."]


def test_lines_with_expected_score_add_a_fourth_line() -> None:
    long = prepare_lines(_series(), with_expected=True)
    assert long["reeks"].unique().tolist() == [
        "Uw school", "Vergelijkbare scholen", "Vlaanderen", "Verwachte score",
    ]  # fmt: skip


def test_difference_chart_has_band_zero_line_and_dutch_tooltips() -> None:
    diff = prepare_difference(_series())
    assert diff["verschil_tekst"].tolist() == ["+1,3", "–", "+1,5"]  # 1.25: half up
    assert diff["interval"].tolist() == ["−2,5 tot +5,0", "–", "−3,0 tot +6,0"]
    assert set(diff["kop"]) == {"Wiskunde\n↗ Stijgend"}  # the trend of the latest year
    spec = build_difference_chart(diff, "Verschil").to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "rule", "line", "point"]
    assert spec["layer"][0]["encoding"]["y2"]["field"] == "bovengrens"
    titles = [t["title"] for t in spec["layer"][3]["encoding"]["tooltip"]]
    assert titles == [
        "Leergebied / domein", "Schooljaar", "Verschil", "Interval van dit jaar", "Leerlingen",
        "Kleur",
    ]  # fmt: skip


def test_value_added_uses_its_own_columns() -> None:
    diff = prepare_difference(_series(), comparison="expected")
    assert diff["verschil_tekst"].tolist() == ["+0,8", "–", "−0,5"]
    assert set(diff["kop"]) == {"Wiskunde\n– Geen duidelijke trend"}
    spec = build_difference_chart(diff, "SES-gecorrigeerd verschil", "expected").to_dict()
    assert spec["title"]["text"] == "SES-gecorrigeerd verschil"
    assert "verwachte score" in " ".join(spec["title"]["subtitle"])


def areas_latest_trends(rows: pd.DataFrame) -> dict[str, str]:
    from data_model.rules import load_rules

    labels = load_rules().trend_labels
    areas = rows[rows["domain"].isna()].sort_values("school_year")
    return {
        ("Totaal" if pd.isna(a) else a): labels[g["trend"].iloc[-1]]
        for a, g in areas.groupby("learning_area", dropna=False, sort=False)
    }


def test_overview_is_clickable_per_learning_area(con: duckdb.DuckDBPyConnection, viewers) -> None:
    viewer: Viewer = viewers["anker"]
    rows = trend_results(con, viewer, allowed_school_ids(con, viewer)[0], "ovsg6")
    areas = rows[rows["domain"].isna()].copy()
    overview = prepare_difference(areas)
    spec = build_area_overview_chart(overview).to_dict()
    # Panels are headed by the learning area and its current trend, in the photo's order.
    assert spec["facet"]["field"] == "kop"
    heads = spec["facet"]["sort"]
    areas = ["Totaal", "Nederlands", "Wiskunde", "Wereldoriëntatie", "Frans"]
    assert [h.split("\n")[0] for h in heads] == areas
    latest = areas_latest_trends(rows)
    for head, area in zip(heads, areas, strict=True):
        assert head.endswith(latest[area]) or latest[area] == "Te korte reeks"
    params = spec["params"]  # Altair lifts the selection to the top level of the facet
    assert [p["name"] for p in params] == [AREA_SELECTION]
    assert params[0]["select"] == {"type": "point", "fields": ["rij"], "on": "click"}


def test_goal_chart_has_its_own_0_to_100_scale() -> None:
    goals = prepare_goals(_series())
    assert goals.dropna(subset=["waarde"])["waarde_tekst"].tolist() == [
        "72,0 %", "70,0 %", "68,5 %",
    ]  # fmt: skip
    spec = build_goal_chart(goals, "Doelen bereikt", "% leerlingen").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 100]


def test_subgroup_chart_shows_sizes_and_intervals() -> None:
    school = pd.DataFrame(
        {
            "dimension": ["gender", "gender"],
            "grp": ["jongens", "meisjes"],
            "n": [12, 10],
            "s": [720.0, 610.0],
            "ss": [43800.0, 37600.0],
        }
    )
    shown = prepare_subgroups(summarise_groups(school, school))
    assert shown["rij"].tolist() == ["Geslacht: jongens", "Geslacht: meisjes"]
    assert shown["leerlingen"].tolist() == ["12", "10"]
    assert shown["gemiddelde"].tolist() == ["60,0", "61,0"]
    spec = build_subgroup_chart(shown, "% juist").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point", "text"]
    assert spec["layer"][2]["encoding"]["text"]["field"] == "leerlingen"
    # The level of the interval is read from rules.toml: a change there changes the chart.
    assert "lijn = 95 %-interval" in json.dumps(spec, ensure_ascii=False)
    other = replace(load_rules(), descriptive_confidence=0.9)
    wording = json.dumps(
        build_subgroup_chart(shown, "% juist", other).to_dict(), ensure_ascii=False
    )
    assert "lijn = 90 %-interval" in wording and "95 %" not in wording


def test_directeur_funnel_names_no_other_school(con: duckdb.DuckDBPyConnection, viewers) -> None:
    viewer = viewers["directeur"]
    points = school_points(con, viewer, "ovsg6", "2024-2025", "Wiskunde", None)
    points = points.assign(positie=funnel_position(points))
    shown = prepare_points(points)
    assert set(shown["school"]) == {OWN_LABEL, OTHER_LABEL}
    limits = funnel_limits(points)
    spec = build_funnel_chart(shown, limits).to_dict()
    names = con.execute("SELECT name FROM schools").df()["name"]
    text = json.dumps(spec) + json.dumps(build_ses_scatter_chart(shown, "% juist").to_dict())
    own = set(con.execute(
        "SELECT name FROM schools WHERE list_contains(?, school_id)",
        [allowed_school_ids(con, viewer)]).df()["name"])  # fmt: skip
    assert not [n for n in names if n in text and n not in own]
    assert "Uw school" in text  # the ring label around the own school
    rules = load_rules()
    assert list(dict.fromkeys(limits["level"]))[:2] == [
        level_label(rules.confidence),
        level_label(rules.funnel_outer_level),
    ]


def test_funnel_limits_use_the_colour_standard_error_plus_an_overdispersion_band() -> None:
    rules = load_rules()
    limits = stat_funnel_limits(10.0, 2.0, 3.0, rules.confidence, rules, 25, 100, points=2)
    at_25 = limits[limits["n_pupils"] == 25]
    inner, outer, band = at_25["upper"].tolist()
    se = math.sqrt(10.0**2 / 25 + 2.0**2)  # pupils and the year-to-year class variance
    assert inner == pytest.approx(z_value(rules.confidence) * se)
    assert outer == pytest.approx(z_value(rules.funnel_outer_level) * se)
    assert band == pytest.approx(z_value(rules.funnel_overdispersion_level) * math.sqrt(se**2 + 9))
