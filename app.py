"""Schoolfoto: router only (page config, database on first start, login, navigation)."""

import streamlit as st

from ui.auth import current_viewer
from ui.bootstrap import ensure_database, ensure_rules
from ui.components import CURRENT_PAGE_KEY
from ui.errors import guarded
from ui.navigation import PAGE_ICON, pages_for
from ui.style import apply_page_style

# A local icon: `:material/...` as page_icon makes every browser fetch it from a Google host.
st.set_page_config(page_title="Schoolfoto", page_icon=PAGE_ICON, layout="wide")
apply_page_style()
with guarded("app"):  # a Dutch message with a reference, never a traceback
    ensure_rules()
    ensure_database()  # also pins this run's snapshot (ui.data.pin_snapshot)
    viewer = current_viewer()
    st.session_state["viewer"] = viewer
    page = st.navigation(pages_for(viewer))
    st.session_state[CURRENT_PAGE_KEY] = page.title  # for the audit log (ui.components)
    page.run()
