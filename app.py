"""Schoolfoto: router only (page config, database on first start, login, navigation)."""

import streamlit as st

from ui.auth import current_viewer
from ui.bootstrap import ensure_database
from ui.navigation import pages_for

st.set_page_config(page_title="Schoolfoto", page_icon=":material/school:", layout="wide")
ensure_database()  # also pins this run's snapshot (ui.data.pin_snapshot)
viewer = current_viewer()
st.session_state["viewer"] = viewer
st.navigation(pages_for(viewer)).run()
