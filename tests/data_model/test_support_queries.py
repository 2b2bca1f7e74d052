"""Support continuum, KOALA and guidance queries; the briefing built on them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_model import vocabulary
from data_model.reading import briefing
from data_model.reading import support as support_queries
from data_model.reading.access import AccessDenied, Viewer, allowed_school_ids
from data_model.state import notes
from data_model.storage.db import Database


def _school(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> str:
    return allowed_school_ids(con, viewer)[0]


@pytest.mark.parametrize(
    ("units", "category"),
    [(0, "geen"), (1, "1"), (2, "2–4"), (4, "2–4"), (5, "5–8"), (8, "5–8"), (9, "9–12"),
     (12, "9–12"), (13, "13–16"), (16, "13–16"), (17, ">16"), (40, ">16")],
)  # fmt: skip
def test_unit_categories_are_the_ones_the_support_service_reports(
    units: int, category: str
) -> None:
    assert support_queries.unit_category(units) == category


def test_continuum_shares_add_up_per_year(con, viewers) -> None:
    director = viewers["directeur"]
    df = support_queries.support_continuum(con, director, _school(con, director))
    cont = df[df["measure_kind"] == "continuum"]
    assert set(cont["phase"]) == set(vocabulary.SUPPORT_PHASES)
    per_year = cont.groupby("school_year").agg(total=("pct", "sum"), masked=("masked", "sum"))
    complete = per_year[per_year["masked"] == 0]
    assert len(complete) and complete["total"].round(6).eq(100).all()
    # A year with a phase of 1-4 pupils hides at least two phases (no recovery by subtraction).
    partial = per_year[per_year["masked"] > 0]
    assert (partial["masked"] >= 2).all() and (partial["total"] < 100).all()
    assert cont.loc[cont["masked"], "n_pupils"].isna().all()
    last = cont[cont["school_year"] == cont["school_year"].max()]
    assert last["phase"].tolist() == list(vocabulary.SUPPORT_PHASES)
    indicators = df[df["measure_kind"] == "indicator"]
    assert set(indicators["phase"]) == {"CLB-traject", "zittenblijven"}


def test_koala_year_with_too_few_children_shows_nothing(writable_db: Path, viewers) -> None:
    db = Database(writable_db)
    cur = db.cursor()
    director = viewers["directeur"]
    school = _school(cur, director)
    with db.write() as w:
        w.execute(
            "UPDATE koala_outcomes SET n_groen = 2, n_oranje = 1, n_rood = 1 "
            "WHERE school_id = ? AND school_year = '2024-2025'",
            [school],
        )
    df = support_queries.koala_outcomes(db.cursor(), director, school)  # the new snapshot
    small = df[df["school_year"] == "2024-2025"]
    assert small["suppressed"].all()
    assert small["n_pupils"].isna().all() and small["pct"].isna().all()
    assert small["total"].isna().all()
    shown = df[df["school_year"] == "2023-2024"]
    assert not shown["suppressed"].any()
    assert shown["pct"].sum() == pytest.approx(100)
    lines = briefing.support_lines(pd.DataFrame(), df, "2024-2025")
    assert lines == ["KOALA 2024-2025: te weinig kleuters gescreend om te tonen."]
    db.close()


GUIDANCE_FUNCTIONS = [
    support_queries.guidance_contacts,
    support_queries.guidance_by_year,
    support_queries.guidance_hours_by_core_task,
]


@pytest.mark.parametrize("fn", GUIDANCE_FUNCTIONS, ids=lambda f: f.__name__)
def test_guidance_is_never_given_to_a_director(con, viewers, fn) -> None:
    director = viewers["directeur"]
    with pytest.raises(AccessDenied, match="niet zichtbaar voor scholen"):
        fn(con, director, _school(con, director))


def test_guidance_overviews_are_refused_to_a_director(con, viewers) -> None:
    director = viewers["directeur"]
    with pytest.raises(AccessDenied):
        support_queries.guidance_overview(con, director, "2024-2025")
    with pytest.raises(AccessDenied):
        support_queries.guidance_years(con, director)
    with pytest.raises(AccessDenied):
        briefing.preparation_overview(con, director)
    assert briefing.guidance_lines(con, director, _school(con, director), "2024-2025") == []


@pytest.mark.parametrize("fn", GUIDANCE_FUNCTIONS, ids=lambda f: f.__name__)
def test_an_anker_sees_guidance_of_assigned_schools_only(con, viewers, fn) -> None:
    anker = viewers["anker"]
    mine = allowed_school_ids(con, anker)
    other = con.execute(
        "SELECT min(school_id) FROM schools WHERE school_id NOT IN (SELECT unnest(?))", [mine]
    ).fetchone()[0]
    assert not fn(con, anker, mine[0]).empty
    with pytest.raises(AccessDenied):
        fn(con, anker, other)


def test_guidance_per_year_matches_the_registrations(con, viewers) -> None:
    anker = viewers["anker"]
    school = _school(con, anker)
    by_year = support_queries.guidance_by_year(con, anker, school)
    raw = con.execute(
        "SELECT school_year, count(*), sum(units), sum(hours) FROM guidance_contacts "
        "WHERE school_id = ? GROUP BY ALL ORDER BY 1",
        [school],
    ).fetchall()
    got = by_year[by_year["contacts"] > 0]
    assert [(r[0], r[1], r[2]) for r in raw] == list(
        zip(got["school_year"], got["contacts"], got["units"], strict=True)
    )
    assert got["hours"].tolist() == pytest.approx([r[3] for r in raw])
    assert by_year["unit_category"].tolist() == [
        support_queries.unit_category(u) for u in by_year["units"]
    ]
    assert set(by_year["tier"].dropna()) <= set(vocabulary.NEED_TIERS)


def test_guidance_overview_lists_schools_in_scope_by_name(con, viewers) -> None:
    anker = viewers["anker"]
    overview = support_queries.guidance_overview(con, anker, "2024-2025")
    assert sorted(overview["school_id"]) == allowed_school_ids(con, anker)
    assert overview["name"].tolist() == sorted(overview["name"])  # never by need or score
    regio = support_queries.guidance_overview(con, viewers["regioteam"], "2024-2025")
    assert sorted(regio["school_id"]) == allowed_school_ids(con, viewers["regioteam"])


def test_briefing_for_a_director_has_no_internal_lines(con, viewers) -> None:
    director = viewers["directeur"]
    school = _school(con, director)
    info = briefing.build_briefing(con, director, school, "2024-2025")
    assert info.guidance_lines == []
    assert info.observations and all(o.text.endswith(".") for o in info.observations)
    assert any(line.startswith("Zorgcontinuüm 2024-2025: brede basiszorg") for line in
               info.support_lines)  # fmt: skip
    anker_info = briefing.build_briefing(con, viewers["anker"], school, "2024-2025")
    assert anker_info.guidance_lines[0].startswith("Begeleidingsnood 2024-2025: ")
    assert anker_info.guidance_lines[0].endswith("(intern).")


def test_open_actions_become_questions(writable_db: Path, viewers) -> None:
    db = Database(writable_db)
    anker = viewers["anker"]
    # A school without the sample's own notes of last year (data_model/sample/history.py).
    school = (
        db.cursor()
        .state.execute(
            "SELECT min(school_id) FROM user_schools WHERE user_id = ? "
            "AND school_id NOT IN (SELECT school_id FROM notes)",
            [anker.user_id],
        )
        .fetchone()[0]
    )
    notes.create_note(
        db,
        anker,
        school,
        "2024-2025",
        "action",
        {"what": "Leesplan", "owner": "Juf Els", "due": "2025-06-30", "indicator": "Lezen",
         "category": "versterken"},
    )  # fmt: skip
    info = briefing.build_briefing(db.cursor(), anker, school, "2025-2026")
    assert [a.get("what") for a in info.open_actions] == ["Leesplan"]
    assert (
        "Wat is er terechtgekomen van de actie 'Leesplan' (Juf Els)? Zien we het effect in de "
        "nieuwe resultaten?"
    ) in info.questions
    overview = briefing.preparation_overview(db.cursor(), anker)
    row = overview.set_index("school_id").loc[school]
    assert row["open_actions"] == 1
    assert overview["name"].tolist() == sorted(overview["name"])
    db.close()


def test_suggestions_skip_years_with_too_few_pupils(con, viewers) -> None:
    beheerder = viewers["beheerder"]
    rows = con.execute(
        "SELECT school_id, school_year, assessment_id FROM school_result "
        "WHERE learning_area IS NOT NULL AND domain IS NULL "
        "GROUP BY ALL HAVING bool_and(suppressed) LIMIT 1"
    ).fetchall()
    # The sample has such a year: without one this test would test nothing.
    assert rows, "the sample has no fully suppressed year"
    school, year, assessment = rows[0]
    suggestions = briefing.observation_suggestions(con, beheerder, school, year)
    assert all(s.assessment_id != assessment for s in suggestions)
