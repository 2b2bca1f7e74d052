"""Learning gain (leerwinst): `school_progress`, the table behind `v_school_progress`.

For pupils linked from grade 4 to grade 6 in the same school (the same `pupil_key` two school
years apart: storage/pupil_key.py; a pupil who changed school is a new pupil there and is not
linked), the grade-6 score is compared with the score expected from the same pupil's grade-4
score: a Flanders-wide least-squares line per cohort (from-year, to-year, tests) and cell
(total, or a learning area both tests have). A school's progress in a cohort is the mean
residual of its linked pupils, in points of the grade-6 scale, with sampling variance
σ²_res / n_linked. Cohorts are then pooled, shrunk and coloured by `verdicts.assess`, the one
method of every colour (class variance, empirical Bayes, the same status and trend codes);
bench/calibration_progress.py measures it on worlds with a known growth.

`pct_linked` is the share of the school's grade-6 pupils with that score who could be linked:
a low share means the estimate speaks for part of the class only (movers, a missing file).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.statistics.verdicts import assess
from data_model.storage.connection import Sql
from data_model.storage.frames import insert_frame

# (from test, to test): grade 4 to grade 6, two school years on.
PAIRS = (("vt4", "vt6"), ("vt4", "ovsg6"))
YEARS_APART = 2
FROM_GRADE, TO_GRADE = 4, 6
TOTAL = "~totaal~"  # stands in for the total row (learning_area NULL) while grouping

# Only the school years that can be linked: a grade-4 year and the grade-6 year two years on
# (from the pupils table: the result caches are rebuilt after the file is written), so an
# import of a year no cohort reaches reads no pupil results (a Flanders OVSG-toets history is
# 7.6 M rows).
_LINKABLE_SQL = """
WITH y AS (SELECT DISTINCT grade, CAST(left(school_year, 4) AS INTEGER) AS year
           FROM pupils WHERE pupil_key IS NOT NULL)
SELECT f.year, t.year FROM y f JOIN y t ON t.year = f.year + ?
WHERE f.grade = ? AND t.grade = ?
"""
# Grade-6 rows of the target test (?5), per pupil: one per learning area and one for the
# total (?3: the mean of all domains, the area means weighted by their domains), with the same
# pupil's score of the source test (?4) two school years (?6) before (NULL when not linked);
# a learning area only where the source test has it (Frans is not in grade 4). In DuckDB: the
# pupil keys never leave it (at Flanders scale 750,000 pupils x 6 cells of 64-character text).
_PAIRS_SQL = """
WITH a AS (
    SELECT p.pupil_key, p.school_id, CAST(left(p.school_year, 4) AS INTEGER) AS year,
           r.assessment_id, r.learning_area, avg(r.score) AS score, count(*) AS domains
    FROM pupils p JOIN pupil_results r USING (pupil_id)
    WHERE p.pupil_key IS NOT NULL AND list_contains(?1::VARCHAR[], p.school_year)
      AND list_contains(?2::VARCHAR[], r.assessment_id)
    GROUP BY ALL
),
c AS MATERIALIZED (
    SELECT pupil_key, school_id, year, assessment_id, learning_area, score FROM a
    UNION ALL
    SELECT pupil_key, school_id, year, assessment_id, ?3, sum(score * domains) / sum(domains)
    FROM a GROUP BY pupil_key, school_id, year, assessment_id
)
SELECT t.school_id, t.year, t.learning_area, t.score, b.score AS prior
FROM c t LEFT JOIN c b ON b.assessment_id = ?4 AND b.pupil_key = t.pupil_key
    AND b.year + ?6 = t.year AND b.learning_area = t.learning_area
WHERE t.assessment_id = ?5
  AND t.learning_area IN (SELECT learning_area FROM c WHERE assessment_id = ?4)
