"""The calibration as hard as Flanders: figures per world, per cohort size and per kind of school.

    python -m bench.calibration_hard            # hard world + held-out hard world, 1,500 schools
    python -m bench.calibration_hard --quick    # 300 schools, a few seconds
    python -m bench.calibration_hard --markdown

Worlds (bench/calibration_world.py): the project's own world (class effect SD 1.5, cohorts of
14-48, one spread, fixed SES groups, every SD), the hard world (cohorts from 10, spreads 0.75x
and 1.5x, SES groups that change, a composition effect, rows without SD, missing years) and a
held-out hard world built the same way with another seed (the rules were never tuned on it).
The verdicts are the production code's (materialize.judge_cells). Figures over the last four
school years. A null school is one that does exactly what its intake predicts. Not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.calibration import EVAL_YEARS, KEYS, STRONG, _text
from bench.calibration_world import World, simulate
from data_model.rules import Rules, load_rules
from data_model.statistics.chance import ChanceCounts, expected_chance
from data_model.statistics.materialize import judge_cells
from data_model.vocabulary import COLOURED_STATUSES, STATUS_MUCH, STATUS_SIGN

COHORTS = ((10, 14), (15, 19), (20, 24), (25, 34), (35, 60))
TARGETS = {
    "chance_colours": "≤ 0.2",
    "chance_colours_wide": "≤ 0.2",
    "chance_colours_changer": "≤ 0.2",
    "much_true": "≥ 95 %",
    "right_sign": "≥ 85 %",
    "right_sign_10_14": "≥ 70 %",
    "wrong_sign": "≤ 0.5 %",
    "false_trend_total": "≤ 15 %",
    "false_trend_area": "≤ 15 %",
    "false_trend_domain": "≤ 15 %",
    "arrow_ratio_changer": "≤ 1.2",
    "expected_colours": "≈ measured",
    "expected_arrows": "≈ measured",
    "sd_less_changed": "≤ 2 %",
}
LABELS = {
    "chance_colours": "chance colours per school year, null school",
    "chance_colours_wide": "… null school with 1.5x spread",
    "chance_colours_changer": "… null school that changed SES group",
    "null_any": "null school years with any colour",
    "much_true": '"much" that truly reaches 0.2 SD',
    "right_sign": "right sign, true effect ≥ 0.5 SD",
    "right_sign_10_14": "… at 10-14 pupils",
    "wrong_sign": "wrong-sign share of colours",
    "false_trend_total": "false rising/falling: totals",
    "false_trend_area": "… learning areas",
    "false_trend_domain": "… domains",
    "trend_power": "trend power, 2 points/year, total",
    "null_arrows": "arrows per school year, null school",
    "arrow_ratio_changer": "… SES changers / others",
    "sd_less_changed": "cells whose status changes without SDs",
    "one_year_colours": "colours resting on one school year",
    "photo_any": "null schools with any colour or arrow over the 4 years",
    "expected_colours": "chance colours per school year, said (chance.py)",
    "expected_arrows": "chance arrows per school year, said (chance.py)",
}


def cohort(n: pd.Series | np.ndarray) -> pd.Categorical:
    labels = [f"{lo}-{hi}" for lo, hi in COHORTS]
    bins = [lo for lo, _ in COHORTS] + [COHORTS[-1][1] + 1]
    return pd.cut(np.asarray(n, dtype=float), bins=bins, right=False, labels=labels)


def _rate(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else np.nan


def _level(j: pd.DataFrame) -> np.ndarray:
    area = np.where(j["learning_area"] != "", "area", "total")
    return np.where(j["domain"] != "", "domain", area)


def _said(rows: pd.DataFrame, rules: Rules) -> ChanceCounts:
    return expected_chance(rows.assign(domain=rows["domain"].replace("", None)), rules)


def evaluate(j: pd.DataFrame, rules: Rules) -> dict[str, float]:
    """Figures of one judged world; `j` holds the verdicts merged with the truth."""
    eff = j["window_effect"].to_numpy() / j["flanders_sd"].to_numpy()
    sign = j["status"].astype(str).map(STATUS_SIGN).to_numpy(float)
    coloured = j["status"].isin(COLOURED_STATUSES).to_numpy()
    much = j["status"].isin(STATUS_MUCH).to_numpy()
    null = j["null_school"].to_numpy(bool)
    sy = (j["school_id"] + j["school_year"]).to_numpy()
    arrows = j["trend"].astype(str).map({"rising": 1, "falling": -1}).fillna(0).to_numpy()
    per = pd.DataFrame(
        {"sy": sy, "col": coloured, "arr": arrows != 0, "null": null,
         "wide": j["spread"].to_numpy() > 1.2, "changer": j["ses_changer"].to_numpy(bool)}
    ).groupby("sy").agg(col=("col", "sum"), arr=("arr", "sum"), null=("null", "first"),
                        wide=("wide", "first"), changer=("changer", "first"))  # fmt: skip
    pn = per[per["null"]]
    strong = np.abs(eff) >= STRONG
    small = (j["n_pupils"].to_numpy() < 15) & strong
    slope = j["true_slope"].to_numpy()
    level = _level(j)
    out = {
        "chance_colours": float(pn["col"].mean()),
        "chance_colours_wide": float(pn.loc[pn["wide"], "col"].mean()),
        "chance_colours_changer": float(pn.loc[pn["changer"], "col"].mean()),
        "null_any": float((pn["col"] > 0).mean()),
        "much_true": _rate((sign * eff)[much] >= 0.2 - 1e-12),
        "right_sign": _rate(np.sign(eff[strong]) == sign[strong]),
        "right_sign_10_14": _rate(np.sign(eff[small]) == sign[small]),
        "wrong_sign": _rate((sign * eff)[coloured] < 0),
        "null_arrows": float(pn["arr"].mean()),
        "one_year_colours": _rate(j["status_years"].to_numpy()[coloured] == 1),
    }
    school = j["school_id"].to_numpy()
    shown = pd.Series(coloured | (arrows != 0)).groupby(school).any()
    out["photo_any"] = float(shown[pd.Series(null).groupby(school).first()].mean())
    said = _said(j[null], rules)
    out["expected_colours"] = said.colours / per["null"].sum()
    out["expected_arrows"] = said.arrows / per["null"].sum()
    other = pn.loc[~pn["changer"], "arr"].mean()
    out["arrow_ratio_changer"] = float(pn.loc[pn["changer"], "arr"].mean() / other)
    for name in ("total", "area", "domain"):
        called = (arrows != 0) & (level == name)
        false = called & (np.sign(slope) != arrows)
        out[f"false_trend_{name}"] = float(false.sum() / called.sum()) if called.any() else np.nan
    two = (level == "total") & (np.abs(np.abs(slope) - 2.0) <= 0.25)
    out["trend_power"] = _rate(arrows[two] == np.sign(slope[two]))
    return out


def by_cohort(j: pd.DataFrame) -> pd.DataFrame:
    """Per cohort size: chance colours of null cells, right sign, trend power (total)."""
    eff = j["window_effect"].to_numpy() / j["flanders_sd"].to_numpy()
    sign = j["status"].astype(str).map(STATUS_SIGN).to_numpy(float)
    coloured = j["status"].isin(COLOURED_STATUSES).to_numpy()
    arrows = j["trend"].astype(str).map({"rising": 1, "falling": -1}).fillna(0).to_numpy()
    slope = j["true_slope"].to_numpy()
    frame = pd.DataFrame(
        {
            "cohort": cohort(j["n_pupils"]),
            "null_colour": np.where(j["null_school"], coloured, np.nan),
            "right_sign": np.where(np.abs(eff) >= STRONG, np.sign(eff) == sign, np.nan),
            "trend_power": np.where(
                (_level(j) == "total") & (np.abs(np.abs(slope) - 2.0) <= 0.25),
                arrows == np.sign(slope),
                np.nan,
            ),
            "null_arrow": np.where(j["null_school"], arrows != 0, np.nan),
        }
    )
    return frame.groupby("cohort", observed=False).mean()


def judge_world(world: World, rules: Rules) -> tuple[pd.DataFrame, float]:
    """Verdicts of the last EVAL_YEARS merged with the truth, and the share of cells whose
    status changes when the rows without SD get their SD back (hard worlds only)."""
    sim = simulate(world, rules.status_years)
    last = sorted(sim.cells["school_year"].unique())[-EVAL_YEARS:]
    truth = _text(sim.truth.copy())
    judged, _ = judge_cells(sim.cells, rules)
    changed = np.nan
    if sim.full_sd is not None:
        full, _ = judge_cells(sim.cells.assign(score_sd=sim.full_sd.to_numpy()), rules)
        in_last = judged["school_year"].isin(last).to_numpy()
        changed = float(
            (judged["status"].astype(str) != full["status"].astype(str)).to_numpy()[in_last].mean()
        )
    judged = _text(judged)
    judged = judged[judged["school_year"].isin(last)].merge(truth, on=KEYS, how="left")
    return judged, changed


def worlds(quick: bool, seed: int, own: bool = True) -> dict[str, World]:
    schools = 300 if quick else 1500
    out = {
        "own (class SD 1.5)": World(class_sd=1.5, schools=schools, seed=seed + 1),
        "hard": World(class_sd=1.5, schools=schools, seed=seed + 20, hard=True),
        "hard, held out": World(class_sd=1.5, schools=schools, seed=seed + 41, hard=True),
    }
    return out if own else {k: v for k, v in out.items() if v.hard}


def _fmt(key: str, value: float) -> str:
    if value != value:
        return "–"
    if key in ("chance_colours", "chance_colours_wide", "chance_colours_changer", "null_arrows",
               "arrow_ratio_changer", "expected_colours", "expected_arrows"):  # fmt: skip
        return f"{value:.2f}"
    return f"{value * 100:.1f} %"


def render(results: dict[str, dict[str, float]], markdown: bool) -> str:
    head = ["figure", "target", *results]
    rows = [head]
    for key, label in LABELS.items():
        rows.append([label, TARGETS.get(key, ""), *(_fmt(key, r[key]) for r in results.values())])
    return _table(rows, markdown)


def render_cohorts(cohorts: dict[str, pd.DataFrame], markdown: bool) -> str:
    head = ["world", "pupils", "chance colours (null cells)", "right sign ≥ 0.5 SD",
            "trend power (total)", "arrows (null cells)"]  # fmt: skip
    rows = [head]
    for name, frame in cohorts.items():
        for label, r in frame.iterrows():
            rows.append([name, str(label), f"{r['null_colour'] * 100:.1f} %",
                         f"{r['right_sign'] * 100:.1f} %", f"{r['trend_power'] * 100:.1f} %",
                         f"{r['null_arrow'] * 100:.1f} %"])  # fmt: skip
    return _table(rows, markdown)


def _table(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def run(quick: bool, seed: int, rules: Rules, own: bool = True) -> tuple[dict, dict]:
    """Figures per world and per cohort size (`own`: with the project's own world)."""
    results, cohorts = {}, {}
    for name, world in worlds(quick, seed, own).items():
        judged, changed = judge_world(world, rules)
        results[name] = evaluate(judged, rules) | {"sd_less_changed": changed}
        cohorts[name] = by_cohort(judged)
    return results, cohorts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kalibratie in harde werelden.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", type=Path, default=None, help="another rules.toml to try")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rules = load_rules(args.rules) if args.rules else load_rules()
    results, cohorts = run(args.quick, args.seed, rules)
    print(render(results, args.markdown))
    print()
    print(render_cohorts(cohorts, args.markdown))
    print(f"\n{time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
