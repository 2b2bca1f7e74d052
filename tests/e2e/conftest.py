"""Browser tests: the real app in a subprocess, driven by Playwright in Debian's Chromium.

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run); Playwright's own
browser download does not work on our machines. Outside CI a missing Chromium skips these
tests; in CI (CI=true) it fails them, so a broken install can never pass silently.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_data

CHROMIUM = os.environ.get("SCHOOLFOTO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every browser test on one xdist worker (`--dist loadgroup` in pyproject): they share
    one Chromium and one app server instead of starting both on every worker."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    db: Path,
    auth: str = "demo",
    host: str = "127.0.0.1",
    port: int | None = None,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Start Schoolfoto on `db` in a subprocess; yield its URL once it answers."""
    port = port or _free_port()
    environment = {**os.environ, "SCHOOLFOTO_DATA": str(db), "SCHOOLFOTO_AUTH": auth, **(env or {})}
    log_path = db.with_suffix(f".{port}.log")
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", host, *args],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://{host}:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("Streamlit did not start: " + log_path.read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def private_copy(sample_db: Path, folder: Path) -> Path:
    # DuckDB locks a file per process: a server gets its own copy.
    db = folder / "schoolfoto.duckdb"
    copy_data(sample_db, db)
    return db


@pytest.fixture(scope="session")
def live_app(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a running Schoolfoto on a private copy of the sample database."""
    with running_app(private_copy(sample_db, tmp_path_factory.mktemp("live"))) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium ontbreekt op {CHROMIUM}: .ci/run moet het installeren")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextmanager
def open_page(browser, width: int = 1400, height: int = 1600, timeout: int = 60_000):  # type: ignore[no-untyped-def]
    """A page in a fresh Dutch (nl-BE) browser context of this size; closed afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-BE")
    try:
        pg = context.new_page()
        pg.set_default_timeout(timeout)
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, live_app):  # type: ignore[no-untyped-def]
    with open_page(browser, timeout=30_000) as pg:
        yield pg