"""

COLUMNS = ["school_id", "from_year", "to_year", "from_assessment", "to_assessment",
           "learning_area", "n_linked", "pct_linked", "progress_estimate", "ci_low", "ci_high",
           "status", "trend", "suppressed", "year_progress", "n_pupils_to"]  # fmt: skip


def school_progress_rows(pairs: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Per school, to-year and cell: n_linked, pct_linked, the mean residual of the linked
    pupils against the Flanders-wide line of that cohort and cell, and its variance."""
    linked = pairs[pairs["prior"].notna()].copy()
    if linked.empty:  # no cohort followed from grade 4 to grade 6 yet
        return pd.DataFrame(columns=["school_id", "year", "learning_area", "n_linked"])
    linked["resid"] = np.nan
    sd_rows = []
    for (year, area), g in linked.groupby(["year", "learning_area"], sort=False):
        x = np.column_stack([np.ones(len(g)), g["prior"].to_numpy(float)])
        y = g["score"].to_numpy(float)
        if len(g) < 3:
            continue
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        resid = y - x @ coef
        linked.loc[g.index, "resid"] = resid
        sd_rows.append((year, area, float(np.sqrt(resid @ resid / max(len(g) - 2, 1)))))
    res_sd = pd.DataFrame(sd_rows, columns=["year", "learning_area", "res_sd"])
    flanders_sd = (
        pairs.groupby(["year", "learning_area"])["score"].std(ddof=1).rename("flanders_sd")
    )
    keys = ["school_id", "year", "learning_area"]
    n_to = pairs.groupby(keys).size().rename("n_pupils_to")
    per_school = linked.groupby(keys).agg(n_linked=("resid", "count"), d=("resid", "mean"))
    rows = pd.concat([n_to, per_school], axis=1).reset_index()
    rows["n_linked"] = rows["n_linked"].fillna(0).astype(int)
    rows = rows.merge(res_sd, on=["year", "learning_area"], how="left").merge(
        flanders_sd.reset_index(), on=["year", "learning_area"], how="left"
    )
    rows["pct_linked"] = 100 * rows["n_linked"] / rows["n_pupils_to"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["v"] = rows["res_sd"].astype(float) ** 2 / rows["n_linked"].astype(float)
    rows["suppressed"] = rows["n_linked"] < minimum
    return rows


def judge(rows: pd.DataFrame, source: str, target: str, rules: Rules) -> pd.DataFrame:
    """Pool, shrink and colour the cohorts of every school with `verdicts.assess`."""
    frame = pd.DataFrame(
        {
            "school_id": rows["school_id"],
            "school_year": [f"{y}-{y + 1}" for y in rows["year"]],
            "assessment_id": f"{source}>{target}",
            "learning_area": rows["learning_area"].where(rows["learning_area"] != TOTAL),
            "domain": None,
            "n_pupils": rows["n_linked"],
            "suppressed": rows["suppressed"],
            "d": rows["d"],
            "v": rows["v"],
            "sd": rows["flanders_sd"],
        }
    )
    judged, _ = assess(frame, "d", "v", "sd", rules)
    hidden = rows["suppressed"].to_numpy(bool)
    return pd.DataFrame(
        {
            "school_id": rows["school_id"].to_numpy(),
            "from_year": [f"{y - 2}-{y - 1}" for y in rows["year"]],
            "to_year": frame["school_year"].to_numpy(),
            "from_assessment": source,
            "to_assessment": target,
            "learning_area": frame["learning_area"].to_numpy(),
            "n_linked": np.where(hidden, np.nan, rows["n_linked"]),
            "pct_linked": np.where(hidden, np.nan, rows["pct_linked"]),
            "progress_estimate": judged["status_estimate"].to_numpy(float),
            "ci_low": judged["ci_low"].to_numpy(float),
            "ci_high": judged["ci_high"].to_numpy(float),
            "status": judged["status"].astype(str).to_numpy(),
            "trend": judged["trend"].astype(str).to_numpy(),
            "suppressed": hidden,
            "year_progress": np.where(hidden, np.nan, rows["d"]),
            "n_pupils_to": np.where(hidden, np.nan, rows["n_pupils_to"]),
        }
    )


def refresh_school_progress(con: Sql, rules: Rules | None = None) -> int:
    """Rebuild `school_progress` for every school and cohort (the line is Flanders-wide, so
    one new file changes every school's expected score of that cohort)."""
    rules = rules or load_rules()
    con.execute("DELETE FROM school_progress")
    frames = []
    for source, target in PAIRS:
        linkable = con.execute(_LINKABLE_SQL, [YEARS_APART, FROM_GRADE, TO_GRADE]).fetchall()
        if not linkable:
            continue
        years = sorted({f"{y}-{y + 1}" for pair in linkable for y in pair})
        pairs = con.execute(
            _PAIRS_SQL, [years, [source, target], TOTAL, source, target, YEARS_APART]
        ).df()
        rows = school_progress_rows(pairs, rules.min_group_size)
        if rows["n_linked"].sum() > 0:
            frames.append(judge(rows[rows["n_linked"] > 0].reset_index(drop=True), source,
                                target, rules))  # fmt: skip
    if not frames:
        return 0
    return insert_frame(con, "school_progress", pd.concat(frames, ignore_index=True), COLUMNS)
