"""The region's overview: schools x learning areas with the judged estimate of every cell.

One read for every surface that shows several schools at once (Start for more than one
school, Vergelijken's "Kleurcodes per school", the printable overview and its Excel): the
number in a coloured cell is `status_estimate`, the quantity the colour judged, with its
interval, never this year's raw score. Scoped like every read (a directeur gets only the own
school); suppressed cells come back with every measure blank (`scrub_suppressed`). Sorted by
name (never by result); the page may group by scholengemeenschap.
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer, scrub_suppressed
from data_model.reading.comparisons import Filters, _filter_params
from data_model.reading.scope import SCOPE_FILTER, allowed_ids, scope_read
from data_model.storage.connection import Connection

COLUMNS = [
    "school_id", "name", "community_id", "community_name", "school_year", "learning_area",
    "area_order", "n_pupils", "status", "status_estimate", "ci_low", "ci_high", "trend",
    "suppressed", "ses_group",
]  # fmt: skip


@scope_read
def region_matrix(
    con: Connection,
    viewer: Viewer,
    assessment_id: str,
    school_year: str | None = None,
    filters: Filters = Filters(),
    only: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per school in scope x (total, learning area) of one school year, or of each
    school's latest year when `school_year` is None (Start: a school without this year's
    results still shows its last ones, with their year). `only` narrows to these schools (the
    ones a page shows after its own filters); it never widens the scope."""
    df = con.execute(
        f"""
        WITH picked AS (
            SELECT school_id, coalesce(?, max(school_year)) AS school_year
            FROM school_result
            WHERE assessment_id = ?
              AND school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
            GROUP BY school_id
        )
        SELECT s.school_id, s.name, s.community_id, c.name AS community_name, r.school_year,
               r.learning_area, coalesce(a.area_order, 0) AS area_order,
               CASE WHEN r.suppressed THEN NULL ELSE r.n_pupils END AS n_pupils,
               r.status, r.status_estimate, r.ci_low, r.ci_high, r.trend, r.suppressed,
               r.ses_group
        FROM picked p
        JOIN school_result r USING (school_id, school_year)
        JOIN schools s USING (school_id)
        LEFT JOIN school_communities c ON c.community_id = s.community_id
        LEFT JOIN (SELECT assessment_id, learning_area, min(area_order) AS area_order
                   FROM domains GROUP BY ALL) a
               ON a.assessment_id = r.assessment_id AND a.learning_area = r.learning_area
        WHERE r.assessment_id = ? AND r.domain IS NULL
          AND (? IS NULL OR s.region_id = ?)
          AND (? IS NULL OR s.community_id = ?)
          AND (? IS NULL OR r.ses_group = ?)
        ORDER BY s.name, s.school_id, (r.learning_area IS NOT NULL), area_order
        """,
        [
            school_year,
            assessment_id,
            allowed_ids(con, viewer),
            assessment_id,
            *_filter_params(filters, viewer.sees_other_schools_by_name),
        ],
    ).df()
    if only is not None:
        df = df[df["school_id"].isin(only)]
    return scrub_suppressed(df)[COLUMNS].reset_index(drop=True)
