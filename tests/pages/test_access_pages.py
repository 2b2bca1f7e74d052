"""Access, page by page: every role x every page, logged in through (mocked) OIDC.

For each page a role may open (ui.navigation.PAGES, so pages added later are covered as soon
as their file exists), the whole output, including dataframes, chart specs and their data,
widget options and tooltips, must not contain the id or the name of any school outside the
viewer's scope. Also: the login gate (unknown, disabled, unverified, logged out), demo mode
on real data, the ?school= URL check, and the audit lines a page view writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from data_model.reading import access
from data_model.storage.db import Database, set_meta
from data_model.vocabulary import ROLES
from tests.conftest import ROOT, OpenedData
from tests.pages.access_helpers import oidc_app, output_text
from ui.navigation import PAGES, visible_pages
from ui.safe_text import md

CASES = [(role, spec) for role in ROLES for spec in PAGES if role in spec.roles]


@pytest.fixture
def oidc_env(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(sample_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "oidc")
    monkeypatch.chdir(ROOT)
    return sample_db


def _env_for(path: Path, monkeypatch: pytest.MonkeyPatch, mode: str | None) -> None:
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(path))
    if mode:
        monkeypatch.setenv("SCHOOLFOTO_AUTH", mode)
    else:
        monkeypatch.delenv("SCHOOLFOTO_AUTH", raising=False)
    monkeypatch.chdir(ROOT)


def _outside_pattern(con: duckdb.DuckDBPyConnection, viewer: access.Viewer) -> re.Pattern | None:
    """Regex matching the id or name of any school the viewer may not see."""
    allowed = set(access.allowed_school_ids(con, viewer))
    rows = con.execute("SELECT school_id, name FROM schools").fetchall()
    ids = [sid for sid, _ in rows if sid not in allowed]
    names = [name for sid, name in rows if sid not in allowed]
    if not ids:
        return None
    # An id must stand alone (not inside a longer number such as 63.0144331).
    id_part = r"(?<![\d.])(?:" + "|".join(ids) + r")(?!\d)"
    name_part = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"{id_part}|{name_part}")


def _leaks(text: str, pattern: re.Pattern | None) -> list[str]:
    if pattern is None:
        return []
    found = []
    for m in pattern.finditer(text):
        found.append(text[max(0, m.start() - 60) : m.end() + 20].replace("\n", " "))
    return found[:5]


@pytest.mark.parametrize(
    ("role", "spec"), CASES, ids=[f"{r}-{s.path.split('/')[-1][:-3]}" for r, s in CASES]
)
def test_page_shows_nothing_outside_scope(oidc_env, con, viewers, role, spec):
    viewer = viewers[role]
    # A page in the menu's list without its file would be left out of the menu silently.
    assert spec in visible_pages(viewer), f"{spec.path} is in ui.navigation.PAGES, not on disk"
    at = oidc_app(viewer)
    at.run()
    if not spec.default:
        at.switch_page(spec.path).run()
    assert not at.exception, [e.value for e in at.exception]
    if spec.default:
        # AppTest drops app.py's own sidebar elements after switch_page, so the log-out button
        # (drawn by app.py for every page) is checked here and on every page in tests/e2e.
        assert [b.label for b in at.sidebar.button] == ["Afmelden"]
    text = output_text(at)
    assert text.strip()
    leaks = _leaks(text, _outside_pattern(con, viewer))
    assert leaks == [], f"{spec.title} shows schools outside the scope of {role}: {leaks}"
    if role == "directeur":
        for tier in ("verhoogde nood", "grote nood", "basisaanbod"):
            assert tier not in text.lower(), f"{spec.title} shows a guidance tier to a director"


def test_director_with_two_schools_sees_both_and_no_other(oidc_env, con):
    user_id = con.state.execute(
        "SELECT user_id FROM user_schools WHERE user_id LIKE 'dir-%' GROUP BY user_id "
        "HAVING count(*) = 2 LIMIT 1"
    ).fetchone()[0]
    viewer = access.viewer_for_user_id(con, user_id)
    own = access.allowed_school_ids(con, viewer)
    at = oidc_app(viewer)
    at.run()
    at.switch_page("app_pages/schoolfoto.py").run()
    assert not at.exception
    picker = at.sidebar.selectbox[0]
    assert sorted(picker.options) == sorted(
        f"{n} ({s})"
        for s, n in con.execute(
            "SELECT school_id, name FROM schools WHERE school_id IN (?, ?)", own
        ).fetchall()
    )
    assert _leaks(output_text(at), _outside_pattern(con, viewer)) == []


def test_url_with_another_school_is_refused(oidc_env, con, viewers):
    director = viewers["directeur"]
    own = access.allowed_school_ids(con, director)[0]
    other_id, other_name = con.execute(
        "SELECT school_id, name FROM schools WHERE school_id <> ? ORDER BY school_id LIMIT 1",
        [own],
    ).fetchone()
    at = oidc_app(director, school=other_id)
    at.run()
    at.switch_page("app_pages/schoolfoto.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "U hebt geen toegang tot de school in deze link. Kies hieronder een school uit uw "
        "eigen lijst."
    ]
    own_name = con.execute("SELECT name FROM schools WHERE school_id = ?", [own]).fetchone()[0]
    assert at.title[0].value == f"Schoolfoto · {own_name}"
    text = output_text(at)
    assert other_name not in text
    assert at.query_params["school"] == own  # the URL now names the own school
    refused = con.state.execute(
        "SELECT count(*) FROM audit_log WHERE user_id = ? AND action = 'geweigerd' "
        "AND school_id = ?",
        [director.user_id, other_id],
    ).fetchone()[0]
    assert refused >= 1


def test_garbage_in_the_url_is_refused_too(oidc_env, viewers):
    at = oidc_app(viewers["anker"], school="'); DROP TABLE users; --")
    at.run()
    at.switch_page("app_pages/schoolfoto.py").run()
    assert not at.exception
    assert "geen toegang tot de school in deze link" in at.error[0].value


def _refusal_only(at, con) -> str:
    """The run shows one page with the refusal and no school at all."""
    assert not at.exception, [e.value for e in at.exception]
    text = output_text(at)
    for (name,) in con.execute("SELECT name FROM schools").fetchall():
        assert name not in text
    assert not at.sidebar.selectbox and not at.dataframe
    return text


def test_unknown_oidc_user_sees_a_polite_refusal_only(oidc_env, con):
    at = oidc_app("nieuw.iemand@school.be")
    at.run()
    _refusal_only(at, con)
    assert [t.value for t in at.title] == ["Schoolfoto"]
    assert at.warning[0].value == (
        f"Welkom! Het account {md('nieuw.iemand@school.be')} heeft (nog) geen toegang tot "
        "Schoolfoto. "
        "Vraag de beheerder van Schoolfoto om u toe te voegen en vermeld dit e-mailadres."
    )
    assert [b.label for b in at.button] == ["Afmelden"]
    at.run()  # a rerun (any click) changes nothing
    _refusal_only(at, con)


def test_unknown_user_cannot_reach_a_page_by_its_path(oidc_env, con):
    at = oidc_app("nieuw.iemand@school.be")
    at.run()
    with pytest.raises(Exception):  # noqa: B017 - AppTest: the page is not registered
        at.switch_page("app_pages/schoolfoto.py").run()
    _refusal_only(at, con)


def test_disabled_user_is_refused(writable_db, monkeypatch, viewers):
    director = viewers["directeur"]
    db = Database(writable_db)
    db.state.execute("UPDATE users SET active = ? WHERE user_id = ?", [False, director.user_id])
    db.close()
    _env_for(writable_db, monkeypatch, "oidc")
    at = oidc_app(director.email.upper())
    at.run()
    con = OpenedData(writable_db)
    try:
        _refusal_only(at, con)
        assert "is uitgeschakeld" in at.warning[0].value
        logged = con.state.execute(
            "SELECT detail FROM audit_log WHERE action = 'geweigerd' AND user_id = 'onbekend'"
        ).fetchall()
        assert logged == [(f"aanmelding {director.email.upper()}: disabled",)]
    finally:
        con.close()


def test_unverified_email_is_refused(oidc_env, con, viewers):
    at = oidc_app(viewers["anker"])
    at.user["email_verified"] = False
    at.run()
    _refusal_only(at, con)
    assert "niet bevestigd" in at.warning[0].value


def test_logged_out_user_gets_the_login_button(oidc_env, con):
    at = oidc_app("x@y.be")
    at.user = {"is_logged_in": False}
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test",
        "client_id": "schoolfoto",
        "client_secret": "s",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
    at.run()
    _refusal_only(at, con)
    assert [b.label for b in at.button] == ["Aanmelden"]


def test_oidc_without_configuration_explains_what_to_do(oidc_env, con):
    at = oidc_app("x@y.be")
    at.user = {"is_logged_in": False}
    at.run()
    _refusal_only(at, con)
    assert "Aanmelden is nog niet ingesteld" in at.error[0].value


@pytest.mark.parametrize("mode", ["demo", None])
def test_demo_mode_refused_on_a_real_database(writable_db, monkeypatch, mode):
    db = Database(writable_db)
    with db.write() as cur:
        set_meta(cur, "is_sample", "false")
    db.close()
    _env_for(writable_db, monkeypatch, mode)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_id"] = "beheerder"
    at.run()
    con = OpenedData(writable_db)
    try:
        _refusal_only(at, con)
    finally:
        con.close()
    assert not at.sidebar.button_group  # no role picker
    if mode == "demo":
        assert "Demomodus is alleen toegestaan op een voorbeelddatabank" in at.error[0].value
    else:  # no SCHOOLFOTO_AUTH: a real database defaults to OIDC login
        assert "Aanmelden is nog niet ingesteld" in at.error[0].value


def test_a_page_view_is_logged_once_per_page_and_school(writable_db, monkeypatch, viewers):
    _env_for(writable_db, monkeypatch, "oidc")
    anker = viewers["anker"]
    at = oidc_app(anker)
    at.run()
    at.switch_page("app_pages/schoolfoto.py").run()
    at.run()
    at.run()  # reruns of the same page and school add nothing
    first = at.sidebar.selectbox[0].value
    second = next(o for o in at.sidebar.selectbox[0].options if not o.endswith(f"({first})"))
    second_id = re.search(r"\((\d{6})\)$", second).group(1)
    at.sidebar.selectbox[0].select(second_id).run()
    assert not at.exception
    con = OpenedData(writable_db)
    try:
        rows = con.state.execute(
            "SELECT action, school_id, detail FROM audit_log WHERE user_id = ? ORDER BY logged_at",
            [anker.user_id],
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("meldt aan", None, None),
        ("bekijkt", first, "Schoolfoto"),
        ("bekijkt", second_id, "Schoolfoto"),
    ]


def test_output_text_sees_tables_chart_data_and_widget_options():
    """The leak detector is only as good as its eyes: check it reads every kind of output."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(
        """
import altair as alt
import pandas as pd
import streamlit as st

st.dataframe(pd.DataFrame({"school": ["GEHEIM-TABEL"]}))
df = pd.DataFrame({"x": [1], "y": [2], "naam": ["GEHEIM-GRAFIEK"]})
st.altair_chart(alt.Chart(df).mark_point().encode(x="x", y="y", tooltip="naam"))
st.sidebar.selectbox("Kies", ["GEHEIM-OPTIE"])
st.metric("m", 1, help="GEHEIM-HULP")
with st.expander("GEHEIM-EXPANDER"):
    st.caption("GEHEIM-CAPTION")
""",
        default_timeout=30,
    )
    at.run()
    text = output_text(at)
    for secret in ("TABEL", "GRAFIEK", "OPTIE", "HULP", "EXPANDER", "CAPTION"):
        assert f"GEHEIM-{secret}" in text


