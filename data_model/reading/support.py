"""Read queries for the Zorg en begeleiding page: support continuum, KOALA, guidance.

Support counts and KOALA outcomes belong to the school and are visible to everyone with access
to it. Guidance contacts and the guidance-need tier are internal to the support service
(docs/architecture.md, "Scope and suppression"): every guidance function raises AccessDenied
for a viewer that does not
`sees_guidance` (a directeur), so no page can leak them by forgetting a check.
"""

from __future__ import annotations

import pandas as pd

from data_model.reading.access import Viewer
from data_model.reading.scope import SCOPE_FILTER, allowed_ids, school_read, scope_read
from data_model.rules import load_rules
from data_model.statistics.suppression import mask_small_counts, mask_support_counts
from data_model.storage.connection import Connection
from data_model.vocabulary import KOALA_CATEGORIES, SUPPORT_INDICATORS, SUPPORT_PHASES

# The categories in which the support service reports guidance units per school per year.
UNIT_CATEGORIES = ("geen", "1", "2–4", "5–8", "9–12", "13–16", ">16")


def unit_category(units: float | int | None) -> str:
    """The reporting category of a yearly number of guidance units: '1', '2–4', ... '>16'."""
    if units is None or pd.isna(units) or units <= 0:
        return "geen"
    for upper, label in ((1, "1"), (4, "2–4"), (8, "5–8"), (12, "9–12"), (16, "13–16")):
        if units <= upper:
            return label
    return ">16"


# ------------------------------------------------------------------ school data (all roles)


