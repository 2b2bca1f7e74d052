"""AppTest of Start, Schoolfoto and Uitleg for every demo role."""

from __future__ import annotations

import pytest

from data_model.reading import queries
from data_model.reading.access import allowed_school_ids
from data_model.rules import load_rules
from data_model.statistics.funnel import level_label
from data_model.texts.legend import colour_meaning
from data_model.vocabulary import ROLES
from tests.pages.apptest import all_text, run_page


@pytest.mark.parametrize("role", ROLES)
def test_start_page(app_env, con, viewers, role):
    viewer = viewers[role]
    at = run_page(viewer)
    assert not at.exception, at.exception
    assert at.title[0].value == "Schoolfoto"
    text = all_text(at)
    assert "synthetische voorbeeldgegevens" in text
    schools = queries.schools_in_scope(con, viewer)
    if role == "directeur":
        assert at.header[0].value == f"Welkom, {viewer.name.split()[0]}"
        assert [s.value for s in at.subheader] == schools["name"].tolist()
        assert at.button(key=f"open-{schools['school_id'][0]}").label == "Open de schoolfoto"
    else:
        assert at.header[0].value == f"{len(schools)} scholen"
        table = at.dataframe[0].value
        assert table["School"].tolist() == schools["name"].tolist()  # by name, not by score
        assert {"Nederlands", "Wiskunde", "Wereldoriëntatie", "Frans"} <= set(table.columns)


@pytest.mark.parametrize("role", ROLES)
def test_schoolfoto_page(app_env, con, viewers, role):
    viewer = viewers[role]
    at = run_page(viewer, "app_pages/schoolfoto.py")
    assert not at.exception, at.exception
    first = queries.schools_in_scope(con, viewer).iloc[0]
    assert at.title[0].value == f"Schoolfoto · {first['name']}"
    text = all_text(at)
    for heading in ("Wat valt op?", "Context", "Het raster", "Waarom deze kleur?"):
        assert heading in text
    assert [m.label for m in at.metric][:4] == [
        "Nederlands",
        "Wiskunde",
        "Wereldoriëntatie",
        "Frans",
    ]
    assert "**Dit schooljaar:**" in text or "Minder dan 5 leerlingen" in text
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    assert "Schooljaar" in charts[0].proto.spec  # the grid, with its Dutch axis title


def test_schoolfoto_explains_the_picked_cell(app_env, con, viewers):
    viewer = viewers["beheerder"]
    at = run_page(viewer, "app_pages/schoolfoto.py")
    at.selectbox(key="why_row").set_value("Wiskunde – Meetkunde").run()
    at.selectbox(key="why_year").set_value("2022-2023").run()
    assert not at.exception
    school = queries.schools_in_scope(con, viewer).iloc[0]["school_id"]
    row = con.execute(
        "SELECT n_pupils, status FROM v_school_result WHERE school_id = ? AND school_year = "
        "'2022-2023' AND assessment_id = 'ovsg6' AND domain = 'Meetkunde'",
        [school],
    ).fetchone()
    text = all_text(at)
    assert "**Wiskunde – Meetkunde, 2022-2023:" in text
    assert f"**Dit schooljaar:** {row[0]} leerlingen;" in text
    style = load_rules().statuses[row[1]]
    assert f"**Wiskunde – Meetkunde, 2022-2023: {style.symbol} {style.label}**" in text


def test_director_with_foreign_school_in_url_is_refused(app_env, con, viewers):
    director = viewers["directeur"]
    other = con.execute(
        "SELECT min(school_id) FROM schools WHERE NOT list_contains(?, school_id)",
        [allowed_school_ids(con, director)],
    ).fetchone()[0]
    other_name = con.execute("SELECT name FROM schools WHERE school_id = ?", [other]).fetchone()[0]
    at = run_page(director, "app_pages/schoolfoto.py", school=other)
    assert not at.exception
    assert "U hebt geen toegang" in at.error[0].value
    assert other_name not in all_text(at)


@pytest.mark.parametrize("role", ROLES)
def test_uitleg_page_reads_the_rules(app_env, viewers, role):
    at = run_page(viewers[role], "app_pages/uitleg.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "Uitleg"
    text = all_text(at)
    assert "Hebben minder dan **5 leerlingen**" in text
    assert "Bij minder dan **10 leerlingen**" in text
    rules = load_rules()
    assert f"**{level_label(rules.confidence)}-interval**" in text
    assert f"**{level_label(rules.domain_confidence)}-interval**" in text
    assert colour_meaning(rules) in text  # the one sentence of what a colour means
    assert "Hoeveel verschillen klassen en scholen?" in text
    assert "Klasverschil (jaar tot jaar)" in list(at.dataframe[0].value.columns)
    assert "toegevoegde waarde" not in text.replace("geen toegevoegde waarde", "")
