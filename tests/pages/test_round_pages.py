"""AppTest of the anker's round, the region overview on Start and the demo role picker."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_clicking_the_selected_role_keeps_it(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    roles = at.sidebar.button_group[0]
    assert roles.proto.required  # the browser cannot deselect the role
    roles.set_value("anker").run()
    chosen = at.sidebar.selectbox[0].value
    # A deselection (what a click on the selected role used to send) keeps role and user.
    at.sidebar.button_group[0].set_value(None).run()
    assert not at.exception
    assert at.sidebar.button_group[0].value in ("anker", None)
    assert at.sidebar.selectbox[0].value == chosen
    assert "Anker" in at.sidebar.caption[-1].value
