"""Import benchmark at Flanders scale (not a test; run by hand on a quiet machine).

    python -m data_model.sample --out /tmp/flanders --schools 2300 --years 10
    python bench/import_bench.py --data /tmp/flanders --work /tmp/import-bench

Builds two files from the database itself and imports each with the CLI in a fresh process
(on a copy of the database), the way a beheerder would:
1. a results workbook with every result row of one new school year (all schools, both
   assessments, total + learning areas + domains: ~2,300 x 27 rows);
2. a pupil-level workbook of ~70,000 pupils x 13 domains for the year after;
3. a grade-6 Vlaamse toetsen pupil file (vt6) of ~70,000 pupils with their class group and a
   score and a "doel behaald" column per learning area and domain, for the year after that
   (the Excel overview per pupil a school gets, one file for all of Flanders).
Then each file once more (the "nothing changed" path). Reports wall time per stage (from the
CLI's progress lines), wall and CPU time of the whole import (the CLI and its worker) next to
a python-calamine read of the same workbook (both ratios), and the peak RSS of the CLI and of
its worker, each its own (VmHWM polled from /proc).

Then a set of hostile files (zip bomb, millions of shared strings, one huge string, a cell in
column XFD, an unbalanced quote, a 6 MB name, ...): each is imported the way the Gegevens page
does it (a thread in this process, the file checked in the limited worker) while this process
keeps answering small queries on the database, as the app does for other users. Reports per
file: refused?, seconds, the worker's peak RSS and the slowest concurrent query.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
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


def _grade_six(
    con: duckdb.DuckDBPyConnection, assessment: str, columns: str
) -> tuple[str, list[tuple], list[tuple]]:
    """(latest school year, the assessment's (area, domain) in order, `columns` of that
    year's grade-6 pupils); `columns` is a constant of this script."""
    src = con.execute("SELECT max(school_year) FROM pupils").fetchall()[0][0]
    domains = con.execute(
        "SELECT learning_area, domain FROM domains WHERE assessment_id = ? "
        "ORDER BY area_order, domain_order",
        [assessment],
    ).fetchall()
    pupils = con.execute(
        "SELECT " + columns + " FROM pupils WHERE school_year = ? "
        "AND grade = 6 ORDER BY pupil_id",  # the sample also holds grade-4 pupils (vt4)
        [src],
    ).fetchall()
    return src, domains, pupils


def build_pupils(con: duckdb.DuckDBPyConnection, path: Path, year: int, target: int) -> int:
    src, domains, pupils = _grade_six(
        con, "ovsg6", "pupil_id, school_id, gender, home_language_dutch, mother_low_education, "
        "school_allowance, neighbourhood_low, support_phase",
    )  # fmt: skip
    long = con.execute(
        "SELECT r.pupil_id, r.learning_area || ' - ' || r.domain AS col, r.score "
        "FROM pupil_results r JOIN pupils p USING (pupil_id) WHERE p.school_year = ? "
        "AND r.assessment_id = 'ovsg6'",
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
            new_id = f"{sid}-{year}-{copy}-{count}"  # unique: stored ids are keyed hashes
            values = [_none(float(v)) for v in scores.loc[pid].to_numpy()]
            ws.append([new_id, sid, f"{year}-{year + 1}", "ovsg6", gender, yes[lang],
                       yes[mother], yes[allow], yes[neigh], phase, *values])  # fmt: skip
            count += 1
        copy += 1
    wb.save(path)
    add_dimension(path, count + 1, 10 + len(names))
    return count


def build_vt6(con: duckdb.DuckDBPyConnection, path: Path, year: int, target: int) -> int:
    """The vt6 pupil file: last year's grade-6 pupils (with their class group), repeated with
    new ids up to `target`, with deterministic scores (the sample need not hold vt6 rows)."""
    _, domains, pupils = _grade_six(
        con, "vt6", "school_id, coalesce(class_group, '6A'), gender, support_phase"
    )
    names = [f"{a} - {d}" for a, d in domains]
    rng = np.random.default_rng(6)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Leerlingen")
    goals = [h for n in names for h in (n, f"{n} doel behaald")]
    ws.append(["leerling_id", "instellingsnummer", "schooljaar", "toets", "leerjaar", "lesgroep",
               "geslacht", "zorgfase", *goals])  # fmt: skip
    count = 0
    while count < target:
        scores = np.round(rng.normal(62, 14, (len(pupils), len(names))).clip(0, 100), 1)
        for (sid, group, gender, phase), marks in zip(pupils, scores, strict=True):
            if count >= target:
                break
            cells: list[object] = []
            for m in marks.tolist():
                cells += [m, "ja" if m >= 50 else "nee"]
            ws.append([f"{sid}-vt6-{count}", sid, f"{year}-{year + 1}", "vt6", 6, group, gender,
                       phase, *cells])  # fmt: skip
            count += 1
    wb.save(path)
    add_dimension(path, count + 1, 8 + 2 * len(names))
    return count


def _hwm_mb(pid: int) -> float:
    """A process's own peak RSS (VmHWM). Not ru_maxrss from wait4/RUSAGE_CHILDREN: Linux
    carries ru_maxrss over a fork and an exec, so a child forked from this 600 MB process
    would report 600 MB even for /bin/true."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except (OSError, ValueError):
        return []


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (/proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class _PeakWatcher(threading.Thread):
    """Polls the peak RSS and the CPU time of a process and of every process it starts (the
    worker); a worker's CPU is its last reading, at most one poll before it ended."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peaks, self.cpu, self.done = pid, {}, {}, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            todo = [self.pid]
            while todo:
                pid = todo.pop()
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), _hwm_mb(pid))
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_s(pid))
                todo += _children(pid)
            time.sleep(0.02)


