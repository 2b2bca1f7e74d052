"""Import benchmark at Flanders scale (not a test; run by hand on a quiet machine).

    python -m data_model.sample --out /tmp/flanders.duckdb --schools 2300 --years 10
    python bench/import_bench.py --db /tmp/flanders.duckdb --work /tmp/import-bench

Builds two files from the database itself and imports each with the CLI in a fresh process
(on a copy of the database), the way a beheerder would:
1. a results workbook with every result row of one new school year (all schools, both
   assessments, total + learning areas + domains: ~2,300 x 27 rows);
2. a pupil-level workbook of ~70,000 pupils x 13 domains for the year after.
Then each file once more (the "nothing changed" path). Reports wall time per stage (from the
CLI's progress lines), total time and peak memory (max RSS of the import process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
RESULT_HEADER = [
    "instellingsnummer", "schooljaar", "toets", "leergebied", "domein", "aantal_leerlingen",
    "gemiddelde_school", "gemiddelde_vergelijkbare_scholen", "gemiddelde_vlaanderen",
    "pct_doelen_behaald", "standaardafwijking_school",
]  # fmt: skip


def _none(v: object) -> object:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def add_dimension(path: Path, rows: int, cols: int) -> None:
    """Write the <dimension> element Excel always writes and openpyxl's write-only mode
    leaves out; without it openpyxl's reader parses the whole sheet once more just to size it.
    """
    tmp = path.with_suffix(".tmp.xlsx")
    ref = f'<dimension ref="A1:{get_column_letter(cols)}{rows}"/>'
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                at = min(i for i in (text.find("<sheetViews"), text.find("<sheetFormatPr"),
                                     text.find("<sheetData")) if i >= 0)  # fmt: skip
                data = (text[:at] + ref + text[at:]).encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)


def build_results(con: duckdb.DuckDBPyConnection, path: Path, year: str) -> int:
    latest = con.execute("SELECT max(school_year) FROM school_result").fetchall()[0][0]
    rows = con.execute(
        """
        SELECT school_id, assessment_id, learning_area, domain, n_pupils, score_mean,
               pct_goal_reached, score_sd
        FROM school_result WHERE school_year = ? AND NOT suppressed
        ORDER BY school_id, assessment_id, learning_area NULLS FIRST, domain NULLS FIRST
        """,
        [latest],
    ).fetchall()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Resultaten")
    ws.append([f"Resultaten {year} (benchmark)"])
    ws.append([])
    ws.append(RESULT_HEADER)
    for sid, aid, area, dom, n, score, goal, sd in rows:
        ws.append([sid, year, aid, area, dom, n, round(min(100.0, score + 0.7), 2), None, None,
                   _none(goal), _none(sd)])  # fmt: skip
    wb.save(path)
    add_dimension(path, len(rows) + 3, len(RESULT_HEADER))
    return len(rows)


def build_pupils(con: duckdb.DuckDBPyConnection, path: Path, year: int, target: int) -> int:
    src = con.execute("SELECT max(school_year) FROM pupils").fetchall()[0][0]
    domains = con.execute(
        "SELECT learning_area, domain FROM domains WHERE assessment_id = 'ovsg6' "
        "ORDER BY area_order, domain_order"
    ).fetchall()
    pupils = con.execute(
        "SELECT pupil_id, school_id, gender, home_language_dutch, mother_low_education, "
        "school_allowance, neighbourhood_low, support_phase FROM pupils WHERE school_year = ? "
        "ORDER BY pupil_id",
        [src],
    ).fetchall()
    long = con.execute(
        "SELECT r.pupil_id, r.learning_area || ' - ' || r.domain AS col, r.score "
        "FROM pupil_results r JOIN pupils p USING (pupil_id) WHERE p.school_year = ?",
        [src],
    ).df()
    scores = long.pivot(index="pupil_id", columns="col", values="score")
    names = [f"{a} - {d}" for a, d in domains]
    scores = scores[names]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Leerlingen")
    ws.append(["leerling_id", "instellingsnummer", "schooljaar", "toets", "geslacht",
               "thuistaal_nederlands", "moeder_laagopgeleid", "schooltoelage",
               "buurtindicator", "zorgfase", *names])  # fmt: skip
    yes = {True: "ja", False: "nee", None: None}
    count = 0
    copy = 0
    while count < target:  # last year's cohort, repeated with new ids up to the target size
        for pid, sid, gender, lang, mother, allow, neigh, phase in pupils:
            if count >= target:
                break
            new_id = f"{sid}-{year}-{copy}-{pid[-3:]}"
            values = [_none(float(v)) for v in scores.loc[pid].to_numpy()]
            ws.append([new_id, sid, f"{year}-{year + 1}", "ovsg6", gender, yes[lang],
                       yes[mother], yes[allow], yes[neigh], phase, *values])  # fmt: skip
            count += 1
        copy += 1
    wb.save(path)
    add_dimension(path, count + 1, 10 + len(names))
    return count


def run_import(file: Path, kind: str, db: Path) -> dict[str, object]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "data_model.imports", str(file), "--kind", kind, "--db", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stages: list[tuple[float, str]] = []
    assert proc.stderr is not None and proc.stdout is not None
    for line in proc.stderr:
        stages.append((time.perf_counter() - start, line.strip()))
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - start
    return {"total_s": total, "peak_mb": usage.ru_maxrss / 1024, "rc": proc.returncode,
            "stages": stages, "stdout": out.strip()}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="Flanders-scale sample database")
    parser.add_argument("--work", type=Path, default=Path("/tmp/import-bench"))
    parser.add_argument("--pupils", type=int, default=70_000)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(args.db), read_only=True)
    last = con.execute("SELECT max(school_year) FROM school_result").fetchall()[0][0]
    first_new = int(last[:4]) + 1
    results_file = args.work / "resultaten.xlsx"
    pupils_file = args.work / "leerlingen.xlsx"
    t = time.perf_counter()
    n_results = build_results(con, results_file, f"{first_new}-{first_new + 1}")
    n_pupils = build_pupils(con, pupils_file, first_new + 1, args.pupils)
    con.close()
    print(f"files built in {time.perf_counter() - t:.0f} s: {results_file.name} "
          f"{n_results} rows ({results_file.stat().st_size / 1e6:.1f} MB), {pupils_file.name} "
          f"{n_pupils} pupils ({pupils_file.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
    db = args.work / "flanders_copy.duckdb"
    shutil.copy(args.db, db)
    for label, file, kind in (
        ("results workbook", results_file, "results"),
        ("pupil workbook", pupils_file, "pupils"),
        ("results again (unchanged)", results_file, "results"),
        ("pupils again (unchanged)", pupils_file, "pupils"),
    ):
        r = run_import(file, kind, db)
        print(f"\n== {label}: rc={r['rc']} total {r['total_s']:.1f} s, peak RSS "
              f"{r['peak_mb']:.0f} MB")  # fmt: skip
        for at, line in r["stages"]:
            print(f"   {at:6.1f} s  {line}")
        print("   " + str(r["stdout"]).replace("\n", "\n   "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
