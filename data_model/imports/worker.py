"""Reading and checking an uploaded file in a separate process.
(docs/architecture.md, "Hostile input and output")

The app (or the CLI) keeps the database; the worker never opens it. The parent writes the
file, the spec kind and the `Catalogue` into a private job directory and starts
`python -m data_model.imports.worker JOBDIR`. The worker limits its own address space
(RLIMIT_AS) and CPU time before it reads a byte, parses and checks the file, and writes the
outcome back as JSON (problems) and Parquet (the frames to write: no pickle crosses from the
process that handled untrusted bytes back to the app). The parent polls `progress.json`,
enforces a wall-clock limit and turns a worker that died (out of memory, killed, over time)
into a Dutch message; the database is only touched afterwards, by the parent, in
`Database.write()`.
One worker runs at a time (a second import waits for the first).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

from data_model.imports.check_step import Checked, Progress, check_file
from data_model.imports.formats import FORMATS, FileFormat
from data_model.imports.mapping import Preview, preview
from data_model.imports.reader import ReadError, open_book
from data_model.imports.report import ImportRejected, Problem, refused
from data_model.imports.row_checks import Catalogue

MEMORY_LIMIT_BYTES = 2 * 1024**3  # address space of the worker (its RSS stays well below)
CPU_LIMIT_S = 60
WALL_LIMIT_S = 90
# How often the parent looks at the worker: the frames are taken over within this much of
# the worker finishing (a progress file read costs microseconds).
_POLL_S = 0.05
_ROOT = Path(__file__).resolve().parents[2]
_WORKERS = threading.Semaphore(1)  # two big files at once would double the memory
last_peak_rss_mb = 0.0  # peak RSS of the last worker that finished normally


def check_in_worker(
    file_name: str,
    data: bytes,
    fmt: FileFormat,
    catalogue: Catalogue,
    progress: Progress | None,
    fractions: bool | None = None,
    mapping: dict[str, str] | None = None,
) -> Checked:
    """Like importer.check_file, in a limited child process. Returns importer.Checked."""
    request = {"file_name": file_name, "kind": fmt.kind, "memory": MEMORY_LIMIT_BYTES,
               "cpu": CPU_LIMIT_S, "fractions": fractions, "mapping": mapping}  # fmt: skip
    with _WORKERS, tempfile.TemporaryDirectory(prefix="schoolfoto-import-") as tmp:
        job = Path(tmp)
        (job / "catalogue.pickle").write_bytes(pickle.dumps(catalogue))  # parent -> child only
        outcome = _run_child(job, file_name, data, request, progress)
        if outcome["problems"]:
            raise ImportRejected([Problem(**p) for p in outcome["problems"]])
        frames = {name: _read_frame(job / f"{name}.parquet") for name in outcome["frames"]}
        return Checked(frames, outcome["sheet"], outcome["headers"], outcome["ignored"],
                       outcome["notes"])  # fmt: skip


def preview_in_worker(file_name: str, data: bytes) -> Preview:
    """The header and first rows of an uploaded file (for a column mapping), read in the
    limited child process like every untrusted file; ImportRejected if it cannot be read."""
    request = {"file_name": file_name, "mode": "preview", "memory": MEMORY_LIMIT_BYTES,
               "cpu": CPU_LIMIT_S}  # fmt: skip
    with _WORKERS, tempfile.TemporaryDirectory(prefix="schoolfoto-preview-") as tmp:
        outcome = _run_child(Path(tmp), file_name, data, request, None)
    if outcome["problems"]:
        raise ImportRejected([Problem(**p) for p in outcome["problems"]])
    return Preview(**outcome["preview"])


def _run_child(
    job: Path, file_name: str, data: bytes, request: dict[str, object], progress: Progress | None
) -> dict[str, Any]:
    """Start the worker on `job`, enforce the wall-clock limit, report its progress; the
    outcome it wrote (or a refusal when it died)."""
    (job / "input.bin").write_bytes(data)
    (job / "request.json").write_text(json.dumps(request))
    with open(job / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "data_model.imports.worker", str(job)],
            cwd=_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            start_new_session=True,
        )  # fmt: skip
    started = time.monotonic()
    seen = 0.0
    while proc.poll() is None:
        if time.monotonic() - started > WALL_LIMIT_S:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise refused(
                file_name,
                f"Het controleren duurde langer dan {WALL_LIMIT_S} seconden en is "
                "afgebroken. Er is niets gewijzigd. Splits het bestand (bv. per schooljaar) "
                "of sla het opnieuw op vanuit Excel.",
            )
        seen = _report_progress(job, progress, seen)
        time.sleep(_POLL_S)
    stderr = (job / "stderr.txt").read_text("utf-8", "replace")
    result = job / "result.json"
    if proc.returncode != 0 or not result.exists():
        raise refused(file_name, _death_message(proc.returncode, stderr))
    outcome: dict[str, Any] = json.loads(result.read_text())  # what the child wrote
    global last_peak_rss_mb
    last_peak_rss_mb = outcome.get("peak_rss_mb", 0.0)
    return outcome


def _death_message(returncode: int, stderr: str) -> str:
    # SIGKILL: the kernel or we; SIGXCPU: the CPU limit; SIGABRT: Rust (calamine) aborts when
    # an allocation fails under RLIMIT_AS.
    out_of_limits = (-signal.SIGKILL, -signal.SIGXCPU, -signal.SIGABRT)
    if returncode in out_of_limits or "MemoryError" in stderr or "memory allocation" in stderr:
        reason = "het bestand vraagt meer geheugen of rekentijd dan toegelaten"
    else:
        reason = "het controleren liep onverwacht vast"
    return (
        f"Het bestand kon niet worden gecontroleerd: {reason}. Er is niets gewijzigd. Splits "
        "het bestand (bv. per schooljaar) of sla het opnieuw op vanuit Excel als "
        "Excel-werkmap (.xlsx)."
    )


def _report_progress(job: Path, progress: Progress | None, seen: float) -> float:
    try:
        state = json.loads((job / "progress.json").read_text())
    except (OSError, ValueError):
        return seen
    if progress is not None and state["fraction"] > seen:
        progress(state["fraction"], state["message"])
    fraction: float = state["fraction"]  # written by the child: a number
    return max(seen, fraction)


def _read_frame(path: Path) -> pd.DataFrame:
    # Arrow-backed columns: 4x faster than converting 900,000 rows back to Python objects,
    # and DuckDB scans them directly when the writers register the frame.
    return pd.read_parquet(path, dtype_backend="pyarrow")


# --------------------------------------------------------------------------- the child


def _peak_rss_mb() -> float:
    """This process's own peak RSS. VmHWM, not getrusage: Linux carries ru_maxrss over from
    the parent across fork and exec, so it would report the app's size, not the worker's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(job: Path) -> int:
    request = json.loads((job / "request.json").read_text())
    # Limits before a byte of the file is read.
    resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu"], request["cpu"] + 5))

    if request.get("mode") == "preview":
        return _preview_child(job, request)
    catalogue = pickle.loads((job / "catalogue.pickle").read_bytes())
    fmt = FORMATS[request["kind"]]

    def progress(fraction: float, message: str) -> None:
        tmp = job / "progress.tmp"
        tmp.write_text(json.dumps({"fraction": fraction, "message": message}))
        tmp.replace(job / "progress.json")

    out: dict[str, object] = {"problems": [], "frames": [], "sheet": "", "headers": {},
                              "ignored": [], "notes": []}  # fmt: skip
    try:
        data = (job / "input.bin").read_bytes()
        checked = check_file(request["file_name"], data, fmt, catalogue, progress,
                             fractions=request.get("fractions"),
                             mapping=request.get("mapping"))  # fmt: skip
        del data
        for name, frame in checked.frames.items():
            frame.to_parquet(job / f"{name}.parquet", index=False)
        out.update(frames=list(checked.frames), sheet=checked.sheet, headers=checked.headers,
                   ignored=checked.ignored, notes=checked.notes)  # fmt: skip
    except ImportRejected as exc:
        out["problems"] = [p.to_dict() for p in exc.problems]
    except MemoryError:
        return _out_of_memory()
    return _write_result(job, out)


def _out_of_memory() -> int:
    print("MemoryError", file=sys.stderr)  # the parent's _death_message looks for it
    return 3


def _write_result(job: Path, out: dict[str, object]) -> int:
    out["peak_rss_mb"] = _peak_rss_mb()
    (job / "result.json").write_text(json.dumps(out, default=str))
    return 0


def _preview_child(job: Path, request: dict[str, Any]) -> int:
    out: dict[str, object] = {"problems": [], "preview": None}
    try:
        book = open_book(request["file_name"], (job / "input.bin").read_bytes())
        out["preview"] = dataclasses.asdict(preview(book))
    except ReadError as exc:
        out["problems"] = [Problem(request["file_name"], exc.sheet, exc.row, exc.column,
                                   exc.value, exc.message).to_dict()]  # fmt: skip
    except MemoryError:
        return _out_of_memory()
    return _write_result(job, out)


if __name__ == "__main__":
    raise SystemExit(_child(Path(sys.argv[1])))