def run_import(file: Path, kind: str, db: Path) -> dict[str, object]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "data_model.imports", str(file), "--kind", kind, "--data", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watcher = _PeakWatcher(proc.pid)
    watcher.start()
    stages: list[tuple[float, str]] = []
    assert proc.stderr is not None and proc.stdout is not None
    # stdout is read beside stderr: a refusal prints every problem there, more than a pipe
    # holds, and the CLI would wait for it forever.
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.append(proc.stdout.read()), daemon=True)
    reader.start()
    for line in proc.stderr:
        stages.append((time.perf_counter() - start, line.strip()))
    reader.join()
    out = printed[0] if printed else ""
    _, status, usage = os.wait4(proc.pid, 0)  # CPU time is not inherited: this one is right
    watcher.done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - start
    peaks = sorted(watcher.peaks.items())
    workers = [pid for pid, _ in peaks[1:]]
    return {"total_s": total, "cpu_s": usage.ru_utime + usage.ru_stime,
            "check_cpu_s": sum(watcher.cpu.get(pid, 0.0) for pid in workers),
            "cli_mb": peaks[0][1] if peaks else 0.0,
            "worker_mb": max((mb for pid, mb in peaks[1:]), default=0.0),
            "rc": proc.returncode, "stages": stages, "stdout": out.strip()}  # fmt: skip


def calamine_read(file: Path) -> dict[str, float]:
    """CPU and wall time of a fresh process that only reads the workbook with python-calamine
    into Python lists (the floor an import is compared with)."""
    code = (
        "import sys, python_calamine as c\n"
        "wb = c.CalamineWorkbook.from_path(sys.argv[1])\n"
        "rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)\n"
    )
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(file)], cwd=ROOT)
    _, _, usage = os.wait4(proc.pid, 0)
    return {"wall_s": time.perf_counter() - start, "cpu_s": usage.ru_utime + usage.ru_stime}


