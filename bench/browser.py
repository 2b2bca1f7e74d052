"""Browser timings in headless Chromium, and the app process's memory while serving them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SCHOOLFOTO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]  # fmt: skip
RUNNING = "[data-testid=stStatusWidget]"
CHART = "[data-testid=stMain] .vega-embed canvas, [data-testid=stMain] .vega-embed svg"
# The school-photo grid drawn: Streamlit's dataframe canvas or, before, a Vega chart.
GRID = "[data-testid=stMain] [data-testid=stDataFrame] canvas, " + CHART


def free_port() -> int:
    """A local port nothing listens on (for an app server of a benchmark)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"peak_mb": fields.get("VmHWM", 0.0), "current_mb": fields.get("VmRSS", 0.0)}


def _settle(page: Any) -> None:
    """Wait until Streamlit has finished the script run (no 'running' indicator)."""
    page.wait_for_timeout(100)
    page.wait_for_selector(RUNNING, state="detached", timeout=120_000)


def wait_healthy(url: str) -> None:
    """Wait until the Streamlit server at `url` answers (two minutes at most)."""
    for _ in range(240):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the app did not start")


def _fresh(browser: Any) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="nl-BE")
    return ctx, ctx.new_page()


def measure_url(url: str, repeat: int) -> dict[str, dict[str, float]]:
    """Browser timings against a running app (demo mode). Each run is a fresh browser
    profile (a new context: no cache, no session), as a director opening a bookmark.

    - Uitleg, fresh load: the chart-free help page, i.e. Streamlit's own floor;
    - fresh load to the visible grid: /schoolfoto until the grid's first block is drawn;
    - click-through: a click on a grid cell until its explanation is visible;
    - regioteam's click on Vergelijken until its charts are drawn.
    """
    from playwright.sync_api import sync_playwright

    from bench.run import summary

    found: dict[str, list[float]] = {"uitleg": [], "grid": [], "click": [], "region": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(repeat + 1):  # the first run warms the server; not counted
            ctx, page = _fresh(browser)
            start = time.perf_counter()
            page.goto(url + "/uitleg")
            page.get_by_role("heading", name="Uitleg").first.wait_for(timeout=120_000)
            page.locator("[data-testid=stMain] table").first.wait_for(timeout=120_000)
            if i:
                found["uitleg"].append((time.perf_counter() - start) * 1000)
            ctx.close()

            ctx, page = _fresh(browser)
            start = time.perf_counter()
            page.goto(url + "/schoolfoto")
            page.locator(GRID).first.wait_for(timeout=120_000)
            if i:
                found["grid"].append((time.perf_counter() - start) * 1000)
            _settle(page)
            block = page.locator("[data-testid=stMain] [data-testid=stDataFrame]")
            if block.count() > 2:  # the Streamlit grid (the Vega grid had no click-through)
                start = time.perf_counter()
                block.nth(2).click(position={"x": 460, "y": 80})
                page.get_by_text("Waarom deze kleur?", exact=True).wait_for(timeout=120_000)
                if i:
                    found["click"].append((time.perf_counter() - start) * 1000)
            ctx.close()

            ctx, page = _fresh(browser)
            page.goto(url)
            sidebar = page.locator("[data-testid=stSidebar]")
            sidebar.get_by_text("Regioteam", exact=True).first.click(timeout=120_000)
            page.get_by_text("scholen", exact=False).first.wait_for(timeout=120_000)
            _settle(page)
            start = time.perf_counter()
            sidebar.get_by_role("link", name="Vergelijken").click()
            page.get_by_role("heading", name="Vergelijken").wait_for(timeout=120_000)
            _settle(page)
            page.locator(CHART).first.wait_for(timeout=120_000)
            if i:
                found["region"].append((time.perf_counter() - start) * 1000)
            ctx.close()
        browser.close()
    names = {
        "uitleg": "Uitleg (no charts): fresh load",
        "grid": "directeur: fresh load to visible grid",
        "click": "directeur: grid click to visible explanation",
        "region": "regioteam: Vergelijken click to visible charts",
    }
    return {names[k]: summary(v) for k, v in found.items() if v}


def measure_browser(db_path: Path, repeat: int) -> dict[str, Any] | None:
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: browser timings skipped", file=sys.stderr)
        return None
    port = free_port()
    env = {**os.environ, "SCHOOLFOTO_DATA": str(db_path), "SCHOOLFOTO_AUTH": "demo"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        timings = measure_url(url, repeat)
        memory = _memory(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"timings": timings, "rss": memory}


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.browser --url http://127.0.0.1:8501 --repeat 5`: the browser timings
    alone, against an app that is already running (e.g. another checkout, for before/after)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure_url(args.url.rstrip("/"), args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
