"""The director's own pupils: one test and school year, by class group, each pupil by a
pseudonymous code that stays the same over the years (storage/pupil_key.py, `pupil_code`).

For the school's own staff only (`@school_read(staff=True)`), never memoised or cached: the
page audits every view. The school's own pupil numbers are never stored: `match_numbers`
takes the numbers of a file the director chooses again, hashes them in memory with the data
folder's secret and returns which code belongs to which number, for this request only.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from data_model.reading.access import Viewer
from data_model.reading.scope import school_read
from data_model.storage.connection import Connection
from data_model.storage.pupil_key import (
    KEY_HEX_CHARS,
    folder_of,
    load_secret,
    pupil_code,
    pupil_key,
)

# Per pupil of the school, test and year: the total (mean of the domains), the mean per
# learning area, the domains with goals reached; and the pupil's most recent result of an
# earlier school year in this school (same pupil_key: movers have none).
_PUPILS_SQL = """
WITH own AS (
    SELECT p.pupil_id, coalesce(p.pupil_key, left(p.pupil_id, ?)) AS pupil_key,
           p.pupil_key IS NOT NULL AS keyed, coalesce(p.class_group, '') AS class_group
    FROM pupils p
    WHERE p.school_id = ? AND p.school_year = ?
),
scores AS (
    SELECT o.pupil_key, o.class_group, o.keyed, r.learning_area, avg(r.score) AS area_score,
           count(*) FILTER (WHERE r.goal_reached) AS goals, count(r.goal_reached) AS goal_known,
           count(*) AS domains
    FROM own o JOIN pupil_results r USING (pupil_id)
    WHERE r.assessment_id = ?
    GROUP BY ALL
),
before AS (
    SELECT p.pupil_key, r.assessment_id, p.school_year, avg(r.score) AS score
    FROM pupils p JOIN pupil_results r USING (pupil_id)
    WHERE p.school_id = ? AND p.school_year < ? AND p.pupil_key IS NOT NULL
      AND p.pupil_key IN (SELECT pupil_key FROM own WHERE keyed)
    GROUP BY ALL
),
earlier AS (
    SELECT *, row_number() OVER (PARTITION BY pupil_key
                                 ORDER BY school_year DESC, assessment_id) AS k
    FROM before
)
SELECT s.pupil_key, s.class_group, s.learning_area, s.area_score, s.goals, s.goal_known,
       s.domains, e.assessment_id AS earlier_test, e.school_year AS earlier_year,
       e.score AS earlier_score
FROM scores s LEFT JOIN earlier e ON e.pupil_key = s.pupil_key AND e.k = 1
"""


@school_read(staff=True, memo=False)
def pupil_list(
    con: Connection,
    viewer: Viewer,
    school_id: str,
    assessment_id: str,
    school_year: str,
) -> pd.DataFrame:
    """One row per pupil: code, class group, total, one column per learning area, domains
    with goals reached, and the earlier result where the pupil is linked."""
    rows = con.execute(
        _PUPILS_SQL,
        [KEY_HEX_CHARS, school_id, school_year, assessment_id, school_id, school_year],
    ).df()
    if rows.empty:
        return pd.DataFrame()
    areas = con.execute(
        "SELECT learning_area FROM domains WHERE assessment_id = ? "
        "GROUP BY learning_area ORDER BY min(area_order)",
        [assessment_id],
    ).fetchall()
    wide = rows.pivot_table(index="pupil_key", columns="learning_area", values="area_score")
    per_pupil = rows.groupby("pupil_key").agg(
        class_group=("class_group", "first"),
        goals=("goals", "sum"),
        goal_known=("goal_known", "sum"),
        domains=("domains", "sum"),
        earlier_test=("earlier_test", "first"),
        earlier_year=("earlier_year", "first"),
        earlier_score=("earlier_score", "first"),
    )
    # The total as a pupil's school-level total: the mean over all domains of the test.
    weighted = rows.assign(w=rows["area_score"] * rows["domains"]).groupby("pupil_key")
    per_pupil["total"] = weighted["w"].sum() / weighted["domains"].sum()
    out = per_pupil.join(wide[[a for (a,) in areas if a in wide.columns]])
    out.insert(0, "code", [pupil_code(k) for k in out.index])
    out["goals"] = out["goals"].where(out["goal_known"] > 0)
    out = out.drop(columns="goal_known").reset_index(drop=True)
    return out.sort_values(["class_group", "code"]).reset_index(drop=True)


@school_read(staff=True, memo=False)
def match_numbers(
    con: Connection,
    viewer: Viewer,
    school_id: str,
    numbers: Iterable[object],
) -> dict[str, str]:
    """Code -> the school's own pupil number, for the numbers given (a file the director
    chose again). Computed in memory; nothing is stored. Numbers of no stored pupil of this
    school are left out."""
    secret = load_secret(folder_of(con), create=False)
    if secret is None:
        return {}
    by_key = {pupil_key(secret, school_id, n): str(n).strip() for n in numbers}
    stored = con.execute(
        "SELECT DISTINCT pupil_key FROM pupils WHERE school_id = ? "
        "AND list_contains(?::VARCHAR[], pupil_key)",
        [school_id, list(by_key)],
    ).fetchall()
    return {pupil_code(k): by_key[k] for (k,) in stored}
