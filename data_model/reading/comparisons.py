"""Read functions for comparisons across schools (Vergelijken page, issue 3).

Who sees what:
- anker, regioteam, beheerder: the schools in their scope, by name, with the filters region,
  scholengemeenschap, SES group and school year.
- directeur: every participating school as an *anonymous* point (no id, no name, no region,
  no community: nothing that names a school reaches the browser), with only the own school(s)
  marked; filters SES group and school year only, so the crowd stays large.

Never sorted by score (non-ranking principle): named rows by school name, anonymous points by
group size. Suppressed cells (privacy minimum) are left out entirely.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats as sps

from data_model.reading.access import Viewer
from data_model.reading.scope import SCOPE_FILTER, allowed_ids, scope_read

# SCOPE_FILTER is a constant of scope.py (allow-listed) and is the only text ever put into the
# SQL below with an f-string; every value is a ? parameter.

# Control limits of the funnel plot: two-sided 95 % and 99.8 % (the usual "3 sigma").
FUNNEL_LEVELS = (0.95, 0.998)


@dataclass(frozen=True)
class Filters:
    """Optional filters; None = all. Directors can only use ses_group (and the year)."""

    region_id: str | None = None
    community_id: str | None = None
    ses_group: int | None = None


def _named(viewer: Viewer) -> bool:
    return viewer.sees_other_schools_by_name


@scope_read
def filter_options(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> dict[str, pd.DataFrame]:
    """Regions and scholengemeenschappen of the schools in scope (empty for a directeur)."""
    if not _named(viewer):
        empty = pd.DataFrame(columns=["id", "name"])
        return {"regions": empty, "communities": empty}
    regions = con.execute(
        f"""
        SELECT DISTINCT r.region_id AS id, r.name
        FROM schools s JOIN regions r USING (region_id)
        WHERE s.school_id IN ({SCOPE_FILTER})
        ORDER BY r.name
        """,
        [allowed_ids(con, viewer)],
    ).df()
    communities = con.execute(
        f"""
        SELECT DISTINCT c.community_id AS id, c.name, c.region_id
        FROM schools s JOIN school_communities c USING (community_id)
        WHERE s.school_id IN ({SCOPE_FILTER})
        ORDER BY c.name
        """,
        [allowed_ids(con, viewer)],
    ).df()
    return {"regions": regions, "communities": communities}


@scope_read
def comparison_years(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, assessment_id: str
) -> list[str]:
    """School years with results of this assessment in the viewer's scope."""
    rows = con.execute(
        f"""
        SELECT DISTINCT school_year FROM school_result
        WHERE assessment_id = ? AND school_id IN ({SCOPE_FILTER})
        ORDER BY 1
        """,
        [assessment_id, allowed_ids(con, viewer)],
    ).fetchall()
    return [r[0] for r in rows]


# The cell: learning_area/domain NULL = total / learning area (IS NOT DISTINCT FROM).
_POINTS_SQL = f"""
SELECT r.school_id, s.name AS school_name, s.region_id, s.community_id,
       r.n_pupils, r.score_mean, r.diff_similar, r.ci_low, r.ci_high, r.status, r.trend,
       r.flanders_sd, r.similar_mean, r.flanders_mean, r.ses_group,
       c.ses_index,
       r.school_id IN ({SCOPE_FILTER}) AS in_scope  -- constant SQL fragment, not input
FROM school_result r
JOIN schools s USING (school_id)
LEFT JOIN school_context c USING (school_id, school_year)
WHERE r.assessment_id = ? AND r.school_year = ?
  AND r.learning_area IS NOT DISTINCT FROM ? AND r.domain IS NOT DISTINCT FROM ?
  AND NOT r.suppressed
  AND (? IS NULL OR s.region_id = ?)
  AND (? IS NULL OR s.community_id = ?)
  AND (? IS NULL OR r.ses_group = ?)
"""

_POINT_COLUMNS = [
    "n_pupils",
    "score_mean",
    "diff_similar",
    "ci_low",
    "ci_high",
    "status",
    "flanders_sd",
    "ses_group",
    "ses_index",
]


