"""How often are the colours and trends right? Old rules against the new ones.

    python -m bench.calibration            # three worlds (class effect SD 0, 1.5, 3), ~1 min
    python -m bench.calibration --quick    # one small world and two small hard ones (CI)
    python -m bench.calibration --markdown # the README table

A simulation with a known truth (bench/calibration_world.py): half the schools are exactly
null, the others differ in level, profile and trend. The new rules are the production code
(materialize.judge_cells, the same function every import runs); the old rules live only in
bench/calibration_old.py. Figures are over the last four school years of each world, so every
status window (3 years) and trend window (5 years) is full. Not a test: nothing is asserted.

What "true" means: a colour states something about the school, not about this year's class,
so the truth is the school's effect without the class effect. The old rule judged one year,
so its truth is the effect in that year; the new colour pools the latest three years ("de
laatste drie schooljaren samen"), so its truth is the mean effect over those years. The
stated size of "much" is the one each rule states: 0.5 SD (old), large_effect_size (new).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.calibration_old import judge_old
from bench.calibration_world import World, simulate
from data_model.rules import Rules, load_rules
from data_model.statistics.funnel import year_se
from data_model.statistics.materialize import judge_cells
from data_model.statistics.status import z_value
from data_model.vocabulary import COLOURED_STATUSES, STATUS_MUCH, STATUS_SIGN

KEYS = ["school_id", "school_year", "learning_area", "domain"]
EVAL_YEARS = 4
STRONG = 0.5  # "true effects of at least 0.5 SD"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    target: str
    fmt: str  # "rate" (share, in %) or "count"


METRICS = (
    Metric("chance_colours", "chance colours per school year of a null school", "≤ 0.2", "count"),
    Metric("null_any", "null school years with any colour", "≤ 8 %", "rate"),
    Metric("much_true", "\"much\" cells that truly reach the stated size", "≥ 95 %", "rate"),
    Metric("right_sign", "right-sign colour for true effects ≥ 0.5 SD", "≥ 85 %", "rate"),
    Metric("wrong_sign", "wrong-sign share of coloured cells", "≤ 0.5 %", "rate"),
    Metric("false_trend", "rising/falling calls that are false", "≤ 15 %", "rate"),
    Metric("null_trend_rate", "rising/falling on series without a trend", "", "rate"),
    Metric("trend_power", "trend power, 2 points/year on the total, 5 years", "≥ 60 %", "rate"),
    Metric("funnel_null", "funnel: null cells outside the 99.8 % limits", "≈ 0.2 %", "rate"),
    Metric("coloured", "coloured cells per school year, all schools", "", "count"),
)  # fmt: skip


def _text(df: pd.DataFrame) -> pd.DataFrame:
    for key in ("learning_area", "domain"):
        df[key] = df[key].astype(object).where(df[key].notna(), "")
    return df


def measure(
    judged: pd.DataFrame, truth: pd.DataFrame, stated: float, funnel_outside: pd.Series
) -> dict[str, float]:
    """The figures of METRICS for one rule set; `truth` is aligned with `judged`."""
    sd = judged["flanders_sd"].to_numpy()
    eff = truth["truth"].to_numpy() / sd
    sign = judged["status"].map(STATUS_SIGN).to_numpy()
    coloured = judged["status"].isin(COLOURED_STATUSES).to_numpy()
    much = judged["status"].isin(STATUS_MUCH).to_numpy()
    null = truth["null_school"].to_numpy()
    school_year = judged["school_id"] + judged["school_year"]
    per_year = pd.Series(coloured).groupby(school_year.to_numpy()).sum()
    null_years = pd.Series(null).groupby(school_year.to_numpy()).first()
    strong = np.abs(eff) >= STRONG
    trend_sign = judged["trend"].map({"rising": 1, "falling": -1}).fillna(0).to_numpy()
    true_slope = truth["true_slope"].to_numpy()
    called = trend_sign != 0
    false_call = called & (np.sign(true_slope) != trend_sign)
    flat = np.abs(true_slope) < 1e-9
    total = (judged["learning_area"] == "").to_numpy()
    two = total & (np.abs(np.abs(true_slope) - 2.0) <= 0.25)
    return {
        "chance_colours": float(per_year[null_years].mean()),
        "null_any": float((per_year[null_years] > 0).mean()),
        "much_true": float(np.mean((sign * eff)[much] >= stated)) if much.any() else np.nan,
        "right_sign": float(np.mean(np.sign(eff[strong]) == sign[strong])),
        "wrong_sign": float(np.mean((sign * eff)[coloured] < 0)) if coloured.any() else np.nan,
        "false_trend": float(false_call.sum() / called.sum()) if called.any() else np.nan,
        "null_trend_rate": float(np.mean(called[flat])),
        "trend_power": float(np.mean(trend_sign[two] == np.sign(true_slope[two]))),
        "funnel_null": float(np.mean(funnel_outside.to_numpy()[null])),
        "coloured": float(per_year.mean()),
    }


def run_world(world: World, rules: Rules) -> dict[str, dict[str, float]]:
    sim = simulate(world, rules.status_years)
    last = sorted(sim.cells["school_year"].unique())[-EVAL_YEARS:]
    truth = _text(sim.truth.copy())

    new, _ = judge_cells(sim.cells, rules)
    new = _text(new)
    new = new[new["school_year"].isin(last)].merge(truth, on=KEYS, how="left")
    z_out = z_value(rules.funnel_outer_level)
    new_funnel = (new["year_diff"].abs() / year_se(new)) > z_out
    new_truth = new.assign(truth=new["window_effect"])

    old = _text(judge_old(sim.cells))
    old = old[old["school_year"].isin(last)].merge(truth, on=KEYS, how="left")
    old_funnel = old["funnel_z"].abs() > z_out
    old_truth = old.assign(truth=old["true_effect"])
    return {
        "old": measure(old, old_truth, 0.5, old_funnel),
        "new": measure(new, new_truth, rules.large_effect_size, new_funnel),
    }


def _fmt(value: float, kind: str) -> str:
    if value != value:  # NaN
        return "–"
    if kind == "rate":
        return f"{value * 100:.1f} %"
    return f"{value:.2f}"


def table(results: dict[float, dict[str, dict[str, float]]], markdown: bool) -> str:
    worlds = list(results)
    head = ["what a director sees", "target"]
    for w in worlds:
        head += [f"old, class SD {w:g}", f"new, class SD {w:g}"]
    rows = [head]
    for m in METRICS:
        row = [m.label, m.target]
        for w in worlds:
            row += [_fmt(results[w]["old"][m.key], m.fmt), _fmt(results[w]["new"][m.key], m.fmt)]
        rows.append(row)
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(wd) for c, wd in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kalibratie van kleuren en trends.")
    parser.add_argument("--quick", action="store_true", help="one small world (CI)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--schools", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--class-sd", type=float, action="append", help="only these worlds (repeatable)"
    )
    parser.add_argument("--rules", type=Path, default=None, help="another rules.toml to try")
    args = parser.parse_args(argv)
    rules = load_rules(args.rules) if args.rules else load_rules()
    start = time.perf_counter()
    if args.quick:
        worlds = [World(class_sd=1.5, schools=args.schools or 200, years=8, seed=args.seed)]
    else:
        worlds = [
            World(class_sd=sd, schools=args.schools or 1500, years=8, seed=args.seed + i)
            for i, sd in enumerate((0.0, 1.5, 3.0))
            if not args.class_sd or sd in args.class_sd
        ]
    results = {w.class_sd: run_world(w, rules) for w in worlds}
    print(table(results, args.markdown))
    if args.quick:
        # The worlds as hard as Flanders, small: figures per world and per cohort size.
        # Imported here: bench/calibration_hard.py builds on this module.
        from bench import calibration_hard

        hard, cohorts = calibration_hard.run(True, args.seed, rules, own=False)
        print()
        print(calibration_hard.render(hard, args.markdown))
        print()
        print(calibration_hard.render_cohorts(cohorts, args.markdown))
    schools = worlds[0].schools
    print(
        f"\n{len(worlds)} world(s) of {schools} schools x {worlds[0].years} years x 18 cells, "
        f"last {EVAL_YEARS} years evaluated{' (and two small hard worlds)' if args.quick else ''}; "
        f"{time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
