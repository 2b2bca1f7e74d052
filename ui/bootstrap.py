"""First start: make sure there is a database to open (DESIGN §3, issue: foundation)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_model.rules import RulesError, load_rules
from data_model.sample import generate
from data_model.storage.db import DEFAULT_DB_PATH, configured_path


def ensure_database() -> Path:
    """Return the database path; generate the sample database on first start.

    Only the bundled default is generated: a missing $SCHOOLFOTO_DB is a configuration error
    we report instead of silently creating an empty or fake database in its place.
    """
    path = configured_path()
    if path.exists():
        return path
    if path.resolve() != DEFAULT_DB_PATH.resolve():
        st.error(
            f"De databank `{path}` (uit SCHOOLFOTO_DB) bestaat niet. Controleer het pad, of "
            "laat SCHOOLFOTO_DB leeg om de voorbeelddatabank te gebruiken."
        )
        st.stop()
    st.title("Schoolfoto")
    st.info(
        "Eerste start: we maken een voorbeelddatabank met synthetische gegevens aan. "
        "Dat duurt enkele seconden en gebeurt maar één keer."
    )
    bar = st.progress(0.0, text="Voorbeeldgegevens aanmaken…")
    generate(path, progress=lambda frac, msg: bar.progress(min(frac, 1.0), text=msg))
    bar.empty()
    st.rerun()
    return path


def ensure_rules() -> None:
    """Stop with the Dutch list of problems when an administrator edited rules.toml wrong."""
    try:
        load_rules()
    except RulesError as exc:
        st.title("Schoolfoto")
        st.error(
            "De instellingen in `data_model/rules.toml` bevatten fouten; de app toont niets "
            "tot ze verbeterd zijn.\n\n" + "\n".join(f"- {p}" for p in exc.problems)
        )
        st.stop()
