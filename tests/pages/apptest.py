"""Running a page of the app with AppTest as a given demo user."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_model.reading.access import Viewer
from tests.conftest import ROOT, copy_data
from ui.safe_text import shown


def private_app(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at a private copy of the demo (for tests that write) and return it."""
    data = copy_data(pristine, tmp_path / "data")
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(data))
    monkeypatch.delenv("SCHOOLFOTO_STATE_URL", raising=False)
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    return data


def run_page(viewer: Viewer, page: str | None = None, school: str | None = None) -> AppTest:
    """Start the app as `viewer`, optionally open `page` (e.g. 'app_pages/schoolfoto.py')."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_id"] = viewer.user_id
    at.session_state["demo_role"] = viewer.role
    if school:
        at.query_params["school"] = school
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def all_text(at: AppTest) -> str:
    """Every piece of text the page shows (titles, markdown, captions, metrics, errors), as a
    reader sees it: the escapes of ui.safe_text removed."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return shown("\n".join(parts))


def grid_blocks(at: AppTest) -> list:
    """The page's tables outside expanders: on Schoolfoto the grid's blocks (the class groups
    below the school sit in an expander of their own)."""
    inside = {id(d.proto) for e in at.expander for d in e.dataframe}
    return [d for d in at.dataframe if id(d.proto) not in inside]


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Switch a tracked `st.tabs(..., key=key)` to the tab `label`: only the open tab runs."""
    at.session_state[key] = label
    return at.run()
