"""First start: the bundled sample folder is generated; a missing or broken custom folder is
reported on the first page (before login), in Dutch, without a server path or traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import data_model.storage.db
import ui.bootstrap
from data_model.sample import SampleSpec
from data_model.storage.db import Database, is_sample
from tests.conftest import ROOT


def test_missing_default_folder_is_generated_on_first_start(tmp_path, monkeypatch):
    target = tmp_path / "sample_data"
    for name in ("SCHOOLFOTO_DB", "SCHOOLFOTO_DATA", "SCHOOLFOTO_AUTH", "SCHOOLFOTO_STATE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(data_model.storage.db, "DEFAULT_DATA_PATH", target)
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
    assert (target / "current.duckdb").exists() and (target / "state.sqlite").exists()
    assert messages[0] == "Scholen en context aanmaken" and messages[-1] == "Klaar"
    # After the rerun the app opens on the new sample data in demo mode.
    assert at.title[0].value == "Schoolfoto"
    db = Database(target)
    assert is_sample(db.cursor())
    db.close()


@pytest.mark.parametrize("case", ["missing", "old-variable", "damaged"])
def test_broken_configured_data_is_reported_not_created(tmp_path, monkeypatch, case):
    target = tmp_path / "elders" / "gegevens"
    monkeypatch.delenv("SCHOOLFOTO_DB", raising=False)
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(target))
    expected = "bestaat niet of bevat geen Schoolfoto-gegevens"
    if case == "old-variable":
        monkeypatch.setenv("SCHOOLFOTO_DB", str(tmp_path / "oud.duckdb"))
        expected = "SCHOOLFOTO_DB wordt niet meer gebruikt"
    elif case == "damaged":
        db = Database(target, create=True)
        path = db.snapshot_path()
        db.close()
        path.write_bytes(b"kapot" * 1000)
        expected = "beschadigd"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert expected in at.error[0].value
    assert str(tmp_path) not in at.error[0].value  # no server path on the page
    assert not at.sidebar.button_group and not at.button  # nothing before the message: no login
    if case == "missing":
        assert not target.exists()


@pytest.fixture(autouse=True)
def _fresh_resources():
    # The cached database handle of other tests must not leak into these runs.
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def test_sample_folder_of_an_older_version_is_made_again(tmp_path, monkeypatch):
    target = tmp_path / "sample_data"
    for name in ("SCHOOLFOTO_DB", "SCHOOLFOTO_DATA", "SCHOOLFOTO_AUTH", "SCHOOLFOTO_STATE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(data_model.storage.db, "DEFAULT_DATA_PATH", target)
    ui.bootstrap.generate(target, SampleSpec(schools=12, years=3))
    con = duckdb.connect(str(target / "current.duckdb"))
    con.execute("ALTER TABLE school_result DROP COLUMN status_estimate")  # an older layout
    con.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert not at.error  # not "cannot be read": the synthetic data was simply made again
    db = Database(target)
    assert is_sample(db.cursor()) and db.current_snapshot() != "snapshot-000001"
    db.close()


def test_real_data_of_an_older_version_is_never_replaced(tmp_path, monkeypatch, writable_db):
    monkeypatch.delenv("SCHOOLFOTO_DB", raising=False)
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(writable_db))
    con = duckdb.connect(str(writable_db / "current.duckdb"))
    con.execute("UPDATE meta SET value = 'false' WHERE key = 'is_sample'")  # imported data
    con.execute("ALTER TABLE school_result DROP COLUMN status_estimate")
    con.close()
    before = sorted((writable_db / "snapshots").iterdir())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert "python -m data_model.storage upgrade" in at.error[0].value
    assert sorted((writable_db / "snapshots").iterdir()) == before  # nothing replaced
