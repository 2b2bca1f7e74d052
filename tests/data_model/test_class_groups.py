"""Class groups inside a school (v_class_result): the numbers, the privacy minimum with
complementary suppression, and that only the school's own staff ever reads them."""

from __future__ import annotations

import pandas as pd
import pytest

from data_model.reading import access, classes, pupils, scope  # noqa: F401 (registers reads)
from data_model.reading.access import AccessDenied, Viewer
from data_model.rules import load_rules
from data_model.statistics.classes import NO_GROUP, suppress

MINIMUM = load_rules().min_group_size
STAFF_READS = {name: r.fn for name, r in scope.READS.items() if r.staff}


def test_class_reads_are_registered_as_staff_reads() -> None:
    assert {
        "reading.classes.class_tests", "reading.classes.class_results",
        "reading.pupils.pupil_list", "reading.pupils.match_numbers",
    } <= set(STAFF_READS)  # fmt: skip


def _args(con, fn, school_id: str) -> dict[str, object]:
    names = list(fn.__wrapped__.__code__.co_varnames[3 : fn.__wrapped__.__code__.co_argcount])
    year, aid = con.execute(
        "SELECT school_year, assessment_id FROM class_result WHERE school_id = ? LIMIT 1",
        [school_id],
    ).fetchone()
    known = {
        "assessment_id": aid,
        "to_assessment": "vt6",
        "school_year": year,
        "numbers": ["1", "2"],
    }
    return {"school_id": school_id} | {n: known[n] for n in names}


@pytest.mark.parametrize("name", sorted(STAFF_READS))
@pytest.mark.parametrize("role", ["anker", "regioteam", "beheerder"])
def test_no_one_outside_the_school_reads_a_class_or_pupil(con, viewers, role, name) -> None:
    viewer = viewers[role]
    fn = STAFF_READS[name]
    # A school this viewer may otherwise see: its classes still stay inside the school.
    own = access.allowed_school_ids(con, viewer)
    school = next(s for s in own if con.execute(
        "SELECT count(*) FROM class_result WHERE school_id = ?", [s]).fetchone()[0])  # fmt: skip
    with pytest.raises(AccessDenied):
        fn(con, viewer, **_args(con, fn, school))


@pytest.mark.parametrize("name", sorted(STAFF_READS))
def test_the_director_reads_the_own_school_only(con, viewers, name) -> None:
    director = viewers["directeur"]
    fn = STAFF_READS[name]
    own = access.allowed_school_ids(con, director)[0]
    # Numbers of no pupil match nothing: the one read with nothing to give back here.
    if name != "reading.pupils.match_numbers":
        assert len(fn(con, director, **_args(con, fn, own))) > 0
    other = con.execute(
        "SELECT min(school_id) FROM class_result WHERE NOT list_contains(?, school_id)", [[own]]
    ).fetchone()[0]
    with pytest.raises(AccessDenied):
        fn(con, director, **_args(con, fn, other))
    # A Viewer object of an anker that claims to be a directeur is not believed.
    anker = viewers["anker"]
    forged = Viewer(anker.user_id, anker.name, anker.email, "directeur")
    school = access.allowed_school_ids(con, anker)[0]
    with pytest.raises(AccessDenied):
        fn(con, forged, **_args(con, fn, school))


def test_small_groups_are_never_shown_nor_derivable(con) -> None:
    rows = con.execute("SELECT * FROM v_class_result").df()
    shown = rows[~rows["suppressed"]]
    hidden = rows[rows["suppressed"]]
    assert len(hidden) > 0 and len(shown) > 0  # the sample has both
    assert (shown["n_pupils"] >= MINIMUM).all()
    assert (
        hidden[["n_pupils", "score_mean", "pct_goal_reached", "ci_low", "ci_high"]]
        .isna()
        .all()
        .all()
    )
    # From the pupil rows: the hidden groups of a cell are never exactly one, and together
    # they reach the minimum, so "school minus the shown groups" reveals no small group.
    true_n = con.execute(
        """
        SELECT c.school_id, c.school_year, c.assessment_id, c.class_group, c.suppressed,
               count(DISTINCT p.pupil_id) AS n
        FROM class_result c
        JOIN pupils p ON p.school_id = c.school_id AND p.school_year = c.school_year
         AND coalesce(p.class_group, ?) = c.class_group
        JOIN pupil_results r ON r.pupil_id = p.pupil_id AND r.assessment_id = c.assessment_id
        WHERE c.learning_area IS NULL
        GROUP BY ALL
        """,
        [NO_GROUP],
    ).df()
    for _, cell in true_n.groupby(["school_id", "school_year", "assessment_id"]):
        small = cell[cell["n"] < MINIMUM]
        assert small["suppressed"].all()
        gone = cell[cell["suppressed"]]
        if len(gone) and len(gone) < len(cell):
            assert len(gone) >= 2 and gone["n"].sum() >= MINIMUM, cell


def test_complementary_suppression_picks_the_smallest_shown_group() -> None:
    cells = pd.DataFrame(
        {
            "school_id": "000001", "school_year": "2024-2025", "assessment_id": "vt4",
            "learning_area": None, "domain": None,
            "class_group": ["4A", "4B", "4C", "5A", "5B", "6A", "6B", "6C"],
            "n_pupils": [20, 3, 9, 2, 3, 12, 11, 30],
        }
    )  # fmt: skip
    cells.loc[3:4, "school_year"] = "2023-2024"  # two small groups: 5 together, both hidden
    cells.loc[5:, "school_year"] = "2022-2023"  # nothing small: nothing hidden
    assert suppress(cells, 5).tolist() == [False, True, True, True, True, False, False, False]


def test_class_numbers_match_the_pupils(con, viewers) -> None:
    director = viewers["directeur"]
    school = access.allowed_school_ids(con, director)[0]
    year = con.execute(
        "SELECT max(school_year) FROM class_result WHERE school_id = ? AND NOT suppressed",
        [school],
    ).fetchone()[0]
    df = classes.class_results(con, director, school, "ovsg6", year)
    total = df[df["learning_area"].isna() & ~df["suppressed"].astype(bool)]
    school_row = total[total["class_group"].isna()].iloc[0]
    groups = total[total["class_group"].notna()]
    expected = (
        con.execute(
            """
        SELECT p.class_group, count(*) AS n, avg(s) AS mean FROM (
            SELECT pupil_id, avg(score) AS s FROM pupil_results
            WHERE assessment_id = 'ovsg6' GROUP BY pupil_id
        ) JOIN pupils p USING (pupil_id)
        WHERE p.school_id = ? AND p.school_year = ? GROUP BY 1
        """,
            [school, year],
        )
        .df()
        .set_index("class_group")
    )
    for row in groups.itertuples():
        assert row.n_pupils == expected.at[row.class_group, "n"]
        assert row.score_mean == pytest.approx(expected.at[row.class_group, "mean"])
        assert row.ci_low < row.score_mean < row.ci_high
    assert school_row["n_pupils"] == expected["n"].sum()
    assert school_row["flanders_mean"] > 0
