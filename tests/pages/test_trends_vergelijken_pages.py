"""AppTest of the Trends and Vergelijken pages for every role."""

from __future__ import annotations

import duckdb
import pytest

from data_model.reading.access import Viewer, allowed_school_ids
from data_model.rules import load_rules
from data_model.vocabulary import ROLES
from tests.pages.apptest import all_text, open_tab, run_page


def _charts_text(at) -> str:
    """The Vega-Lite specs (with their data) that the page sends to the browser."""
    return "\n".join(str(e.proto) for e in at.get("vega_lite_chart"))


def _big_school(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> str:
    """A school in scope with many pupils in the latest year (so everything is shown)."""
    allowed = allowed_school_ids(con, viewer)
    return con.execute(
        """
        SELECT school_id FROM school_result
        WHERE assessment_id = 'ovsg6' AND learning_area IS NULL
          AND school_year = (SELECT max(school_year) FROM school_result)
          AND school_id IN (SELECT unnest(?::TEXT[]))
        ORDER BY n_pupils DESC, school_id LIMIT 1
        """,
        [allowed],
    ).fetchone()[0]


@pytest.mark.parametrize("role", ROLES)
def test_trends_page_for_every_role(app_env, con, viewers: dict, role: str) -> None:
    viewer = viewers[role]
    at = run_page(viewer, "app_pages/trends.py", school=_big_school(con, viewer))
    assert not at.exception
    text = all_text(at)
    assert at.title[0].value.startswith("Trends · ")
    assert "Lees vooral de verschillijn" in text
    assert "andere toets" in text
    # A verdict in words for the learning area and each of its domains.
    assert "#### De domeinen van Nederlands" in text
    # (the "Wat valt op?" bullets start with "- " and are not verdicts)
    verdicts = [
        m.value
        for m in at.markdown
        if m.value.startswith(tuple(f"{label} " for label in load_rules().trend_labels.values()))
    ]
    assert len(verdicts) == 1 + 4  # Nederlands and its four domains
    assert len(at.get("vega_lite_chart")) >= 1 + 2 * 5


def test_trends_drill_down_and_value_added(app_env, con, viewers: dict) -> None:
    viewer = viewers["anker"]
    at = run_page(viewer, "app_pages/trends.py", school=_big_school(con, viewer))
    at.selectbox(key="trend_area").set_value("Frans").run()
    assert not at.exception
    assert "#### De domeinen van Frans" in all_text(at)
    # Switch to the SES-adjusted comparison.
    at.button_group[1].set_value("expected").run()
    assert not at.exception
    text = all_text(at)
    assert "ten opzichte van de verwachte score" in text or "Te korte reeks" in text
    assert "Verwachte score" in _charts_text(at)


@pytest.mark.parametrize("role", ROLES)
def test_vergelijken_page_for_every_role(app_env, con, viewers: dict, role: str) -> None:
    viewer = viewers[role]
    school = _big_school(con, viewer)
    at = run_page(viewer, "app_pages/vergelijken.py", school=school)
    assert not at.exception
    name = con.execute("SELECT name FROM schools WHERE school_id = ?", [school]).fetchone()[0]
    assert at.title[0].value == f"Vergelijken · {name}"
    # Only the open tab runs: read the first one, then open the second.
    second = at.tabs[1].label
    runs = [all_text(at)]
    charts = _charts_text(at)
    tables = [m.value for m in at.markdown if m.value.startswith("| School | Lln. |")]
    open_tab(at, "vergelijken_tab", second)
    assert not at.exception
    runs.append(all_text(at))
    text, charts = "\n".join(runs), charts + _charts_text(at)
    # The subgroups appear in exactly one of the two runs: the closed tab did not run.
    assert ["Per groep het gemiddelde met zijn 95 %-interval" in r for r in runs].count(True) == 1
    assert "Trechter" in charts and "leerlingenpopulatie" in charts
    own = set(allowed_school_ids(con, viewer))
    others = con.execute("SELECT school_id, name FROM schools").df()
    others = others[~others["school_id"].isin(own)]
    if role == "directeur":
        assert "anonieme punten" in text
        assert "Kleurcodes per school" not in text and not tables
        leaked = [n for n in others["name"] if n in text or n in charts]
        assert leaked == []
        assert "Uw school" in charts
    else:
        assert "scholen in uw selectie" in text
        # The status matrix is the overview table (ui.overview), by name, with its legend.
        assert "Kleurcodes per school" in text
        assert tables and "Veel hoger" in text


def test_vergelijken_filters_narrow_the_selection(app_env, con, viewers: dict) -> None:
    viewer = viewers["regioteam"]
    at = run_page(viewer, "app_pages/vergelijken.py", school=_big_school(con, viewer))
    before = [m.value for m in at.markdown if "scholen in uw selectie" in m.value][0]
    at.selectbox(key="compare_ses").set_value(2).run()
    assert not at.exception
    after = [m.value for m in at.markdown if "scholen in uw selectie" in m.value][0]
    assert before != after
