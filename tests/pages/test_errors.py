"""Errors without internals: a failing page shows a Dutch message with a
reference; the exception text, traceback and server paths only reach the server log."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

import ui.navigation
from tests.conftest import ROOT
from ui.safe_text import shown


@pytest.mark.parametrize("error", [RuntimeError, OSError, KeyError])
def test_a_failing_page_shows_a_reference_not_internals(app_env, monkeypatch, caplog, error):
    monkeypatch.setenv("SCHOOLFOTO_ERRORS", "show")  # as in production (tests raise again)

    def broken(viewer):
        raise error("kapot in /srv/schoolfoto/app_pages/start.py regel 12")

    monkeypatch.setattr(ui.navigation, "pages_for", broken)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    with caplog.at_level(logging.ERROR, logger="schoolfoto.errors"):
        at.run()
    assert not at.exception  # no Streamlit error box with a traceback
    message = shown(at.error[0].value)
    assert message.startswith("Er ging iets mis bij het tonen van deze pagina.")
    reference = message.rsplit("**", 2)[-2]
    assert reference.startswith("SF-") and len(reference) == 9
    assert "/srv" not in message and "kapot" not in message
    assert reference in caplog.text and "kapot in /srv" in caplog.text  # the log has it all
