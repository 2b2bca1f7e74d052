"""Snapshot publishing, pick-up and page-data latency during an import.

    python -m bench.storage_bench --data /tmp/flanders     # a folder from data_model.sample

Measures on a private copy of the folder (the original is not changed):
- publish: `Database.write()` with a one-row change: copy the current snapshot, run the
  transaction, validate, checkpoint, rename + swap the pointer;
- pick-up: from the pointer swap until another process's cursor reads the new snapshot;
- page data during an import: one audit line + one page query (`queries.school_results`)
  while an import holds the snapshot write lock, against the same calls when idle.
Not a test: nothing is asserted; timings depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from data_model.reading import queries
from data_model.reading.access import allowed_school_ids, viewer_for_user_id
from data_model.state import audit
from data_model.storage.db import Database

_WATCHER = """
import sys, time
from data_model.storage.db import Database
db = Database(sys.argv[1])
start = db.current_snapshot()
print("ready", flush=True)
while db.current_snapshot() == start:
    time.sleep(0.01)
t0 = time.perf_counter()
db.cursor().execute("SELECT count(*) FROM v_school_result").fetchone()
print(f"{time.time():.4f} {time.perf_counter() - t0:.4f}", flush=True)
"""


def _page_data(db: Database, viewer, school_id: str) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    audit.log_event(db, viewer, audit.VIEW, school_id=school_id, detail="Schoolfoto")
    queries.school_results(db.cursor(), viewer, school_id, "ovsg6")
    return time.perf_counter() - t0


def measure(folder: Path) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="storage-bench-")) / "data"
    shutil.copytree(folder, work, symlinks=True)
    db = Database(work)
    out: dict[str, float] = {"snapshot_mb": db.snapshot_path().stat().st_size / 1e6}
    con = db.cursor()
    user_id = con.state.execute("SELECT min(user_id) FROM users WHERE role = 'directeur'")
    viewer = viewer_for_user_id(con, user_id.fetchone()[0])
    school_id = allowed_school_ids(con, viewer)[0]

    idle = [_page_data(db, viewer, school_id) for _ in range(10)]
    out["page_data_idle_s"] = statistics.median(idle)

    # Publish while another process watches the pointer (pick-up latency).
    watcher = subprocess.Popen([sys.executable, "-c", _WATCHER, str(work)],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert watcher.stdout is not None
    watcher.stdout.readline()
    during: list[float] = []
    stop = threading.Event()
    swapped: list[float] = []

    def pages() -> None:
        while not stop.is_set():
            during.append(_page_data(db, viewer, school_id))

    reader = threading.Thread(target=pages)
    t0 = time.perf_counter()
    with db.write() as w:
        reader.start()
        w.execute("UPDATE schools SET name = name || '' WHERE school_id = ?", [school_id])
    swapped.append(time.time())
    out["publish_s"] = time.perf_counter() - t0
    stop.set()
    reader.join()
    seen_at, open_s = (float(x) for x in watcher.stdout.readline().split())
    watcher.wait()
    out["pickup_s"] = seen_at - swapped[0]
    out["pickup_first_query_s"] = open_s
    out["page_data_during_import_s"] = statistics.median(during) if during else float("nan")
    out["page_data_during_import_max_s"] = max(during) if during else float("nan")
    out["page_data_calls_during_import"] = len(during)
    db.close()
    shutil.rmtree(work.parent, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a data folder")
    args = parser.parse_args(argv)
    for key, value in measure(args.data).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
