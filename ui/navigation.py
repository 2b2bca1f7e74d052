"""Which pages exist and which roles see them. app.py only routes over this list.

(docs/architecture.md, "Pages")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from data_model.reading.access import Viewer
from data_model.vocabulary import BEHEERDER, GUIDANCE_ROLES, ROLES, SCHOOL_STAFF_ROLES

ALL = frozenset(ROLES)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: frozenset[str] = ALL
    default: bool = False


ROOT = Path(__file__).resolve().parent.parent
# The browser-tab icon, served by the app itself. A `:material/...:` icon as page_icon (or as
# the favicon of a page) makes every browser fetch an SVG from fonts.gstatic.com, sending the
# user's address to a third party. Menu icons below come from the font Streamlit
# bundles; st.Page's icon would also become the tab icon, so pages set it in the menu only
# through `icon` while app.py sets this file as the tab icon on every run.
PAGE_ICON = str(ROOT / "ui" / "static" / "schoolfoto-icon.png")
STAFF = GUIDANCE_ROLES  # the support service: its internal pages
ADMIN = frozenset({BEHEERDER})
SCHOOL_STAFF = SCHOOL_STAFF_ROLES  # class groups and pupils stay inside the school

# The order of the menu. A page whose file does not exist (yet) is left out, so pages can be
# added by creating their file.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/start.py", "Start", ":material/home:", default=True),
    PageSpec("app_pages/schoolfoto.py", "Schoolfoto", ":material/grid_view:"),
    PageSpec("app_pages/trends.py", "Trends", ":material/trending_up:"),
    PageSpec("app_pages/vergelijken.py", "Vergelijken", ":material/compare_arrows:"),
    PageSpec("app_pages/klassen.py", "Klassen", ":material/groups:", roles=SCHOOL_STAFF),
    PageSpec("app_pages/zorg.py", "Zorg en begeleiding", ":material/diversity_1:"),
    PageSpec("app_pages/datagesprek.py", "Datagesprek", ":material/forum:"),
    PageSpec("app_pages/ronde.py", "Ronde", ":material/route:", roles=STAFF),
    PageSpec("app_pages/voorbereiding.py", "Voorbereiding", ":material/assignment:", roles=STAFF),
    PageSpec("app_pages/gegevens.py", "Gegevens", ":material/database:", roles=ADMIN),
    PageSpec("app_pages/uitleg.py", "Uitleg", ":material/help:"),
)


def visible_pages(viewer: Viewer) -> list[PageSpec]:
    return [p for p in PAGES if viewer.role in p.roles and (ROOT / p.path).exists()]


def pages_for(viewer: Viewer) -> list[st.Page]:
    return [
        st.Page(p.path, title=p.title, icon=p.icon, default=p.default)
        for p in visible_pages(viewer)
    ]