@school_read
def support_continuum(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """Pupils per phase of the support continuum and per indicator, per school year.

    Columns: school_year, phase, measure_kind, n_pupils, total (pupils in the continuum that
    year), pct (share of the continuum, only for continuum phases; indicators are a share of
    the school's pupil count). Ordered by year and continuum order.
    """
    df = con.execute(
        """
        WITH s AS (SELECT * FROM v_support WHERE school_id = ?),
             tot AS (SELECT school_year, sum(n_pupils) AS total FROM s
                     WHERE measure_kind = 'continuum' GROUP BY school_year)
        SELECT s.school_year, s.phase, s.measure_kind, s.n_pupils,
               coalesce(c.n_pupils, tot.total) AS total
        FROM s
        LEFT JOIN tot USING (school_year)
        LEFT JOIN school_context c ON c.school_id = s.school_id AND c.school_year = s.school_year
        ORDER BY s.school_year, s.measure_kind,
                 coalesce(list_position(?::VARCHAR[], s.phase), 99)
        """,
        [school_id, list(SUPPORT_PHASES + SUPPORT_INDICATORS)],
    ).df()
    if df.empty:
        df["pct"] = pd.Series(dtype=float)
        return df
    # The continuum share uses the continuum's own total so the phases add up to 100 %.
    cont_total = (
        df[df["measure_kind"] == "continuum"].groupby("school_year")["n_pupils"].sum().to_dict()
    )
    df["total"] = [
        cont_total.get(y, t) if k == "continuum" else t
        for y, k, t in zip(df["school_year"], df["measure_kind"], df["total"], strict=True)
    ]
    df["pct"] = [
        100.0 * n / t if t and t > 0 else None
        for n, t in zip(df["n_pupils"], df["total"], strict=True)
    ]
    # Groups of 1-4 pupils are never shown (with secondary suppression inside the continuum).
    return mask_support_counts(df, load_rules().min_group_size, share_cols=("pct",))


@school_read
def koala_outcomes(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """KOALA screening outcomes per school year, long format.

    Columns: school_year, category (groen/oranje/rood), n_pupils, total, pct, suppressed.
    A year with fewer screened pupils than the privacy minimum is suppressed: counts and
    shares are NULL (the page says "te weinig leerlingen").
    """
    minimum = load_rules().min_group_size
    df = con.execute(
        """
        SELECT school_year, category, n AS n_pupils, total,
               total < ? AS suppressed
        FROM (
            SELECT school_year, n_groen, n_oranje, n_rood,
                   n_groen + n_oranje + n_rood AS total
            FROM koala_outcomes WHERE school_id = ?
        ) UNPIVOT (n FOR category IN (n_groen AS 'groen', n_oranje AS 'oranje',
                                      n_rood AS 'rood'))
        ORDER BY school_year, list_position(?::VARCHAR[], category)
        """,
        [minimum, school_id, list(KOALA_CATEGORIES)],
    ).df()
    df["n_pupils"] = df["n_pupils"].astype("Int64")
    df["total"] = df["total"].astype("Int64")
    supp = df["suppressed"].astype(bool)
    df.loc[supp, ["n_pupils", "total"]] = pd.NA
    df["pct"] = [
        None if s else 100.0 * float(n) / float(t) if t else None
        for s, n, t in zip(supp, df["n_pupils"], df["total"], strict=True)
    ]
    # A category of 1-4 children is never shown; the categories add up to the total, so a
    # second one is blanked too (secondary suppression).
    return mask_small_counts(
        df, "n_pupils", ["school_year"], minimum, linked=~supp, share_cols=("pct",)
    )


# --------------------------------------------------- internal guidance data (never directeur)


@school_read(guidance=True)
def guidance_contacts(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """Every guidance contact with the school, newest first, with the anker's name."""
    df = con.execute(
        """
        SELECT g.contact_id, g.school_year, g.contact_date, g.anker_id,
               g.anker_id AS anker_name, g.goal_code, g.core_task, g.form, g.hours, g.units
        FROM v_guidance g
        WHERE g.school_id = ?
        ORDER BY g.contact_date DESC, g.contact_id
        """,
        [school_id],
    ).df()
    # Ankers' names are staff identities in the state store, not in the snapshot.
    names = dict(con.state.execute("SELECT user_id, name FROM users").fetchall())
    df["anker_name"] = [names.get(a, a) for a in df["anker_id"]]
    return df


@school_read(guidance=True)
def guidance_by_year(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """Per school year: contacts, hours, units, the unit category and the need tier."""
    df = con.execute(
        """
        WITH y AS (
            SELECT school_year FROM guidance_contacts WHERE school_id = ?
            UNION SELECT school_year FROM guidance_need WHERE school_id = ?
        )
        SELECT y.school_year,
               count(g.contact_id) AS contacts,
               coalesce(sum(g.hours), 0)::DOUBLE AS hours,
               coalesce(sum(g.units), 0)::INTEGER AS units,
               any_value(n.tier) AS tier
        FROM y
        LEFT JOIN guidance_contacts g ON g.school_id = ? AND g.school_year = y.school_year
        LEFT JOIN guidance_need n ON n.school_id = ? AND n.school_year = y.school_year
        GROUP BY y.school_year
        ORDER BY y.school_year
        """,
        [school_id, school_id, school_id, school_id],
    ).df()
    df["unit_category"] = df["units"].map(unit_category)
    return df


@school_read(guidance=True)
def guidance_hours_by_core_task(con: Connection, viewer: Viewer, school_id: str) -> pd.DataFrame:
    """Hours and units per school year and core task (KT1–KT3, BI1–BI4) and form."""
    return con.execute(
        """
        SELECT school_year, core_task, form, sum(hours)::DOUBLE AS hours,
               sum(units)::INTEGER AS units, count(*) AS contacts
        FROM guidance_contacts WHERE school_id = ?
        GROUP BY ALL ORDER BY school_year, core_task, form
        """,
        [school_id],
    ).df()


@scope_read(guidance=True)
def guidance_overview(con: Connection, viewer: Viewer, school_year: str) -> pd.DataFrame:
    """Every school in scope for one school year: contacts, units, category and need tier.

    Sorted by school name (never by need or result: non-ranking principle).
    """
    df = con.execute(
        f"""
        SELECT s.school_id, s.name, s.municipality,
               count(g.contact_id) AS contacts,
               coalesce(sum(g.hours), 0)::DOUBLE AS hours,
               coalesce(sum(g.units), 0)::INTEGER AS units,
               any_value(n.tier) AS tier
        FROM schools s
        LEFT JOIN guidance_contacts g ON g.school_id = s.school_id AND g.school_year = ?
        LEFT JOIN guidance_need n ON n.school_id = s.school_id AND n.school_year = ?
        WHERE s.school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
        GROUP BY s.school_id, s.name, s.municipality
        ORDER BY s.name, s.school_id
        """,
        [school_year, school_year, allowed_ids(con, viewer)],
    ).df()
    df["unit_category"] = df["units"].map(unit_category)
    return df


@scope_read(guidance=True)
def guidance_years(con: Connection, viewer: Viewer) -> list[str]:
    """School years with guidance data in the viewer's scope, oldest first."""
    rows = con.execute(
        f"""
        SELECT DISTINCT school_year FROM guidance_need
        WHERE school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
        ORDER BY 1
        """,
        [allowed_ids(con, viewer)],
    ).fetchall()
    return [r[0] for r in rows]
