"""refresh_school_results with the touched school years gives what a full rebuild gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_model.statistics.materialize import refresh_school_results
from data_model.storage.db import Database

_RESULT = "SELECT * FROM school_result ORDER BY school_id, assessment_id, school_year, " \
    "learning_area NULLS FIRST, domain NULLS FIRST"  # fmt: skip
_EXPECTED = "SELECT * FROM school_expected ORDER BY school_id, assessment_id, school_year, " \
    "learning_area NULLS FIRST, domain NULLS FIRST"  # fmt: skip


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
