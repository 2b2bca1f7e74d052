"""Simulated worlds with a known truth, for bench/calibration.py (not production code).

A world is the sample generator's model with every effect under our control: pupils get an
ability (SD 8.5) and per-domain noise (SD 8); a school gets a persistent level and a profile
per learning area, possibly a linear trend; every school year's class differs by a class
effect (SD 0, 1.5 or 3 points, shared by all domains, as in data_model.sample); every year's
test form has its own difficulty. Half the schools are *exactly* null: no level, no profile,
no trend. The other half's effects are centred within each SES group, so a null school truly
equals its similar schools and the truth of every cell is known exactly.

A *hard* world (`hard=True`) is as unkind as Flanders: cohorts from 10 to 60 pupils, each
school with its own usual size; a quarter of the schools with a pupil spread 1.5x (and a
tenth 0.75x) the usual; an SES index per school that drifts from year to year, so schools
change SES group (quintiles of the index each year); a composition effect (the mean score
rises with the index inside every group too); rows without an SD (a school year imported from
aggregates); school years missing. A null school there is a school that does exactly what its
intake predicts: the truth of every cell is its effect on top of the composition effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_model.storage.catalogue import ASSESSMENTS

ASSESSMENT = ASSESSMENTS[0]  # the OVSG-toets: 4 learning areas, 13 domains
DOMAINS = [(area, d) for area, ds in ASSESSMENT.areas for d in ds]
AREAS = [area for area, _ in ASSESSMENT.areas]
AREA_OF = np.array([AREAS.index(a) for a, _ in DOMAINS])
TREND_SIZES = (-3.0, -2.0, -1.0, 1.0, 2.0, 3.0)  # points per school year


@dataclass(frozen=True)
class World:
    class_sd: float
    schools: int = 600
    years: int = 8
    seed: int = 1
    groups: int = 5
    hard: bool = False


@dataclass
class Simulated:
    cells: pd.DataFrame  # production input: one row per school x year x cell
    # school_id, school_year, learning_area, domain, true_effect (that year), window_effect
    # (mean over the latest `window` years up to it), true_slope, null_school, spread (the
    # school's pupil spread relative to the usual), ses_changer (its SES group changed within
    # the latest five years up to that year)
    truth: pd.DataFrame
    # The SDs of `cells` before a hard world blanked some: the same world with every SD.
    full_sd: pd.Series | None = None


def _cells_of(
    year: int, school_ids: np.ndarray, groups: np.ndarray, n: np.ndarray, scores: np.ndarray
) -> pd.DataFrame:
    """School aggregates (n, mean, SD) of the 18 cells from pupil scores [pupil, domain]."""
    school = np.repeat(np.arange(len(n)), n)
    levels: list[tuple[str | None, str | None, np.ndarray]] = [(None, None, scores.mean(axis=1))]
    for a, area in enumerate(AREAS):
        levels.append((area, None, scores[:, a == AREA_OF].mean(axis=1)))
    for d, (area, dom) in enumerate(DOMAINS):
        levels.append((area, dom, scores[:, d]))
    frames = []
    for area, dom, y in levels:
        s1 = np.bincount(school, weights=y, minlength=len(n))
        s2 = np.bincount(school, weights=y * y, minlength=len(n))
        mean = s1 / n
        sd = np.sqrt(np.clip(s2 - n * mean**2, 0, None) / (n - 1))
        frames.append(
            pd.DataFrame(
                {
                    "school_id": school_ids,
                    "school_year": f"{year}-{year + 1}",
                    "assessment_id": ASSESSMENT.assessment_id,
                    "learning_area": area,
                    "domain": dom,
                    "n_pupils": n,
                    "score_mean": mean,
                    "score_sd": sd,
                    "pct_goal_reached": np.nan,
                    "ses_group": groups,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _centre(values: np.ndarray, groups: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Subtract, within each group, the mean over the active (non-null) schools."""
    out = values.copy()
    for g in np.unique(groups):
        m = (groups == g) & active
        if m.any():
            out[m] -= out[m].mean(axis=0)
    return out


@dataclass(frozen=True)
class _Hard:
    """What a hard world adds, per school (and per school x year for the index)."""

    size: np.ndarray  # the school's usual cohort (Poisson mean)
    spread: np.ndarray  # pupil spread relative to the usual
    index: np.ndarray  # [year, school] SES index (drifts)
    groups: np.ndarray  # [year, school] SES group 1..groups (quintiles of the index)
    no_sd: np.ndarray  # [year, school] the school year came without SDs
    missing: np.ndarray  # [year, school] the school year is missing


COMPOSITION = 2.5  # points per SD of the SES index, inside every group too
SPREADS = ((1.0, 0.65), (1.5, 0.25), (0.75, 0.10))  # pupil spread and its share of schools


def _hard(world: World) -> _Hard:
    # A generator of its own: the easy worlds draw exactly what they drew before.
    rng = np.random.default_rng(world.seed + 10_000)
    s, years = world.schools, world.years
    size = np.exp(rng.uniform(np.log(11), np.log(50), s))
    values, shares = zip(*SPREADS, strict=True)
    spread = rng.choice(values, s, p=shares)
    index = rng.normal(0, 1, s) + np.cumsum(rng.normal(0, 0.12, (years, s)), axis=0)
    ranks = index.argsort(axis=1).argsort(axis=1)
    groups = 1 + ranks * world.groups // s
    return _Hard(
        size=size,
        spread=spread,
        index=index,
        groups=groups,
        no_sd=rng.random((years, s)) < 0.15,
        missing=rng.random((years, s)) < 0.08,
    )


