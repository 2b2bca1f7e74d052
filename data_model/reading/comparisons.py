"""Read functions for comparisons across schools (Vergelijken page).

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

import pandas as pd

from data_model.reading.access import Viewer
from data_model.reading.queries import AREA_ORDER_JOINS
from data_model.reading.scope import SCOPE_FILTER, allowed_ids, scope_read
from data_model.rules import Rules, load_rules
from data_model.statistics import funnel
from data_model.storage.connection import Connection

# SCOPE_FILTER is a constant of scope.py (allow-listed) and is the only text ever put into the
# SQL below with an f-string; every value is a ? parameter.


@dataclass(frozen=True)
class Filters:
    """Optional filters; None = all. Directors can only use ses_group (and the year)."""

    region_id: str | None = None
    community_id: str | None = None
    ses_group: int | None = None


def _filter_params(filters: Filters, named: bool) -> list[object]:
    """The parameters of the `(? IS NULL OR column = ?)` filter pairs, in SQL order (region,
    community, SES group). Region and community filters are for staff only: a directeur who
    passes them gets them ignored, so the choice cannot narrow anonymous points to a few."""
    region = filters.region_id if named else None
    community = filters.community_id if named else None
    return [region, region, community, community, filters.ses_group, filters.ses_group]


def _named(viewer: Viewer) -> bool:
    return viewer.sees_other_schools_by_name


@scope_read
def filter_options(con: Connection, viewer: Viewer) -> dict[str, pd.DataFrame]:
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
def comparison_years(con: Connection, viewer: Viewer, assessment_id: str) -> list[str]:
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
       r.year_diff, r.year_ci_low, r.year_ci_high, r.z_crit, r.sd_within, r.sd_class,
       r.sd_between, r.domain IS NOT NULL AS is_domain,
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
    # The funnel: this year's leave-one-out difference, its interval and the
    # variance components of the cell (the same for every school: nothing identifying).
    "year_diff",
    "year_ci_low",
    "year_ci_high",
    "z_crit",
    "sd_within",
    "sd_class",
    "sd_between",
    "is_domain",
]


@scope_read
def school_points(
    con: Connection,
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
    df = con.execute(
        _POINTS_SQL,
        [
            allowed_ids(con, viewer),
            assessment_id,
            school_year,
            learning_area,
            domain,
            *_filter_params(filters, named),
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


def funnel_limits(points: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """Control limits of the funnel for the cell of `points` (statistics.funnel).

    Long format: n_pupils, level, lower, upper; σ_w, σ_c and τ are the cell's (the same
    on every point). Pure function over the rows of school_points.
    """
    rules = rules or load_rules()
    shown = points.dropna(subset=["sd_within", "n_pupils"])
    if shown.empty:
        return pd.DataFrame(columns=["n_pupils", "level", "lower", "upper"])
    is_domain = bool(shown["is_domain"].iloc[0])
    inner = rules.domain_confidence if is_domain else rules.confidence
    return funnel.funnel_limits(
        float(shown["sd_within"].median()),
        float(shown["sd_class"].median()),
        float(shown["sd_between"].median()),
        inner,
        rules,
        int(shown["n_pupils"].min()),
        int(shown["n_pupils"].max()),
    )


def funnel_codes(points: pd.DataFrame, rules: Rules | None = None) -> pd.Series:
    """above_outer / above / inside / below / below_outer per point (statistics.funnel)."""
    return funnel.funnel_positions(points, rules or load_rules())


def funnel_position(points: pd.DataFrame, rules: Rules | None = None) -> pd.Series:
    """The funnel position of each point in Dutch, e.g. 'boven de 95 %-grens'."""
    rules = rules or load_rules()
    inner = [
        funnel.level_label(rules.domain_confidence if d else rules.confidence)
        for d in points["is_domain"].astype(bool)
    ]
    outer = funnel.level_label(rules.funnel_outer_level)
    words = []
    for code, lv in zip(funnel_codes(points, rules), inner, strict=True):
        words.append(
            {
                funnel.ABOVE_OUTER: f"boven de {outer}-grens",
                funnel.ABOVE: f"boven de {lv}-grens",
                funnel.BELOW: f"onder de {lv}-grens",
                funnel.BELOW_OUTER: f"onder de {outer}-grens",
            }.get(code, "binnen de grenzen" if code else "niet in de trechter")
        )
    return pd.Series(words, index=points.index)


@scope_read
def variance_components(
    con: Connection, viewer: Viewer, kind: str = "school_result"
) -> pd.DataFrame:
    """The variance components behind the colours, per assessment and cell (Uitleg page).

    Flanders-wide statistics over all schools: nothing to scope, but the signature stays
    uniform. Sorted as the school photo: total, each learning area, its domains.
    """
    del viewer  # estimated over all schools; no school can be recognised in them
    return con.execute(
        f"""
        SELECT t.name AS assessment, r.assessment_id, r.learning_area, r.domain,
               r.n_schools, r.n_second_differences, r.class_estimated, r.class_sd_units,
               r.between_sd_units, r.sd_pupils, r.sd_class, r.sd_between
        FROM variance_components r
        JOIN assessments t USING (assessment_id)
        {AREA_ORDER_JOINS}
        WHERE r.kind = ?
        ORDER BY t.sort_order, (r.learning_area IS NOT NULL), coalesce(a.area_order, 0),
                 (r.domain IS NOT NULL), coalesce(d.domain_order, 0)
        """,
        [kind],
    ).df()
