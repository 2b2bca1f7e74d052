"""Schoolfoto benchmark: speed at Flanders scale. Not a test: nothing is asserted.

    python -m bench                 # full run: Flanders scale (2,300 schools x 10 years)
    python -m bench --quick         # small database, one repetition, no browser (CI)

What it measures, each with several repetitions (min / median / max):
1. every page's data functions, cold (a fresh database handle) and warm (the same handle
   again, without Streamlit's result cache), for a directeur, an anker (10 schools) and a
   regioteam (a region of ~770 schools). The calls are recorded from a real AppTest run of
   each page, so the list follows the pages as they change;
2. every page's full script run with AppTest, with an empty result cache (cold) and again;
3. in headless Chromium: navigation to a visible school-photo grid, and a regioteam's click
   on Vergelijken to visible charts for its whole region;
4. peak memory (VmHWM) of the app process serving those browser runs;
5. a naive baseline: the same school photo computed as a pandas script would (load the pupil
   table, filter and group in pandas), reported as a ratio to ours.
It writes JSON and a Markdown table to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from bench.appmeasure import measure_pages
from bench.baseline import naive_school_photo
from bench.browser import measure_browser
from data_model.reading.access import Viewer, viewer_for_user_id
from data_model.sample import SampleSpec, generate
from data_model.storage.db import CURRENT, Cursor, Database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGETS = {
    "schoolfoto_data_warm_ms": 100,
    "schoolfoto_data_cold_ms": 1000,
    "apptest_page_s": 1.5,
    "browser_grid_s": 3.0,
    "browser_region_s": 2.0,
    "app_rss_gb": 1.5,
    "baseline_ratio": 10,
}


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    """min/median/max wall time of `fn` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return summary(times)


def summary(times: list[float]) -> dict[str, float]:
    return {
        "min": round(min(times), 1),
        "median": round(statistics.median(times), 1),
        "max": round(max(times), 1),
        "n": len(times),
    }


def ensure_database(path: Path, spec: SampleSpec) -> tuple[Path, float | None]:
    if path.exists():
        return path, None
    start = time.perf_counter()
    generate(path, spec)
    return path, round(time.perf_counter() - start, 1)


def _largest_region_team(con: Cursor) -> tuple | None:
    """The regioteam user of the region with the most schools (users live in the state store)."""
    sizes = dict(
        con.execute("SELECT region_id, count(*) FROM schools GROUP BY region_id").fetchall()
    )
    teams = con.state.execute(
        "SELECT user_id, region_id FROM users WHERE role = 'regioteam' AND active"
    ).fetchall()
    if not teams:
        return None
    return (min(teams, key=lambda r: (-sizes.get(r[1], 0), r[0]))[0],)


def bench_viewers(con: Cursor) -> dict[str, Viewer]:
    """A directeur, the first anker (10 schools) and the regioteam of the largest region."""
    ids = {
        "directeur": con.execute(
            "SELECT value FROM meta WHERE key = 'demo_default_user'"
        ).fetchone(),
        "anker": con.state.execute(
            "SELECT min(user_id) FROM users WHERE role = 'anker'"
        ).fetchone(),
        "regioteam": _largest_region_team(con),
    }
    out = {}
    for role, row in ids.items():
        viewer = viewer_for_user_id(con, row[0]) if row and row[0] else None
        if viewer is None:
            raise SystemExit(f"no {role} in the benchmark database")
        out[role] = viewer
    return out


def measure_data_calls(
    db_path: Path, calls: dict[str, list[tuple]], viewers: dict[str, Viewer], repeat: int
) -> dict[str, Any]:
    """Replay each page's recorded data calls: cold (fresh handle) and warm (same handle)."""
    import importlib

    out: dict[str, Any] = {}
    for key, recorded in calls.items():
        role = key.split(" | ")[0]
        viewer = viewers[role]
        fns = [
            (getattr(importlib.import_module(module), name), args)
            for module, name, args in recorded
        ]

        def run_all(
            con: duckdb.DuckDBPyConnection, fns: list = fns, viewer: Viewer = viewer
        ) -> None:
            for fn, args in fns:
                fn(con, viewer, *args)

        cold = []
        for _ in range(repeat):
            start = time.perf_counter()
            db = Database(db_path)
            run_all(db.cursor())
            cold.append((time.perf_counter() - start) * 1000)
            db.close()
        db = Database(db_path)
        con = db.cursor()
        run_all(con)
        warm = timed(lambda con=con, run_all=run_all: run_all(con), repeat)
        db.close()
        out[key] = {"calls": len(fns), "cold_ms": summary(cold), "warm_ms": warm}
    return out


