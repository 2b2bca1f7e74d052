"""The Klassen page: the director sees the own school's class groups; no other role has the
page, and its reads refuse them (tests/data_model/test_class_groups.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from data_model.reading import access
from tests.pages.apptest import all_text, run_page
from ui.class_tables import HIDDEN, SCHOOL, class_table
from ui.navigation import visible_pages

PAGE = "app_pages/klassen.py"


def test_director_sees_the_class_groups_beside_the_school(app_env, con, viewers) -> None:
    director = viewers["directeur"]
    school = access.allowed_school_ids(con, director)[0]
    at = run_page(director, PAGE, school)
    assert not at.exception, [e.value for e in at.exception]
    assert "Klassen" in all_text(at)
    table = at.dataframe[0].value
    groups = con.execute(
        "SELECT DISTINCT class_group FROM class_result WHERE school_id = ? AND assessment_id = 'ovsg6' AND school_year = "
        "(SELECT max(school_year) FROM class_result WHERE school_id = ?) AND NOT suppressed",
        [school, school],
    ).fetchall()
    assert table.columns[0] == SCHOOL and "Vlaanderen" in table.columns
    assert {g for (g,) in groups} <= {c.split(" ·")[0] for c in table.columns}
    assert table.index[0] == "Totaal"


@pytest.mark.parametrize("role", ["anker", "regioteam", "beheerder"])
def test_no_other_role_has_the_page(viewers, role) -> None:
    assert PAGE not in [p.path for p in visible_pages(viewers[role])]
    assert PAGE in [p.path for p in visible_pages(viewers["directeur"])]


def test_table_never_shows_a_hidden_group() -> None:
    df = pd.DataFrame(
        {
            "class_group": [None, "6A", "6B", "6C"],
            "learning_area": None, "domain": None,
            "n_pupils": [30.0, 24.0, None, None],
            "score_mean": [60.0, 61.25, None, None],
            "pct_goal_reached": None,
            "ci_low": [None, 57.0, None, None], "ci_high": [None, 65.5, None, None],
            "suppressed": [False, False, True, True],
            "similar_mean": 58.0, "flanders_mean": 59.0,
        }
    )  # fmt: skip
    table = class_table(df)
    assert table.loc["Totaal", SCHOOL] == "60,0"
    assert table.loc["Totaal", "6A · 24 lln."] == "61,3 (57,0–65,5)"
    assert table.loc["Totaal", "6B"] == table.loc["Totaal", "6C"] == HIDDEN
    assert table.loc["Totaal", "Vlaanderen"] == "59,0"


def test_the_pupil_list_is_shown_on_request_and_every_view_is_logged(app_env, con, viewers) -> None:
    director = viewers["directeur"]
    school = access.allowed_school_ids(con, director)[0]
    at = run_page(director, PAGE, school)
    tables = len(at.dataframe)  # the class tables; the pupil list is not read until asked for
    assert tables in (1, 2)
    views = "SELECT count(*) FROM audit_log WHERE user_id = ? AND detail LIKE 'leerlingenlijst%'"
    before = con.state.execute(views, [director.user_id]).fetchone()[0]
    at.toggle(key="klassen_pupils").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe) == tables + 1
    listing = at.dataframe[-1].value
    assert list(listing.columns[:3]) == ["Code", "Lesgroep", "Totaal"]
    assert listing["Code"].str.fullmatch(r"LL-[A-Z2-9]{6}").all()
    assert con.state.execute(views, [director.user_id]).fetchone()[0] == before + 1


def test_learning_gain_on_trends_and_the_photo_follows_the_schools_consent(
    app_env, con, viewers
) -> None:
    director = viewers["directeur"]
    school = access.allowed_school_ids(con, director)[0]
    for page in ("app_pages/trends.py", "app_pages/schoolfoto.py"):
        at = run_page(director, page, school)
        assert not at.exception, [e.value for e in at.exception]
        assert "Leerwinst sinds het 4de leerjaar" in all_text(at), page
    # The support service sees it only for schools that share their Vlaamse toetsen.
    anker = viewers["anker"]
    scope = access.allowed_school_ids(con, anker)
    withheld = access.withheld_school_ids(con, anker, scope)
    shared = next(s for s in scope if s not in withheld)
    at = run_page(anker, "app_pages/schoolfoto.py", shared)
    assert not at.exception and "Leerwinst sinds het 4de leerjaar" in all_text(at)
    hidden = next(iter(sorted(withheld)))
    for page in ("app_pages/trends.py", "app_pages/schoolfoto.py"):
        at = run_page(anker, page, hidden)
        assert not at.exception and "Leerwinst" not in all_text(at), page
    # A regional team compares schools, not the paths of their pupils: never, even shared.
    region = viewers["regioteam"]
    scope = access.allowed_school_ids(con, region)
    shared = next(s for s in scope if s not in access.withheld_school_ids(con, region, scope))
    at = run_page(region, "app_pages/schoolfoto.py", shared)
    assert not at.exception and "Leerwinst" not in all_text(at)


CLASS_LEVEL = "Per lesgroep: de klassen van uw school (alleen voor het schoolteam)"


@pytest.mark.parametrize(
    "page", ["app_pages/schoolfoto.py", "app_pages/trends.py", "app_pages/vergelijken.py"]
)
def test_the_class_level_sits_below_the_school_for_its_staff_only(
    app_env, con, viewers, page
) -> None:
    director = viewers["directeur"]
    school = access.allowed_school_ids(con, director)[0]
    at = run_page(director, page, school)
    assert not at.exception, [e.value for e in at.exception]
    (level,) = [e for e in at.expander if e.label == CLASS_LEVEL]
    table = level.dataframe[0].value
    assert "Uw school" in table.columns and any(c.startswith("6A") for c in table.columns)
    for role in ("anker", "regioteam"):
        viewer = viewers[role]
        at = run_page(viewer, page, access.allowed_school_ids(con, viewer)[0])
        assert not at.exception and CLASS_LEVEL not in [e.label for e in at.expander]
