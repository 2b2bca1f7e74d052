"""Schoolfoto: router only (page config, database on first start, login, navigation)."""

import streamlit as st

from ui.auth import current_viewer
from ui.bootstrap import ensure_database, ensure_rules
from ui.components import CURRENT_PAGE_KEY
from ui.navigation import pages_for

st.set_page_config(page_title="Schoolfoto", page_icon=":material/school:", layout="wide")
ensure_rules()
ensure_database()
viewer = current_viewer()
st.session_state["viewer"] = viewer
page = st.navigation(pages_for(viewer))
st.session_state[CURRENT_PAGE_KEY] = page.title  # for the audit log (ui.components)
page.run()
