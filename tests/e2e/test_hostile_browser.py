"""Browser sweep with hostile data: every page × role in Chromium.

The app runs on a copy of the sample database with the payload of tests/hostile.py in every
text field. For each role (a user who sees the school with the planted notes) every page of
the menu is opened; the sweep records every request the browser makes and counts, in the
rendered page, links and images that point at the stand-in attacker host, `javascript:`
links, and the payload's colour directive, maths and HTML as rendered elements.

Targets: 0 requests to any host but the app's own, 0 live links or images from data.
`sweep()` is also usable on its own (see docs/security.md) to measure a build.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.conftest import copy_data
from tests.e2e.conftest import COUNT_RUNS, go_to, rerun, running_app, settle
from tests.hostile import ATTACKER, plant, sweep_users, user_names
from ui.navigation import PAGES

pytestmark = pytest.mark.browser

ROLE_BUTTONS = {"directeur": "Directeur", "anker": "Anker", "regioteam": "Regioteam",
                "beheerder": "Beheerder"}  # fmt: skip

# Live constructs from data in the rendered DOM (the payload's own markers).
COUNT_LIVE = """(evil) => {
  const links = [...document.querySelectorAll('a[href]')].filter(a =>
      a.href.includes(evil) || a.href.startsWith('javascript:'));
  const images = [...document.querySelectorAll('img[src]')].filter(i => i.src.includes(evil));
  const html = [...document.querySelectorAll('b')].filter(b => b.textContent === 'vet');
  const directives = [...document.querySelectorAll('span')].filter(s =>
      s.textContent === 'ROOD' && s.children.length === 0);
  const maths = document.querySelectorAll('.katex').length;
  return {links: links.length, images: images.length, html: html.length,
          directives: directives.length, maths: maths,
          examples: links.slice(0, 3).map(a => a.href)};
}"""


# The open tab's panel has content: a lazy tab is empty until the run its click caused.
OPEN_TAB_DRAWN = """() => [...document.querySelectorAll('[data-testid=stMain] [role=tabpanel]')]
  .some(p => !p.hidden && p.offsetParent !== null && p.innerText.trim().length > 0)"""


def _pick_user(page, role: str, name: str) -> None:  # type: ignore[no-untyped-def]
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_test_id("stSelectbox").first.wait_for()
    with rerun(page):
        sidebar.get_by_role("radio", name=ROLE_BUTTONS[role], exact=True).click()
    box = sidebar.get_by_test_id("stSelectbox").first
    box.click()
    page.keyboard.type(name)
    with rerun(page):
        page.keyboard.press("Enter")


def _count(page, result: dict, where: tuple) -> None:  # type: ignore[no-untyped-def]
    counts = page.evaluate(COUNT_LIVE, ATTACKER)
    for key in ("links", "images", "html", "directives", "maths"):
        result[key] += counts[key]
    if any(counts[k] for k in ("links", "images", "html", "directives", "maths")):
        result["where"].append((*where, counts))


def sweep(url: str, db: Path, users: dict[str, str], browser) -> dict:  # type: ignore[no-untyped-def]
    """Open every page for every role; return the counts and the foreign hosts seen."""
    names = user_names(db)
    own = urlparse(url).netloc
    result = {"pages": 0, "foreign_requests": 0, "foreign_hosts": set(), "links": 0, "images": 0,
              "html": 0, "directives": 0, "maths": 0, "where": []}  # fmt: skip
    for role, user_id in users.items():
        context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="nl-BE")
        context.add_init_script(COUNT_RUNS)
        page = context.new_page()
        page.set_default_timeout(60_000)

        def record(request, result=result) -> None:  # type: ignore[no-untyped-def]
            host = urlparse(request.url).netloc
            if request.url.startswith(("data:", "blob:")) or host == own:
                return
            result["foreign_requests"] += 1
            result["foreign_hosts"].add(host)

        page.on("request", record)
        page.goto(url)
        settle(page)
        _pick_user(page, role, names[user_id])
        titles = [p.title for p in PAGES]
        nav = page.locator("[data-testid=stSidebarNav]")
        for title in titles:
            link = nav.get_by_role("link", name=re.compile(rf"{re.escape(title)}$"))
            if link.count() == 0:
                continue  # not a page for this role
            go_to(page, link.first)
            result["pages"] += 1
            _count(page, result, (role, title))
            # Lazy tabs render only when opened (collapsed expanders are in the DOM already).
            tabs = page.locator("[data-testid=stMain] [role=tab]")
            for i in range(1, tabs.count()):
                tabs.nth(i).click()
                expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
                page.wait_for_function(OPEN_TAB_DRAWN)  # a lazy tab: after the run it caused
                settle(page)
                _count(page, result, (role, title, i))
        context.close()
    return result


def test_hostile_data_sweep(browser, pristine_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = copy_data(pristine_db, tmp_path / "data")
    ids = plant(db)
    users = sweep_users(db, ids["school_id"], ids["director"], ids["anker"])
    with running_app(db, env={"SCHOOLFOTO_ERRORS": "show"}) as url:
        result = sweep(url, db, users, browser)
    print("hostile sweep:", result)
    assert result["pages"] >= 30  # 4 roles × their pages
    assert result["foreign_hosts"] == set() and result["foreign_requests"] == 0
    assert result["where"] == []
    assert (result["links"], result["images"], result["html"], result["directives"]) == (0, 0, 0, 0)


def test_a_damaged_database_shows_a_dutch_message_without_internals(
    browser, pristine_db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    db = copy_data(pristine_db, tmp_path / "data")
    snapshot = (db / "current.duckdb").resolve()
    snapshot.write_bytes(b"dit is geen databank" * 500)  # a damaged file, before any login
    with running_app(db, env={"SCHOOLFOTO_ERRORS": "show"}) as url:
        context = browser.new_context(locale="nl-BE")
        page = context.new_page()
        page.goto(url)
        # Storage recognises a damaged snapshot and says so (ui/bootstrap.py); anything it
        # does not recognise gets ui/errors.py's message with a reference. Either is Dutch.
        page.get_by_text("De databank", exact=False).first.wait_for(timeout=90_000)
        text = page.inner_text("body")
        context.close()
    for internal in (str(tmp_path), "Traceback", "duckdb.", "Error:", ".py", "IOException"):
        assert internal not in text