def test_school_in_session_state_outside_scope_is_ignored(oidc_env, con, viewers):
    director = viewers["directeur"]
    own = access.allowed_school_ids(con, director)[0]
    other_id, other_name = con.execute(
        "SELECT school_id, name FROM schools WHERE school_id <> ? ORDER BY school_id DESC LIMIT 1",
        [own],
    ).fetchone()
    at = oidc_app(director)
    at.session_state["school_id"] = other_id  # as if a stale or forged session said so
    at.run()
    at.switch_page("app_pages/schoolfoto.py").run()
    assert not at.exception
    own_name = con.execute("SELECT name FROM schools WHERE school_id = ?", [own]).fetchone()[0]
    assert at.title[0].value == f"Schoolfoto · {own_name}"
    assert other_name not in output_text(at)
    assert at.session_state["school_id"] == own


def test_a_download_writes_one_export_line(writable_db, monkeypatch, viewers):
    from ui.components import logged_export
    from ui.data import get_database

    _env_for(writable_db, monkeypatch, "oidc")
    director = viewers["directeur"]
    own = director.user_id.removeprefix("dir-")
    make = logged_export(director, own, "Excel-schoolfoto", lambda: b"bestand")
    cur = get_database(str(writable_db)).cursor()
    assert cur.state.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0  # not before
    assert make() == b"bestand"
    rows = cur.state.execute("SELECT user_id, action, school_id, detail FROM audit_log").fetchall()
    assert rows == [(director.user_id, "exporteert", own, "Excel-schoolfoto")]
