"""An import yields the CPU to the app's users: its thread (and what it starts) runs nicer,
the page's other threads do not."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from data_model.imports import priority

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="Linux thread priorities")


def _in_thread(monkeypatch, value: str) -> tuple[int, int, int]:
    monkeypatch.setenv("SCHOOLFOTO_IMPORT_NICENESS", value)
    seen: dict[str, int] = {}

    def job() -> None:
        priority.yield_cpu_to_users()
        priority.yield_cpu_to_users()  # a second import in the same thread: no more
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        # A process the import starts (the worker that reads the file) inherits it.
        out = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        seen["child"] = int(out.stdout)

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = threading.Thread(target=job)
    worker.start()
    worker.join()
    after = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert after == before  # the caller (the page's thread) keeps its priority
    return before, seen["thread"], seen["child"]


def test_the_import_thread_and_its_worker_run_at_the_configured_niceness(monkeypatch) -> None:
    before, thread, child = _in_thread(monkeypatch, "10")
    assert thread == child == max(before, 10)


def test_zero_or_nonsense_leaves_the_import_as_it_is(monkeypatch) -> None:
    for value in ("0", "veel"):
        before, thread, child = _in_thread(monkeypatch, value)
        assert thread == child == before
