"""The sample database: realistic, deterministic, and answering the data contract (README, "The data contract").

The independent recomputation of every status and trend from the pupil rows lives in
test_recomputation.py.
"""

from __future__ import annotations

import duckdb
import pytest

from data_model.rules import load_rules
from data_model.sample import SampleSpec, generate
from data_model.storage.db import Database
from data_model.vocabulary import STATUSES, TRENDS

RULES = load_rules()


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    return con.execute(sql, params or []).fetchone()[0]


def test_contract_views_answer(con):
    # Their columns are checked against the README's table in tests/test_docs.py.
    for view in ("v_support", "v_guidance", "v_school_context"):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] > 0


def test_status_and_trend_codes_are_from_the_contract(con):
    statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM v_school_result").fetchall()}
    trends = {r[0] for r in con.execute("SELECT DISTINCT trend FROM v_school_result").fetchall()}
    assert statuses == set(STATUSES)
    assert trends == set(TRENDS)


def test_grey_cells_say_which_grey_from_the_view_alone(con):
    """as_expected: the whole interval within ± the margin; uncertain: holds 0, reaches beyond.

    Checked from v_school_result and rules.toml alone (flanders_sd is in the view), and both
    greys occur often enough on the demo that the split tells a director something.
    """
    margin = RULES.as_expected_margin
    rows = con.execute(
        "SELECT status, ci_low / flanders_sd AS lo, ci_high / flanders_sd AS hi "
        "FROM v_school_result WHERE status IN ('as_expected', 'uncertain')"
    ).df()
    close = rows[rows["status"] == "as_expected"]
    unsure = rows[rows["status"] == "uncertain"]
    assert ((close["lo"] >= -margin) & (close["hi"] <= margin)).all()
    assert ((unsure["lo"] <= 0) & (unsure["hi"] >= 0)).all()
    assert ((unsure["lo"] < -margin) | (unsure["hi"] > margin)).all()
    assert len(close) >= 0.1 * len(rows) and len(unsure) >= 0.1 * len(rows)


def test_suppressed_rows_show_nothing(con):
    leaks = _one(
        con,
        """
        SELECT count(*) FROM v_school_result
        WHERE suppressed AND (score_mean IS NOT NULL OR score_sd IS NOT NULL
              OR diff_similar IS NOT NULL OR ci_low IS NOT NULL OR n_pupils IS NOT NULL OR n_pupils >= ?
              OR year_diff IS NOT NULL OR status_estimate IS NOT NULL OR trend_slope IS NOT NULL
              OR status <> 'too_few' OR trend <> 'too_short')
        """,
        [RULES.min_group_size],
    )
    assert leaks == 0
    assert _one(con, "SELECT count(*) FROM v_school_result WHERE suppressed") > 0


def test_sample_is_realistic(con):
    assert _one(con, "SELECT count(*) FROM schools") == 60
    assert _one(con, "SELECT count(DISTINCT region_id) FROM schools") == 3
    assert _one(con, "SELECT count(DISTINCT community_id) FROM schools") >= 6
    assert _one(con, "SELECT count(*) FROM schools WHERE school_id LIKE '0%'") >= 2
    years = [
        r[0] for r in con.execute("SELECT DISTINCT school_year FROM pupils ORDER BY 1").fetchall()
    ]
    assert years == [f"{y}-{y + 1}" for y in range(2018, 2026)]
    cohort = con.execute(
        "SELECT avg(n), min(n), max(n) FROM (SELECT count(*) AS n FROM pupils "
        "GROUP BY school_id, school_year, grade)"
    ).fetchone()
    assert 22 <= cohort[0] <= 30 and cohort[1] < RULES.min_group_size and cohort[2] >= 35
    # All four learning areas and their 13 domains at pupil level.
    cells = "SELECT count(DISTINCT learning_area || domain) FROM pupil_results WHERE "
    assert _one(con, cells + "assessment_id = 'ovsg6'") == 13
    assert _one(con, cells + "assessment_id = 'vt4'") == 6
    # Vlaamse toetsen grade 4 at pupil level with the class group (a few schools: averages).
    assert _one(con, "SELECT min(school_year) FROM school_results_aggregate") == "2023-2024"
    first_vt4 = "SELECT min(school_year) FROM pupils WHERE grade = 4 AND class_group IS NOT NULL"
    assert _one(con, first_vt4) == "2023-2024"
    assert _one(con, "SELECT count(DISTINCT school_year) FROM guidance_contacts") == 3
    assert _one(con, "SELECT count(DISTINCT tier) FROM guidance_need") == 3
    roles = dict(con.state.execute("SELECT role, count(*) FROM users GROUP BY role").fetchall())
    assert roles["directeur"] >= 50 and roles["anker"] >= 5 and roles["regioteam"] == 3
    assert _one(con, "SELECT value FROM meta WHERE key = 'is_sample'") == "true"
    # Real effects are in the data: disadvantaged pupils score lower, trends exist both ways.
    gap = _one(
        con,
        """
        SELECT avg(CASE WHEN p.mother_low_education THEN r.score END)
             - avg(CASE WHEN NOT p.mother_low_education THEN r.score END)
        FROM pupil_results r JOIN pupils p USING (pupil_id)
        """,
    )
    assert gap < -2
    trends = dict(
        con.execute(
            "SELECT trend, count(*) FROM v_school_result WHERE domain IS NULL GROUP BY 1"
        ).fetchall()
    )
    assert trends["rising"] > 10 and trends["falling"] > 10