def _changed(groups: np.ndarray, t: int, span: int = 5) -> np.ndarray:
    window = groups[max(0, t - span + 1) : t + 1]
    return (window != window[-1]).any(axis=0)


def simulate(world: World, window: int = 3) -> Simulated:
    rng = np.random.default_rng(world.seed)
    s = world.schools
    ids = np.array([f"{i + 100000:06d}" for i in range(s)])
    hard = _hard(world) if world.hard else None
    groups = 1 + np.arange(s) % world.groups if hard is None else hard.groups[0]
    null = np.zeros(s, dtype=bool)
    null[rng.permutation(s)[: s // 2]] = True
    active = ~null
    level = np.where(active, rng.normal(0, 3.0, s), 0.0)
    profile = np.where(active[:, None], rng.normal(0, 2.2, (s, len(AREAS))), 0.0)
    # Half the non-null schools have a trend, in all learning areas or in one.
    has_trend = active & (rng.random(s) < 0.5)
    size = rng.choice(TREND_SIZES, s)
    scope_all = rng.random(s) < 0.6
    one_area = rng.integers(0, len(AREAS), s)
    slope = np.zeros((s, len(AREAS)))
    for a in range(len(AREAS)):
        slope[:, a] = np.where(has_trend & (scope_all | (one_area == a)), size, 0.0)
    # Centre the non-null effects per SES group: the group's mean effect is exactly zero
    # (in a hard world, per first-year group: groups change, so nearly zero).
    level = _centre(level, groups, active)
    profile = _centre(profile, groups, active)
    slope = _centre(slope, groups, has_trend)
    spread = np.ones(s) if hard is None else hard.spread
    mid = (world.years - 1) / 2
    cells, truth, full_sd = [], [], []
    area_weight = np.bincount(AREA_OF, minlength=len(AREAS)) / len(DOMAINS)
    history: list[np.ndarray] = []
    for t in range(world.years):
        year = 2015 + t
        if hard is None:
            n = np.clip(rng.poisson(27, s), 14, 48)
            group_t = groups
            group_level = (groups - (world.groups + 1) / 2) * 3.0  # SES groups differ; cancels
        else:
            n = np.clip(rng.poisson(hard.size), 10, 60)
            group_t = hard.groups[t]
            group_level = COMPOSITION * hard.index[t]
        school = np.repeat(np.arange(s), n)
        form = np.linspace(70, 60, len(DOMAINS)) + rng.normal(0, 4.0, len(DOMAINS))
        klass = rng.normal(0, world.class_sd, s) if world.class_sd > 0 else np.zeros(s)
        effect_area = level[:, None] + profile + slope * (t - mid)  # [school, area]
        history.append(effect_area)
        window_area = np.mean(history[-window:], axis=0)
        ability = rng.normal(0, 8.5, len(school)) * spread[school]
        base = (group_level + klass)[school] + ability
        scores = (
            form[None, :]
            + base[:, None]
            + effect_area[school][:, AREA_OF]
            + rng.normal(0, 8.0, (len(school), len(DOMAINS))) * spread[school][:, None]
        )
        year_cells = _cells_of(year, ids, group_t, n, scores)
        if hard is not None:
            # On the scale of school_context.ses_index (a mean of four percentages).
            year_cells["ses_index"] = np.tile(35.0 + 15.0 * hard.index[t], len(year_cells) // s)
            school_of_row = np.tile(np.arange(s), len(year_cells) // s)
            no_sd = hard.no_sd[t][school_of_row]
            keep = ~hard.missing[t][school_of_row]
            full_sd.append(year_cells["score_sd"][keep])
            year_cells.loc[no_sd, "score_sd"] = np.nan
            year_cells = year_cells[keep]
        cells.append(year_cells)
        label = f"{year}-{year + 1}"
        changer = np.zeros(s, dtype=bool) if hard is None else _changed(hard.groups, t)
        rows = [
            (None, None, effect_area @ area_weight, window_area @ area_weight, slope @ area_weight)
        ]
        rows += [
            (a, None, effect_area[:, i], window_area[:, i], slope[:, i])
            for i, a in enumerate(AREAS)
        ]
        rows += [
            (a, d, effect_area[:, i], window_area[:, i], slope[:, i])
            for a, d in DOMAINS
            for i in [AREAS.index(a)]
        ]
        for area, dom, eff, win, slp in rows:
            truth.append(
                pd.DataFrame(
                    {
                        "school_id": ids,
                        "school_year": label,
                        "learning_area": area,
                        "domain": dom,
                        "true_effect": eff,
                        "window_effect": win,
                        "true_slope": slp,
                        "null_school": null,
                        "spread": spread,
                        "ses_changer": changer,
                    }
                )
            )
    return Simulated(
        pd.concat(cells, ignore_index=True),
        pd.concat(truth, ignore_index=True),
        pd.concat(full_sd, ignore_index=True) if full_sd else None,
    )
