"""First start: make sure there is a data folder to open, before anyone logs in (DESIGN §3, §9).

Only the bundled default folder (`sample_data/`) is generated: a missing $SCHOOLFOTO_DATA is a
configuration error we report instead of silently creating an empty or fake database in its
place. A folder that cannot be opened (old single-file format, locked, damaged, state store
unreachable) gets a Dutch message on this first page, without a traceback or a server path.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_model.sample import generate
from data_model.storage import db as storage
from data_model.storage.state import StateError
from ui.data import database, pin_snapshot


def _stop(message: str) -> None:
    st.title("Schoolfoto")
    st.error(message)
    st.stop()


def ensure_database() -> Path:
    """Return the data folder (generating the sample on first start); pin this run's snapshot."""
    try:
        path = storage.configured_path()
    except storage.DataError as exc:
        _stop(str(exc))
    if not (path / storage.CURRENT).is_symlink():
        if path.resolve() != storage.DEFAULT_DATA_PATH.resolve():
            _stop(
                "De gegevensmap uit SCHOOLFOTO_DATA bestaat niet of bevat geen "
                "Schoolfoto-gegevens. Controleer de instelling, of laat SCHOOLFOTO_DATA leeg om "
                "de voorbeeldgegevens te gebruiken."
            )
        st.title("Schoolfoto")
        st.info(
            "Eerste start: we maken voorbeeldgegevens met synthetische scholen aan. "
            "Dat duurt enkele seconden en gebeurt maar één keer."
        )
        bar = st.progress(0.0, text="Voorbeeldgegevens aanmaken…")
        try:
            generate(path, progress=lambda frac, msg: bar.progress(min(frac, 1.0), text=msg))
        except storage.DataError as exc:
            _stop(str(exc))
        bar.empty()
        st.rerun()
    try:
        database()
        pin_snapshot()
    except (storage.DataError, StateError) as exc:
        _stop(str(exc))
    return path
