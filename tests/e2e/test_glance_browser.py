"""At a glance, in Chromium: axe-core on every page x role, the grid at 1280 and 800 px and by
touch, same-tab links, no league tables, the Dutch uploader. Nothing here is timed
(bench/browser.py measures speed)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from data_model.vocabulary import ROLE_LABELS
from tests.e2e.conftest import GRID, go_to, open_page, rerun, settle
from ui.navigation import PAGES, ROOT

pytestmark = pytest.mark.browser

ROLES = ("Directeur", "Anker", "Regioteam", "Beheerder")
LAST_START = 2025  # the sample's latest school year starts in September 2025
WCAG = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}


def _menu_of(label: str) -> list[str]:
    """The page titles the menu shows to the role with this Dutch label (ui.navigation)."""
    code = next(c for c, lab in ROLE_LABELS.items() if lab.split(" (")[0] == label)
    return [p.title for p in PAGES if code in p.roles and (ROOT / p.path).exists()]


def _as(page, url: str, role: str):  # type: ignore[no-untyped-def]
    page.goto(url)
    settle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    with rerun(page):
        sidebar.get_by_role("radio", name=role, exact=True).click()
    return sidebar


def _headers(block) -> list[str]:  # type: ignore[no-untyped-def]
    """Column headers of a dataframe, from the grid's accessible table (the canvas has none)."""
    block.locator("table th").first.wait_for(state="attached")
    return block.evaluate("e => Array.from(e.querySelectorAll('table th')).map(x => x.textContent)")


