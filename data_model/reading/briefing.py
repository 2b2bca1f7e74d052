"""What a data conversation starts from: observations, questions and the support context.

Used by the Datagesprek page (prefilled "wat valt op"), the anker's Voorbereiding page and
the PDF conversation sheet, so all three say the same thing. Pure reads: every function
takes a Viewer and goes through the scoped queries; guidance data only reaches viewers who
`sees_guidance`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_model.reading import queries
from data_model.reading import support as support_queries
from data_model.reading.access import Viewer
from data_model.reading.scope import SCOPE_FILTER, allowed_ids, school_read, scope_read
from data_model.rules import load_rules
from data_model.state import notes
from data_model.storage.connection import Connection, one
from data_model.texts.codes import core_task_label, goal_code_label
from data_model.texts.explain import cell_label, highlights
from data_model.texts.formatting import (
    format_count,
    format_date,
    format_number,
    format_pct,
    previous_school_year,
)
from data_model.vocabulary import (
    COMPARISON_LABELS,
    COMPARISON_PHRASES,
    FALLING,
    HIGHER,
    KOALA_CATEGORIES,
    LOWER,
    RISING,
    STATUS_MUCH,
    STATUS_SIGN,
    SUPPORT_INDICATOR_LABELS,
    SUPPORT_PHASES,
)

GUIDING_QUESTIONS = (
    "Doen we de goede dingen?",
    "Doen we de dingen goed?",
    "Hoe weten we dat?",
    "Vinden anderen dat ook?",
    "Wat doen we met die kennis?",
)
MAX_RESULT_QUESTIONS = 6  # a conversation handles a few questions well, not twenty


@dataclass(frozen=True)
class Observation:
    """A suggested observation: one sentence from explain.highlights, with its origin."""

    assessment_id: str
    assessment_name: str
    text: str

    @property
    def key(self) -> str:
        """Stable identity, so an accepted or dismissed suggestion is not offered again."""
        return f"{self.assessment_id}:{self.text}"


@dataclass
class Briefing:
    school_id: str
    school_name: str
    school_year: str
    observations: list[Observation]
    statuses: pd.DataFrame  # learning-area rows of the school year, all assessments
    open_actions: list[notes.Note]
    questions: list[str]
    support_lines: list[str]
    guidance_lines: list[str] = field(default_factory=list)  # empty for a directeur


def _rows(frame: pd.DataFrame, index: bool = False) -> Iterator[Any]:
    """The frame's rows as named tuples. pandas-stubs types each field as any scalar at all;
    the query that made the frame fixes the columns' types, so the fields are left `Any`."""
    return frame.itertuples(index=index)


@school_read
def school_name(con: Connection, viewer: Viewer, school_id: str) -> str:
    return str(one(con.execute("SELECT name FROM schools WHERE school_id = ?", [school_id]))[0])


@school_read
def conversation_years(con: Connection, viewer: Viewer, school_id: str) -> list[str]:
    """School years with results for this school, newest first (the year picker)."""
    return sorted(queries.school_years(con, viewer, school_id), reverse=True)


def _results_until(
    con: Connection, viewer: Viewer, school_id: str, school_year: str
) -> list[tuple[pd.Series, pd.DataFrame]]:
    """Per assessment with results in `school_year`: (assessment row, results up to that year)."""
    out = []
    for info in _rows(queries.assessments_for_school(con, viewer, school_id)):
        results = queries.school_results(con, viewer, school_id, info.assessment_id)
        results = results[results["school_year"] <= school_year]
        if (results["school_year"] == school_year).any():
            out.append((pd.Series(info._asdict()), results))
    return out


@school_read
def observation_suggestions(
    con: Connection, viewer: Viewer, school_id: str, school_year: str
) -> list[Observation]:
    """'Wat valt op' for the school year: significant differences and trends, per assessment."""
    rules = load_rules()
    out: list[Observation] = []
    for info, results in _results_until(con, viewer, school_id, school_year):
        now = results[(results["school_year"] == school_year) & results["domain"].isna()]
        if now["suppressed"].astype(bool).all():
            continue  # too few pupils this year: nothing to observe, and nothing to say
        for sentence in highlights(results, rules):
            out.append(Observation(info["assessment_id"], info["name"], sentence))
    return out


