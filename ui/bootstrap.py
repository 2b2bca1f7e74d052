"""First start: make sure there is a data folder to open, and that rules.toml is valid.

Only the bundled default folder (`sample_data/`) is generated: a missing $SCHOOLFOTO_DATA is a
configuration error we report instead of silently creating an empty or fake database in its
place. A folder that cannot be opened (old single-file format, locked, damaged, state store
unreachable) gets a Dutch message on this first page, before login, without a traceback or a
server path. (docs/architecture.md, "From a file to a cell on a page")
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_model.rules import RulesError, load_rules
from data_model.sample import generate, stale_sample
from data_model.storage import db as storage
from data_model.storage.state_store import StateError
from ui.data import database, pin_snapshot
from ui.safe_text import md


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
    bundled = path.resolve() == storage.DEFAULT_DATA_PATH.resolve()
    # The bundled folder is made again when an older version of Schoolfoto left it behind:
    # it holds synthetic schools only (stale_sample never says so of real data).
    stale = bundled and stale_sample(path)
    if stale or not (path / storage.CURRENT).is_symlink():
        if not bundled:
            _stop(
                "De gegevensmap uit SCHOOLFOTO_DATA bestaat niet of bevat geen "
                "Schoolfoto-gegevens. Controleer de instelling, of laat SCHOOLFOTO_DATA leeg om "
                "de voorbeeldgegevens te gebruiken."
            )
        st.title("Schoolfoto")
        st.info(
            "De voorbeeldgegevens zijn gemaakt door een oudere versie van Schoolfoto; we maken "
            "ze opnieuw aan. Dat duurt enkele seconden."
            if stale
            else "Eerste start: we maken voorbeeldgegevens met synthetische scholen aan. "
            "Dat duurt enkele seconden en gebeurt maar één keer."
        )
        bar = st.progress(0.0, text="Voorbeeldgegevens aanmaken…")
        try:
            generate(path, progress=lambda frac, msg: bar.progress(min(frac, 1.0), text=msg),
                     force=stale)  # fmt: skip
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


def ensure_rules() -> None:
    """Stop with the Dutch list of problems when an administrator edited rules.toml wrong."""
    try:
        load_rules()
    except RulesError as exc:
        st.title("Schoolfoto")
        st.error(
            "De instellingen in `data_model/rules.toml` bevatten fouten; de app toont niets "
            "tot ze verbeterd zijn.\n\n" + "\n".join(f"- {md(p)}" for p in exc.problems)
        )
        st.stop()
