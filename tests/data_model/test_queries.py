"""Read queries: scoped per viewer, suppressed rows blanked, rows in photo order."""

from __future__ import annotations

import pytest

from data_model.reading import access, queries
from data_model.reading.access import AccessDenied, allowed_school_ids


def test_each_role_sees_exactly_its_scope(con, viewers):
    director = viewers["directeur"]
    own = [r[0] for r in con.state.execute(
        "SELECT school_id FROM user_schools WHERE user_id = ? ORDER BY 1", [director.user_id]
    ).fetchall()]  # fmt: skip
    assert sorted(queries.schools_in_scope(con, director)["school_id"]) == own
    anker = queries.schools_in_scope(con, viewers["anker"])
    assert len(anker) == 10
    region = queries.schools_in_scope(con, viewers["regioteam"])
    assert set(region["region_id"]) == {viewers["regioteam"].region_id}
    assert len(queries.schools_in_scope(con, viewers["beheerder"])) == 60
    # Sorted by name, never by result.
    assert region["name"].tolist() == sorted(region["name"].tolist())


def test_director_cannot_read_another_school(con, viewers):
    director = viewers["directeur"]
    other = con.execute(
        "SELECT min(school_id) FROM schools WHERE NOT list_contains(?, school_id)",
        [access.allowed_school_ids(con, director)],
    ).fetchone()[0]
    for fn, args in (
        (queries.school_results, (other, "ovsg6")),
        (queries.school_context, (other,)),
        (queries.support_counts, (other,)),
        (queries.school_years, (other,)),
        (queries.assessments_for_school, (other,)),
    ):
        with pytest.raises(AccessDenied, match="geen toegang"):
            fn(con, director, *args)
    overview = queries.scope_overview(con, director)
    assert set(overview["school_id"]) <= set(allowed_school_ids(con, director))


def test_school_results_are_in_photo_order_and_blank_small_groups(con, viewers):
    admin = viewers["beheerder"]
    small = con.execute(
        "SELECT school_id FROM school_result WHERE suppressed GROUP BY 1 ORDER BY count(*) DESC"
    ).fetchone()[0]
    df = queries.school_results(con, admin, small, "ovsg6")
    labels = list(
        dict.fromkeys(
            (a if isinstance(a, str) else None, d if isinstance(d, str) else None)
            for a, d in zip(df["learning_area"], df["domain"], strict=True)
        )
    )
    assert labels[0] == (None, None)  # the total first
    assert labels[1] == ("Nederlands", None)
    assert labels[2] == ("Nederlands", "Lezen")
    assert labels[-1] == ("Frans", "Luisteren")
    hidden = df[df["suppressed"]]
    assert len(hidden) > 0
    assert hidden["n_pupils"].isna().all() and hidden["score_mean"].isna().all()


def test_scope_overview_has_one_row_per_school_and_area(con, viewers):
    overview = queries.scope_overview(con, viewers["anker"])
    assert len(overview) == 10 * 4
    assert set(overview["learning_area"]) == {"Nederlands", "Wiskunde", "Wereldoriëntatie", "Frans"}
    assert (overview["school_year"] == "2025-2026").all()


def test_years_waiting_for_context_are_named_per_scope(writable_db, viewers) -> None:
    """Results imported before that year's context file: the beheerder is told which year
    waits and for how many schools; a director's scope counts only her own school."""
    from data_model.reading.access import allowed_school_ids, system_viewer, viewer_for_user_id
    from data_model.storage.db import Database

    db = Database(writable_db)
    try:
        con = db.cursor()
        admin = system_viewer(con)
        assert queries.years_waiting_for_context(con, admin).empty  # the sample is complete
        year = con.execute("SELECT max(school_year) FROM school_context").fetchone()[0]
        with db.write() as w:
            w.execute("DELETE FROM school_context WHERE school_year = ?", [year])
        con = db.cursor()
        waiting = queries.years_waiting_for_context(con, system_viewer(con))
        n_schools = con.execute(
            "SELECT count(DISTINCT school_id) FROM school_result WHERE school_year = ?", [year]
        ).fetchone()[0]
        assert waiting.to_dict("records") == [{"school_year": year, "n_schools": n_schools}]
        director = viewer_for_user_id(con, viewers["directeur"].user_id)
        mine = queries.years_waiting_for_context(con, director)
        assert mine["n_schools"].tolist() == [len(allowed_school_ids(con, director))]
    finally:
        db.close()