@school_read
def year_results(con: Connection, viewer: Viewer, school_id: str, school_year: str) -> pd.DataFrame:
    """All result rows (totals, learning areas, domains) of the school year, every assessment."""
    frames = []
    for info, results in _results_until(con, viewer, school_id, school_year):
        now = results[results["school_year"] == school_year].copy()
        now["assessment_name"] = info["name"]
        frames.append(now)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@school_read
def area_statuses(
    con: Connection, viewer: Viewer, school_id: str, school_year: str
) -> pd.DataFrame:
    """Learning-area rows (and totals) of the school year for every assessment."""
    rows = year_results(con, viewer, school_id, school_year)
    return rows[rows["domain"].isna()].reset_index(drop=True) if not rows.empty else rows


def _result_questions(statuses: pd.DataFrame) -> list[str]:
    """Questions from clear differences and trends: learning areas, and domains that differ a
    lot and not the way their learning area does (else the list gets too long)."""
    questions: list[str] = []
    areas = statuses[statuses["learning_area"].notna()] if not statuses.empty else statuses
    # The comparison group follows rules.toml ("dan bij vergelijkbare scholen" / "in Vlaanderen").
    comparison = load_rules().colour_comparison
    compared, group = COMPARISON_PHRASES[comparison], COMPARISON_LABELS[comparison]
    area_dir = {
        (r.assessment_name, r.learning_area): STATUS_SIGN.get(r.status, 0)
        for r in _rows(areas)
        if not isinstance(r.domain, str)
    }
    for row in _rows(areas):
        is_domain = isinstance(row.domain, str)
        if row.suppressed or (
            is_domain
            and (
                row.status not in STATUS_MUCH
                or area_dir.get((row.assessment_name, row.learning_area)) == STATUS_SIGN[row.status]
            )
        ):
            continue
        area = cell_label(row.learning_area, row.domain if is_domain else None)
        area = f"{area} ({row.assessment_name})"
        sign = STATUS_SIGN.get(row.status, 0)
        if sign < 0:
            questions.append(
                f"{area} ligt lager dan {compared}: wat zou dat verklaren, en "
                "zien we het ook in eigen observaties en andere toetsen?"
            )
        elif sign > 0:
            questions.append(
                f"{area} ligt hoger dan {compared}: wat doen we hier goed, en "
                "hoe houden we dat vast?"
            )
        if row.trend == FALLING:
            questions.append(
                f"{area} daalt al enkele jaren ten opzichte van {group}: wat is "
                "er in die periode veranderd?"
            )
        elif row.trend == RISING:
            questions.append(
                f"{area} stijgt al enkele jaren: welke aanpak zit daarachter, en kan die ook "
                "elders helpen?"
            )
    return questions[:MAX_RESULT_QUESTIONS]


def _support_question(support: pd.DataFrame, school_year: str) -> str | None:
    cont = support[support["measure_kind"] == "continuum"] if not support.empty else support
    if cont.empty:
        return None
    # Share beyond brede basiszorg = 100 % minus basiszorg: exact even when small phases
    # are masked, and only used when that combined group reaches the privacy minimum.
    base = cont[(cont["phase"] == SUPPORT_PHASES[0]) & ~cont["masked"].astype(bool)]
    extra = (100.0 - base.set_index("school_year")["pct"]).sort_index()
    combined = extra * base.set_index("school_year")["total"] / 100.0
    extra = extra[combined.round() >= load_rules().min_group_size]
    if school_year not in extra.index:
        return None
    before = extra[extra.index < school_year]
    if before.empty or extra[school_year] - before.iloc[-1] < 3:
        return None
    return (
        "Meer leerlingen krijgen verhoogde zorg of uitbreiding van zorg dan vorig "
        f"jaar ({format_pct(before.iloc[-1])} → {format_pct(extra[school_year])}): "
        "hoe vangt het team dat op in de klas?"
    )


