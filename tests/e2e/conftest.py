"""Browser tests: the real app in a subprocess, driven by Playwright in Debian's Chromium.

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run); Playwright's own
browser download does not work on our machines. Outside CI a missing Chromium skips these
tests; in CI (CI=true) it fails them, so a broken install can never pass silently.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
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


# Streamlit has finished the script run (the app root's own state attribute), no element is
# still fading out from the previous run, and every visible chart has been drawn (one in a
# closed tab or expander waits for its width). Only meaningful once
# the run an action caused has started: after a page load, a URL change, or text only the new
# run shows (Streamlit reports "notRunning" until the server has received a click).
SETTLED = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelectorAll('[data-stale=true]').length === 0
    && [...document.querySelectorAll('.vega-embed')]
      .every(e => e.offsetParent === null || e.querySelector('canvas, svg'));
}"""


# The school photo's grid blocks (ui/grid.py keys them raster-0 … raster-4): the page has other
# tables below them (class level, learning gain).
GRID = "[data-testid=stMain] [class*=st-key-raster-] [data-testid=stDataFrame]"


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run has ended and its page is drawn (see SETTLED)."""
    page.wait_for_function(SETTLED, timeout=120_000)


# Counts the messages the page sends to the server (a widget that changes asks for a run) and
# the script runs it has seen end (the app root's state attribute leaving "running"), so a
# test waits for the run its own action caused, or not at all when it caused none (a click on
# the option already chosen), instead of for a guessed time.
COUNT_RUNS = """
window.__streamlitRuns = 0;
window.__streamlitSends = 0;
const send = WebSocket.prototype.send;
window.__streamlitLastSend = 0;
WebSocket.prototype.send = function (...args) {
  window.__streamlitSends += 1;
  window.__streamlitLastSend = performance.now();
  return send.apply(this, args);
};
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.getAttribute('data-test-script-state') === 'notRunning'
        && r.oldValue !== 'notRunning') window.__streamlitRuns += 1;
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


def go_to(page, link) -> None:  # type: ignore[no-untyped-def]
    """Follow a menu link and wait until its page has run."""
    with rerun(page):
        link.click()


@contextmanager
def rerun(page) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Around an action on a widget: when it asked the server for a run (a message went
    out), waits until that run has ended; then until the page is drawn. Needs COUNT_RUNS in
    the context (open_page adds it)."""
    before = page.evaluate("[window.__streamlitRuns, window.__streamlitSends]")
    yield
    # The run's end is seen as the app root's state attribute changing; when a page switch
    # replaces that element the observer can miss it, so a page that has been idle (not
    # running) for two seconds since the last message counts as ended too.
    page.wait_for_function(
        """([runs, sends]) => window.__streamlitSends === sends || window.__streamlitRuns > runs
        || (performance.now() - window.__streamlitLastSend > 2000
            && document.querySelector('[data-testid=stApp]')
                 ?.getAttribute('data-test-script-state') === 'notRunning')""",
        arg=before,
        timeout=120_000,
    )
    settle(page)


def _failure_screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A screenshot of a failed test's page, kept as an artifact (path in the report)."""
    folder = Path(
        os.environ.get("SCHOOLFOTO_E2E_ARTIFACTS", tempfile.gettempdir() + "/schoolfoto-e2e")
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """On a failed browser test, save a screenshot of its page (the `page` fixture)."""
    report = yield
    pg = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and pg is not None and not pg.is_closed():
        path = _failure_screenshot(pg, item.name)
        report.sections.append(("screenshot", str(path)))
    return report


@contextmanager
def open_page(browser, width: int = 1400, height: int = 1600, timeout: int = 60_000):  # type: ignore[no-untyped-def]
    """A page in a fresh Dutch (nl-BE) browser context of this size; closed afterwards. A
    failure inside the block leaves a screenshot of the page (see `_failure_screenshot`)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-BE")
    context.add_init_script(COUNT_RUNS)
    try:
        pg = context.new_page()
        pg.set_default_timeout(timeout)
        try:
            yield pg
        except Exception:
            _failure_screenshot(pg, f"page-{time.strftime('%H%M%S')}")
            raise
    finally:
        context.close()


@pytest.fixture
def page(browser, live_app):  # type: ignore[no-untyped-def]
    with open_page(browser, timeout=30_000) as pg:
        yield pg
