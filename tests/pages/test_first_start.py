"""First start: the bundled sample database is generated; a missing custom path is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import data_model.storage.db
import ui.bootstrap
from data_model.storage.db import Database, is_sample
from tests.conftest import ROOT


def test_missing_default_database_is_generated_on_first_start(tmp_path, monkeypatch):
    target = tmp_path / "sample_data" / "schoolfoto.duckdb"
    monkeypatch.delenv("SCHOOLFOTO_DB", raising=False)
    monkeypatch.delenv("SCHOOLFOTO_AUTH", raising=False)
    monkeypatch.setattr(data_model.storage.db, "DEFAULT_DB_PATH", target)
    monkeypatch.setattr(ui.bootstrap, "DEFAULT_DB_PATH", target)
    messages: list[str] = []
    real_generate = ui.bootstrap.generate

    def spy(path: Path, progress=None, **kwargs):  # type: ignore[no-untyped-def]
        def record(frac: float, msg: str) -> None:
            messages.append(msg)
            if progress:
                progress(frac, msg)

        return real_generate(path, progress=record, **kwargs)

    monkeypatch.setattr(ui.bootstrap, "generate", spy)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert target.exists()
    assert messages[0] == "Scholen en context aanmaken" and messages[-1] == "Klaar"
    # After the rerun the app opens on the new sample database in demo mode.
    assert at.title[0].value == "Schoolfoto"
    db = Database(target)
    assert is_sample(db.cursor())
    db.close()


def test_missing_configured_database_is_reported_not_created(tmp_path, monkeypatch):
    missing = tmp_path / "elders" / "echt.duckdb"
    monkeypatch.setenv("SCHOOLFOTO_DB", str(missing))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert f"De databank `{missing}` (uit SCHOOLFOTO_DB) bestaat niet" in at.error[0].value
    assert not missing.exists()


@pytest.fixture(autouse=True)
def _fresh_resources():
    # The cached database handle of other tests must not leak into these runs.
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()