def _koala_question(koala: pd.DataFrame, school_year: str) -> str | None:
    if koala.empty:
        return None
    now = koala[(koala["school_year"] == school_year) & ~koala["suppressed"].astype(bool)]
    # Masked (small) categories are left out of the sum: the share can only be higher.
    share = now[now["category"] != KOALA_CATEGORIES[0]]["pct"].sum() if not now.empty else 0
    if share < 40:
        return None
    return (
        f"Bij KOALA had {format_pct(share)} van de kleuters extra of intensieve "
        "taalondersteuning nodig: hoe loopt het taalbeleid van kleuter naar lager?"
    )


def suggested_questions(
    statuses: pd.DataFrame,
    open_actions: list[notes.Note],
    support: pd.DataFrame,
    koala: pd.DataFrame,
    school_year: str,
) -> list[str]:
    """Concrete questions for this school, from its statuses, trends, actions and support.

    `statuses` holds the year's result rows (see `_result_questions`).
    """
    questions = _result_questions(statuses)
    for action in open_actions:
        owner = action.get("owner")
        questions.append(
            f"Wat is er terechtgekomen van de actie '{action.get('what')}'"
            + (f" ({owner})" if owner else "")
            + "? Zien we het effect in de nieuwe resultaten?"
        )
    for extra in (_support_question(support, school_year), _koala_question(koala, school_year)):
        if extra:
            questions.append(extra)
    return questions


def _share(pct: float, masked: bool) -> str:
    """A share of pupils, or 'minder dan 5 leerlingen' (the privacy minimum) where masked."""
    return f"minder dan {load_rules().min_group_size} leerlingen" if masked else format_pct(pct)


def support_lines(support: pd.DataFrame, koala: pd.DataFrame, school_year: str) -> list[str]:
    """Plain-Dutch lines about the support continuum and KOALA in (or before) the year."""
    lines: list[str] = []
    minimum = load_rules().min_group_size
    if not support.empty:
        years = sorted(y for y in support["school_year"].unique() if y <= school_year)
        if years:
            year = years[-1]
            now = support[support["school_year"] == year]
            cont = now[now["measure_kind"] == "continuum"]
            parts = [f"{r.phase} {_share(r.pct, r.masked)}" for r in cont.itertuples(index=False)]
            if parts:
                lines.append(f"Zorgcontinuüm {year}: " + " · ".join(parts) + ".")
            ind = now[now["measure_kind"] == "indicator"]
            parts = [
                f"{SUPPORT_INDICATOR_LABELS.get(r.phase, r.phase)}: "
                f"{format_count(r.n_pupils, minimum)} leerlingen"
                + (f" ({format_pct(r.pct)})" if pd.notna(r.pct) else "")
                for r in ind.itertuples(index=False)
            ]
            if parts:
                lines.append(" · ".join(parts) + ".")
    if not koala.empty:
        years = sorted(y for y in koala["school_year"].unique() if y <= school_year)
        if years:
            now = koala[koala["school_year"] == years[-1]]
            if now["suppressed"].astype(bool).any():
                lines.append(f"KOALA {years[-1]}: te weinig kleuters gescreend om te tonen.")
            else:
                parts = [
                    f"{r.category} {_share(r.pct, r.masked)}" for r in now.itertuples(index=False)
                ]
                lines.append(
                    f"KOALA {years[-1]} ({int(now['total'].iloc[0])} kleuters): "
                    + " · ".join(parts)
                    + "."
                )
    return lines