def test_generator_is_deterministic(tmp_path):
    spec = SampleSpec(schools=8, years=3, seed=11)
    a = Database(generate(tmp_path / "a", spec))
    b = Database(generate(tmp_path / "b", spec))
    sql = (
        "SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils, "
        "round(score_mean, 9), status, trend FROM v_school_result ORDER BY ALL"
    )
    ca, cb = a.cursor(), b.cursor()
    assert ca.execute(sql).fetchall() == cb.execute(sql).fetchall()
    assert (
        ca.state.execute("SELECT * FROM users ORDER BY 1").fetchall()
        == cb.state.execute("SELECT * FROM users ORDER BY 1").fetchall()
    )
    other = Database(generate(tmp_path / "c", SampleSpec(schools=8, years=3, seed=12)))
    assert ca.execute(sql).fetchall() != other.cursor().execute(sql).fetchall()
    for db in (a, b, other):
        db.close()


def test_aggregate_only_rows_get_pooled_comparisons(con):
    """Some schools sent only the school averages of the Vlaamse toetsen, the others the pupil
    file: the comparison means must equal the pupil-weighted means of both."""
    assert _one(con, "SELECT count(*) FROM school_results_aggregate") > 0
    rows = con.execute(
        """
        WITH cells AS (
            SELECT school_year, assessment_id, learning_area, domain, n_pupils, score_mean
            FROM school_results_aggregate
            UNION ALL
            SELECT school_year, assessment_id, learning_area, domain, n_pupils, score_mean
            FROM school_cell_aggregate
        ),
        g AS (
            SELECT a.school_year, a.learning_area, a.domain,
                   sum(a.n_pupils * a.score_mean) / sum(a.n_pupils) AS fl
            FROM cells a
            WHERE a.assessment_id = 'vt4' AND a.learning_area = 'Wiskunde' AND a.domain IS NULL
            GROUP BY ALL
        )
        SELECT r.flanders_mean, g.fl
        FROM v_school_result r JOIN g USING (school_year)
        WHERE r.assessment_id = 'vt4' AND r.learning_area = 'Wiskunde' AND r.domain IS NULL
        """
    ).fetchall()
    assert rows
    assert all(a == pytest.approx(b) for a, b in rows)


def test_sample_has_last_years_conversation(con, viewers) -> None:
    """A first start shows something in the review step and the Notities sheet: the demo
    director's school and the first anker's schools carry last year's notes and actions."""
    from data_model.state import notes

    school = con.execute("SELECT value FROM meta WHERE key = 'demo_default_user'").fetchone()[0]
    school_id = school.removeprefix("dir-")
    latest = con.execute(
        "SELECT DISTINCT school_year FROM school_result ORDER BY 1 DESC LIMIT 1"
    ).fetchone()[0]
    open_now = notes.previous_actions(con, viewers["beheerder"], school_id, latest)
    assert len(open_now) == 2 and all(a.author_name for a in open_now)
    anker = viewers["anker"]
    with_history = con.state.execute(
        "SELECT count(DISTINCT school_id) FROM notes WHERE school_id IN "
        "(SELECT school_id FROM user_schools WHERE user_id = ?)",
        [anker.user_id],
    ).fetchone()[0]
    assert with_history >= 1
