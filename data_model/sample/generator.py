"""Deterministic synthetic data: the demo database, the test fixture and the benchmark scale.

    python -m data_model.sample --out sample_data
    python -m data_model.sample --out /tmp/flanders --schools 2300 --years 10

`--out` is a data folder (snapshots/ + state.sqlite, see storage/db.py). The sample is
published as the folder's next snapshot, so an app running on it picks it up; a folder that
holds real data (or anything else) is refused unless --force.

The same generator serves the demo, the tests and the benchmark (one fixture builder). The
model is simple but every effect the app claims to show is really in the data: scores depend
on pupil background (home language, mother's education, school allowance), schools differ in
level, some schools have a true rising or falling trend in one learning area or in all of
them, each year's test form has its own difficulty (so raw year-to-year scores are not
comparable), and a few small schools have cohorts under the privacy minimum.
Everything is drawn from one numpy Generator seeded by --seed: same arguments, same file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from data_model.sample.guidance import guidance_rows
from data_model.sample.history import add_history
from data_model.sample.pupils import (
    class_groups,
    cohort_sizes,
    draw_pupils,
    grade_six,
    keyed_rows,
    scores,
)
from data_model.sample.target import check_target
from data_model.statistics.classes import refresh_class_results
from data_model.statistics.materialize import refresh_school_results
from data_model.statistics.progress import refresh_school_progress
from data_model.storage.connection import Sql
from data_model.storage.db import CURRENT, Database, DataError, create_schema, set_meta
from data_model.storage.pupil_key import load_secret
from data_model.texts.formatting import format_number
from data_model.vocabulary import (
    ANKER,
    BEHEERDER,
    CLB_TRAJECT,
    DIRECTEUR,
    REGIOTEAM,
    SUPPORT_PHASES,
    ZITTENBLIJVEN,
)

# 2025-2026: the latest school year in the demo (it spans 2018-2019 .. 2025-2026), the first
# year with Vlaamse toetsen in grade 6, so the demo shows learning gain from grade 4.
LAST_YEAR_START = 2025
GOALS_FROM = 2025  # the OVSG-toets is criterion-referenced from test year 2026 (2025-2026)
VT4_FROM = 2023  # Vlaamse toetsen grade 4 from 2023-2024 in the demo, at pupil level
VT6_FROM = 2025  # Vlaamse toetsen grade 6 from 2025-2026: the grade-4 pupils of 2023-2024

REGIONS = (
    ("R1", "Regio Antwerpen-Kempen", ("Lier", "Mol", "Geel", "Boom", "Mortsel", "Turnhout")),
    ("R2", "Regio Gent-Waas", ("Gent", "Lokeren", "Temse", "Eeklo", "Deinze", "Beveren")),
    ("R3", "Regio Limburg", ("Genk", "Hasselt", "Lommel", "Bilzen", "Tongeren", "Maasmechelen")),
)
SCHOOL_PREFIXES = ("Gemeentelijke Basisschool", "Stedelijke Basisschool", "GBS", "SBS")
SCHOOL_NAMES = (
    "De Regenboog", "Het Klavertje", "De Vlieger", "De Zonnebloem", "Het Kompas", "De Boomgaard",
    "De Sleutel", "Het Molentje", "De Wegwijzer", "De Horizon", "Het Vlindertje", "De Krekel",
    "De Bron", "Het Anker", "De Parel", "De Linde", "Het Speelbos", "De Toverfluit",
)  # fmt: skip
FIRST_NAMES = (
    "An", "Bart", "Els", "Dirk", "Katrien", "Tom", "Sofie", "Koen", "Inge", "Pieter", "Leen",
    "Joris", "Nathalie", "Wim", "Griet", "Stijn", "Veerle", "Kristof", "Hilde", "Jan",
)  # fmt: skip
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Hermans", "Aerts", "Pauwels", "Vermeulen", "Van Damme",
)  # fmt: skip
EMAIL_DOMAIN = "demo.schoolfoto.test"
DEMO_SHARED_SINCE = datetime(2025, 9, 15, 9, 0)  # when the demo's directors shared their results


@dataclass(frozen=True)
class SampleSpec:
    schools: int = 60
    years: int = 8
    seed: int = 20250630
    last_year: int = LAST_YEAR_START

    @property
    def year_starts(self) -> list[int]:
        return list(range(self.last_year - self.years + 1, self.last_year + 1))


def _sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))


def _school_frame(spec: SampleSpec, rng: np.random.Generator) -> pd.DataFrame:
    n = spec.schools
    ids = rng.choice(np.arange(1_000, 999_999), size=n, replace=False)
    # A few instellingsnummers with a leading zero, as in reality (imports must keep them).
    low = max(2, n // 20)
    ids[:low] = rng.choice(np.arange(1_000, 99_999), size=low, replace=False)
    # The low ids are a second draw: one may equal an id of the first draw (seed 61 with
    # 1,500 schools did). Redraw those from the 6-digit ids nobody has, so every id is unique
    # (seeds without a clash draw nothing more and keep their data).
    clash = np.isin(ids[low:], ids[:low])
    if clash.any():
        free = np.setdiff1d(np.arange(100_000, 999_999), ids)
        rest = ids[low:]
        rest[clash] = rng.choice(free, size=int(clash.sum()), replace=False)
        ids[low:] = rest
    region_idx = np.arange(n) % len(REGIONS)
    rng.shuffle(region_idx)
    names, municipalities, communities = [], [], []
    for i in range(n):
        _, _, towns = REGIONS[region_idx[i]]
        town = towns[rng.integers(len(towns))]
        prefix = SCHOOL_PREFIXES[rng.integers(len(SCHOOL_PREFIXES))]
        base = SCHOOL_NAMES[rng.integers(len(SCHOOL_NAMES))]
        names.append(f"{prefix} {base} {town}")
        municipalities.append(town)
        # scholengemeenschap: roughly 8 schools each, within a region
        communities.append(f"SG{region_idx[i] + 1}{(i // (3 * 8)) % 9 + 1}")
    # Disambiguate the rare equal names (a director must never confuse two schools).
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} ({seen[name]})"
    frame = pd.DataFrame(
        {
            "school_id": [f"{x:06d}" for x in ids],
            "name": names,
            "municipality": municipalities,
            "region_id": [REGIONS[r][0] for r in region_idx],
            "community_id": communities,
            "advantage": rng.normal(0, 1, n),  # latent SES: higher = more advantaged
            "level": rng.normal(0, 3.0, n),  # school effect on every score
            "small": rng.random(n) < 0.08,  # small school: cohorts of 3..12 pupils
        }
    )
    frame.loc[frame.index[:2], "small"] = True  # the demo always has small schools to show
    size = np.where(frame["small"], rng.integers(60, 110, n), rng.integers(140, 420, n))
    frame["size"] = size
    # True trends: ~12 % rising, ~12 % falling, either in one learning area or in all.
    kind = rng.random(n)
    frame["trend_slope"] = np.where(kind < 0.12, 2.8, np.where(kind < 0.24, -2.8, 0.0))
    frame["trend_area"] = rng.integers(-1, 4, n)  # -1 = all learning areas
    return frame.sort_values("school_id").reset_index(drop=True)


def _context(schools: pd.DataFrame, spec: SampleSpec, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for y in spec.year_starts:
        adv = schools["advantage"].to_numpy() + rng.normal(0, 0.08, len(schools))
        noise: Callable[[], np.ndarray] = lambda: rng.normal(0, 0.15, len(schools))  # noqa: E731 - local helper
        pct_lang = 100 * _sigmoid(-1.5 - 1.3 * adv + noise())
        pct_mother = 100 * _sigmoid(-1.3 - 1.0 * adv + noise())
        pct_allow = 100 * _sigmoid(-0.8 - 1.1 * adv + noise())
        pct_neigh = 100 * _sigmoid(-1.1 - 0.9 * adv + noise())
        index = (pct_lang + pct_mother + pct_allow + pct_neigh) / 4
        # SES group 1 = most indicators of disadvantage .. 5 = fewest (quintiles per year).
        ranks = pd.Series(index).rank(method="first", ascending=False)
        group = np.ceil(ranks / len(schools) * 5).clip(1, 5).astype(int)
        growth = 1 + 0.01 * (y - spec.year_starts[0])
        rows.append(
            pd.DataFrame(
                {
                    "school_id": schools["school_id"],
                    "school_year": f"{y}-{y + 1}",
                    "n_pupils": np.round(schools["size"] * growth).astype(int),
                    "pct_home_language_not_dutch": pct_lang.round(1),
                    "pct_mother_low_education": pct_mother.round(1),
                    "pct_school_allowance": pct_allow.round(1),
                    "pct_neighbourhood": pct_neigh.round(1),
                    "ses_index": index.round(2),
                    "ses_group": group,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _aggregate_vt4(
    schools: pd.DataFrame,
    scores: np.ndarray,
    pupils: pd.DataFrame,
    domains: list[tuple[Any, Any]],
    year: int,
) -> pd.DataFrame:
    """Vlaamse toetsen arrive as school aggregates: build them from simulated pupils."""
    goal = scores >= 50
    frames = []
    levels: list[tuple[str | None, str | None, np.ndarray]] = []
    for d, (area, dom) in enumerate(domains):
        levels.append((area, dom, np.array([d])))
    for area in dict.fromkeys(a for a, _ in domains):
        levels.append((area, None, np.array([i for i, (a, _) in enumerate(domains) if a == area])))
    levels.append((None, None, np.arange(len(domains))))
    for area, dom, cols in levels:
        df = pd.DataFrame(
            {
                "school_idx": pupils["school_idx"],
                "s": scores[:, cols].mean(axis=1),
                "g": goal[:, cols].mean(axis=1),
            }
        )
        g = df.groupby("school_idx")
        agg = pd.DataFrame(
            {
                "n_pupils": g.size(),
                "score_mean": g["s"].mean().round(2),
                "score_sd": g["s"].std(ddof=1).round(3),
                "pct_goal_reached": (100 * g["g"].mean()).round(1),
            }
        ).reset_index()
        agg["school_id"] = schools["school_id"].to_numpy()[agg["school_idx"]]
        agg["learning_area"] = area
        agg["domain"] = dom
        frames.append(agg)
    out = pd.concat(frames, ignore_index=True)
    out["school_year"] = f"{year}-{year + 1}"
    out["assessment_id"] = "vt4"
    return out


def _users(
    schools: pd.DataFrame, rng: np.random.Generator
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def person(i: int) -> str:
        return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"

    users: list[tuple[Any, ...]] = [
        ("beheerder", f"beheerder@{EMAIL_DOMAIN}", "Bea Beheer", BEHEERDER, None, True)
    ]
    links: list[tuple[Any, ...]] = []
    for r_id, r_name, _ in REGIONS:
        users.append(
            (f"regio-{r_id.lower()}", f"regio.{r_id.lower()}@{EMAIL_DOMAIN}",
             f"Regioteam {r_name.removeprefix('Regio ')}", REGIOTEAM, r_id, True)
        )  # fmt: skip
    # Ankers: one per ten schools of a region.
    counter = 0
    for r_id, _, _ in REGIONS:
        region_schools = schools.loc[schools["region_id"] == r_id, "school_id"].tolist()
        for chunk in range(0, len(region_schools), 10):
            counter += 1
            uid = f"anker-{counter:03d}"
            users.append(
                (
                    uid,
                    f"anker{counter:03d}@{EMAIL_DOMAIN}",
                    person(counter + 3),
                    ANKER,
                    r_id,
                    True,
                )
            )
            links += [(uid, s) for s in region_schools[chunk : chunk + 10]]
    # Directors: one per school; the two smallest schools share one director (as often).
    ids = schools["school_id"].tolist()
    small = schools.loc[schools["small"], "school_id"].tolist()
    shared = small[:2] if len(small) >= 2 else []
    for i, sid in enumerate(ids):
        if shared and sid == shared[1]:
            continue
        uid = f"dir-{sid}"
        users.append((uid, f"directeur.{sid}@{EMAIL_DOMAIN}", person(i), DIRECTEUR, None, True))
        links.append((uid, sid))
        if shared and sid == shared[0]:
            links.append((uid, shared[1]))
    return users, links


def _insert_rows(con: Sql, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert tuples in table column order (table is one of ours, never user input)."""
    names = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall()]  # fmt: skip
    con.register("_rows", pd.DataFrame(rows, columns=names))
    try:
        con.execute("INSERT INTO " + table + " SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def _insert_frame(con: Sql, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame by column name (table is one of ours, never user input)."""
    columns = ", ".join(frame.columns)
    sql = "INSERT INTO " + table + " (" + columns + ") SELECT " + columns + " FROM _frame"
    con.register("_frame", frame)
    try:
        con.execute(sql)
    finally:
        con.unregister("_frame")


def _result_rows(
    pupil_ids: pd.Series,
    marks: np.ndarray,
    domains: list[tuple[Any, Any]],
    assessment_id: str,
    goal: float | None,
) -> pd.DataFrame:
    """One row per pupil and domain; `goal`: the score that reaches the goals (None: the
    assessment was not criterion-referenced that year)."""
    flat = marks.reshape(-1)
    return pd.DataFrame(
        {
            "pupil_id": np.repeat(pupil_ids.to_numpy(), len(domains)),
            "assessment_id": assessment_id,
            "learning_area": [a for a, _ in domains] * len(pupil_ids),
            "domain": [d for _, d in domains] * len(pupil_ids),
            "score": flat,
            "goal_reached": pd.array(flat >= goal, dtype="boolean")
            if goal is not None
            else pd.array([pd.NA] * len(flat), dtype="boolean"),
        }
    )


def generate(
    out: Path | str,
    spec: SampleSpec = SampleSpec(),
    progress: Callable[[float, str], object] | None = None,  # its return value is ignored
    force: bool = False,
) -> Path:
    """Publish a complete sample snapshot (and demo users) into the data folder `out`."""
    out = Path(out)
    check_target(out, force)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda frac, msg: None)
    rng = np.random.default_rng(spec.seed)
    say(0.02, "Scholen en context aanmaken")
    schools = _school_frame(spec, rng)
    context = _context(schools, spec, rng)
    users, links = _users(schools, rng)

    db = Database(out, create=True, check=False)  # the old snapshot may be unreadable (force)
    tmp = db.snapshot_dir / ".sample.building"
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    create_schema(con)
    con.execute("BEGIN TRANSACTION")
    con.executemany("INSERT INTO regions VALUES (?, ?)", [(r, n) for r, n, _ in REGIONS])
    region_names = {r: n.removeprefix("Regio ") for r, n, _ in REGIONS}
    communities = (
        schools[["community_id", "region_id"]].drop_duplicates().sort_values("community_id")
    )
    con.executemany(
        "INSERT INTO school_communities VALUES (?, ?, ?)",
        [(c, f"Scholengemeenschap {c[2:]} {region_names[r]}", r)
         for c, r in communities.itertuples(index=False)],
    )  # fmt: skip
    con.register(
        "_schools", schools[["school_id", "name", "municipality", "region_id", "community_id"]]
    )
    con.execute("INSERT INTO schools SELECT * FROM _schools")
    con.register("_context", context)
    con.execute("INSERT INTO school_context SELECT * FROM _context")

    secret = load_secret(out, seed=f"schoolfoto-sample-{spec.seed}".encode())
    assert secret is not None  # made when missing
    # The school's effect on growth from grade 4 to grade 6 (points): the truth the learning
    # gain should find. Its own generator, so the rest of the sample does not move with it.
    growth_rng = np.random.default_rng(spec.seed + 104_729)
    schools["growth"] = np.where(
        growth_rng.random(len(schools)) < 0.6, 0.0, growth_rng.choice([-3.0, 3.0], len(schools))
    )
    # One school in ten sent only the organiser's school averages of the Vlaamse toetsen.
    aggregate_only = np.arange(len(schools)) % 10 == 3
    mid = (spec.year_starts[0] + spec.year_starts[-1]) / 2
    grade_four: dict[int, pd.DataFrame] = {}
    vt4_frames = []
    for step, y in enumerate(spec.year_starts):
        say(0.05 + 0.7 * step / len(spec.year_starts), f"Toetsresultaten {y}-{y + 1}")
        year = f"{y}-{y + 1}"
        ctx_y = context[context["school_year"] == year]
        six = grade_six(
            schools, ctx_y, grade_four.pop(y - 2, None), cohort_sizes(schools, rng), y - 5, rng
        )
        six["class_group"] = class_groups(six, 6, rng)
        rows = keyed_rows(six, schools["school_id"], year, 6, secret)
        _insert_frame(con, "pupils", rows)
        # (assessment, first year, first criterion-referenced year, score reaching the goals)
        for idx, aid, since, goals_from, goal in (
            (0, "ovsg6", y, GOALS_FROM, 55),
            (2, "vt6", VT6_FROM, VT6_FROM, 50),
        ):
            if y >= since:
                marks, domains = scores(six, schools, y, mid, idx, spec.seed, rng, growth=True)
                results = _result_rows(
                    rows["pupil_id"], marks, domains, aid, goal if y >= goals_from else None
                )
                _insert_frame(con, "pupil_results", results)
        if y >= VT4_FROM:
            four = draw_pupils(schools, ctx_y, cohort_sizes(schools, rng), y - 3, rng)
            four["class_group"] = class_groups(four, 4, rng)
            marks, domains = scores(four, schools, y, mid, 1, spec.seed, rng)
            sent = ~aggregate_only[four["school_idx"].to_numpy()]
            rows = keyed_rows(four[sent], schools["school_id"], year, 4, secret)
            _insert_frame(con, "pupils", rows)
            _insert_frame(
                con,
                "pupil_results",
                _result_rows(rows["pupil_id"], marks[sent], domains, "vt4", 50),
            )
            vt4_frames.append(
                _aggregate_vt4(schools, marks[~sent], four[~sent].reset_index(drop=True),
                               domains, y)
            )  # fmt: skip
            grade_four[y] = four
    if vt4_frames:
        vt4 = pd.concat(vt4_frames, ignore_index=True)
        con.register("_vt4", vt4)
        con.execute(
            """
            INSERT INTO school_results_aggregate
            SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils,
                   score_mean, score_sd, pct_goal_reached, NULL, NULL, NULL
            FROM _vt4
            """
        )

    say(0.78, "Zorg, KOALA en begeleiding")
    koala, support = [], []
    for y in spec.year_starts:
        ctx = context[context["school_year"] == f"{y}-{y + 1}"].set_index("school_id")
        sizes = dict(zip(ctx.index.astype(str), ctx["n_pupils"].astype(float), strict=True))
        for i, sid in enumerate(schools["school_id"]):
            adv = schools["advantage"].iloc[i]
            n_school = sizes[sid]  # a count: whole, as float for the draws
            k_n = int(max(4, rng.poisson(max(5, n_school / 9))))
            p_rood = float(_sigmoid(-2.4 - 0.9 * adv))
            p_oranje = float(_sigmoid(-1.4 - 0.6 * adv)) * (1 - p_rood)
            draws = rng.multinomial(k_n, [1 - p_rood - p_oranje, p_oranje, p_rood])
            koala.append((sid, f"{y}-{y + 1}", *(int(x) for x in draws)))
            total = int(n_school)
            lam = [0.12 + 0.05 * float(_sigmoid(-adv)), 0.04, 0.006]
            higher = [int(rng.binomial(total, p)) for p in lam]
            counts = [total - sum(higher), *higher]
            for phase, c in zip(SUPPORT_PHASES, counts, strict=True):
                support.append((sid, f"{y}-{y + 1}", phase, "continuum", c))
            support.append(
                (
                    sid,
                    f"{y}-{y + 1}",
                    CLB_TRAJECT,
                    "indicator",
                    int(rng.binomial(total, 0.05)),
                )
            )
            p_retention = 0.015 + 0.02 * float(_sigmoid(-adv))
            support.append(
                (sid, f"{y}-{y + 1}", ZITTENBLIJVEN, "indicator",
                 int(rng.binomial(total, p_retention)))
            )  # fmt: skip
    # executemany is slow in DuckDB at Flanders scale; insert through a DataFrame.
    _insert_rows(con, "koala_outcomes", koala)
    _insert_rows(con, "support_counts", support)
    need, contacts = guidance_rows(schools, context, links, spec.year_starts[-3:], rng)
    con.register("_need", need)
    con.execute("INSERT INTO guidance_need SELECT * FROM _need")
    con.register("_contacts", contacts)
    con.execute("INSERT INTO guidance_contacts SELECT * FROM _contacts")

    say(0.85, "Vergelijkingen, kleuren en trends berekenen")
    refresh_school_results(con)
    for y in spec.year_starts:  # a year at a time: one pass over all years peaked at 4.4 GB
        year = f"{y}-{y + 1}"
        refresh_class_results(con, [(sid, year) for sid in schools["school_id"]])
    refresh_school_progress(con)
    set_meta(con, "is_sample", "true")
    # The director the demo opens with: a regular-sized school with a real trend, so a
    # first look shows colours and a trend rather than a tiny school with "< 5" cells.
    showcase = schools[~schools["small"] & (schools["trend_slope"] != 0)]
    showcase = showcase if len(showcase) else schools[~schools["small"]]
    if len(showcase):
        set_meta(con, "demo_default_user", f"dir-{showcase['school_id'].iloc[0]}")
    set_meta(con, "sample_spec", f"schools={spec.schools} years={spec.years} seed={spec.seed}")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()
    say(0.95, "Publiceren")
    try:
        db.publish_file(tmp, note=f"voorbeelddata ({spec.schools} scholen, seed {spec.seed})")
        _replace_demo_users(db, users, links)
        add_history(db)  # last year's notes and actions for a few schools (sample/history.py)
    finally:
        db.close()
    say(1.0, "Klaar")
    return out


