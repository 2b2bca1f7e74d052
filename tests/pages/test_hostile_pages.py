"""Hostile data on every page × role: nothing from data renders as Markdown.

A copy of the sample database gets the payload of tests/hostile.py in every text field; each
page is run for each role that sees it, on the school with the planted notes. Every piece of
text that Streamlit renders as Markdown (titles, markdown, captions, alerts, labels, help
texts, tabs, expanders, radio options, st.table cells) is scanned for a live link, image,
HTML tag, directive, icon, emoji, formula or autolinked URL from the payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from data_model.reading.access import Viewer, viewer_for_user_id
from data_model.storage.db import Database
from tests.conftest import ROOT, copy_data
from tests.hostile import ATTACKER, live_markup, plant, sweep_users
from ui.navigation import visible_pages

# Proto fields whose text Streamlit renders as Markdown. Options are Markdown only in radio
# buttons and button groups (segmented control, pills); a selectbox shows them as typed.
MARKDOWN_FIELDS = {"body", "label", "help", "caption"}
MARKDOWN_OPTIONS = {"Radio", "ButtonGroup", "Option"}  # Option: of a ButtonGroup


@pytest.fixture(scope="module")
def hostile_db(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = copy_data(pristine_db, tmp_path_factory.mktemp("hostile") / "data")
    ids = plant(db)
    (db.parent / "ids").write_text(f"{ids['school_id']} {ids['director']} {ids['anker']}")
    return db


@pytest.fixture(scope="module")
def hostile_viewers(hostile_db: Path) -> Iterator[tuple[str, dict[str, Viewer]]]:
    school_id, director, anker = (hostile_db.parent / "ids").read_text().split()
    ids = sweep_users(hostile_db, school_id, director, anker)
    db = Database(hostile_db)
    try:
        viewers = {role: viewer_for_user_id(db.cursor(), uid) for role, uid in ids.items()}
    finally:
        db.close()
    yield school_id, viewers


def chart_specs(at: AppTest) -> list[str]:
    """The Vega-Lite specs of the run (text in charts is not Markdown, but a spec could still
    carry a live link: an `href` channel, or a tooltip field named `image`)."""
    specs: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        spec = getattr(proto, "spec", None)
        if isinstance(spec, str) and spec.startswith("{"):
            specs.append(spec)
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return specs


def markdown_sources(at: AppTest) -> list[str]:
    """Every text of the run that Streamlit renders as Markdown."""
    out: list[str] = []

    def visit(message: Message) -> None:
        kind = type(message).__name__
        for descriptor, value in message.ListFields():
            if descriptor.type == descriptor.TYPE_MESSAGE:
                items = [value] if isinstance(value, Message) else list(value)
                for item in items:
                    visit(item)
            elif descriptor.type == descriptor.TYPE_STRING:
                values = [value] if isinstance(value, str) else list(value)
                if descriptor.name in MARKDOWN_FIELDS or (
                    descriptor.name in ("options", "content") and kind in MARKDOWN_OPTIONS
                ):
                    out.extend(values)

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            visit(proto)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    for table in at.table:  # st.table renders every cell (and header) as Markdown
        frame = table.value.reset_index()
        out += [str(c) for c in frame.columns]
        out += [str(v) for v in frame.to_numpy().ravel()]
    return out


def _run(viewer: Viewer, page: str, school_id: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["demo_user_id"] = viewer.user_id
    at.session_state["demo_role"] = viewer.role
    at.query_params["school"] = school_id
    at.run()
    at.switch_page(page).run()
    return at


ROLES = ("directeur", "anker", "regioteam", "beheerder")
# Lazy tabs (only the open one runs): every tab is opened in turn, by its key.
LAZY_TABS = {
    "app_pages/datagesprek.py": "datagesprek_step",
    "app_pages/vergelijken.py": "vergelijken_tab",
    "app_pages/gegevens.py": "ua_tab",
}


def _tab_labels(at: AppTest, page: str) -> list[str]:
    if page == "app_pages/gegevens.py":
        from ui.user_admin import _TABS

        return list(_TABS)
    return [t.label for t in at.tabs]


def _runs(viewer: Viewer, page: str, school_id: str) -> Iterator[AppTest]:
    """The page as it opens, then with each of its lazy tabs open."""
    at = _run(viewer, page, school_id)
    yield at
    key = LAZY_TABS.get(page)
    for label in _tab_labels(at, page) if key else []:
        at.session_state[key] = label
        yield at.run()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_renders_markup_from_data(hostile_db, hostile_viewers, monkeypatch, role):
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(hostile_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    school_id, viewers = hostile_viewers
    viewer = viewers[role]
    live: dict[str, list[str]] = {}
    seen_payload = seen_charts = 0
    for spec in visible_pages(viewer):
        for at in _runs(viewer, spec.path, school_id):
            assert not at.exception, (spec.path, [e.value for e in at.exception])
            sources = markdown_sources(at)
            seen_payload += sum(ATTACKER.split(".")[0] in s for s in sources)
            found = sorted({c for s in sources for c in live_markup(s)})
            specs = chart_specs(at)
            seen_charts += len(specs)
            for spec in specs:
                if '"href"' in spec or '"title": "image"' in spec:
                    found.append("a chart with a link channel")
            if found:
                live.setdefault(spec.path, []).extend(found)
    assert live == {}, f"live markup from data for {role}: {live}"
    # The scan must have seen the planted text: otherwise it proves nothing.
    assert seen_payload > 0 and seen_charts > 0


def test_the_signed_in_line_shows_a_url_in_a_name_as_text(hostile_db, hostile_viewers, monkeypatch):
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(hostile_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    school_id, viewers = hostile_viewers
    at = _run(viewers["anker"], "app_pages/start.py", school_id)
    line = next(c.value for c in at.sidebar.caption if c.value.startswith("Aangemeld als"))
    assert live_markup(line) == []
    from ui.safe_text import shown

    assert f"https://{ATTACKER}/bare" in shown(line)  # readable, as typed