@scope_read
def school_points(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    assessment_id: str,
    school_year: str,
    learning_area: str | None = None,
    domain: str | None = None,
    filters: Filters = Filters(),
) -> pd.DataFrame:
    """One row per school for one cell: the data of the funnel plot and the SES scatter.

    Staff: schools in scope, with school_id and school_name, sorted by name. Directeur: all
    participating schools without any identifying column; `own` marks the own school(s);
    other schools' pupil counts and SES index are rounded to multiples of 5.
    """
    named = _named(viewer)
    region = filters.region_id if named else None
    community = filters.community_id if named else None
    df = con.execute(
        _POINTS_SQL,
        [
            allowed_ids(con, viewer),
            assessment_id,
            school_year,
            learning_area,
            domain,
            region,
            region,
            community,
            community,
            filters.ses_group,
            filters.ses_group,
        ],
    ).df()
    if named:
        df = df[df["in_scope"].astype(bool)].rename(columns={"in_scope": "own"})
        df["own"] = False
        cols = ["school_id", "school_name", "region_id", "community_id", "own", "trend"]
        return (
            df[cols + _POINT_COLUMNS]
            .sort_values(["school_name", "school_id"])
            .reset_index(drop=True)
        )
    # Directeur: drop every identifying column before anything leaves the data layer.
    df = df.rename(columns={"in_scope": "own"})
    df["own"] = df["own"].astype(bool)
    # Other schools are coarsened so that known school sizes or context cannot single one
    # out: pupil counts to a multiple of 5, the SES index to a multiple of 5 percent. The
    # own school keeps its exact values (it is the director's own data).
    others = ~df["own"]
    df["n_pupils"] = df["n_pupils"].astype("Float64")
    df.loc[others, "n_pupils"] = (df.loc[others, "n_pupils"] / 5).round().clip(lower=1) * 5
    df.loc[others, "ses_index"] = (df.loc[others, "ses_index"] / 5).round() * 5
    df["ses_index"] = df["ses_index"].round(0)
    out = df[["own"] + _POINT_COLUMNS]
    # Order by group size (never by score, never by id), own school(s) last so they are drawn
    # on top.
    return out.sort_values(["own", "n_pupils", "ses_index"]).reset_index(drop=True)


def funnel_limits(sd: float, n_min: int, n_max: int, points: int = 60) -> pd.DataFrame:
    """Control limits around 0 for a school mean of n pupils: ±z * sd / sqrt(n).

    sd is the spread of all pupils in Flanders for the cell. Long format: n_pupils, level
    ('95 %' / '99,8 %'), lower, upper. Pure function (no data access).
    """
    n_min = max(int(n_min), 2)
    n_max = max(int(n_max), n_min + 1)
    n = np.unique(np.round(np.geomspace(n_min, n_max, points)).astype(int))
    frames = []
    for level in FUNNEL_LEVELS:
        z = sps.norm.ppf(1 - (1 - level) / 2)
        half = z * sd / np.sqrt(n)
        label = "95 %" if level == 0.95 else "99,8 %"
        frames.append(pd.DataFrame({"n_pupils": n, "level": label, "lower": -half, "upper": half}))
    return pd.concat(frames, ignore_index=True)


def funnel_position(df: pd.DataFrame) -> pd.Series:
    """'boven' / 'binnen' / 'onder' the 95 % and 99.8 % limits, per point of school_points."""
    z95, z998 = (sps.norm.ppf(1 - (1 - lv) / 2) for lv in FUNNEL_LEVELS)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = df["diff_similar"] / (df["flanders_sd"] / np.sqrt(df["n_pupils"].astype(float)))
    out = pd.Series("binnen de grenzen", index=df.index)
    out[z > z95] = "boven de 95 %-grens"
    out[z > z998] = "boven de 99,8 %-grens"
    out[z < -z95] = "onder de 95 %-grens"
    out[z < -z998] = "onder de 99,8 %-grens"
    return out


@scope_read
def status_matrix(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    assessment_id: str,
    school_year: str,
    filters: Filters = Filters(),
) -> pd.DataFrame:
    """School x learning area status of the schools in scope, sorted by school name.

    A directeur gets only the own school(s): the scope decides, as everywhere.
    """
    named = _named(viewer)
    region = filters.region_id if named else None
    community = filters.community_id if named else None
    df = con.execute(
        f"""
        SELECT r.school_id, s.name AS school_name, r.learning_area,
               CASE WHEN r.suppressed THEN NULL ELSE r.n_pupils END AS n_pupils,
               r.score_mean, r.diff_similar, r.ci_low, r.ci_high, r.status, r.trend,
               r.suppressed, r.ses_group, coalesce(a.area_order, 0) AS area_order
        FROM school_result r
        JOIN schools s USING (school_id)
        LEFT JOIN (SELECT assessment_id, learning_area, min(area_order) AS area_order
                   FROM domains GROUP BY ALL) a
               ON a.assessment_id = r.assessment_id AND a.learning_area = r.learning_area
        WHERE r.assessment_id = ? AND r.school_year = ? AND r.domain IS NULL
          AND r.school_id IN ({SCOPE_FILTER})
          AND (? IS NULL OR s.region_id = ?)
          AND (? IS NULL OR s.community_id = ?)
          AND (? IS NULL OR r.ses_group = ?)
        ORDER BY s.name, r.school_id, (r.learning_area IS NOT NULL), area_order
        """,
        [
            assessment_id,
            school_year,
            allowed_ids(con, viewer),
            region,
            region,
            community,
            community,
            filters.ses_group,
            filters.ses_group,
        ],
    ).df()
    return df
