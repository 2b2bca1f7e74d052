"""The naive way: what a spreadsheet or a pandas script does to make one school photo.

Load the pupil results into pandas, then filter and group there: school means per cell,
similar-school and Flanders means over all pupils. Compared with our read of the
materialised school_result for the same school.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from data_model.reading import queries
from data_model.reading.access import Viewer
from data_model.storage.db import Database


def _naive(con: duckdb.DuckDBPyConnection, school_id: str) -> pd.DataFrame:
    pupils = con.execute(
        """
        SELECT p.school_id, p.school_year, r.assessment_id, r.learning_area, r.domain, r.score,
               c.ses_group
        FROM pupil_results r JOIN pupils p USING (pupil_id)
        JOIN school_context c USING (school_id, school_year)
        """
    ).df()
    cell = ["school_year", "assessment_id", "learning_area", "domain"]
    flanders = pupils.groupby(cell)["score"].mean().rename("flanders_mean")
    similar = pupils.groupby([*cell, "ses_group"])["score"].mean().rename("similar_mean")
    own = pupils[pupils["school_id"] == school_id]
    school = own.groupby([*cell, "ses_group"])["score"].agg(["count", "mean", "std"])
    return school.join(similar).join(flanders, on=cell)


def _summary(times: list[float]) -> dict[str, float]:
    from bench.run import summary

    return summary(times)


def naive_school_photo(db_path: Path, viewer: Viewer, repeat: int) -> dict[str, Any]:
    db = Database(db_path)
    con = db.cursor()
    school_id = queries.schools_in_scope(con, viewer)["school_id"].iloc[0]
    naive = []
    for _ in range(repeat):
        start = time.perf_counter()
        _naive(con, school_id)
        naive.append((time.perf_counter() - start) * 1000)
    db.close()
    ours_cold = []
    for _ in range(repeat):
        start = time.perf_counter()
        fresh = Database(db_path)
        queries.school_results(fresh.cursor(), viewer, school_id, "ovsg6")
        ours_cold.append((time.perf_counter() - start) * 1000)
        fresh.close()
    db = Database(db_path)
    con = db.cursor()
    queries.school_results(con, viewer, school_id, "ovsg6")
    ours_warm = []
    for _ in range(max(repeat, 5)):
        start = time.perf_counter()
        queries.school_results(con, viewer, school_id, "ovsg6")
        ours_warm.append((time.perf_counter() - start) * 1000)
    db.close()
    n, c, w = _summary(naive), _summary(ours_cold), _summary(ours_warm)
    return {
        "school_id": school_id,
        "naive_ms": n,
        "ours_cold_ms": c,
        "ours_warm_ms": w,
        "ratio_cold": round(n["median"] / c["median"], 1),
        "ratio_warm": round(n["median"] / w["median"], 1),
    }
