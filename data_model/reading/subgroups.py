"""Subgroups within one school: gender, home language, SES indicators, support phase.

For one school, school year, assessment and cell (total, learning area or domain) each
subgroup gets its mean with a 95 % interval, its difference with the rest of the school
(Welch interval) and the same difference *within* the schools of Flanders: the mean of every
school's own gap (weighted by its precision, n_g·n_rest / (n_g + n_rest)). The gap over all
pupils of Flanders also holds the segregation between schools (disadvantaged pupils go to
schools that score lower for everyone), so a school would be compared with a gap no school has
inside its walls. The school's gap is tested against that within-school gap, with the six
dimensions (and each of their groups) controlled together: each test at level
1 − (1 − subgroup_confidence) / m, m the number of gaps tested in the cell (a dimension of two
groups is one gap), so a school whose gaps are those of Flanders gets a verdict on any of them
in at most 1 − subgroup_confidence of its cells.

Privacy (docs/architecture.md, "Scope and suppression"): a dimension is shown only when
*every* group of it, and every group's
complement, reaches the privacy minimum. Otherwise the whole dimension is hidden, because the
numbers of the other groups plus the school total would give the small group away by
differencing. Pupils with an unknown value form their own group ("onbekend") for that reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.reading.access import Viewer
from data_model.reading.scope import school_read
from data_model.rules import Rules, load_rules
from data_model.statistics.status import t_quantile
from data_model.storage.connection import Connection
from data_model.vocabulary import AS_EXPECTED, HIGHER, LOWER

# dimension id -> (Dutch label, SQL expression over pupils p giving the group label).
# Constants of this module (allow-listed), never input. Support phases are split in two:
# fase 2 and 3 are so rare that, on their own, they would hide the dimension everywhere.
DIMENSIONS: dict[str, tuple[str, str]] = {
    "gender": (
        "Geslacht",
        "CASE p.gender WHEN 'jongen' THEN 'jongens' WHEN 'meisje' THEN 'meisjes' "
        "WHEN 'x' THEN 'x' ELSE 'onbekend' END",
    ),
    "home_language": (
        "Thuistaal",
        "CASE WHEN p.home_language_dutch THEN 'Nederlands' "
        "WHEN NOT p.home_language_dutch THEN 'niet Nederlands' ELSE 'onbekend' END",
    ),
    "mother_low_education": (
        "Opleiding moeder",
        "CASE WHEN p.mother_low_education THEN 'laagopgeleid' "
        "WHEN NOT p.mother_low_education THEN 'niet laagopgeleid' ELSE 'onbekend' END",
    ),
    "school_allowance": (
        "Schooltoelage",
        "CASE WHEN p.school_allowance THEN 'met schooltoelage' "
        "WHEN NOT p.school_allowance THEN 'zonder schooltoelage' ELSE 'onbekend' END",
    ),
    "neighbourhood_low": (
        "Buurtindicator",
        "CASE WHEN p.neighbourhood_low THEN 'buurt met indicator' "
        "WHEN NOT p.neighbourhood_low THEN 'buurt zonder indicator' ELSE 'onbekend' END",
    ),
    "support_phase": (
        "Zorgfase",
        "CASE WHEN p.support_phase IS NULL THEN 'onbekend' "
        "WHEN p.support_phase = 'fase 0' THEN 'fase 0 (brede basiszorg)' "
        "ELSE 'fase 1 tot 3 (extra zorg)' END",
    ),
}


SUBGROUP_COLUMNS = [
    "dimension",
    "dimension_label",
    "group",
    "n_pupils",
    "score_mean",
    "ci_low",
    "ci_high",
    "rest_n",
    "rest_mean",
    "diff_rest",
    "diff_ci_low",
    "diff_ci_high",
    "flanders_diff_rest",
    "hidden",
    # The school's gap tested against the Flanders gap (not against 0).
    "gap_vs_flanders",
    "gap_ci_low",
    "gap_ci_high",
    "gap_status",
    "gap_text",
]


def _groups_sql(own_school: bool) -> str:
    """Per dimension x school x group: n, sum and sum of squares of the pupils' cell scores."""
    dims = ",\n".join(
        f"{expr} AS {dim}"
        for dim, (_, expr) in DIMENSIONS.items()  # allow-listed constants
    )
    unions = "\nUNION ALL\n".join(
        "SELECT '" + dim + "' AS dimension, school_id, " + dim + " AS grp, count(*) AS n, "
        "sum(y) AS s, sum(y * y) AS ss FROM cell GROUP BY school_id, " + dim
        for dim in DIMENSIONS  # allow-listed constants
    )
    school_filter = "AND p.school_id = ?" if own_school else ""
    return f"""
WITH pupil_cell AS (
    SELECT r.pupil_id, any_value(p.school_id) AS school_id, avg(r.score) AS y
    FROM pupil_results r JOIN pupils p USING (pupil_id)
    WHERE p.school_year = ? AND r.assessment_id = ? {school_filter}
      AND (? IS NULL OR r.learning_area = ?)
      AND (? IS NULL OR r.domain = ?)
    GROUP BY r.pupil_id
),
cell AS (
    SELECT c.school_id, c.y, {dims}
    FROM pupil_cell c JOIN pupils p USING (pupil_id)
)
{unions}
"""


