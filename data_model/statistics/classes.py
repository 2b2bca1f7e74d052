"""Results per class group (lesgroep) inside a school: `class_result`, the table behind
`v_class_result`. Rebuilt for the school years a pupil file touches (imports/writing.py) and
by the sample generator.

Per school x year x assessment x class group x cell (total, learning area, domain): n, mean,
SD, % goals reached and a 95 % interval of the mean (t quantile: classes are small). A class
group is a descriptive number for the school's own team, never coloured: one class in one
year says little about the school, and the school's colour already allows for classes.

Privacy: a group below the privacy minimum is suppressed (every measure NULL). The school's
own result is shown next to its groups, so one hidden group would be the school minus the
others: whenever a cell hides exactly one group, or hidden groups that together stay below
the minimum, the smallest shown group is hidden too (complementary suppression, as for
subgroups). Pupils without a lesgroep count as one group, "zonder lesgroep".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.rules import load_rules
from data_model.storage.connection import Sql
from data_model.storage.frames import insert_frame

NO_GROUP = "zonder lesgroep"
_KEY = ["school_id", "school_year", "assessment_id", "learning_area", "domain"]

# Per pupil: one row per domain, per learning area (mean of its domains) and for the total
# (mean of all domains), as statistics/materialize.py builds the school's cells. Only school
# years and assessments where at least one pupil has a lesgroep: older files had none.
_CLASS_CELLS_SQL = """
WITH pr AS (
    SELECT p.school_id, p.school_year, r.assessment_id, r.learning_area, r.domain,
           coalesce(p.class_group, ?) AS class_group, r.pupil_id, r.score,
           CAST(r.goal_reached AS DOUBLE) AS goal
    FROM pupil_results r JOIN pupils p USING (pupil_id)
    SEMI JOIN _class_years k ON k.school_id = p.school_id AND k.school_year = p.school_year
),
with_groups AS (
    SELECT * FROM pr SEMI JOIN (
        SELECT school_id, school_year, assessment_id FROM pr
        GROUP BY ALL HAVING bool_or(class_group <> ?)
    ) USING (school_id, school_year, assessment_id)
),
levels AS (
    SELECT school_id, school_year, assessment_id, class_group, learning_area, domain, score, goal
    FROM with_groups
    UNION ALL
    SELECT school_id, school_year, assessment_id, class_group, learning_area, NULL, avg(score),
           avg(goal)
    FROM with_groups GROUP BY school_id, school_year, assessment_id, class_group,
                              learning_area, pupil_id
    UNION ALL
    SELECT school_id, school_year, assessment_id, class_group, NULL, NULL, avg(score), avg(goal)
    FROM with_groups GROUP BY school_id, school_year, assessment_id, class_group, pupil_id
)
SELECT school_id, school_year, assessment_id, class_group,
       CAST(learning_area AS VARCHAR) AS learning_area, CAST(domain AS VARCHAR) AS domain,
       count(*)::INTEGER AS n_pupils, avg(score) AS score_mean, stddev_samp(score) AS score_sd,
       avg(goal) * 100 AS pct_goal_reached
FROM levels
GROUP BY ALL
"""

CLASS_CONFIDENCE = 0.95  # the level of a class group's interval (pages say it from here)
# Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom (no scipy on the
# import path); above 30 the normal quantile with a first-order correction.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip

COLUMNS = ["school_id", "school_year", "assessment_id", "class_group", "learning_area", "domain",
           "n_pupils", "score_mean", "score_sd", "pct_goal_reached", "ci_low", "ci_high",
           "suppressed"]  # fmt: skip


def t_quantile(df: np.ndarray) -> np.ndarray:
    df = np.asarray(df, dtype=int)
    table = np.array(_T975)
    quantile: np.ndarray = np.where(
        df <= 30, table[np.clip(df, 1, 30) - 1], 1.96 + 2.4 / np.maximum(df, 1)
    )
    return quantile


def suppress(cells: pd.DataFrame, minimum: int) -> pd.Series:
    """True for every group that must stay hidden: below `minimum`, or the smallest shown
    group of a cell whose hidden groups could otherwise be derived from the school's total."""
    primary = cells["n_pupils"] < minimum
    grouped = primary.groupby([cells[k].fillna("\x00") for k in _KEY], sort=False)
    n_hidden = grouped.transform("sum")
    hidden_n = (
        cells["n_pupils"]
        .where(primary, 0)
        .groupby([cells[k].fillna("\x00") for k in _KEY], sort=False)
        .transform("sum")
    )
    exposed = (n_hidden == 1) | ((n_hidden > 0) & (hidden_n < minimum))
    # The smallest shown group of each exposed cell (ties: the first class group by name).
    order = cells.assign(_shown=~primary).sort_values(
        ["_shown", "n_pupils", "class_group"], ascending=[False, True, True], kind="stable"
    )
    keys = [order[k].fillna("\x00") for k in _KEY]
    first_shown = order["_shown"] & (order.groupby(keys, sort=False).cumcount() == 0)
    secondary = first_shown.reindex(cells.index) & exposed
    return primary | secondary


def class_cells(con: Sql) -> pd.DataFrame:
    """The class groups of the school years in temp table `_class_years`, measures and
    suppression applied (suppressed rows hold no measure)."""
    cells = con.execute(_CLASS_CELLS_SQL, [NO_GROUP, NO_GROUP]).df()
    if cells.empty:
        return pd.DataFrame(columns=COLUMNS)
    n = cells["n_pupils"].to_numpy()
    half = t_quantile(n - 1) * cells["score_sd"].to_numpy() / np.sqrt(n)
    cells["ci_low"] = (cells["score_mean"] - half).clip(lower=0)
    cells["ci_high"] = (cells["score_mean"] + half).clip(upper=100)
    cells["suppressed"] = suppress(cells, load_rules().min_group_size)
    measures = ["n_pupils", "score_mean", "score_sd", "pct_goal_reached", "ci_low", "ci_high"]
    cells[measures] = cells[measures].astype(float).where(~cells["suppressed"])
    return cells[COLUMNS]


def refresh_class_results(con: Sql, school_years: list[tuple[str, str]] | None = None) -> int:
    """Rebuild `class_result` for the (school_id, school_year) pairs given, or for all."""
    if school_years is None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _class_years AS "
            "SELECT DISTINCT school_id, school_year FROM pupils"
        )
    else:
        pairs = pd.DataFrame(list(school_years), columns=["school_id", "school_year"])
        con.register("_class_pairs", pairs)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _class_years AS "
            "SELECT DISTINCT CAST(school_id AS VARCHAR) AS school_id, "
            "CAST(school_year AS VARCHAR) AS school_year FROM _class_pairs"
        )
        con.unregister("_class_pairs")
    con.execute("DELETE FROM class_result c USING _class_years k "
                "WHERE c.school_id = k.school_id AND c.school_year = k.school_year")  # fmt: skip
    # School years without any lesgroep (older files) have no class groups: not read at all.
    con.execute(
        "DELETE FROM _class_years k WHERE NOT EXISTS (SELECT 1 FROM pupils p WHERE "
        "p.school_id = k.school_id AND p.school_year = k.school_year AND p.class_group IS NOT NULL)"
    )
    cells = class_cells(con)
    con.execute("DROP TABLE _class_years")
    if cells.empty:
        return 0
    return insert_frame(con, "class_result", cells, COLUMNS)
