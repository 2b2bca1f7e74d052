"""Subgroup gaps: how often a school whose gaps are those of Flanders gets a verdict.

    python -m bench.subgroups            # 1,500 schools
    python -m bench.subgroups --quick    # 300 schools

A simulated Flanders with known truth: each pupil has the six dimensions of
data_model.reading.subgroups (gender, home language, mother's education, school allowance,
neighbourhood, support phase); disadvantaged pupils are concentrated in some schools
(segregation) and those schools score lower for every pupil (a composition effect), while the
difference between groups *inside* every school is the same everywhere. A null school is every
school: its gaps are those of Flanders' schools. A tenth of the schools get an extra gap of
`EXTRA` points for pupils of another home language (power).

Figures, per cell (one school, one year): the share of null cells with any gap verdict, old
(each gap at 95 % against the gap over all pupils of Flanders) and new (summarise_groups:
against the gap within Flanders' schools, all gaps of the cell together); the power for the
extra gap. The verdicts are the production summarise_groups. Not a test.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from data_model.reading.subgroups import DIMENSIONS, flanders_gaps, summarise_groups
from data_model.rules import load_rules

EXTRA = -6.0  # points, pupils of another home language in the schools with an extra gap
# Dimension -> (share of pupils at an average school, slope on the school's SES, effect on
# the score in points of being in the first group). Gender has no SES slope.
_INDICATORS = {
    "home_language": (0.2, 1.2, -3.0, ("niet Nederlands", "Nederlands")),
    "mother_low_education": (0.2, 1.0, -3.0, ("laagopgeleid", "niet laagopgeleid")),
    "school_allowance": (0.25, 1.0, -2.0, ("met schooltoelage", "zonder schooltoelage")),
    "neighbourhood_low": (0.3, 0.8, -1.0, ("buurt met indicator", "buurt zonder indicator")),
    "support_phase": (0.2, 0.4, -6.0, ("fase 1 tot 3 (extra zorg)", "fase 0 (brede basiszorg)")),
    "gender": (0.5, 0.0, -1.0, ("jongens", "meisjes")),
}
COMPOSITION = 3.0  # points per SD of the school's SES, for every pupil


def simulate(schools: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Group sums per dimension x school x group (the frame of _groups_sql) and which schools
    have the extra gap."""
    rng = np.random.default_rng(seed)
    ses = rng.normal(0, 1, schools)
    n = np.clip(rng.poisson(np.exp(rng.uniform(np.log(12), np.log(50), schools))), 10, 60)
    school = np.repeat(np.arange(schools), n)
    extra = rng.random(schools) < 0.1
    score = 60 - COMPOSITION * ses[school] + rng.normal(0, 10, len(school))
    member = {}
    for dim, (share, slope, effect, _) in _INDICATORS.items():
        logit = np.log(share / (1 - share)) + slope * ses[school]
        m = rng.random(len(school)) < 1 / (1 + np.exp(-logit))
        member[dim] = m
        score += effect * m
    score += np.where(extra[school] & member["home_language"], EXTRA, 0.0)
    frames = []
    for dim, (*_, labels) in _INDICATORS.items():
        grp = np.where(member[dim], labels[0], labels[1])
        df = pd.DataFrame({"school_id": school, "grp": grp, "y": score})
        sums = df.groupby(["school_id", "grp"])["y"].agg(n="count", s="sum")
        sums["ss"] = df.assign(y2=df["y"] ** 2).groupby(["school_id", "grp"])["y2"].sum()
        frames.append(sums.reset_index().assign(dimension=dim))
    return pd.concat(frames, ignore_index=True), extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Subgroepen: toevallige oordelen en power.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    assert set(_INDICATORS) == set(DIMENSIONS)
    rules = load_rules()
    sums, extra = simulate(300 if args.quick else 1500, args.seed)
    within, overall = flanders_gaps(sums), flanders_gaps(sums.drop(columns="school_id"))
    old_any, new_any, found = [], [], []
    for sid, own in sums.groupby("school_id"):
        new = summarise_groups(own, within, rules)
        new = new[~new["hidden"].astype(bool)]
        old = summarise_groups(own, overall, rules)
        old = old[~old["hidden"].astype(bool)]
        old_flag = (old["diff_ci_low"] > old["flanders_diff_rest"]) | (
            old["diff_ci_high"] < old["flanders_diff_rest"]
        )
        flagged = new["gap_status"].isin(["higher", "lower"])
        if extra[sid]:
            lang = new[(new["dimension"] == "home_language") & (new["group"] == "niet Nederlands")]
            if len(lang):
                found.append(bool((lang["gap_status"] == "lower").iloc[0]))
            continue
        old_any.append(bool(old_flag.any()))
        new_any.append(bool(flagged.any()))
    print(f"null cells with any gap verdict, old (95 % each, gap over all pupils): "
          f"{np.mean(old_any) * 100:.1f} %")  # fmt: skip
    print(f"null cells with any gap verdict, new (within-school gap, together): "
          f"{np.mean(new_any) * 100:.1f} %")  # fmt: skip
    print(f"power, extra gap of {EXTRA:g} points for another home language: "
          f"{np.mean(found) * 100:.1f} % of {len(found)} schools")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
