"""An import yields the CPU to the people using the app.

An import is a batch job of the beheerder; a director saving a note is a person waiting. On a
small server both compete for the same cores, and a note save that waits behind a snapshot
build feels broken. So the import lowers its own CPU priority (a Linux nice value,
SCHOOLFOTO_IMPORT_NICENESS) before it starts: on Linux a thread has its own priority, so the
page's import thread lowers just itself, and what it starts inherits it: the worker process
that reads the file and the threads DuckDB starts for the build. Without support for it (or
with 0) the import simply runs at the same priority.
"""

from __future__ import annotations

import os
import threading

from data_model.settings import setting


def import_niceness() -> int:
    """The configured nice value, clamped to 0..19 (an unparsable value counts as 0)."""
    try:
        return min(19, max(0, int(setting("SCHOOLFOTO_IMPORT_NICENESS"))))
    except ValueError:
        return 0


def yield_cpu_to_users() -> None:
    """Lower the calling thread's CPU priority to the configured niceness (never raises; a
    thread already at least that nice stays as it is, so repeated imports do not add up)."""
    niceness = import_niceness()
    if niceness == 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < niceness:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
    except OSError:  # not allowed here (a container's policy): run as is
        return
