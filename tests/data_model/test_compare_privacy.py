"""Property test: no read function of the Trends and Vergelijken pages leaks, for any filter.

For every viewer and any combination of assessment, year, cell and filters (including values
that do not exist), the rows returned never contain a group below the privacy minimum (nor a
subgroup whose complement is below it), never a school outside the viewer's scope, and for a
directeur never another school's id or name, also not in the chart sent to the browser.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_model.reading.access import (
    AccessDenied,
    Viewer,
    allowed_school_ids,
    viewer_for_user_id,
    withheld_school_ids,
)
from data_model.reading.comparisons import Filters, funnel_limits, school_points
from data_model.reading.overview import region_matrix
from data_model.reading.subgroups import subgroup_results
from data_model.reading.trend_series import trend_results
from data_model.rules import load_rules
from data_model.storage.catalogue import CONSENT_ASSESSMENTS
from ui.compare_charts import (
    build_funnel_chart,
    build_ses_scatter_chart,
    prepare_points,
)

RULES = load_rules()
MIN = RULES.min_group_size


@pytest.fixture(scope="module")
def world(con: duckdb.DuckDBPyConnection) -> dict:
    users = [r[0] for r in con.state.execute("SELECT user_id FROM users WHERE active").fetchall()]
    schools = con.execute("SELECT school_id, name FROM schools").df()
    cells = con.execute(
        "SELECT DISTINCT assessment_id, learning_area, domain FROM school_result"
    ).fetchall()
    return {
        "users": sorted(users),
        "schools": schools,
        "cells": sorted(cells, key=str),
        "years": sorted(r[0] for r in con.execute(
            "SELECT DISTINCT school_year FROM school_result").fetchall()),
        "regions": ["R1", "R2", "R3", "R9"],
        "communities": sorted(r[0] for r in con.execute(
            "SELECT community_id FROM school_communities").fetchall()) + ["SG00"],
    }  # fmt: skip


def _check_points(points: pd.DataFrame, viewer: Viewer, allowed: list[str], others: pd.DataFrame):
    assert (points["n_pupils"] >= MIN).all()
    assert points[["score_mean", "diff_similar"]].notna().all().all()
    if viewer.role == "directeur":
        assert not {"school_id", "school_name", "region_id", "community_id"} & set(points.columns)
        texts = {str(v) for col in points.columns for v in points[col].tolist()}
        assert not texts & set(others["school_id"]), "another school's id reached a directeur"
        assert not texts & set(others["name"]), "another school's name reached a directeur"
        assert points["own"].sum() <= len(allowed)
        # The chart spec sent to the browser carries no other school's name either.
        shown = prepare_points(points)
        limits = funnel_limits(points)
        spec = json.dumps(build_funnel_chart(shown, limits).to_dict(validate=False))
        spec += json.dumps(build_ses_scatter_chart(shown, "% juist").to_dict(validate=False))
        assert not any(name in spec for name in others["name"])
    else:
        assert set(points["school_id"]) <= set(allowed)
        assert points["school_name"].is_monotonic_increasing  # by name, never by score


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_of_these_pages_leaks(
    con: duckdb.DuckDBPyConnection, world: dict, data: st.DataObject
) -> None:
    viewer = viewer_for_user_id(con, data.draw(st.sampled_from(world["users"]), label="user"))
    assert viewer is not None
    allowed = allowed_school_ids(con, viewer)
    others = world["schools"][~world["schools"]["school_id"].isin(allowed)]
    assessment, area, domain = data.draw(st.sampled_from(world["cells"]), label="cell")
    year = data.draw(st.sampled_from(world["years"] + ["1999-2000"]), label="year")
    filters = Filters(
        region_id=data.draw(st.sampled_from([None, *world["regions"]]), label="region"),
        community_id=data.draw(st.sampled_from([None, *world["communities"]]), label="sg"),
        ses_group=data.draw(st.sampled_from([None, 1, 2, 3, 4, 5, 7]), label="ses"),
    )

    points = school_points(con, viewer, assessment, year, area, domain, filters)
    _check_points(points, viewer, allowed, others)

    matrix = region_matrix(con, viewer, assessment, year, filters)
    assert set(matrix["school_id"]) <= set(allowed)
    hidden = matrix[matrix["suppressed"]]
    assert hidden[["n_pupils", "status_estimate", "ci_low", "ci_high"]].isna().all().all()
    assert (matrix.loc[~matrix["suppressed"], "n_pupils"] >= MIN).all()

    # Subgroups and trends of one school: in scope -> no small group; outside -> refused.
    school = data.draw(st.sampled_from(sorted(world["schools"]["school_id"])), label="school")
    # A Vlaamse toets of a school that does not share it with this viewer is refused, like a
    # school outside the scope (tests/data_model/test_access_consent.py covers the consent).
    withheld = assessment in CONSENT_ASSESSMENTS and school in withheld_school_ids(
        con, viewer, allowed
    )
    if school in allowed and not withheld:
        groups = subgroup_results(con, viewer, school, assessment, year, area, domain)
        shown = groups[~groups["hidden"].astype(bool)]
        assert (shown["n_pupils"] >= MIN).all()
        assert (shown["rest_n"] >= MIN).all()
        hidden_groups = groups[groups["hidden"].astype(bool)]
        assert hidden_groups["group"].isna().all()
        assert hidden_groups[["n_pupils", "score_mean"]].isna().all().all()
        trends = trend_results(con, viewer, school, assessment)
        assert set(trends["school_id"]) <= {school}
        small = trends[trends["suppressed"]]
        assert (
            small[["n_pupils", "score_mean", "diff_similar", "pct_goal_reached"]].isna().all().all()
        )
        va_small = trends[trends["va_suppressed"]]
        assert va_small[["va_n_pupils", "value_added", "expected_mean"]].isna().all().all()
    else:
        with pytest.raises(AccessDenied):
            subgroup_results(con, viewer, school, assessment, year, area, domain)
        with pytest.raises(AccessDenied):
            trend_results(con, viewer, school, assessment)


def test_directeur_sees_own_school_marked_among_anonymous_points(
    con: duckdb.DuckDBPyConnection, viewers: dict
) -> None:
    viewer = viewers["directeur"]
    points = school_points(con, viewer, "ovsg6", "2024-2025", None, None)
    total = con.execute(
        "SELECT count(*) FROM school_result WHERE assessment_id = 'ovsg6' "
        "AND school_year = '2024-2025' AND learning_area IS NULL AND NOT suppressed"
    ).fetchone()[0]
    assert len(points) == total
    assert points["own"].sum() == 1
    assert list(points.columns)[0] == "own"


def test_a_subgroup_dimension_with_one_small_group_is_hidden_entirely() -> None:
    from data_model.reading.subgroups import summarise_groups

    school = pd.DataFrame(
        {
            "dimension": ["gender", "gender", "home_language", "home_language"],
            "grp": ["jongens", "meisjes", "Nederlands", "niet Nederlands"],
            "n": [12, 10, 18, 4],
            "s": [720.0, 610.0, 1100.0, 230.0],
            "ss": [43800.0, 37600.0, 67800.0, 13300.0],
        }
    )
    out = summarise_groups(school, school)
    assert out.loc[out["dimension"] == "gender", "group"].tolist() == ["jongens", "meisjes"]
    language = out[out["dimension"] == "home_language"]
    # 4 pupils with another home language: both that group and the 18 others are hidden.
    assert len(language) == 1 and bool(language["hidden"].iloc[0])
    assert language["n_pupils"].isna().all()
