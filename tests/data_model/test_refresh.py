"""refresh_school_results with the touched school years gives what a full rebuild gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_model.statistics import coded
from data_model.statistics.cache import refresh_cache
from data_model.statistics.expected import SUMS_TABLE, _sums_sql
from data_model.statistics.materialize import _PUPIL_CELLS_SQL, CACHE_TABLE, refresh_school_results
from data_model.storage.db import Database

_RESULT = "SELECT * FROM school_result ORDER BY school_id, assessment_id, school_year, " \
    "learning_area NULLS FIRST, domain NULLS FIRST"  # fmt: skip
_EXPECTED = "SELECT * FROM school_expected ORDER BY school_id, assessment_id, school_year, " \
    "learning_area NULLS FIRST, domain NULLS FIRST"  # fmt: skip
_COMPONENTS = "SELECT * FROM variance_components ORDER BY kind, comparison, assessment_id, " \
    "learning_area NULLS FIRST, domain NULLS FIRST"  # fmt: skip


def _tables(con) -> list[pd.DataFrame]:
    return [con.execute(sql).df() for sql in (_RESULT, _EXPECTED, _COMPONENTS)]


def _assert_same(a: list[pd.DataFrame], b: list[pd.DataFrame]) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_touched_years_only_equals_a_full_rebuild(writable_db: Path) -> None:
    db = Database(writable_db)
    try:
        with db.write() as con:
            # An import replaced part of one school year: one school's pupils lose a domain.
            school = con.execute(
                "SELECT school_id FROM pupils WHERE school_year = '2024-2025' "
                "GROUP BY 1 HAVING count(*) > 20 ORDER BY 1 LIMIT 1"
            ).fetchone()[0]
            con.execute(
                """
                DELETE FROM pupil_results WHERE domain = 'Meetkunde' AND pupil_id IN (
                    SELECT pupil_id FROM pupils WHERE school_id = ? AND school_year = '2024-2025')
                """,
                [school],
            )
            before = con.execute(
                "SELECT n_pupils FROM school_result WHERE school_id = ? AND domain = 'Meetkunde' "
                "AND school_year = '2024-2025' AND assessment_id = 'ovsg6'",
                [school],
            ).fetchone()
            refresh_school_results(con, school_years=["2024-2025"])
            partial = con.execute(_RESULT).df()
            partial_expected = con.execute(_EXPECTED).df()
            refresh_school_results(con)
            full = con.execute(_RESULT).df()
            full_expected = con.execute(_EXPECTED).df()
    finally:
        db.close()
    assert before is not None
    # The touched cell changed (its pupils' Meetkunde scores are gone)...
    gone = partial[(partial["school_id"] == school) & (partial["domain"] == "Meetkunde")
                   & (partial["school_year"] == "2024-2025")
                   & (partial["assessment_id"] == "ovsg6")]  # fmt: skip
    assert gone.empty
    # ...and everything else is exactly what a full rebuild computes.
    pd.testing.assert_frame_equal(partial, full)
    pd.testing.assert_frame_equal(partial_expected, full_expected)


def test_an_aggregate_import_keeps_the_ses_scores_and_equals_a_full_rebuild(writable_db: Path):
    # A results file (school aggregates) changes no pupil row: the SES-gecorrigeerde scores
    # are not recomputed, yet every table is what a full rebuild gives.
    db = Database(writable_db)
    try:
        with db.write() as con:
            con.execute(
                "UPDATE school_results_aggregate SET score_mean = least(100, score_mean + 9) "
                "WHERE school_id = (SELECT min(school_id) FROM school_results_aggregate)"
            )
            refresh_school_results(con, school_years=[])
            partial = _tables(con)
            refresh_school_results(con)
            full = _tables(con)
    finally:
        db.close()
    _assert_same(partial, full)


def test_cells_judged_in_small_chunks_give_the_same_numbers(writable_db: Path, monkeypatch):
    # Every statistic depends only on rows of its own cell, so chunks of whole cells give
    # what one pass over everything gives (coded.py); here with a chunk per cell.
    db = Database(writable_db)
    try:
        with db.write() as con:
            refresh_school_results(con)
            one_pass = _tables(con)
            monkeypatch.setattr(coded, "CHUNK_ROWS", 1)
            chunks = coded.load(con, "_chunk_probe", "SELECT * FROM school_result")
            refresh_school_results(con)
            chunked = _tables(con)
    finally:
        db.close()
    assert len(chunks) > 20  # one per cell
    _assert_same(one_pass, chunked)


def test_the_caches_rebuilt_a_year_at_a_time_hold_one_pass_over_all_years(writable_db: Path):
    # A full rebuild fills the pupil-level caches one school year at a time (a single pass
    # over all years did not fit the builder's memory at Flanders scale); the rows must be
    # exactly those of the single pass, for every year, none missing or twice.
    db = Database(writable_db)
    try:
        with db.write() as con:
            for table, sql in ((CACHE_TABLE, _PUPIL_CELLS_SQL), (SUMS_TABLE, _sums_sql())):
                one_pass = con.execute(
                    "SELECT * FROM (" + sql + ") ORDER BY ALL", [None, None]
                ).df()
                refresh_cache(con, table, sql, None)
                by_year = con.execute("SELECT * FROM " + table + " ORDER BY ALL").df()
                assert one_pass["school_year"].nunique() >= 3
                pd.testing.assert_frame_equal(by_year, one_pass)
    finally:
        db.close()