def _moments(df: pd.DataFrame) -> pd.DataFrame:
    """Add mean and SD (ddof 1) from n, s, ss."""
    n = df["n"].astype(float)
    mean = df["s"] / n
    var = (df["ss"] - n * mean**2).clip(lower=0) / (n - 1).where(n > 1)
    return df.assign(mean=mean, sd=np.sqrt(var))


def flanders_gaps(flanders: pd.DataFrame) -> pd.Series:
    """Per (dimension, group): the gap with the rest of the school *within* Flanders' schools.

    `flanders` holds the sums per dimension x group (n, s), per school when it has a
    school_id column: then the gap is the mean of the schools' own gaps, each weighted by its
    precision n_g·n_rest / (n_g + n_rest) (schools without the group or without the rest do
    not count). Without school_id: the gap over all pupils together.
    """
    fl = flanders.copy()
    if "school_id" not in fl.columns:
        fl["school_id"] = ""
    by = ["dimension", "school_id"]
    total = fl.groupby(by)[["n", "s"]].transform("sum")
    rest_n = total["n"] - fl["n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = fl["s"] / fl["n"] - (total["s"] - fl["s"]) / rest_n
        weight = (fl["n"] * rest_n / (fl["n"] + rest_n)).where((fl["n"] > 0) & (rest_n > 0), 0)
    fl = fl.assign(wg=(weight * gap).where(weight > 0, 0.0), w=weight)
    sums = fl.groupby(["dimension", "grp"])[["wg", "w"]].sum()
    return (sums["wg"] / sums["w"].where(sums["w"] > 0)).rename("flanders_diff_rest")


def gap_tests(groups: pd.DataFrame) -> np.ndarray:
    """Per row: m, the number of gaps tested together in its cell (a dimension of two groups
    is one gap: the second is the first one mirrored)."""
    k = groups.groupby("dimension")["group"].transform("count")
    dims = groups.loc[~groups["dimension"].duplicated()]
    per_dim = dims["dimension"].map(k.groupby(groups["dimension"]).first())
    m = int(sum(1 if kk == 2 else kk for kk in per_dim))
    return np.full(len(groups), max(m, 1))


def summarise_groups(
    school: pd.DataFrame, flanders: pd.DataFrame | pd.Series, rules: Rules | None = None
) -> pd.DataFrame:
    """From group sums to what the page shows, with the privacy rule applied. Pure pandas.

    Columns: dimension, dimension_label, group, n_pupils, score_mean, ci_low, ci_high, rest_n,
    rest_mean, diff_rest, diff_ci_low, diff_ci_high, flanders_diff_rest (the gap within
    Flanders' schools, flanders_gaps), hidden, gap_vs_flanders, gap_ci_low, gap_ci_high (at
    the level of the dimensions tested together), gap_status (higher / as_expected / lower:
    the group's gap with the rest of the school against the same gap within Flanders'
    schools) and gap_text (that verdict in plain Dutch). A hidden dimension is one row with
    group NULL and every number NULL. `flanders` may also be flanders_gaps(...) itself (when
    many schools are summarised against the same Flanders).
    """
    rules = rules or load_rules()
    school = school.groupby(["dimension", "grp"], as_index=False, sort=False)[
        ["n", "s", "ss"]
    ].sum()
    school = _moments(school)
    total = school.groupby("dimension")[["n", "s", "ss"]].transform("sum")
    rest = pd.DataFrame(
        {
            "n": total["n"] - school["n"],
            "s": total["s"] - school["s"],
            "ss": total["ss"] - school["ss"],
        }
    )
    rest = _moments(rest)
    small = (school["n"] < rules.min_group_size) | (rest["n"] < rules.min_group_size)
    hidden_dims = set(school.loc[small, "dimension"])
    n = school["n"].to_numpy(float)
    half = t_quantile(n, rules.descriptive_confidence) * school["sd"].to_numpy() / np.sqrt(n)
    # Welch: difference between the group and the rest of the school.
    v1 = school["sd"].to_numpy() ** 2 / n
    v2 = rest["sd"].to_numpy() ** 2 / rest["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(v1 + v2)
        dof = (v1 + v2) ** 2 / (v1**2 / (n - 1) + v2**2 / (rest["n"].to_numpy(float) - 1))
    q = t_quantile(dof + 1, rules.descriptive_confidence)  # t_quantile takes n and uses n - 1 df
    diff = school["mean"].to_numpy() - rest["mean"].to_numpy()
    fl_diff = flanders if isinstance(flanders, pd.Series) else flanders_gaps(flanders)

    out = pd.DataFrame(
        {
            "dimension": school["dimension"],
            "dimension_label": school["dimension"].map(lambda d: DIMENSIONS[d][0]),
            "group": school["grp"],
            "n_pupils": school["n"].astype("Int64"),
            "score_mean": school["mean"],
            "ci_low": school["mean"] - half,
            "ci_high": school["mean"] + half,
            "rest_n": rest["n"].astype("Int64"),
            "rest_mean": rest["mean"],
            "diff_rest": diff,
            "diff_ci_low": diff - q * se,
            "diff_ci_high": diff + q * se,
            "flanders_diff_rest": [
                fl_diff.get((d, g), np.nan)
                for d, g in zip(school["dimension"], school["grp"], strict=True)
            ],
            "hidden": False,
        }
    )
    out = out[~out["dimension"].isin(hidden_dims)]
    _test_gaps(out, se[out.index], dof[out.index], rules)
    hidden = pd.DataFrame(
        {
            "dimension": sorted(hidden_dims),
            "dimension_label": [DIMENSIONS[d][0] for d in sorted(hidden_dims)],
            "hidden": True,
        }
    )
    out = pd.concat([out, hidden], ignore_index=True) if len(hidden) else out
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    out["_o"] = out["dimension"].map(order)
    return (
        out.sort_values(["_o", "group"], na_position="last")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


# The verdict in plain Dutch: about the group against the rest of its own school, compared
# with the same within-school difference in Flanders (positive or negative, so no "kloof
# groter/kleiner", which would be wrong for a group that is usually ahead).
GAP_TEXTS = {
    HIGHER: "Duidelijk beter dan in Vlaamse scholen: tegenover de rest van de school doet deze "
    "groep het hier beter dan gewoonlijk.",
    LOWER: "Duidelijk minder goed dan in Vlaamse scholen: tegenover de rest van de school doet "
    "deze groep het hier minder goed dan gewoonlijk.",
    AS_EXPECTED: "Geen duidelijk verschil met Vlaamse scholen.",
}


def _test_gaps(out: pd.DataFrame, se: np.ndarray, dof: np.ndarray, rules: Rules) -> None:
    """Add gap_vs_flanders, gap_ci_low/high, gap_status and gap_text to the shown groups.

    The Flanders gap rests on tens of thousands of pupils and is taken as fixed; the school's
    Welch interval is widened to the level of all the cell's gaps tested together.
    """
    level = 1 - (1 - rules.subgroup_confidence) / gap_tests(out) if len(out) else np.zeros(0)
    q = t_quantile(np.asarray(dof) + 1, level)  # t_quantile takes n and uses n - 1 df
    out["gap_vs_flanders"] = out["diff_rest"] - out["flanders_diff_rest"]
    out["gap_ci_low"] = out["gap_vs_flanders"] - q * se
    out["gap_ci_high"] = out["gap_vs_flanders"] + q * se
    gap = np.full(len(out), AS_EXPECTED, dtype=object)
    gap[(out["gap_ci_low"] > 0).to_numpy()] = HIGHER
    gap[(out["gap_ci_high"] < 0).to_numpy()] = LOWER
    gap[out["gap_vs_flanders"].isna().to_numpy()] = None
    out["gap_status"] = gap
    out["gap_text"] = out["gap_status"].map(GAP_TEXTS)


@school_read
def subgroup_results(
    con: Connection,
    viewer: Viewer,
    school_id: str,
    assessment_id: str,
    school_year: str,
    learning_area: str | None = None,
    domain: str | None = None,
) -> pd.DataFrame:
    """Subgroups of one school for one cell (learning_area/domain None = total).

    Empty when the assessment has no pupil-level results for this school and year.
    """
    cell = [learning_area, learning_area, domain, domain]
    school = con.execute(
        _groups_sql(own_school=True), [school_year, assessment_id, str(school_id), *cell]
    ).df()
    if school.empty:
        return pd.DataFrame(columns=SUBGROUP_COLUMNS)
    # Flanders-wide group means: aggregates over all pupils, no school can be recognised.
    flanders = con.execute(_groups_sql(own_school=False), [school_year, assessment_id, *cell]).df()
    return summarise_groups(school, flanders)


@school_read
def subgroup_years(
    con: Connection, viewer: Viewer, school_id: str, assessment_id: str
) -> list[str]:
    """School years with pupil-level results for this school and assessment."""
    rows = con.execute(
        """
        SELECT DISTINCT p.school_year
        FROM pupils p JOIN pupil_results r USING (pupil_id)
        WHERE p.school_id = ? AND r.assessment_id = ?
        ORDER BY 1
        """,
        [str(school_id), assessment_id],
    ).fetchall()
    return [r[0] for r in rows]
