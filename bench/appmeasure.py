"""Full page runs with AppTest, and the data calls each page makes (recorded, for replay)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.testing.v1 import AppTest

import ui.data
from data_model.reading.access import Viewer
from ui.navigation import visible_pages

ROOT = Path(__file__).resolve().parent.parent


def _summary(times: list[float]) -> dict[str, float]:
    from bench.run import summary

    return summary(times)


def measure_pages(
    db_path: Path, viewers: dict[str, Viewer], roles: tuple[str, ...], repeat: int
) -> tuple[dict[str, Any], dict[str, list[tuple]]]:
    """Time each page's script run per role; record the data calls of its first run.

    Cold = Streamlit's result cache emptied first (the database handle stays open, as in a
    running server); warm = the same page run again in the same session.
    """
    os.environ["SCHOOLFOTO_DATA"] = str(db_path)
    os.environ["SCHOOLFOTO_AUTH"] = "demo"
    recorded: list[tuple] = []
    original = ui.data._resolve

    def recording(module: str, name: str):  # type: ignore[no-untyped-def]
        fn = original(module, name)

        def wrapper(con, viewer, *args):  # type: ignore[no-untyped-def]
            recorded.append((module, name, args))
            return fn(con, viewer, *args)

        return wrapper

    ui.data._resolve = recording
    results: dict[str, Any] = {}
    calls: dict[str, list[tuple]] = {}
    try:
        for role in roles:
            viewer = viewers[role]
            for spec in visible_pages(viewer):
                key = f"{role} | {spec.title}"
                cold, warm = [], []
                for i in range(repeat):
                    st.cache_data.clear()
                    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                    at.session_state["demo_user_id"] = viewer.user_id
                    at.session_state["demo_role"] = viewer.role
                    at.run()
                    st.cache_data.clear()
                    recorded.clear()
                    start = time.perf_counter()
                    at.switch_page(spec.path).run()
                    cold.append((time.perf_counter() - start) * 1000)
                    if at.exception:
                        raise RuntimeError(f"{key}: {at.exception[0].message}")
                    if i == 0:
                        calls[key] = list(recorded)
                    start = time.perf_counter()
                    at.run()
                    warm.append((time.perf_counter() - start) * 1000)
                results[key] = {"cold_ms": _summary(cold), "warm_ms": _summary(warm)}
                print(f"apptest {key}: {results[key]['cold_ms']['median']} ms", flush=True)
    finally:
        ui.data._resolve = original
        # Close the app's database handle so the next steps can open the file afresh.
        ui.data.get_database(str(db_path)).close()
        st.cache_resource.clear()
        st.cache_data.clear()
    return results, calls
