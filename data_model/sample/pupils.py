"""Pupils of the sample and their scores, followed within a school from grade 4 to grade 6.

A pupil keeps a latent ability and a background; each assessment turns them into domain
scores with the school's level and profile, that year's test form, a class effect and noise.
The grade-4 cohort of a year is, two years later, most of the grade-6 cohort: about one in
ten leaves the school (movers are not linked) and newcomers take their place. A school's
growth effect (points, known to the generator: `schools["growth"]`) is added to the grade-6
scores of the pupils it taught since grade 4, so the learning gain has a known truth.

Pupils carry the school's own pupil number only until they are written: the generator
stores the keyed hash (storage/pupil_key.py), as an import does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.storage.catalogue import ASSESSMENTS
from data_model.storage.pupil_key import pupil_key, pupil_row_id

STAYERS = 0.9  # share of a grade-4 cohort still in the school two years later
CLASS_SIZE = 22  # a cohort above this is taught in more than one class group
_ATTRIBUTES = ("gender", "home_language_dutch", "mother_low_education", "school_allowance",
               "neighbourhood_low", "support_phase")  # fmt: skip


def cohort_sizes(schools: pd.DataFrame, rng: np.random.Generator, mean: float = 27) -> np.ndarray:
    small = schools["small"].to_numpy()
    regular = np.clip(rng.poisson(mean, len(schools)), 14, 48)
    return np.where(small, rng.integers(3, 13, len(schools)), regular)


def draw_pupils(
    schools: pd.DataFrame,
    context_year: pd.DataFrame,
    sizes: np.ndarray,
    entry_year: int,
    rng: np.random.Generator,
    first: np.ndarray | None = None,
) -> pd.DataFrame:
    """`sizes[s]` new pupils of school s with their background and ability; their pupil
    numbers count on from `first[s]` (1 by default) in the school's numbering of the pupils
    who started grade 1 in `entry_year`."""
    school_idx = np.repeat(np.arange(len(schools)), sizes)
    n = len(school_idx)
    ctx = context_year.set_index("school_id").loc[schools["school_id"]]

    def share(column: str) -> np.ndarray:
        return ctx[column].to_numpy()[school_idx] / 100

    lang = rng.random(n) < share("pct_home_language_not_dutch")
    mother = rng.random(n) < share("pct_mother_low_education")
    allow = rng.random(n) < share("pct_school_allowance")
    neigh = rng.random(n) < share("pct_neighbourhood")
    phase = rng.choice(4, size=n, p=[0.82, 0.13, 0.045, 0.005])
    gender = rng.choice(np.array(["jongen", "meisje"]), size=n)
    ability = rng.normal(0, 8.5, n) - np.array([0, 6, 13, 22])[phase]
    within = np.concatenate([np.arange(c) for c in sizes]) if n else np.array([], dtype=int)
    start = (first if first is not None else np.ones(len(schools), dtype=int))[school_idx]
    return pd.DataFrame(
        {
            "school_idx": school_idx,
            "number": [f"{entry_year}{k:04d}" for k in start + within],
            "gender": gender,
            "home_language_dutch": ~lang,
            "mother_low_education": mother,
            "school_allowance": allow,
            "neighbourhood_low": neigh,
            "support_phase": np.array([f"fase {i}" for i in range(4)])[phase],
            "ability": ability,
            "linked": False,
        }
    )


def grade_six(
    schools: pd.DataFrame,
    context_year: pd.DataFrame,
    grade_four: pd.DataFrame | None,
    sizes: np.ndarray,
    entry_year: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The grade-6 cohort: the stayers of the grade-4 cohort two years before (when there was
    one) plus newcomers up to the school's cohort size."""
    if grade_four is None:
        return draw_pupils(schools, context_year, sizes, entry_year, rng)
    stay = grade_four[rng.random(len(grade_four)) < STAYERS].copy()
    stay["linked"] = True
    kept = np.bincount(stay["school_idx"], minlength=len(schools))
    new = np.maximum(sizes - kept, 0)
    # Newcomers get numbers after the cohort's own (a school numbers its pupils as they come).
    first = np.bincount(grade_four["school_idx"], minlength=len(schools)) + 1
    newcomers = draw_pupils(schools, context_year, new, entry_year, rng, first + 500)
    both = pd.concat([stay.drop(columns="class_group"), newcomers], ignore_index=True)
    return both.sort_values(["school_idx", "number"], kind="stable").reset_index(drop=True)


