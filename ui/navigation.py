"""Which pages exist and which roles see them (DESIGN §6). app.py only routes over this list."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_model.access import ROLES, Viewer

ALL = frozenset(ROLES)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: frozenset[str] = ALL
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/start.py", "Start", ":material/home:", default=True),
    PageSpec("pages/schoolfoto.py", "Schoolfoto", ":material/grid_view:"),
    PageSpec("pages/uitleg.py", "Uitleg", ":material/help:"),
)


def pages_for(viewer: Viewer) -> list[st.Page]:
    return [
        st.Page(p.path, title=p.title, icon=p.icon, default=p.default)
        for p in PAGES
        if viewer.role in p.roles
    ]
