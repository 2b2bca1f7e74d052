"""Does the SES-gecorrigeerde score keep a gradient across SES groups? Measured with known truth.

    python -m bench.expected_gradient            # 1,500 schools x 6 school years
    python -m bench.expected_gradient --quick    # 300 schools

A simulated Flanders: each pupil has the four background indicators of statistics/expected.py,
more often in some schools (an SES index per school); a pupil's score depends on their own
indicators *and* on their school's composition (COMPOSITION points per 10 index points: the
school context matters beyond the pupil's own background). Half the schools have no effect of
their own: they do exactly what their intake predicts. The sums per school are those of
expected._sums_sql; the fit and the verdicts are the production expected.fit_expected and
verdicts.assess. Printed per SES group (quintile of the index): the null schools' mean
SES-corrected difference (truth 0) and their chance colours per school year. Not a test.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from data_model.rules import load_rules
from data_model.statistics.expected import fit_expected
from data_model.statistics.verdicts import assess
from data_model.vocabulary import COLOURED_STATUSES

COMPOSITION = 1.5  # points per 10 points of the school's SES index, for every pupil
_EFFECTS = (-4.0, -3.5, -2.5, -1.0)  # home language, mother, allowance, neighbourhood


def _sums(school: np.ndarray, x: np.ndarray, y: np.ndarray, n_schools: int) -> dict:
    cols = {"n": np.bincount(school, minlength=n_schools).astype(float)}
    k = x.shape[1]
    for i in range(k):
        cols[f"s_x{i + 1}"] = np.bincount(school, weights=x[:, i], minlength=n_schools)
        for j in range(i, k):
            cols[f"s_x{i + 1}_x{j + 1}"] = np.bincount(
                school, weights=x[:, i] * x[:, j], minlength=n_schools
            )
    cols["s_y"] = np.bincount(school, weights=y, minlength=n_schools)
    for i in range(k):
        cols[f"s_x{i + 1}_y"] = np.bincount(school, weights=x[:, i] * y, minlength=n_schools)
    cols["s_y_y"] = np.bincount(school, weights=y * y, minlength=n_schools)
    return cols


def simulate(schools: int, years: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Sums per school x year (one cell, the total), the schools' index and null flags."""
    rng = np.random.default_rng(seed)
    share = np.clip(rng.beta(1.2, 3.0, schools), 0.01, 0.95)  # the school's disadvantage
    null = rng.random(schools) < 0.5
    level = np.where(null, 0.0, rng.normal(0, 3.0, schools))
    frames = []
    for t in range(years):
        n = np.clip(rng.poisson(np.full(schools, 25)), 10, 60)
        school = np.repeat(np.arange(schools), n)
        x = (rng.random((len(school), 4)) < share[school][:, None]).astype(float)
        index = 100 * share  # as school_context.ses_index: a mean of four percentages
        y = (
            65
            + x @ np.array(_EFFECTS)
            - COMPOSITION * index[school] / 10
            + level[school]
            + rng.normal(0, 1.5, schools)[school]  # the year's class
            + rng.normal(0, 10, len(school))
        )
        frame = pd.DataFrame(_sums(school, x, y, schools))
        frame["school_id"] = [f"{i:06d}" for i in range(schools)]
        frame["school_year"] = f"{2018 + t}-{2019 + t}"
        frame["ses_index"] = index
        frames.append(frame)
    sums = pd.concat(frames, ignore_index=True).assign(
        assessment_id="ovsg6", learning_area=None, domain=None
    )
    return sums, share, null


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SES-gecorrigeerde score: gradiënt per groep.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    rules = load_rules()
    sums, share, null = simulate(300 if args.quick else 1500, 6, args.seed)
    group = pd.qcut(share, 5, labels=[1, 2, 3, 4, 5])
    rows = {}
    for name, frame in (("pupils only", sums.drop(columns="ses_index")), ("with index", sums)):
        schools, _ = fit_expected(frame, rules)
        judged, _ = assess(schools, "value_added", "va_var", "va_sd_ref", rules)
        sid = judged["school_id"].astype(int).to_numpy()
        last = judged["school_year"] >= "2021-2022"
        keep = null[sid] & last.to_numpy()
        g = np.asarray(group)[sid][keep]
        va = judged["value_added"].to_numpy()[keep]
        coloured = judged["status"].isin(COLOURED_STATUSES).to_numpy()[keep]
        per = pd.DataFrame({"group": g, "va": va, "col": coloured}).groupby("group").mean()
        rows[f"{name}: mean difference (points)"] = per["va"].round(2)
        rows[f"{name}: chance colours per school year"] = per["col"].round(3)
    print(pd.DataFrame(rows).T.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
