"""Which grey? How the split of grey cells into as_expected and uncertain behaves, per margin.

    python -m bench.greys                       # margins 0.3-0.5, one world of 1,500 schools
    python -m bench.greys --quick               # 300 schools (a few seconds)
    python -m bench.greys --margin 0.4 --margin 0.45
    python -m bench.greys --hard                # the hard world of bench/calibration_hard.py

A grey cell's interval holds 0. It is `as_expected` when the whole interval also lies within
± as_expected_margin (Flanders pupil SDs), else `uncertain`. For each margin this prints, on
the calibration world of bench/calibration_world.py (class effect SD 1.5, known truth):

- the share of grey cells that are `uncertain`, overall and per cohort size (pupils that year);
- how often a cell whose school truly equals its peers (window effect 0) shows `as_expected`:
  the split is useful only when a school on par can be *shown* to be on par;
- how often a cell whose true effect lies beyond the margin shows `as_expected`: the claim
  "close to the peers" must almost never be false.

The statuses are the production code's (materialize.judge_cells); only the margin varies.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pandas as pd

from bench.calibration import EVAL_YEARS, KEYS, _text
from bench.calibration_world import World, simulate
from data_model.rules import load_rules
from data_model.statistics.materialize import judge_cells
from data_model.vocabulary import AS_EXPECTED, GREY_STATUSES, UNCERTAIN

COHORTS = ((10, 14), (15, 19), (20, 24), (25, 34), (35, 60))


def _cohort(n: pd.Series) -> pd.Series:
    labels = [f"{lo}-{hi}" for lo, hi in COHORTS]
    bins = [lo for lo, _ in COHORTS] + [COHORTS[-1][1] + 1]
    return pd.cut(n, bins=bins, right=False, labels=labels)


def split_figures(judged: pd.DataFrame) -> dict[str, float]:
    """Figures of one margin; `judged` holds status, n_pupils, flanders_sd and window_effect."""
    grey = judged[judged["status"].isin(GREY_STATUSES)]
    eff = judged["window_effect"].to_numpy() / judged["flanders_sd"].to_numpy()
    shown_close = (judged["status"] == AS_EXPECTED).to_numpy()
    on_par = np.abs(eff) < 1e-9
    out = {
        "uncertain_share": float((grey["status"] == UNCERTAIN).mean()),
        "on_par_as_expected": float(shown_close[on_par].mean()),
    }
    by_cohort = (grey["status"] == UNCERTAIN).groupby(_cohort(grey["n_pupils"]), observed=False)
    for label, share in by_cohort.mean().items():
        out[f"uncertain {label}"] = float(share)
    return out


def _false_close(judged: pd.DataFrame, margin: float) -> float:
    eff = judged["window_effect"].to_numpy() / judged["flanders_sd"].to_numpy()
    far = np.abs(eff) > margin
    return float((judged["status"].to_numpy() == AS_EXPECTED)[far].mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Twee soorten grijs: per marge gemeten.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--margin", type=float, action="append")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--hard", action="store_true", help="a world as hard as Flanders")
    args = parser.parse_args(argv)
    base = load_rules()
    margins = args.margin or [0.3, 0.35, 0.4, 0.45, 0.5]
    schools = 300 if args.quick else 1500
    world = World(class_sd=1.5, schools=schools, years=8, seed=args.seed, hard=args.hard)
    sim = simulate(world, base.status_years)
    last = sorted(sim.cells["school_year"].unique())[-EVAL_YEARS:]
    truth = _text(sim.truth.copy())
    rows = {}
    for margin in margins:
        rules = dataclasses.replace(base, as_expected_margin=margin)
        judged, _ = judge_cells(sim.cells, rules)
        judged = _text(judged)
        judged = judged[judged["school_year"].isin(last)].merge(truth, on=KEYS, how="left")
        figures = split_figures(judged)
        figures["far_shown_as_expected"] = _false_close(judged, margin)
        rows[f"margin {margin:g} SD"] = figures
    table = pd.DataFrame(rows).map(lambda v: f"{v * 100:.1f} %")
    print(table.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
