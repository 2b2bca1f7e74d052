"""Checks across rows and against what the database knows, one `prepare_*` per file kind
(duplicate keys, unknown schools or assessments, a column of fractions, ...).

Where a check goes: one cell's value (type, range, spelling) is a parser in `cells.py`, named
by the column's spec in `formats.py`; the sheet, the header and the cells every column shares
(formulas, blanks) are `sheet_parse.py`; rows together or against the database are here.
`check_step.py` only runs them in that order and `report.py` says how a problem is reported.

Each takes the parsed frame (one column per spec column key, `row_no` = the Excel row) and a
`Context` and returns `(frames to write, problems)`. Lookups run once per *distinct* value or
combination (a results file of 61,000 rows has a few hundred), never once per row. The
`Catalogue` is what the database knows, read once in the app and handed to the worker process
(which never opens the database).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from data_model.imports.cells import normalize_header, normalize_value
from data_model.imports.report import Problem, cell_problem
from data_model.rules import load_rules
from data_model.storage.connection import Connection
from data_model.texts.formatting import school_year_of
from data_model.vocabulary import ANKER, HALF_DAY_HOURS, REGIOTEAM
from data_model.vocabulary import SUPPORT_PHASES as SUPPORT_CONTINUUM

if TYPE_CHECKING:  # the worker that runs these checks never opens a database
    pass

Frames = dict[str, pd.DataFrame]
GUIDANCE_ROLES = (ANKER, REGIOTEAM)  # who may be the anker of a guidance contact


@dataclass
class Catalogue:
    """What the database already knows, read once per import."""

    assessments: dict[str, str]  # normalized id or name -> assessment_id
    grades: dict[str, int]
    areas: dict[tuple[str, str], str]  # (assessment_id, normalized area) -> label
    domains: dict[tuple[str, str, str], tuple[str, str]]  # -> (area label, domain label)
    schools: set[str]
    regions: dict[str, str]  # normalized id or name -> region_id
    users: dict[str, tuple[str, str]]  # user_id or lower(email) -> (user_id, role)

    @classmethod
    def load(cls, con: Connection, system_user: str) -> Catalogue:
        assessments, grades = {}, {}
        for aid, name, grade in con.execute(
            "SELECT assessment_id, name, grade FROM assessments"
        ).fetchall():
            assessments[normalize_value(aid)] = aid
            assessments[normalize_value(name)] = aid
            grades[aid] = grade
        areas, domains = {}, {}
        for aid, area, domain in con.execute(
            "SELECT assessment_id, learning_area, domain FROM domains"
        ).fetchall():
            areas[(aid, normalize_value(area))] = area
            domains[(aid, normalize_value(area), normalize_value(domain))] = (area, domain)
        schools = {r[0] for r in con.execute("SELECT school_id FROM schools").fetchall()}
        regions = {}
        for rid, name in con.execute("SELECT region_id, name FROM regions").fetchall():
            regions[normalize_value(rid)] = rid
            regions[normalize_value(name)] = rid
            regions[normalize_value(name.removeprefix("Regio "))] = rid
        users = {}
        # The command-line identity is not a person: it can never be a guidance contact's anker.
        state = con.state  # users live in the state store (con: a storage.db.Cursor)
        for uid, email, role in state.execute(
            "SELECT user_id, email, role FROM users WHERE active AND user_id <> ?", [system_user]
        ).fetchall():
            users[uid] = (uid, role)
            users[email.lower()] = (uid, role)
        return cls(assessments, grades, areas, domains, schools, regions, users)

    def domain_headers(self) -> dict[str, tuple[str, str, str, bool]]:
        """Pupil-file headers: normalized 'area - domain' [+ 'doel behaald'] -> meaning."""
        out = {}
        for (aid, _, _), (area, domain) in self.domains.items():
            base = normalize_header(f"{area} {domain}")
            out.setdefault(base, (aid, area, domain, False))
            for suffix in ("doel behaald", "doel", "doelen behaald"):
                out.setdefault(base + normalize_header(suffix), (aid, area, domain, True))
        return out


@dataclass
class Context:
    file_name: str
    sheet: str
    catalogue: Catalogue
    headers: dict[str, str]  # column key -> header as the file spells it
    domain_cols: list[tuple[str, str, str, bool]] = field(default_factory=list)
    # The user's answer for a column of fractions too short to decide (fraction_check):
    # True = multiply by 100, False = read as written, None = not asked yet.
    fractions: bool | None = None
    notes: list[str] = field(default_factory=list)  # what the report tells beside the summary

    def problem(self, row: int | None, key: str, value: object, message: str) -> Problem:
        return cell_problem(
            self.file_name, self.sheet, row, self.headers.get(key, key), value, message
        )


def per_distinct(frame: pd.DataFrame, cols: Sequence[str], fn: Callable[..., Hashable]) -> list:
    """fn(*values) for every row, computed once per distinct combination of `cols`."""
    keys = list(zip(*(frame[c] for c in cols), strict=True))
    results = {k: fn(*k) for k in dict.fromkeys(keys)}
    return [results[k] for k in keys]


def _rows_where(frame: pd.DataFrame, flags: Sequence[bool]) -> list[int]:
    return [r for r, f in zip(frame["row_no"], flags, strict=True) if f]


def unknown_schools(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    known = ctx.catalogue.schools
    bad = frame["school_id"].notna() & ~frame["school_id"].isin(known)
    return [
        ctx.problem(r, "school_id", s,
                    "Onbekende school: dit instellingsnummer staat niet in de databank. Verbeter "
                    "het nummer of lees eerst het bestand 'Scholen en context' in.")
        for r, s in zip(frame["row_no"][bad], frame["school_id"][bad], strict=True)
    ]  # fmt: skip


def duplicates(frame: pd.DataFrame, keys: list[str], ctx: Context, what: str) -> list[Problem]:
    key_frame = frame[keys].astype(object).where(frame[keys].notna(), "\x00")
    dup = key_frame.duplicated(keep=False)
    if not dup.any():
        return []
    first_row: dict[tuple, int] = {}
    problems = []
    for row_no, key in zip(
        frame["row_no"][dup], map(tuple, key_frame[dup].to_numpy()), strict=True
    ):
        if key in first_row:
            problems.append(
                ctx.problem(row_no, "", "", f"Dubbele rij: {what} als rij {first_row[key]}. "
                            "Verwacht: elke combinatie één keer.")
            )  # fmt: skip
        else:
            first_row[key] = row_no
    return problems


def resolve_assessment(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    options = ", ".join(sorted(set(ctx.catalogue.assessments.values())))
    ids = per_distinct(
        frame, ["assessment"],
        lambda v: ctx.catalogue.assessments.get(normalize_value(v)) if v else None,
    )  # fmt: skip
    frame["assessment_id"] = pd.Series(ids, dtype=object, index=frame.index)
    bad = [v is not None and a is None for v, a in zip(frame["assessment"], ids, strict=True)]
    return [
        ctx.problem(r, "assessment", v, f"Onbekende toets. Verwacht: een van {options}.")
        for r, v, b in zip(frame["row_no"], frame["assessment"], bad, strict=True)
        if b
    ]


# A column of percentages whose values all lie between 0 and 1 (at least one strictly) holds
# fractions when it has at least this many values: no school has 0,5 % in three rows of one
# file. With fewer values (a one-school file) it cannot be told apart from real percentages
# below 1 %, so the user is asked (page) or must say so (CLI --breuken ja|nee).
MIN_FRACTION_VALUES = 3
FRACTIONS_QUESTION = "breuken"


def fraction_check(frame: pd.DataFrame, keys: list[str], ctx: Context) -> list[Problem]:
    """Percentages typed as fractions (0,635 for 63,5 %) are multiplied by 100 and the report
    says so; too few values to decide and no answer: refused, naming the column."""
    problems = []
    for key in keys:
        if key not in frame:
            continue
        values = pd.to_numeric(frame[key], errors="coerce")
        present = values.dropna()
        if present.empty or present.max() > 1 or not ((present > 0) & (present < 1)).any():
            continue
        header = ctx.headers.get(key, key)
        if ctx.fractions is False:
            continue
        if len(present) >= MIN_FRACTION_VALUES or ctx.fractions:
            frame[key] = pd.Series(
                [None if pd.isna(v) else round(float(v) * 100, 10) for v in values],
                dtype=object, index=frame.index,
            )  # fmt: skip
            ctx.notes.append(
                f"Kolom '{header}': alle waarden lagen tussen 0 en 1 en zijn gelezen als "
                "breuken (0,635 = 63,5 %)."
            )
            continue
        n = len(present)
        problems.append(
            Problem(ctx.file_name, ctx.sheet, None, header, "",
                    f"Alle waarden in deze kolom liggen tussen 0 en 1, maar {n} "
                    f"{'waarde is' if n == 1 else 'waarden zijn'} te weinig om te weten of het "
                    "breuken zijn (0,5 = 50 %) of percentages onder 1 %. Verwacht: percentages "
                    "van 0 tot 100 (50 in plaats van 0,5). Of zeg het: op de pagina Gegevens "
                    "met de vraag hieronder, op de opdrachtregel met --breuken ja of "
                    "--breuken nee.",
                    question=FRACTIONS_QUESTION)
        )  # fmt: skip
    return problems


def _area_and_domain(ctx: Context, aid: str | None, area: str | None, domain: str | None):
    """(area label, domain label, problem key, message) for one distinct combination."""
    cat = ctx.catalogue
    if aid is None:
        return None, None, None, None
    if area is None:
        if domain is not None:
            return (
                None,
                None,
                "domain",
                "Domein zonder leergebied. Verwacht: ook het leergebied invullen.",
            )
        return None, None, None, None
    label = cat.areas.get((aid, normalize_value(area)))
    if label is None:
        known = sorted({v for (a, _), v in cat.areas.items() if a == aid})
        return (
            None,
            None,
            "learning_area",
            (f"Onbekend leergebied voor toets {aid}. Verwacht: een van {', '.join(known)}."),
        )
    if domain is None:
        return label, None, None, None
    match = cat.domains.get((aid, normalize_value(area), normalize_value(domain)))
    if match is None:
        known = sorted(d for (a, ar, _), (_, d) in cat.domains.items()
                       if a == aid and ar == normalize_value(area))  # fmt: skip
        return (
            label,
            None,
            "domain",
            (f"Onbekend domein voor {label}. Verwacht: een van {', '.join(known)}."),
        )
    return label, match[1], None, None


def prepare_results(frame: pd.DataFrame, ctx: Context) -> tuple[Frames, list[Problem]]:
    problems = resolve_assessment(frame, ctx)
    problems += unknown_schools(frame, ctx)
    resolved = per_distinct(frame, ["assessment_id", "learning_area", "domain"],
                            lambda a, ar, d: _area_and_domain(ctx, a, ar, d))  # fmt: skip
    for row, (_, _, key, message), area, domain in zip(
        frame["row_no"], resolved, frame["learning_area"], frame["domain"], strict=True
    ):
        if key is not None:
            problems.append(ctx.problem(row, key, area if key == "learning_area" else domain,
                                        message))  # fmt: skip
    frame["learning_area"] = pd.Series([r[0] for r in resolved], dtype=object, index=frame.index)
    frame["domain"] = pd.Series([r[1] for r in resolved], dtype=object, index=frame.index)
    n = pd.to_numeric(frame["n_pupils"], errors="coerce")
    has_score = frame["score_mean"].notna()
    for r in _rows_where(frame, n.isna() & has_score):
        problems.append(ctx.problem(r, "n_pupils", "",
                                    "Aantal leerlingen ontbreekt. Verwacht: een geheel getal, of "
                                    "'< 5' met lege gemiddelden."))  # fmt: skip
    for r in _rows_where(frame, (n >= load_rules().min_group_size) & ~has_score):
        problems.append(ctx.problem(r, "score_mean", "",
                                    "Gemiddelde van de school ontbreekt. Verwacht: een getal van "
                                    "0 tot 100, bv. 63,5."))  # fmt: skip
    problems += fraction_check(frame, ["score_mean", "similar_mean", "flanders_mean"], ctx)
    if not problems:
        problems += duplicates(
            frame, ["school_id", "school_year", "assessment_id", "learning_area", "domain"], ctx,
            "dezelfde school, hetzelfde schooljaar, dezelfde toets, hetzelfde leergebied en "
            "hetzelfde domein",
        )  # fmt: skip
    blank = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    out = pd.DataFrame(
        {
            "school_id": frame["school_id"],
            "school_year": frame["school_year"],
            "assessment_id": frame["assessment_id"],
            "learning_area": frame["learning_area"],
            "domain": frame["domain"],
            # '< 5' / blank = not published: stored as 0 pupils, so it is always suppressed.
            "n_pupils": n.fillna(0).astype(int),
            "score_mean": frame["score_mean"],
            "score_sd": frame.get("score_sd", blank),
            "pct_goal_reached": frame.get("pct_goal_reached", blank),
            "similar_mean": frame["similar_mean"],
            "flanders_mean": frame["flanders_mean"],
        }
    )
    return {"rows": out}, problems


PUPIL_ATTRIBUTES = ("gender", "home_language_dutch", "mother_low_education", "school_allowance",
                    "neighbourhood_low", "support_phase", "class_group")  # fmt: skip


def prepare_pupils(frame: pd.DataFrame, ctx: Context) -> tuple[Frames, list[Problem]]:
    problems = resolve_assessment(frame, ctx)
    problems += unknown_schools(frame, ctx)
    ids = sorted({a for a in frame["assessment_id"].dropna().unique()})
    if len(ids) > 1:
        problems.append(ctx.problem(None, "assessment", ", ".join(ids),
                                    "Het bestand bevat meer dan één toets. Verwacht: één toets "
                                    "per leerlingenbestand."))  # fmt: skip
    if problems:
        return {}, problems
    aid = ids[0]
    # A header names a domain by area and domain only; several tests share names (Wiskunde -
    # Meetkunde is in the OVSG-toets and the Vlaamse toetsen): the file's test decides.
    own = {(a, d) for (a_id, _, _), (a, d) in ctx.catalogue.domains.items() if a_id == aid}
    for i, (_, area, domain, _) in enumerate(ctx.domain_cols):
        if (area, domain) not in own:
            problems.append(
                ctx.problem(
                    None, f"dom:{i}", "", f"Onbekend domein '{area} - {domain}' voor toets {aid}."
                )
            )
    problems += duplicates(frame, ["pupil_id"], ctx, "dezelfde leerling_id")
    problems += fraction_check(
        frame, [f"dom:{i}" for i, c in enumerate(ctx.domain_cols) if not c[3]], ctx
    )
    if problems:
        return {}, problems
    grade = ctx.catalogue.grades[aid]
    n = len(frame)
    pupils = pd.DataFrame(
        {
            "pupil_id": frame["pupil_id"],
            "school_id": frame["school_id"],
            "school_year": frame["school_year"],
            "grade": frame["grade"].fillna(grade) if "grade" in frame else [grade] * n,
            "row_no": frame["row_no"],
        }
    )
    for key in PUPIL_ATTRIBUTES:
        pupils[key] = frame[key] if key in frame else pd.Series([None] * n, dtype=object)
    pupils["grade"] = pupils["grade"].astype(int)
    long = []
    goals = {(a, d): f"dom:{i}" for i, (_, a, d, g) in enumerate(ctx.domain_cols) if g}
    for i, (_, area, domain, is_goal) in enumerate(ctx.domain_cols):
        if is_goal:
            continue
        scores = frame[f"dom:{i}"]
        has = scores.notna()
        goal_key = goals.get((area, domain))
        long.append(
            pd.DataFrame(
                {
                    "pupil_id": frame["pupil_id"][has],
                    "assessment_id": aid,
                    "learning_area": area,
                    "domain": domain,
                    "score": scores[has].astype(float),
                    "goal_reached": frame[goal_key][has] if goal_key else None,
                }
            )
        )
    results = pd.concat(long, ignore_index=True)
    return {"pupils": pupils, "results": results}, problems


PCT_CONTEXT = ["pct_home_language_not_dutch", "pct_mother_low_education",
               "pct_school_allowance", "pct_neighbourhood"]  # fmt: skip


def prepare_schools(frame: pd.DataFrame, ctx: Context) -> tuple[Frames, list[Problem]]:
    problems = []
    known = ", ".join(sorted(set(ctx.catalogue.regions.values())))
    regions = per_distinct(
        frame, ["region"], lambda v: ctx.catalogue.regions.get(normalize_value(v)) if v else None
    )
    for row, value, rid in zip(frame["row_no"], frame["region"], regions, strict=True):
        if value is not None and rid is None:
            problems.append(
                ctx.problem(row, "region", value, f"Onbekende regio. Verwacht: een van {known}.")
            )
    frame["region_id"] = pd.Series(regions, dtype=object, index=frame.index)
    if "ses_group" in frame and frame["ses_group"].notna().any():
        for r in _rows_where(frame, frame["ses_group"].isna()):
            problems.append(ctx.problem(r, "ses_group", "",
                                        "Lege SES-groep terwijl andere rijen er een hebben. "
                                        "Verwacht: overal een SES-groep (1 tot 5), of de kolom "
                                        "helemaal leeg."))  # fmt: skip
    problems += fraction_check(frame, PCT_CONTEXT, ctx)
    problems += duplicates(frame, ["school_id", "school_year"], ctx,
                           "dezelfde school en hetzelfde schooljaar")  # fmt: skip
    return {"rows": frame.drop(columns=["region"])}, problems


def prepare_support(frame: pd.DataFrame, ctx: Context) -> tuple[Frames, list[Problem]]:
    problems = unknown_schools(frame, ctx)
    problems += duplicates(frame, ["school_id", "school_year", "phase"], ctx,
                           "dezelfde school, hetzelfde schooljaar en dezelfde fase")  # fmt: skip
    frame["measure_kind"] = [
        "continuum" if p in SUPPORT_CONTINUUM else "indicator" for p in frame["phase"]
    ]
    return {"rows": frame[["school_id", "school_year", "phase", "measure_kind", "n_pupils"]]}, (
        problems
    )


def _anker(ctx: Context, value: str | None) -> tuple[str | None, str | None]:
    """(user_id, problem message) for one anker cell."""
    if value is None:
        return None, None
    found = ctx.catalogue.users.get(value) or ctx.catalogue.users.get(value.lower())
    if found is None:
        return None, (
            "Onbekend anker. Verwacht: de gebruikerscode of het e-mailadres van een actieve "
            "gebruiker (zie tabblad Gebruikers)."
        )
    uid, role = found
    if role not in GUIDANCE_ROLES:
        return None, (
            f"Deze gebruiker is geen anker maar heeft de rol {role}. Verwacht: een anker of "
            "een lid van een regioteam."
        )
    return uid, None


def prepare_guidance(frame: pd.DataFrame, ctx: Context) -> tuple[Frames, list[Problem]]:
    problems = unknown_schools(frame, ctx)
    n = len(frame)
    none = pd.Series([None] * n, dtype=object, index=frame.index)
    given_year = frame.get("school_year", none)
    derived = [school_year_of(d) if d is not None else None for d in frame["contact_date"]]
    years = [g if g is not None else d for g, d in zip(given_year, derived, strict=True)]
    for row, given, dyear, day in zip(frame["row_no"], given_year, derived,
                                      frame["contact_date"], strict=True):  # fmt: skip
        if given is not None and dyear is not None and given != dyear:
            problems.append(ctx.problem(row, "contact_date", day,
                                        f"Deze datum valt niet in schooljaar {given}. Verwacht: "
                                        f"een datum van 1 september tot 31 augustus van "
                                        f"{given}."))  # fmt: skip
    ankers = per_distinct(frame, ["anker"], lambda v: _anker(ctx, v))
    for row, value, (_, message) in zip(frame["row_no"], frame["anker"], ankers, strict=True):
        if message:
            problems.append(ctx.problem(row, "anker", value, message))
    given_units = frame.get("units", none)
    units = []
    for hours, unit in zip(frame["hours"], given_units, strict=True):
        if unit is None or pd.isna(unit):  # one unit per (started) half day
            hours = hours or 0.0
            unit = max(1, math.ceil(hours / HALF_DAY_HOURS)) if hours > 0 else 0
        units.append(int(unit))
    given_id = frame.get("contact_id", none)
    ids = []
    for row, cid, (anker, _) in zip(frame.itertuples(index=False), given_id, ankers, strict=True):
        if cid is None:
            digest = hashlib.sha1(
                "|".join(map(str, (row.school_id, row.contact_date, anker, row.goal_code,
                                   row.core_task, row.form, row.hours))).encode()
            ).hexdigest()[:12]  # fmt: skip
            cid = f"G-{digest}"
        ids.append(cid)
    out = pd.DataFrame(
        {
            "contact_id": ids,
            "school_id": frame["school_id"],
            "school_year": years,
            "contact_date": frame["contact_date"],
            "anker_id": [a for a, _ in ankers],
            "goal_code": frame["goal_code"],
            "core_task": frame["core_task"],
            "form": frame["form"],
            "hours": frame["hours"],
            "units": units,
            "row_no": frame["row_no"],
        }
    )
    what = (
        "hetzelfde contact (zelfde contact_id of dezelfde school, datum, anker, doel, "
        "kerntaak, vorm en uren)"
    )
    problems += duplicates(out, ["contact_id"], ctx, what)
    return {"rows": out}, problems
