"""Trends marks the school years in which the school decided and reviewed its actions."""

from __future__ import annotations

import json
from datetime import datetime

from data_model.reading import access
from data_model.state import notes
from tests.pages.apptest import run_page
from ui.trend_charts import (
    ACTION_DECIDED,
    ACTION_REVIEWED,
    build_difference_chart,
    prepare_action_marks,
    prepare_difference,
)


def _action(year: str, what: str, review: dict | None = None) -> notes.Note:
    body = {"what": what, "owner": "Juf An", "due": "2025-06-30", "indicator": "x"}
    if review:
        body["review"] = review
    now = datetime(2024, 11, 5)
    return notes.Note(1, "000001", year, "datagesprek", "action", body, "a", "A", now, now, 1)


def test_decided_and_reviewed_years_with_their_titles():
    years = ["2021-2022", "2022-2023", "2023-2024", "2024-2025"]
    actions = [
        _action("2022-2023", "Leesplan", {"status": "gerealiseerd", "at": "2024-03-02T10:00"}),
        _action("2023-2024", "Rekenhoek"),
        _action("2019-2020", "Buiten het venster"),
    ]
    marks = prepare_action_marks(actions, years)
    assert marks.to_dict("records") == [
        {"school_year": "2022-2023", "moment": ACTION_DECIDED, "titel": "Leesplan"},
        # Reviewed in March 2024: school year 2023-2024, with how far it got.
        {"school_year": "2023-2024", "moment": ACTION_DECIDED, "titel": "Rekenhoek"},
        {"school_year": "2023-2024", "moment": ACTION_REVIEWED, "titel": "Leesplan (gerealiseerd)"},
    ]


def test_the_difference_chart_carries_the_marks(con, viewers):
    from data_model.reading.trend_series import trend_results

    viewer = viewers["directeur"]
    school_id = access.allowed_school_ids(con, viewer)[0]
    results = trend_results(con, viewer, school_id, "ovsg6")
    series = results[results["learning_area"].isna() & results["domain"].isna()]
    diff = prepare_difference(series.sort_values("school_year"))
    marks = prepare_action_marks([_action("2023-2024", "Leesplan")], diff["school_year"].tolist())
    spec = json.dumps(build_difference_chart(diff, "Verschil", actions=marks).to_dict())
    assert "Leesplan" in spec and ACTION_DECIDED in spec
    plain = json.dumps(build_difference_chart(diff, "Verschil").to_dict())
    assert "Leesplan" not in plain and ACTION_DECIDED not in plain


def test_a_director_sees_her_actions_on_the_trend_chart(app_env, con, viewers):
    viewer = viewers["directeur"]
    school_id = access.allowed_school_ids(con, viewer)[0]
    actions = notes.school_actions(con, viewer, school_id)
    assert actions, "the demo director's school has last year's actions"
    at = run_page(viewer, "app_pages/trends.py")
    assert not at.exception, at.exception
    charts = "\n".join(str(e.proto) for e in at.get("vega_lite_chart"))
    assert ACTION_DECIDED in charts
    assert actions[0].get("what")[:20] in charts
    caption = " ".join(c.value for c in at.caption)
    assert "Acties van de school op de tijdlijn" in caption
