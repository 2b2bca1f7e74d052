"""A director opens the app in Chromium, picks their school photo and sees the grid."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from data_model.reading import queries
from data_model.reading.access import allowed_school_ids, viewer_for_user_id
from tests.e2e.conftest import GRID, open_page, private_copy, running_app

pytestmark = pytest.mark.browser


def test_director_sees_the_grid(page, live_app, con, viewers):
    director = viewers["directeur"]
    school = queries.schools_in_scope(con, director).iloc[0]
    page.goto(live_app)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_test_id("stSelectbox").first.wait_for()
    sidebar.get_by_role("radio", name="Directeur", exact=True).click()
    # Pick this director in the user picker (a searchable select box).
    sidebar.get_by_role("combobox").first.click()
    page.keyboard.type(director.name)
    page.get_by_role("option", name=director.name).first.click()
    page.get_by_role("heading", name=f"Welkom, {director.name.split()[0]}").wait_for()
    # The next step is a link in this tab (st.page_link), not a button.
    page.get_by_role("link", name="Open de schoolfoto").first.click()
    page.get_by_role("heading", name=f"Schoolfoto · {school['name']}").wait_for()
    page.get_by_text("Het raster", exact=True).wait_for()
    # The grid: one Streamlit dataframe per learning area (the total first).
    blocks = page.locator(GRID)
    blocks.nth(4).locator("canvas").first.wait_for()
    expect(blocks).to_have_count(5)
    expect(page.get_by_text("Waarom deze kleur? Klik op een cel", exact=False)).to_be_visible()
    # A director never sees another school's name anywhere on the page.
    others = con.execute(
        "SELECT name FROM schools WHERE NOT list_contains(?, school_id)",
        [allowed_school_ids(con, director)],
    ).fetchall()
    body = page.locator("body").inner_text()
    assert not [name for (name,) in others if name in body]


def test_deep_link_as_first_request_of_a_fresh_server(browser, sample_db, con, tmp_path):
    """A bookmarked page opened right after a server start still goes through app.py."""
    default_user = con.execute("SELECT value FROM meta WHERE key = 'demo_default_user'").fetchone()[
        0
    ]
    own = allowed_school_ids(con, viewer_for_user_id(con, default_user))
    school = con.execute(
        "SELECT school_id, name FROM schools WHERE list_contains(?, school_id) ORDER BY school_id",
        [own],
    ).fetchone()
    with running_app(private_copy(sample_db, tmp_path)) as url, open_page(browser) as page:
        page.goto(f"{url}/schoolfoto?school={school[0]}")
        page.get_by_role("heading", name=f"Schoolfoto · {school[1]}").wait_for()
        expect(page.get_by_text("Demomodus op voorbeeldgegevens").first).to_be_visible()