def _cold_warm_row(what: str, role: str, v: dict[str, Any]) -> str:
    """One table row: cold and warm median with their range, as both sections report them."""
    c, w = v["cold_ms"], v["warm_ms"]
    return (
        f"| {what} | {role} | {c['median']} ms ({c['min']}–{c['max']}) | "
        f"{w['median']} ms ({w['min']}–{w['max']}) |"
    )


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Benchmark {report['mode']} on {report['machine']}, {report['when']}: "
        f"{report['database']['schools']} schools, {report['database']['years']} school years, "
        f"{report['database']['pupil_rows']:,} pupil-domain rows "
        f"({report['database']['size_mb']} MB).".replace(",", "\u202f"),
        "",
        "| what | role | cold median (min–max) | warm median (min–max) |",
        "|---|---|---|---|",
    ]
    for key, v in report["data"].items():
        role, page = key.split(" | ")
        lines.append(_cold_warm_row(f"data of {page} ({v['calls']} calls)", role, v))
    for key, v in report["apptest"].items():
        role, page = key.split(" | ")
        lines.append(_cold_warm_row(f"AppTest run of {page}", role, v))
    b = report.get("browser") or {}
    for name, v in b.get("timings", {}).items():
        lines.append(f"| browser: {name} | | {v['median']} ms ({v['min']}–{v['max']}) | |")
    if b.get("rss"):
        lines.append(
            f"| app process memory | | peak {b['rss']['peak_mb']} MB, after runs "
            f"{b['rss']['current_mb']} MB | |"
        )
    base = report["baseline"]
    lines.append(
        f"| naive pandas school photo | directeur | {base['naive_ms']['median']} ms | ours "
        f"{base['ours_cold_ms']['median']} ms cold, {base['ours_warm_ms']['median']} ms warm: "
        f"{base['ratio_cold']}× / {base['ratio_warm']}× faster |"
    )
    lines += ["", "Targets:", ""]
    for name, verdict in report["targets"].items():
        lines.append(f"- {name}: {verdict}")
    return "\n".join(lines) + "\n"


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    def ok(value: float, limit: float, smaller: bool = True) -> str:
        good = value < limit if smaller else value >= limit
        return f"{value} ({'met' if good else 'MISSED'}, target {'<' if smaller else '≥'} {limit})"

    photo = [v for k, v in report["data"].items() if k.endswith("Schoolfoto")]
    out = {}
    if photo:
        out["school-photo data warm, worst role (ms)"] = ok(
            max(v["warm_ms"]["median"] for v in photo), TARGETS["schoolfoto_data_warm_ms"]
        )
        out["school-photo data cold, worst role (ms)"] = ok(
            max(v["cold_ms"]["median"] for v in photo), TARGETS["schoolfoto_data_cold_ms"]
        )
    if report["apptest"]:
        worst = max(report["apptest"].items(), key=lambda kv: kv[1]["cold_ms"]["median"])
        out[f"slowest AppTest page run, cold (s): {worst[0]}"] = ok(
            round(worst[1]["cold_ms"]["median"] / 1000, 2), TARGETS["apptest_page_s"]
        )
    timings = (report.get("browser") or {}).get("timings", {})
    if "directeur: fresh load to visible grid" in timings:
        out["browser time to grid (s)"] = ok(
            round(timings["directeur: fresh load to visible grid"]["median"] / 1000, 2),
            TARGETS["browser_grid_s"],
        )
    if "regioteam: Vergelijken click to visible charts" in timings:
        out["browser regional comparison (s)"] = ok(
            round(timings["regioteam: Vergelijken click to visible charts"]["median"] / 1000, 2),
            TARGETS["browser_region_s"],
        )
    rss = (report.get("browser") or {}).get("rss")
    if rss:
        out["app peak RSS (GB)"] = ok(round(rss["peak_mb"] / 1024, 2), TARGETS["app_rss_gb"])
    out["faster than naive baseline, cold (×)"] = ok(
        report["baseline"]["ratio_cold"], TARGETS["baseline_ratio"], smaller=False
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Schoolfoto benchmark")
    parser.add_argument("--quick", action="store_true", help="small database, no browser")
    parser.add_argument("--db", type=Path, help="benchmark database (generated if missing)")
    parser.add_argument("--repeat", type=int, help="repetitions (default 5, quick 1)")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    quick = args.quick
    repeat = args.repeat or (1 if quick else 5)
    spec = SampleSpec(schools=60, years=4) if quick else SampleSpec(schools=2300, years=10)
    # A data folder (snapshots + state store), as the app uses it.
    default_db = Path("/tmp/schoolfoto-bench") / ("quick" if quick else "flanders")
    db_path, built_s = ensure_database(args.db or default_db, spec)
    with_browser = (not quick) if args.browser is None else args.browser

    bench_db = Database(db_path)
    con = bench_db.cursor()
    viewers = bench_viewers(con)
    facts = con.execute(
        """
        SELECT (SELECT count(*) FROM schools), (SELECT count(DISTINCT school_year) FROM pupils),
               (SELECT count(*) FROM pupil_results)
        """
    ).fetchone()
    snapshot_bytes = (db_path / CURRENT).resolve().stat().st_size
    bench_db.close()
    print(f"database {db_path}: {facts[0]} schools, {facts[1]} years, {facts[2]:,} rows",
          file=sys.stderr)  # fmt: skip

    roles = ("directeur", "anker", "regioteam")
    apptest, calls = measure_pages(db_path, viewers, roles, repeat)
    data = measure_data_calls(db_path, calls, viewers, repeat)
    baseline = naive_school_photo(db_path, viewers["directeur"], repeat=min(repeat, 3))
    browser = measure_browser(db_path, repeat) if with_browser else None

    report = {
        "mode": "quick" if quick else "full",
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "database": {
            "path": str(db_path),
            "schools": facts[0],
            "years": facts[1],
            "pupil_rows": facts[2],
            "size_mb": round(snapshot_bytes / 1e6),
            "generated_in_s": built_s,
        },
        "repeat": repeat,
        "data": data,
        "apptest": apptest,
        "browser": browser,
        "baseline": baseline,
    }
    report["targets"] = verdicts(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "quick" if quick else "flanders"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0