@school_read
def guidance_lines(con: Connection, viewer: Viewer, school_id: str, school_year: str) -> list[str]:
    """Internal: need tier and guidance units (empty for a viewer without guidance access)."""
    if not viewer.sees_guidance:
        return []
    by_year = support_queries.guidance_by_year(con, viewer, school_id)
    by_year = by_year[by_year["school_year"] <= school_year]
    if by_year.empty:
        return ["Geen begeleidingsgegevens geregistreerd."]
    row = by_year.iloc[-1]
    lines = [
        f"Begeleidingsnood {row['school_year']}: {row['tier'] or 'niet bepaald'} (intern).",
        f"Begeleiding {row['school_year']}: {int(row['contacts'])} contacten, "
        f"{format_number(row['hours'])} uur, {int(row['units'])} begeleidingseenheden "
        f"(categorie {row['unit_category']}).",
    ]
    contacts = support_queries.guidance_contacts(con, viewer, school_id)
    if not contacts.empty:
        last = contacts.iloc[0]
        lines.append(
            f"Laatste contact: {format_date(last['contact_date'])} "
            f"({goal_code_label(last['goal_code'])}; {core_task_label(last['core_task'])}; "
            f"{last['form']})."
        )
    return lines


@school_read(memo=False)  # holds open actions: notes a form may just have changed
def build_briefing(con: Connection, viewer: Viewer, school_id: str, school_year: str) -> Briefing:
    name = school_name(con, viewer, school_id)
    rows = year_results(con, viewer, school_id, school_year)
    statuses = rows[rows["domain"].isna()].reset_index(drop=True) if not rows.empty else rows
    actions = notes.open_actions(con, viewer, school_id, school_year)
    support = support_queries.support_continuum(con, viewer, school_id)
    koala = support_queries.koala_outcomes(con, viewer, school_id)
    return Briefing(
        school_id=school_id,
        school_name=name,
        school_year=school_year,
        observations=observation_suggestions(con, viewer, school_id, school_year),
        statuses=statuses,
        open_actions=actions,
        questions=suggested_questions(rows, actions, support, koala, school_year),
        support_lines=support_lines(support, koala, school_year),
        guidance_lines=guidance_lines(con, viewer, school_id, school_year),
    )


@scope_read(guidance=True)
def preparation_overview(con: Connection, viewer: Viewer) -> pd.DataFrame:
    """One row per school in scope for the anker's list: latest year, how many learning areas
    are clearly lower / higher or falling (columns named by the status and trend they count:
    LOWER counts lower and much lower), open actions from the year before, and (internal)
    the need tier of that year. Sorted by name, never by result (non-ranking)."""
    overview = queries.scope_overview(con, viewer)
    if overview.empty:
        return pd.DataFrame(
            columns=["school_id", "name", "municipality", "school_year", LOWER, HIGHER,
                     FALLING, "open_actions", "tier"]
        )  # fmt: skip
    visible = overview[~overview["suppressed"].astype(bool)]
    counts = (
        visible.assign(
            **{
                LOWER: visible["status"].map(STATUS_SIGN) < 0,
                HIGHER: visible["status"].map(STATUS_SIGN) > 0,
                FALLING: visible["trend"] == FALLING,
            }
        )
        .groupby("school_id")[[LOWER, HIGHER, FALLING]]
        .sum()
    )
    schools = overview.drop_duplicates("school_id")[
        ["school_id", "name", "municipality", "school_year"]
    ].set_index("school_id")
    df = schools.join(counts).fillna(0).reset_index()
    open_by = notes.open_action_counts(con, viewer)  # notes live in the state store
    df["open_actions"] = [
        int(open_by.get((s, previous_school_year(y)), 0))
        for s, y in zip(df["school_id"], df["school_year"], strict=True)
    ]
    tiers = con.execute(
        f"""
        SELECT school_id, school_year, tier FROM guidance_need
        WHERE school_id IN ({SCOPE_FILTER})  -- constant SQL fragment, not input
        """,
        [allowed_ids(con, viewer)],
    ).df()
    tier_by = {(r.school_id, r.school_year): r.tier for r in _rows(tiers, index=True)}
    latest_tier = tiers.sort_values("school_year").groupby("school_id")["tier"].last().to_dict()
    df["tier"] = [
        tier_by.get((s, y), latest_tier.get(s))
        for s, y in zip(df["school_id"], df["school_year"], strict=True)
    ]
    for col in (LOWER, HIGHER, FALLING):
        df[col] = df[col].astype(int)
    return df.sort_values(["name", "school_id"]).reset_index(drop=True)
