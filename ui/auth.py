"""Who is looking: demo picker on sample data, OIDC login otherwise (DESIGN §8).

`SCHOOLFOTO_AUTH` = `demo` | `oidc`. Default: `demo` on a sample database, `oidc` on a real
one. Demo mode on a real database is refused: a real database never runs without login.
"""

from __future__ import annotations

import os

import streamlit as st

from data_model import access
from data_model.db import is_sample
from ui.data import cursor

DEMO_USER_KEY = "demo_user_id"


def auth_mode() -> str:
    value = os.environ.get("SCHOOLFOTO_AUTH", "").strip().lower()
    if value in ("demo", "oidc"):
        return value
    return "demo" if is_sample(cursor()) else "oidc"


def _demo_label(row: dict) -> str:
    role = access.ROLE_LABELS[row["role"]].split(" (")[0]
    if row["role"] == "directeur":
        extra = row["first_school"] + (
            f" (+{row['n_schools'] - 1})" if row["n_schools"] > 1 else ""
        )
    elif row["role"] == "beheerder":
        extra = "alle scholen"
    else:
        extra = f"{row['n_schools']} scholen"
    return f"{role} · {row['name']} · {extra}"


def _demo_viewer() -> access.Viewer:
    con = cursor()
    if not is_sample(con):
        st.error(
            "Demomodus is alleen toegestaan op een voorbeelddatabank. Deze databank bevat echte "
            "gegevens: zet `SCHOOLFOTO_AUTH=oidc` en meld u aan."
        )
        st.stop()
    users = access.demo_users(con)
    records = users.to_dict("records")
    labels = {r["user_id"]: _demo_label(r) for r in records}
    with st.sidebar:
        st.caption("Demomodus op voorbeeldgegevens: kies een rol en een gebruiker.")
        role = st.segmented_control(
            "Rol",
            options=list(access.ROLES),
            format_func=lambda r: access.ROLE_LABELS[r].split(" (")[0],
            default="directeur",
            key="demo_role",
        )
        role = role or "directeur"
        ids = [r["user_id"] for r in records if r["role"] == role]
        current = st.session_state.get(DEMO_USER_KEY)
        user_id = st.selectbox(
            "Gebruiker",
            options=ids,
            index=ids.index(current) if current in ids else 0,
            format_func=lambda uid: labels[uid],
        )
    st.session_state[DEMO_USER_KEY] = user_id
    viewer = access.viewer_for_user_id(con, user_id)
    assert viewer is not None  # the picker only offers active users
    return viewer


def _oidc_viewer() -> access.Viewer:
    if not st.user.is_logged_in:
        st.title("Schoolfoto")
        st.write("Meld u aan met uw account van de begeleidingsdienst of de school.")
        st.button("Aanmelden", on_click=st.login, type="primary")
        st.stop()
    email = str(st.user.get("email") or "")
    viewer = access.viewer_for_email(cursor(), email) if email else None
    if viewer is None:
        st.title("Schoolfoto")
        st.warning(
            f"Het account {email or '(zonder e-mailadres)'} heeft (nog) geen toegang tot "
            "Schoolfoto. Vraag de beheerder om u toe te voegen."
        )
        st.button("Afmelden", on_click=st.logout)
        st.stop()
    return viewer


def current_viewer() -> access.Viewer:
    """The Viewer for this session; stops the script with a message if there is none."""
    viewer = _demo_viewer() if auth_mode() == "demo" else _oidc_viewer()
    with st.sidebar:
        st.caption(f"Aangemeld als **{viewer.name}** · {viewer.role_label}")
        if auth_mode() == "oidc":
            st.button("Afmelden", on_click=st.logout)
    return viewer
