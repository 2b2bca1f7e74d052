"""The real OIDC login flow in Chromium against a local mock provider (oidc-provider-mock).

Schoolfoto runs in OIDC mode with an [auth] section pointing at the mock provider; the
browser clicks "Aanmelden", types the e-mail address on the provider's form, and comes back
logged in. Checked: a known director lands on their own school with a log-out button on
every page; an unknown address sees only the refusal; "Afmelden" ends the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import oidc_provider_mock
import pytest
from playwright.sync_api import expect

from data_model.reading import access
from tests.conftest import copy_data
from tests.e2e.conftest import _free_port, go_to, open_page, running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    # The mock speaks plain http on localhost; Authlib refuses that unless told otherwise.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_app_url(
    provider: str, sample_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("oidc")
    db = folder / "schoolfoto.duckdb"
    copy_data(sample_db, db)  # DuckDB locks a file per process: the server gets a copy
    port = _free_port()
    url = f"http://localhost:{port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-for-the-browser-test"\n'
        'client_id = "schoolfoto"\n'
        'client_secret = "geheim"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        'client_kwargs = { scope = "openid email profile" }\n',
        encoding="utf-8",
    )
    with running_app(
        db,
        auth="oidc",
        host="localhost",
        port=port,
        env={"AUTHLIB_INSECURE_TRANSPORT": "1"},
        args=("--secrets.files", str(secrets)),
    ) as app_url:
        yield app_url


@pytest.fixture
def page(browser, oidc_app_url):  # type: ignore[no-untyped-def]
    with open_page(browser, height=1400, timeout=30_000) as pg:
        yield pg


def _login(page, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_placeholder("sub").wait_for()  # the provider's own form
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()


def _logout(page, where) -> None:  # type: ignore[no-untyped-def]
    where.get_by_role("button", name="Afmelden").click()
    # Streamlit ends the session at the provider too (RP-initiated logout); the mock asks.
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="Aanmelden").wait_for()


def test_director_logs_in_and_sees_only_the_own_school(page, oidc_app_url, con, viewers):
    director = viewers["directeur"]
    own = access.allowed_school_ids(con, director)
    names = dict(con.execute("SELECT school_id, name FROM schools").fetchall())
    _login(page, oidc_app_url, director.email)
    page.get_by_role("heading", name=f"Welkom, {director.name.split()[0]}").wait_for()
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(f"Aangemeld als {director.name}").wait_for()
    links = sidebar.locator("[data-testid=stSidebarNavLink]")
    titles = [t.strip().splitlines()[-1] for t in links.all_inner_texts()]  # after the icon
    assert "Start" in titles and "Schoolfoto" in titles
    assert "Gegevens" not in titles and "Voorbereiding" not in titles
    for i, title in enumerate(titles):
        go_to(page, links.nth(i))
        expect(sidebar.get_by_role("button", name="Afmelden")).to_be_visible()  # on every page
        body = page.locator("[data-testid=stApp]").inner_text()
        leaked = [n for sid, n in names.items() if sid not in own and n in body]
        assert leaked == [], f"{title}: {leaked[:3]}"
    _logout(page, sidebar)


def test_unknown_address_sees_only_the_refusal(page, oidc_app_url, con):
    _login(page, oidc_app_url, "onbekend@elders.be")
    page.get_by_text("heeft (nog) geen toegang tot Schoolfoto").wait_for()
    body = page.locator("[data-testid=stApp]").inner_text()
    for (name,) in con.execute("SELECT name FROM schools").fetchall():
        assert name not in body
    expect(page.locator("[data-testid=stSidebarNavLink]")).to_have_count(0)
    # Typing a page address does not get past the refusal either.
    page.goto(oidc_app_url + "/schoolfoto")
    page.get_by_text("heeft (nog) geen toegang tot Schoolfoto").wait_for()
    expect(page.locator("[data-testid=stSidebarNavLink]")).to_have_count(0)
    page.keyboard.press("Escape")  # Streamlit's "page not found" notice, if shown
    _logout(page, page)
