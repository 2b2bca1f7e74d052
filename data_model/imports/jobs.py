"""Imports as jobs of the app: `start_job` runs a whole import (checked in the worker process,
written in `Database.write()`) in a background thread, so the Gegevens page can poll its
progress in a fragment while every other user keeps working.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field

from data_model.imports.importer import import_file
from data_model.imports.priority import yield_cpu_to_users
from data_model.imports.report import ImportReport
from data_model.imports.worker import check_in_worker
from data_model.reading.access import Viewer
from data_model.storage.db import Database


@dataclass
class ImportJob:
    """One import running in a thread of the app; the page polls it."""

    job_id: str
    file_name: str
    fraction: float = 0.0
    message: str = "In de wachtrij"
    report: ImportReport | None = None
    failed: str = ""  # a bug (not the file): the Dutch message with a reference
    done: bool = False
    started: float = field(default_factory=time.monotonic)


_JOBS: dict[str, ImportJob] = {}
_JOBS_LOCK = threading.Lock()


def start_job(
    db: Database,
    viewer: Viewer,
    file_name: str,
    data: bytes,
    kind: str,
    fractions: bool | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportJob:
    """Start an import in a background thread (the checks in a worker process)."""
    job = ImportJob(uuid.uuid4().hex[:12], file_name)

    def progress(fraction: float, message: str) -> None:
        job.fraction, job.message = max(job.fraction, fraction), message

    def run() -> None:
        yield_cpu_to_users()  # this thread only: the page's own threads keep their priority
        try:
            job.report = import_file(db, viewer, file_name, data, kind, progress,
                                     checker=check_in_worker, fractions=fractions,
                                     mapping=mapping)  # fmt: skip
        except Exception:  # a bug: logged by import_file; the page shows a reference only
            ref = uuid.uuid4().hex[:8]
            print(f"import job {job.job_id} ref {ref} failed:\n{traceback.format_exc()}",
                  file=sys.stderr)  # fmt: skip
            job.failed = (
                f"Het inlezen is mislukt door een fout in Schoolfoto (referentie {ref}). Er is "
                "niets gewijzigd. Meld de referentie aan de beheerder van de toepassing."
            )
        finally:
            job.done = True

    with _JOBS_LOCK:
        _JOBS[job.job_id] = job
    threading.Thread(target=run, name=f"import-{job.job_id}", daemon=True).start()
    return job


def get_job(job_id: str | None) -> ImportJob | None:
    with _JOBS_LOCK:
        return _JOBS.get(job_id or "")


def forget(job_id: str) -> None:
    """Drop a finished job once its page has taken the report."""
    with _JOBS_LOCK:
        _JOBS.pop(job_id, None)
