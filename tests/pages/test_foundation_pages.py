"""AppTest of Start, Schoolfoto and Uitleg for every demo role."""

from __future__ import annotations

import pytest

from data_model.reading import queries
from data_model.reading.access import allowed_school_ids
from data_model.rules import load_rules
from data_model.statistics.funnel import level_label
from data_model.texts.legend import colour_meaning
from data_model.vocabulary import ROLES
from tests.pages.apptest import all_text, grid_blocks, run_page
from ui.safe_text import shown


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
        assert "Wat is er veranderd sinds vorig jaar?" in text
        assert "Vlaamse toetsen 4de leerjaar" in text
        # The next step opens pages in this tab with the school kept (st.page_link).
        links = [e.proto for e in at.get("page_link")]
        assert [link.label for link in links][:2] == [
            "Open de schoolfoto",
            "Bereid het datagesprek voor",
        ]
        assert links[0].query_string == f"school={schools['school_id'][0]}"
    else:
        assert at.header[0].value == f"{len(schools)} scholen"
        # One compact table for any number of schools, by name (a Markdown table: no column
        # can be re-sorted into a league table), with every learning area as a column.
        assert not at.dataframe
        (table,) = [m.value for m in at.markdown if m.value.startswith("| School |")]
        header, _, *rows = table.splitlines()
        assert {"Nederlands", "Wiskunde", "Wereldoriëntatie", "Frans"} <= set(
            header.strip("| ").split(" | ")
        )
        names = [shown(row.split(" | ")[0].removeprefix("| ")) for row in rows]
        assert [n.split(" :gray")[0] for n in names] == schools["name"].tolist()


@pytest.mark.parametrize("role", ROLES)
def test_schoolfoto_page(app_env, con, viewers, role):
    viewer = viewers[role]
    at = run_page(viewer, "app_pages/schoolfoto.py")
    assert not at.exception, at.exception
    first = queries.schools_in_scope(con, viewer).iloc[0]
    assert at.title[0].value == f"Schoolfoto · {first['name']}"
    text = all_text(at)
    for heading in ("Wat valt op?", "Context", "Het raster"):
        assert heading in text
    assert [m.label for m in at.metric][:4] == [
        "Nederlands",
        "Wiskunde",
        "Wereldoriëntatie",
        "Frans",
    ]
    # The grid: one block per learning area (the total first), the trend, then every school
    # year, newest first.
    years = queries.school_years(con, viewer, first["school_id"])
    blocks = [df.value for df in grid_blocks(at)]
    assert [list(b.columns)[0] for b in blocks] == [
        "Totaal",
        "Nederlands",
        "Wiskunde",
        "Wereldoriëntatie",
        "Frans",
    ]
    for block in blocks:
        assert list(block.columns)[1:] == ["Trend", *reversed(years)]
    assert not at.get("vega_lite_chart")  # no Vega drawing on the way to a visible grid


def test_schoolfoto_shows_the_trend_period_on_a_narrow_screen(app_env, con, viewers):
    viewer = viewers["directeur"]
    at = run_page(viewer, "app_pages/schoolfoto.py")
    school = queries.schools_in_scope(con, viewer).iloc[0]["school_id"]
    years = queries.school_years(con, viewer, school)
    window = load_rules().trend_max_years
    (choice,) = [b for b in at.get("button_group") if b.label == "Schooljaren"]
    assert choice.value == f"Alle {len(years)}"  # the whole history by default
    choice.set_value(f"Laatste {window} (de trendperiode)").run()
    assert not at.exception
    for block in grid_blocks(at):  # the trend and the latest years: fits 1024 px beside the menu
        assert list(block.value.columns)[1:] == ["Trend", *reversed(years[-window:])]


def test_schoolfoto_explains_the_picked_cell(app_env, con, viewers):
    viewer = viewers["beheerder"]
    at = run_page(viewer, "app_pages/schoolfoto.py")
    # A click on a cell: Meetkunde (row 4 of the Wiskunde block), column 2022-2023.
    wiskunde = at.dataframe[2]
    assert wiskunde.value.iloc[4, 0].strip() == "Meetkunde"
    at.session_state["raster-2"] = {
        "selection": {"rows": [], "columns": [], "cells": [[4, "2022-2023"]]}
    }
    at.session_state["grid_pick"] = "raster-2"
    at.run()
    assert not at.exception
    school = queries.schools_in_scope(con, viewer).iloc[0]["school_id"]
    row = con.execute(
        "SELECT n_pupils, status FROM v_school_result WHERE school_id = ? AND school_year = "
        "'2022-2023' AND assessment_id = 'ovsg6' AND domain = 'Meetkunde'",
        [school],
    ).fetchone()
    text = all_text(at)
    assert "Waarom deze kleur?" in text
    assert "**Wiskunde – Meetkunde, 2022-2023:" in text
    assert f"**Dit schooljaar alleen** (zonder oordeel): {row[0]} leerlingen," in text
    style = load_rules().statuses[row[1]]
    assert f"**Wiskunde – Meetkunde, 2022-2023: {style.symbol} {style.label}**" in text
    # Only one explanation: right under the Wiskunde block, not under the others.
    assert text.count("Waarom deze kleur?") == 1


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
    assert text.count(colour_meaning(rules)) == 1  # the one sentence of what a colour means
    assert "Hoeveel verschillen klassen en scholen?" in text
    assert "Klasverschil (jaar tot jaar)" in list(at.dataframe[0].value.columns)
    assert "toegevoegde waarde" not in text.replace("geen toegevoegde waarde", "")
