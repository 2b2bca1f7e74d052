"""Screenshots of pages per role and width, to look at what a user sees (not a test).

    python -m bench.screens --data /tmp/demo --out /tmp/shots --role directeur \
        --page schoolfoto --page start --width 1280 --width 800

Starts the app on a private copy of the data folder (demo mode), picks the role (and the
first user of that role, or --user NAME) in the sidebar, opens each page by its URL path and
writes one full-page PNG per page x width: OUT/<role>-<page>-<width>.png. Pages open with the
sidebar expanded, as a first-time user sees them. Uses Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from data_model.vocabulary import DIRECTEUR, ROLE_LABELS, ROLES
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, running_app


def _choose(page, role: str, user: str | None) -> None:  # type: ignore[no-untyped-def]
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_test_id("stSelectbox").first.wait_for()
    if role != DIRECTEUR:  # the default role: a click on it would deselect it
        sidebar.get_by_text(ROLE_LABELS[role].split(" (")[0], exact=True).first.click()
    if user:
        sidebar.get_by_role("combobox").first.click()
        page.keyboard.type(user)
        page.get_by_role("option", name=user).first.click()


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the run (no running indicator) and charts are drawn."""
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=180_000)
    page.wait_for_timeout(1500)  # a screenshot tool, not a test: let canvases finish drawing


def shoot(data: Path, out: Path, roles: list[str], pages: list[str], widths: list[int],
          user: str | None = None, height: int = 720) -> list[Path]:  # fmt: skip
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy, symlinks=True)
        with running_app(copy) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role in roles:
                for width in widths:
                    context = browser.new_context(
                        viewport={"width": width, "height": height}, locale="nl-BE"
                    )
                    page = context.new_page()
                    page.set_default_timeout(180_000)
                    for name in pages:
                        page.goto(f"{url}/{name}")
                        _choose(page, role, user)
                        _settle(page)
                        path = out / f"{role}-{name or 'start'}-{width}.png"
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path)
                    context.close()
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Schermafdrukken per rol, pagina en breedte.")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--role", action="append", choices=ROLES)
    parser.add_argument("--page", action="append", help="URL path, e.g. schoolfoto ('' = Start)")
    parser.add_argument("--width", type=int, action="append")
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--user", default=None)
    args = parser.parse_args(argv)
    for path in shoot(
        args.data,
        args.out,
        args.role or ["directeur"],
        args.page or [""],
        args.width or [1280, 800],
        args.user,
        args.height,
    ):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
