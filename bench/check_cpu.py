"""CPU of an import's reading and checking against a python-calamine read, repeated (not a
test; a loaded machine's noise is what it is for).

    python bench/check_cpu.py --data /tmp/flanders --file /tmp/import-bench/vt6.xlsx \
        --kind pupils --repeat 5

import_bench.py measures a whole import once, the way a beheerder runs it; on a shared
machine one run of a few seconds of CPU varies by a third. This runs only the worker process
(`python -m data_model.imports.worker`, what the page and the CLI start: its start, the
checks of the file, the Parquet it hands back) and a fresh process that only reads the same
workbook with python-calamine, alternately, `--repeat` times, and reports the least CPU of
each (user + system of the process, from wait4) and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu_of(args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a child process run to its end."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:4]} failed")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder to check with")
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--kind", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from data_model.imports import worker
    from data_model.imports.row_checks import Catalogue
    from data_model.storage.db import SYSTEM_USER_ID, Database

    db = Database(args.data)
    catalogue = Catalogue.load(db.cursor(), SYSTEM_USER_ID)
    db.close()
    floor = [
        sys.executable, "-c",
        "import sys, python_calamine as c\n"
        "wb = c.CalamineWorkbook.from_path(sys.argv[1])\n"
        "rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)\n",
        str(args.file),
    ]  # fmt: skip
    checks, reads = [], []
    with tempfile.TemporaryDirectory(prefix="check-cpu-") as tmp:
        job = Path(tmp)
        for _ in range(args.repeat):
            for name in ("result.json", "progress.json"):
                (job / name).unlink(missing_ok=True)
            (job / "input.bin").write_bytes(args.file.read_bytes())
            (job / "catalogue.pickle").write_bytes(pickle.dumps(catalogue))
            (job / "request.json").write_text(json.dumps({
                "file_name": args.file.name, "kind": args.kind,
                "memory": worker.MEMORY_LIMIT_BYTES, "cpu": worker.CPU_LIMIT_S,
            }))  # fmt: skip
            checks.append(_cpu_of([sys.executable, "-m", "data_model.imports.worker", str(job)]))
            outcome = json.loads((job / "result.json").read_text())
            if outcome["problems"]:
                raise SystemExit(f"refused: {outcome['problems'][:2]}")
            reads.append(_cpu_of(floor))
    check, read = min(checks), min(reads)
    print(f"{args.file.name} ({args.kind}), least of {args.repeat}: reading and checking CPU "
          f"{check[0]:.2f} s (wall {check[1]:.1f} s), python-calamine read CPU {read[0]:.2f} s "
          f"(wall {read[1]:.1f} s): ratio {check[0] / read[0]:.2f}x; all checks "
          f"{', '.join(f'{c:.2f}' for c, _ in checks)}; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