def _column(block, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    return block.evaluate(
        "(e, n) => Array.from(e.querySelectorAll('table tbody tr'))"
        ".map(r => r.children[n] ? r.children[n].textContent : '')",
        n,
    )


def _nav(page, sidebar, title: str) -> None:  # type: ignore[no-untyped-def]
    go_to(page, sidebar.get_by_role("link", name=title, exact=True))


@pytest.fixture
def small_page(browser, live_app):  # type: ignore[no-untyped-def]
    """A laptop screen: 1280 x 720."""
    with open_page(browser, 1280, 720) as pg:
        yield pg


def _serious(axe, page) -> list[str]:  # type: ignore[no-untyped-def]
    result = axe.run(page, options={"resultTypes": ["violations"], "runOnly": WCAG})
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['nodes'][0]['html'][:300]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_accessibility_violations(small_page, live_app, role):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    sidebar = _as(small_page, live_app, role)
    titles = _menu_of(role)
    assert titles[0] == "Start" and titles[-1] == "Uitleg"
    # The menu is redrawn after the role switch: wait until it is this role's whole menu.
    links = sidebar.locator("[data-testid=stSidebarNavLink]")
    expect(links).to_have_count(len(titles), timeout=30_000)
    expect(links.last).to_contain_text("Uitleg")
    found = {}
    for title in titles:
        _nav(small_page, sidebar, title)
        bad = _serious(axe, small_page)  # on the settled page: every chart is drawn
        if bad:
            found[title] = bad
    assert found == {}


def test_grid_fits_a_laptop_and_explains_the_clicked_cell(small_page, live_app):
    _as(small_page, live_app, "Directeur")
    small_page.goto(live_app + "/schoolfoto")
    settle(small_page)
    blocks = small_page.locator(GRID)
    expect(blocks).to_have_count(5)  # the total and four learning areas, visibly apart
    blocks.nth(4).locator("canvas").first.wait_for()
    # Every school year has its header (the grid's accessible table), newest first, after the
    # trend column.
    headers = _headers(blocks.nth(2))
    assert headers[0] == "Wiskunde" and headers[1] == "Trend"
    assert headers[2:] == [f"{y}-{y + 1}" for y in range(LAST_START, LAST_START - 8, -1)]
    box = blocks.nth(2).bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280  # no year cut off at 1280 px
    # A click on a cell: the explanation appears right under that learning area.
    blocks.nth(2).scroll_into_view_if_needed()
    blocks.nth(2).click(position={"x": 460, "y": 80})
    explanation = small_page.locator(".st-key-uitleg-raster-2")
    # The container is drawn before its text: wait for the text (a loaded CI machine once read
    # it empty), then check it.
    expect(explanation).to_contain_text("Waarom deze kleur?", timeout=30_000)
    expect(explanation).to_contain_text("Wiskunde")
    grid_box, text_box = blocks.nth(2).bounding_box(), explanation.bounding_box()
    assert grid_box and text_box and 0 <= text_box["y"] - (grid_box["y"] + grid_box["height"]) < 40
    expect(small_page.locator("[class*=st-key-uitleg-]")).to_have_count(1)


def test_grid_is_usable_at_800_px(browser, live_app):
    with open_page(browser, 800, 1000) as page:
        page.goto(live_app + "/schoolfoto")
        settle(page)
        block = page.locator(GRID).nth(1)
        block.locator("canvas").first.wait_for()
        # The labels stay pinned while older years scroll sideways inside the grid, not the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        headers = _headers(block)
        assert headers[:3] == ["Nederlands", "Trend", f"{LAST_START}-{LAST_START + 1}"]
        box = block.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 800
        # The label, the trend and the latest year fit on load, without scrolling sideways.
        widths = block.evaluate(
            "e => Array.from(e.querySelectorAll('table th')).slice(0, 3)"
            ".map(x => parseFloat(getComputedStyle(x).width) || 0)"
        )
        assert box["x"] + (sum(widths) if all(widths) else 190 + 160 + 76) <= 800


def test_one_tap_or_quick_click_on_any_cell_explains_that_cell(browser, live_app):
    """On a touch screen, and with a click that does not rest on the cell first: each one
    opens the explanation of the cell it hit, under its own learning area."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="nl-BE", has_touch=True
    )
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(live_app + "/schoolfoto")
        settle(page)
        blocks = page.locator(GRID)
        blocks.nth(4).locator("canvas").first.wait_for()
        titles = ["Totaal", "Nederlands", "Wiskunde", "Wereldoriëntatie", "Frans"]
        for block, row, how in (
            (0, 1, "tap"), (2, 2, "tap"), (4, 1, "click"), (1, 3, "tap"), (3, 1, "click"),
        ):  # fmt: skip
            blocks.nth(block).scroll_into_view_if_needed()
            box = blocks.nth(block).bounding_box()
            assert box is not None
            x, y = box["x"] + 190 + 160 + 30, box["y"] + 32 * row + 16  # the latest year
            if how == "tap":
                page.touchscreen.tap(x, y)
            else:  # no resting: one move, then press and release at once
                page.mouse.move(x, y)
                page.mouse.down()
                page.mouse.up()
            explanation = page.locator(f".st-key-uitleg-raster-{block}")
            expect(explanation).to_contain_text("Waarom deze kleur?", timeout=30_000)
            expect(explanation).to_contain_text(titles[block])
            expect(page.locator("[class*=st-key-uitleg-]")).to_have_count(1)
    finally:
        context.close()


def test_anker_opens_a_school_in_the_same_tab_with_the_role_kept(page, live_app):
    sidebar = _as(page, live_app, "Anker")
    main = page.locator("[data-testid=stMain]")
    button = main.get_by_role("button", name="Open de schoolfoto")
    expect(button).to_be_visible(timeout=30_000)
    button.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Schoolfoto · "))).to_be_visible()
    assert len(page.context.pages) == 1  # no new tab
    expect(page.locator("body")).not_to_contain_text("geen toegang")
    expect(sidebar.get_by_text("Aangemeld als")).to_contain_text("· Anker")


def test_staff_school_list_cannot_be_sorted_into_a_ranking(page, live_app):
    sidebar = _as(page, live_app, "Anker")
    _nav(page, sidebar, "Voorbereiding")
    table = page.locator("[data-testid=stMain] [data-testid=stDataFrame]").first
    headers = _headers(table)
    school = headers.index("School")
    names = _column(table, school)
    assert names and names == sorted(names)
    assert "Lager" in headers
    # Click each count column's header twice (ascending, then descending, if it could sort).
    frame = table.bounding_box()
    assert frame is not None
    for fraction in (0.6, 0.66, 0.72, 0.8):
        for _ in range(2):
            table.click(position={"x": frame["width"] * fraction, "y": 18})
            settle(page)
        assert _column(table, school) == names


def test_uploader_speaks_dutch(page, live_app):
    sidebar = _as(page, live_app, "Beheerder")
    _nav(page, sidebar, "Gegevens")
    zone = page.locator("[data-testid=stFileUploaderDropzone]").first
    zone.wait_for()
    after = page.evaluate(
        "getComputedStyle(document.querySelector("
        "'[data-testid=stFileUploaderDropzoneInstructions] span'), '::after').content"
    )
    button = page.evaluate(
        "getComputedStyle(document.querySelector("
        "'[data-testid=stFileUploaderDropzone] button'), '::after').content"
    )
    assert after == '"Sleep een bestand hierheen"' and button == '"Bestand kiezen"'
    expect(page.get_by_text("Drag and drop file here").first).not_to_be_visible()
    expect(page.get_by_text("Limit", exact=False).first).not_to_be_visible()
    # Its accessible name is Dutch too (a screen reader reads the aria-label).
    expect(zone.get_by_role("button", name="Bestand kiezen")).to_be_visible()


def test_a_mistyped_link_says_so_in_dutch(page, live_app):
    page.goto(live_app + "/bestaat-niet")
    dialog = page.locator("[role=dialog]")
    dialog.get_by_text("Pagina niet gevonden").wait_for()
    expect(
        dialog.get_by_text("Deze pagina bestaat niet (meer). U ziet de startpagina.")
    ).to_be_visible()
    expect(dialog).not_to_contain_text("Page not found")
    expect(dialog.get_by_role("button", name="Sluiten")).to_be_visible()


def test_school_photo_is_reachable_by_keyboard(page, live_app):
    """Tab alone reaches the menu, the assessment choice, every grid block and the downloads."""
    _as(page, live_app, "Directeur")
    page.goto(live_app + "/schoolfoto")
    settle(page)
    page.locator(GRID).nth(4).locator("canvas").first.wait_for()
    reached: set[str] = set()
    labels: set[str] = set()
    grids = 0
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(200):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => {
              const el = document.activeElement;
              const box = el && el.closest('[data-testid]');
              return [box ? box.getAttribute('data-testid') : '', el ? el.innerText || '' : ''];
            }"""
        )
        if where[0] == "data-grid-canvas":  # a school-photo grid has the focus
            grids += 1
        reached.add(where[0])
        labels.add(where[1].strip())
    assert "stSidebarNavLink" in reached, reached
    assert grids >= 5, reached  # the total and the four learning areas each take focus
    for download in ("Schoolfoto (Excel)", "Gespreksblad (PDF)"):
        assert any(download in label for label in labels), download
