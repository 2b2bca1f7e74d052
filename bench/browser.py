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


def _port() -> int:
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


def measure_browser(db_path: Path, repeat: int) -> dict[str, Any] | None:
    from bench.run import summary

    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: browser timings skipped", file=sys.stderr)
        return None
    from playwright.sync_api import sync_playwright

    port = _port()
    env = {**os.environ, "SCHOOLFOTO_DATA": str(db_path), "SCHOOLFOTO_AUTH": "demo"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    grid, region = [], []
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for i in range(repeat + 1):  # the first run warms the server; not counted
                ctx = browser.new_context(viewport={"width": 1400, "height": 1400})
                page = ctx.new_page()
                start = time.perf_counter()
                page.goto(url + "/schoolfoto")
                page.get_by_text("Het raster", exact=True).wait_for(timeout=120_000)
                page.locator(CHART).first.wait_for(timeout=120_000)
                if i:
                    grid.append((time.perf_counter() - start) * 1000)
                ctx.close()

                ctx = browser.new_context(viewport={"width": 1400, "height": 1400})
                page = ctx.new_page()
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
                    region.append((time.perf_counter() - start) * 1000)
                ctx.close()
            browser.close()
        memory = _memory(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "timings": {
            "directeur: navigation to visible grid": summary(grid),
            "regioteam: Vergelijken click to visible charts": summary(region),
        },
        "rss": memory,
    }
