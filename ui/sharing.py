"""The director's choice to share the Vlaamse toetsen with the support service, and the line
an anker or a regional team reads when a school has not shared them (state/sharing.py)."""

from __future__ import annotations

import streamlit as st

from data_model.reading.access import Viewer
from data_model.state import sharing
from data_model.texts.formatting import format_date
from ui.data import clear_caches, cursor, database
from ui.safe_text import md

NOT_SHARED = (
    "Deze school deelt de resultaten van de Vlaamse toetsen niet met de begeleiding. Dat is "
    "de keuze van de directeur; de OVSG-toets en de zorggegevens staan hier wel."
)


def render_sharing_toggle(viewer: Viewer, school_id: str) -> None:
    """The toggle on the director's Start card: one click, audited, default off."""
    current = sharing.result_sharing(cursor(), viewer, school_id)
    key = f"share-vt-{school_id}"

    def changed() -> None:
        if sharing.set_result_sharing(database(), viewer, school_id, st.session_state[key]):
            clear_caches()

    st.toggle(
        "Ons anker en het regioteam mogen de resultaten van de Vlaamse toetsen van onze "
        "school zien",
        value=current.granted,
        key=key,
        on_change=changed,
        help="Het gaat om de resultaten op schoolniveau. Klasgroepen en leerlingen blijven "
        "altijd binnen de school, wat u hier ook kiest.",
    )
    if current.changed_at is None:
        st.caption("Standaard niet gedeeld. U kunt dit op elk moment aanpassen.")
    else:
        state = "Gedeeld" if current.granted else "Niet gedeeld"
        st.caption(
            f"{state} sinds {format_date(current.changed_at)} "
            f"(ingesteld door {md(current.changed_by or '')}). Elke wijziging staat in het logboek."
        )