def _replace_demo_users(
    db: Database, users: list[tuple[Any, ...]], links: list[tuple[Any, ...]]
) -> None:
    """The demo users of this sample replace the folder's users (notes and logs are kept).

    Two directors in three have shared their Vlaamse toetsen with the support service, so a
    demo anker sees both kinds of school (the default, for a real school, is not shared).
    """
    directors = {u[0] for u in users if u[3] == DIRECTEUR}
    grants = [
        (sid, uid, DEMO_SHARED_SINCE)
        for i, (uid, sid) in enumerate(lk for lk in links if lk[0] in directors)
        if i % 3 != 2
    ]
    with db.state.transaction() as s:
        s.execute("DELETE FROM user_schools")
        s.execute("DELETE FROM result_sharing")
        s.execute("DELETE FROM users WHERE user_id <> 'systeem'")
        s.executemany(
            "INSERT INTO users (user_id, email, name, role, region_id, active) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            users,
        )
        s.executemany("INSERT INTO user_schools (user_id, school_id) VALUES (?, ?)", links)
        s.executemany(
            "INSERT INTO result_sharing (school_id, granted, changed_by, changed_at) "
            "VALUES (?, TRUE, ?, ?)",
            grants,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Genereer een synthetische Schoolfoto-databank.")
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="gegevensmap (snapshots/ en state.sqlite), bv. sample_data",
    )
    parser.add_argument("--force", action="store_true",
                        help="ook een map met echte gegevens vervangen")  # fmt: skip
    parser.add_argument("--schools", type=int, default=SampleSpec.schools)
    parser.add_argument("--years", type=int, default=SampleSpec.years)
    parser.add_argument("--seed", type=int, default=SampleSpec.seed)
    parser.add_argument("--last-year", type=int, default=LAST_YEAR_START,
                        help="beginjaar van het laatste schooljaar (2024 = 2024-2025)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.schools < 3 or args.years < 1:
        parser.error("--schools moet minstens 3 zijn en --years minstens 1")
    spec = SampleSpec(args.schools, args.years, args.seed, args.last_year)
    start = time.perf_counter()
    try:
        generate(args.out, spec, lambda f, m: print(f"[{f:4.0%}] {m}", file=sys.stderr), args.force)
    except DataError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    size = (args.out / CURRENT).resolve().stat().st_size / 1e6
    seconds = time.perf_counter() - start
    print(f"{args.out}: snapshot van {format_number(size)} MB in {format_number(seconds)} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
