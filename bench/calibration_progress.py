"""Calibration of the learning-gain colours (statistics/progress.py) on worlds with a known
growth effect per school.

    python -m bench.calibration_progress            # 1,200 schools, three cohorts
    python -m bench.calibration_progress --quick    # 300 schools (CI)

Each world: schools with a fixed number of linked pupils per cohort (10, 20 or 40), grade-4
scores ~ N(50, 10), grade-6 score = 8 + 0.9 × grade-4 + the school's growth effect + a class
effect of the cohort (SD 1.5 points) + pupil noise (SD 7), for the total and two learning
areas. Half the schools have no growth effect; the others ±0.2, ±0.5 or ±0.8 SD of the
grade-6 scale. The production code (`school_progress_rows`, `judge`) pools the cohorts and
colours them; the latest cohort of every school is counted.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from data_model.rules import load_rules
from data_model.statistics.progress import TOTAL, judge, school_progress_rows

AREAS = (TOTAL, "Nederlands", "Wiskunde")
SIZES = (10, 20, 40)
COLOURED = {"higher", "much_higher", "lower", "much_lower"}
SIGN = {"higher": 1, "much_higher": 1, "lower": -1, "much_lower": -1}


def world(schools: int, cohorts: int, seed: int) -> tuple[pd.DataFrame, pd.Series, float]:
    """Linked pupil pairs of every school and cohort, the true effect per school (points)
    and the grade-6 SD the effects are expressed in."""
    rng = np.random.default_rng(seed)
    size = np.array(SIZES)[np.arange(schools) % len(SIZES)]
    sd6 = float(np.sqrt(0.81 * 100 + 49))  # SD of the grade-6 score without school effects
    null = rng.random(schools) < 0.5
    effect = rng.choice([-0.8, -0.5, -0.2, 0.2, 0.5, 0.8], schools) * sd6
    effect = np.where(null, 0.0, effect)
    frames = []
    for c in range(cohorts):
        year = 2025 + c
        school = np.repeat(np.arange(schools), size)
        class_effect = rng.normal(0, 1.5, schools)[school]
        for area in AREAS:
            prior = rng.normal(50, 10, len(school))
            score = 8 + 0.9 * prior + effect[school] + class_effect + rng.normal(0, 7, len(school))
            frames.append(
                pd.DataFrame(
                    {
                        "pupil_key": [f"{year}-{i}" for i in range(len(school))],
                        "school_id": [f"{s:06d}" for s in school],
                        "year": year,
                        "assessment_id": "vt6",
                        "learning_area": area,
                        "score": score,
                        "prior": prior,
                    }
                )
            )
    truth = pd.Series(effect, index=[f"{s:06d}" for s in range(schools)])
    return pd.concat(frames, ignore_index=True), truth, sd6


def measure(schools: int, cohorts: int, seed: int) -> dict[str, object]:
    rules = load_rules()
    pairs, truth, sd6 = world(schools, cohorts, seed)
    rows = school_progress_rows(pairs, rules.min_group_size)
    judged = judge(rows, "vt4", "vt6", rules)
    latest = judged[judged["to_year"] == judged["to_year"].max()].copy()
    latest["truth"] = truth.reindex(latest["school_id"]).to_numpy()
    latest["n"] = rows.loc[latest.index, "n_linked"].to_numpy()
    latest["coloured"] = latest["status"].isin(COLOURED)
    null = latest[latest["truth"] == 0]
    per_null_school = null.groupby("school_id")["coloured"].sum().mean()
    much = latest[latest["status"].isin({"much_higher", "much_lower"})]
    much_true = (much["status"].map(SIGN) * much["truth"] >= rules.large_effect_size * sd6).mean()
    big = latest[latest["truth"].abs() >= 0.5 * sd6 - 1e-9]
    right = big["status"].map(SIGN).fillna(0) * np.sign(big["truth"]) > 0
    power = right.groupby(big["n"]).mean()
    wrong = latest[latest["coloured"] & (latest["truth"] != 0)]
    wrong_sign = (wrong["status"].map(SIGN) * np.sign(wrong["truth"]) < 0).mean()
    return {
        "chance colours per null school (3 cells)": per_null_school,
        "much cells that truly reach 0.2 SD": much_true if len(much) else float("nan"),
        "much cells": len(much),
        "wrong-sign share of coloured cells": wrong_sign,
        **{f"right sign, effect >= 0.5 SD, {int(n)} linked pupils": p for n, p in power.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=20260621)
    parser.add_argument("--cohorts", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure(300 if args.quick else 1200, args.cohorts, args.seed)
    for name, value in result.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