def _workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Resultaten"
    for row in [RESULT_HEADER, *rows]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _add_entry(data: bytes, name: str, chunks: Callable[[], object]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            if item.filename != name:
                dst.writestr(item.filename, src.read(item.filename))
        with dst.open(name, "w") as fh:
            for chunk in chunks():  # type: ignore[attr-defined]
                fh.write(chunk)
    return out.getvalue()


def hostile_files(rows: list[list[object]]) -> dict[str, tuple[str, bytes]]:
    """(file name, bytes) per hostile case; each a few hundred KB at most. `rows`: three
    different valid result rows, so a case is refused for what it tests (not duplicates)."""
    sample_row = rows[0]
    ok = _workbook(rows)
    sst_head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    sheet = zipfile.ZipFile(io.BytesIO(ok)).read("xl/worksheets/sheet1.xml")
    wide = sheet.replace(b"</row></sheetData>",
                         b'<c r="XFD15000"><v>1</v></c></row></sheetData>')  # fmt: skip
    dimension = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD15000"/>', sheet)
    line = ";".join("" if v is None else str(v) for v in sample_row)
    csv_lines = [";".join(RESULT_HEADER)] + [line] * 2000
    quote = list(csv_lines)
    quote[500] = quote[500].replace(";", ';"', 1)
    return {
        "zip bomb (1 GB of zeros)": ("bom.xlsx", _add_entry(
            ok, "xl/media/pad.bin", lambda: (b"\0" * (1 << 20) for _ in range(1024)))),
        "8 million shared strings": ("sst.xlsx", _add_entry(
            ok, "xl/sharedStrings.xml",
            lambda: [sst_head, *(b"<si/>" * 1_000_000 for _ in range(8)), b"</sst>"])),
        "one 300 MB shared string": ("lang.xlsx", _add_entry(
            ok, "xl/sharedStrings.xml",
            lambda: [sst_head, b"<si><t>", *(b"A" * (1 << 20) for _ in range(300)),
                     b"</t></si></sst>"])),
        "a cell at XFD15000": ("breed.xlsx", _add_entry(
            ok, "xl/worksheets/sheet1.xml", lambda: [wide])),
        "declared dimension A1:XFD15000": ("dimensie.xlsx", _add_entry(
            ok, "xl/worksheets/sheet1.xml", lambda: [dimension])),
        "csv: unbalanced quote": ("quote.csv", "\n".join(quote).encode()),
        "csv: CR-only, 200,000-char field": ("veld.csv", (
            "\r".join(csv_lines[:3]) + "\r" + "x" * 200_000 + ";1\r").encode()),
        "csv: 6 MB school name": ("naam.csv", (
            "\n".join(csv_lines[:2]) + "\n" + "N" * 6_400_000 + line[6:] + "\n").encode()),
    }  # fmt: skip


def run_hostile(db_path: Path) -> None:
    from data_model.imports import worker
    from data_model.imports.importer import import_file
    from data_model.imports.worker import check_in_worker
    from data_model.reading.access import system_viewer
    from data_model.storage.db import Database

    db = Database(db_path)
    viewer = system_viewer(db.cursor())
    rows = [
        list(r)
        for r in db.cursor()
        .execute(
            "SELECT DISTINCT ON (school_id) school_id, '2030-2031', assessment_id, NULL, NULL, "
            "n_pupils, score_mean, NULL, NULL, NULL, NULL FROM school_results_aggregate "
            "WHERE n_pupils >= 5 AND learning_area IS NULL AND domain IS NULL "
            "ORDER BY school_id LIMIT 3"
        )
        .fetchall()
    ]
    school = rows[0][0]
    print("\n== hostile files (checked in the worker, the app process keeps serving)")
    for label, (name, data) in hostile_files(rows).items():
        result: dict[str, object] = {}

        def work(name: str = name, data: bytes = data, result: dict = result) -> None:
            result["report"] = import_file(db, viewer, name, data, "results",
                                           checker=check_in_worker)  # fmt: skip

        start = time.perf_counter()
        thread = threading.Thread(target=work)
        thread.start()
        slowest = 0.0
        cur = db.cursor()
        while thread.is_alive():  # another user's page: small scoped queries
            t = time.perf_counter()
            cur.execute(
                "SELECT count(*), avg(score_mean) FROM school_result WHERE school_id = ?",
                [school],
            ).fetchall()
            slowest = max(slowest, time.perf_counter() - t)
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        report = result["report"]
        peak = worker.last_peak_rss_mb  # the worker's own VmHWM at its end
        message = report.problems[0].message if report.problems else "(ingelezen)"  # type: ignore[attr-defined]
        print(f"   {label:34s} {len(data) / 1e3:7.0f} KB  refused={not report.ok!s:5s} "  # type: ignore[attr-defined]
              f"{elapsed:5.1f} s  worker peak {peak:5.0f} MB  slowest query "
              f"{slowest * 1000:4.0f} ms  {message[:90]}")  # fmt: skip
    db.close()


def _copy(folder: Path, target: Path) -> Path:
    """A private copy of a data folder (symlinks kept: current.duckdb stays a pointer)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target, symlinks=True)
    return target


STAGES = {  # name -> (label, file, kind)
    "results": ("results workbook", "resultaten.xlsx", "results"),
    "pupils": ("pupil workbook", "leerlingen.xlsx", "pupils"),
    "vt6": ("grade-6 Vlaamse toetsen pupil file", "vt6.xlsx", "pupils"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", "--db", dest="data", type=Path, required=True,
        help="Flanders-scale sample data folder",
    )  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path("/tmp/import-bench"))
    parser.add_argument("--pupils", type=int, default=70_000)
    parser.add_argument("--only", default=",".join(STAGES),
                        help="files to import, comma-separated: " + ", ".join(STAGES))  # fmt: skip
    parser.add_argument("--reuse", action="store_true",
                        help="reuse files built by an earlier run in --work")  # fmt: skip
    parser.add_argument("--no-hostile", action="store_true")
    parser.add_argument("--hostile-only", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.hostile_only:
        db = _copy(args.data, args.work / "flanders_copy")
        sys.path.insert(0, str(ROOT))
        run_hostile(db)
        return 0
    sys.path.insert(0, str(ROOT))
    from data_model.storage.db import Database

    stages = [s for s in args.only.split(",") if s]
    files = {name: args.work / STAGES[name][1] for name in stages}
    source = Database(args.data)
    con = source.cursor()
    last = con.execute("SELECT max(school_year) FROM school_result").fetchall()[0][0]
    first_new = int(last[:4]) + 1
    builders = {  # each file its own new school year: no file replaces another's rows
        "results": lambda f: build_results(con, f, f"{first_new}-{first_new + 1}"),
        "pupils": lambda f: build_pupils(con, f, first_new + 1, args.pupils),
        "vt6": lambda f: build_vt6(con, f, first_new + 2, args.pupils),
    }
    for name, file in files.items():
        if args.reuse and file.exists():
            continue
        t = time.perf_counter()
        n = builders[name](file)
        print(f"{file.name} built in {time.perf_counter() - t:.0f} s: {n} rows "
              f"({file.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
    source.close()
    db = _copy(args.data, args.work / "flanders_copy")
    floors = {name: calamine_read(file) for name, file in files.items()}
    runs = [(name, STAGES[name][0]) for name in stages]
    runs += [(name, f"{STAGES[name][0]} again (unchanged)") for name in stages]
    for name, label in runs:
        file, kind = files[name], STAGES[name][2]
        r = run_import(file, kind, db)
        floor = floors[name]
        print(f"\n== {label}: rc={r['rc']} wall {r['total_s']:.1f} s, CPU {r['cpu_s']:.1f} s; "
              f"python-calamine read: wall {floor['wall_s']:.1f} s, CPU {floor['cpu_s']:.1f} s; "
              f"ratio CPU {r['cpu_s'] / floor['cpu_s']:.1f}x, wall "
              f"{r['total_s'] / floor['wall_s']:.1f}x; reading and checking (the worker) "
              f"CPU {r['check_cpu_s']:.1f} s = {r['check_cpu_s'] / floor['cpu_s']:.1f}x; "
              f"peak RSS CLI {r['cli_mb']:.0f} MB, worker {r['worker_mb']:.0f} MB; "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        for at, line in r["stages"]:
            print(f"   {at:6.1f} s  {line}")
        print("   " + str(r["stdout"])[:2000].replace("\n", "\n   "))
    if args.no_hostile:
        return 0
    # A fresh process: its children's peak RSS is only the hostile workers'.
    subprocess.run([sys.executable, __file__, "--data", str(db), "--work", str(args.work / "h"),
                    "--hostile-only"], cwd=ROOT, check=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
