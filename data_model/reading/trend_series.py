"""Read functions of the Trends page: one school's series over the school years.

Every function takes (con, viewer, ...) and refuses a school outside the viewer's scope
(`@school_read`, data_model/reading/scope.py). Values of suppressed rows are already NULL
in the materialised tables; n_pupils is blanked here too, so no page can print "3 leerlingen".
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer, scrub_suppressed
from data_model.reading.scope import school_read
from data_model.storage.connection import Connection

# One row per school year x cell of one school and assessment, with:
# - the comparison means and the difference with similar schools (school_result),
# - the criterion-referenced share of the school, of similar schools and of Flanders
#   (pupil-weighted over the schools whose share is shown, i.e. never a suppressed row;
#   NULL where not applicable),
# - the SES-adjusted expected score and value added (school_expected; NULL for aggregate rows).
_TREND_SQL = """
WITH goal_flanders AS (
    SELECT school_year, assessment_id, learning_area, domain,
           sum(n_pupils * pct_goal_reached) / sum(n_pupils) AS flanders_pct_goal
    FROM school_result
    WHERE pct_goal_reached IS NOT NULL AND NOT suppressed AND assessment_id = ?
    GROUP BY ALL
),
goal_similar AS (
    SELECT school_year, assessment_id, learning_area, domain, ses_group,
           sum(n_pupils * pct_goal_reached) / sum(n_pupils) AS similar_pct_goal
    FROM school_result
    WHERE pct_goal_reached IS NOT NULL AND NOT suppressed AND assessment_id = ?
    GROUP BY ALL
),
area_order AS (
    SELECT assessment_id, learning_area, min(area_order) AS area_order
    FROM domains GROUP BY ALL
)
SELECT r.school_id, r.school_year, r.assessment_id, r.learning_area, r.domain,
       CASE WHEN r.suppressed THEN NULL ELSE r.n_pupils END AS n_pupils,
       r.score_mean, r.similar_mean, r.flanders_mean, r.flanders_sd,
       r.diff_similar, r.diff_flanders, r.ci_low, r.ci_high, r.status,
       r.trend, r.trend_slope, r.trend_p, r.trend_years, r.ses_group, r.suppressed, r.source,
       r.pct_goal_reached,
       r.status_estimate, r.status_years, r.status_from, r.status_n, r.reliability, r.z_crit,
       r.year_diff, r.year_ci_low, r.year_ci_high, r.sd_within, r.sd_class, r.sd_between,
       r.trend_se, r.trend_z, r.trend_from, r.comparison,
       CASE WHEN r.pct_goal_reached IS NULL THEN NULL ELSE gs.similar_pct_goal END
           AS similar_pct_goal,
       CASE WHEN r.pct_goal_reached IS NULL THEN NULL ELSE gf.flanders_pct_goal END
           AS flanders_pct_goal,
       CASE WHEN e.suppressed THEN NULL ELSE e.n_pupils END AS va_n_pupils,
       e.observed_mean, e.expected_mean, e.value_added, e.va_ci_low, e.va_ci_high,
       e.va_status, e.va_trend, e.va_trend_slope, e.va_trend_p,
       e.va_estimate, e.va_status_years, e.va_status_from, e.va_year_ci_low, e.va_year_ci_high,
       coalesce(e.suppressed, TRUE) AS va_suppressed,
       coalesce(a.area_order, 0) AS area_order,
       coalesce(d.domain_order, 0) AS domain_order
FROM school_result r
LEFT JOIN goal_flanders gf
       ON gf.school_year = r.school_year AND gf.assessment_id = r.assessment_id
      AND gf.learning_area IS NOT DISTINCT FROM r.learning_area
      AND gf.domain IS NOT DISTINCT FROM r.domain
LEFT JOIN goal_similar gs
       ON gs.school_year = r.school_year AND gs.assessment_id = r.assessment_id
      AND gs.learning_area IS NOT DISTINCT FROM r.learning_area
      AND gs.domain IS NOT DISTINCT FROM r.domain
      AND gs.ses_group = r.ses_group
LEFT JOIN school_expected e
       ON e.school_id = r.school_id AND e.school_year = r.school_year
      AND e.assessment_id = r.assessment_id
      AND e.learning_area IS NOT DISTINCT FROM r.learning_area
      AND e.domain IS NOT DISTINCT FROM r.domain
LEFT JOIN area_order a
       ON a.assessment_id = r.assessment_id AND a.learning_area = r.learning_area
LEFT JOIN domains d
       ON d.assessment_id = r.assessment_id AND d.learning_area = r.learning_area
      AND d.domain = r.domain
WHERE r.school_id = ? AND r.assessment_id = ?
ORDER BY (r.learning_area IS NOT NULL), area_order, (r.domain IS NOT NULL), domain_order,
         r.school_year
"""


@school_read
def trend_results(
    con: Connection, viewer: Viewer, school_id: str, assessment_id: str
) -> pd.DataFrame:
    """All series of one school and assessment: total, learning areas, domains; per year.

    Sorted as the school photo shows them (total, then each learning area and its domains),
    then by school year.
    """
    df = con.execute(_TREND_SQL, [assessment_id, assessment_id, str(school_id), assessment_id]).df()
    # Re-apply the privacy minimum after the SQL (as every read does), for the school's
    # measures and for the value-added columns, which have their own suppressed flag.
    df = scrub_suppressed(df)
    va_hidden = df["va_suppressed"].fillna(True).astype(bool)
    va_cols = ["observed_mean", "expected_mean", "value_added", "va_ci_low", "va_ci_high",
               "va_trend_slope", "va_trend_p", "va_estimate", "va_year_ci_low",
               "va_year_ci_high"]  # fmt: skip
    df.loc[va_hidden, [c for c in va_cols if c in df.columns]] = None
    return df