def class_groups(pupils: pd.DataFrame, grade: int, rng: np.random.Generator) -> np.ndarray:
    """Each school's cohort split into class groups (4A, 4B, ...) of uneven size, as schools
    split them: a cohort of 27 may sit in classes of 19 and 8; small schools have one."""
    out = np.empty(len(pupils), dtype=object)
    for rows in pupils.groupby("school_idx", sort=False).indices.values():
        k = max(1, int(np.ceil(len(rows) / CLASS_SIZE)))
        shares = rng.dirichlet(np.full(k, 4.0))
        names = np.array([f"{grade}{chr(ord('A') + i)}" for i in range(k)])
        out[rows] = names[np.sort(rng.choice(k, size=len(rows), p=shares))]
    return out


def scores(
    pupils: pd.DataFrame,
    schools: pd.DataFrame,
    year: int,
    mid_year: float,
    assessment_idx: int,
    seed: int,
    rng: np.random.Generator,
    growth: bool = False,
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Domain scores (pupils x domains) of one assessment; `growth` adds the school's growth
    effect to the pupils it has taught since grade 4."""
    assessment = ASSESSMENTS[assessment_idx]
    domains = [(area, d) for area, ds in assessment.areas for d in ds]
    area_of = np.array([a_i for a_i, (_, ds) in enumerate(assessment.areas) for _ in ds])
    school_idx = pupils["school_idx"].to_numpy()
    n = len(pupils)
    background = (
        -3.5 * pupils["mother_low_education"].to_numpy()
        - 2.5 * pupils["school_allowance"].to_numpy()
        - 1.0 * pupils["neighbourhood_low"].to_numpy()
    )
    lang = ~pupils["home_language_dutch"].to_numpy()
    lang_effect = np.where(area_of == 0, -6.0, -2.5)  # home language weighs on Nederlands most
    slope = schools["trend_slope"].to_numpy()[school_idx]
    t_area = schools["trend_area"].to_numpy()[school_idx]
    level = schools["level"].to_numpy()[school_idx]
    if growth:
        level = level + schools["growth"].to_numpy()[school_idx] * pupils["linked"].to_numpy()
    # Per school x learning area: a stable profile (some schools stronger in maths...).
    area_rng = np.random.default_rng(seed + 7919 * (assessment_idx + 1))
    area_level = area_rng.normal(0, 2.2, (len(schools), len(assessment.areas)))
    # Each year's test form: its own difficulty per domain (raw scores are not comparable).
    base = np.linspace(70, 60, len(domains))
    form = rng.normal(0, 4.0, len(domains))
    cohort_effect = rng.normal(0, 1.5, len(schools))[school_idx]  # a year's class differs
    ability = pupils["ability"].to_numpy()
    out = np.empty((n, len(domains)))
    for d in range(len(domains)):
        a = area_of[d]
        trend_here = np.where((t_area == -1) | (t_area == a), slope, 0.0) * (year - mid_year)
        out[:, d] = (
            base[d] + form[d] + level + area_level[school_idx, a] + trend_here + cohort_effect
            + ability + background + lang_effect[d] * lang + rng.normal(0, 8.0, n)
        )  # fmt: skip
    return np.clip(np.round(out, 1), 0, 100), domains


def keyed_rows(
    pupils: pd.DataFrame, school_ids: pd.Series, school_year: str, grade: int, secret: bytes
) -> pd.DataFrame:
    """Rows of the `pupils` table: the pupil number replaced by its keyed hash."""
    sid = school_ids.to_numpy()[pupils["school_idx"].to_numpy()]
    keys = [pupil_key(secret, s, n) for s, n in zip(sid, pupils["number"], strict=True)]
    rows = pd.DataFrame(
        {
            "pupil_id": [pupil_row_id(k, school_year) for k in keys],
            "school_id": sid,
            "school_year": school_year,
            "grade": grade,
        }
    )
    for column in _ATTRIBUTES:
        rows[column] = pupils[column].to_numpy()
    rows["pupil_key"] = keys
    rows["class_group"] = pupils["class_group"].to_numpy()
    return rows
