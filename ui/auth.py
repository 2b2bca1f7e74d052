"""Who is looking: demo picker on sample data, OIDC login otherwise.
(docs/architecture.md, "Scope and suppression")

`SCHOOLFOTO_AUTH` = `demo` | `oidc`. Default: `demo` on a sample database, `oidc` on a real
one. Demo mode on a real database is refused: a real database never runs without login.

In OIDC mode `st.login()` does the sign-in (provider settings in `.streamlit/secrets.toml`,
see `.streamlit/secrets.toml.example` and the README section "Aanmelden en rollen");
`st.user.email` is then looked up in the `users` table. An unknown or disabled account sees a
polite refusal and nothing else: the refusal is rendered as the only page of a hidden
navigation, so no page of the app (not even one typed into the URL) runs for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from data_model.reading import access
from data_model.settings import setting
from data_model.state import audit
from data_model.storage.db import get_meta, is_sample
from data_model.vocabulary import BEHEERDER, DIRECTEUR, ROLE_LABELS, ROLES
from ui.components import log_audit
from ui.data import cursor, demo_users
from ui.safe_text import md

DEMO_USER_KEY = "demo_user_id"
_LOGGED_KEY = "_audit_login_logged"
_LAST_ROLE_KEY = "_demo_role_last"
_ROLE_WIDGET_KEY = "demo_role"


def auth_mode() -> str:
    value = setting("SCHOOLFOTO_AUTH").lower()
    if value in ("demo", "oidc"):
        return value
    return "demo" if is_sample(cursor()) else "oidc"


def _auth_secrets() -> Mapping | None:
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all, or a file that does not parse
        return None
    return section if isinstance(section, Mapping) else None


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section st.login() can use."""
    section = _auth_secrets()
    return section is not None and "redirect_uri" in section and "cookie_secret" in section


def oidc_provider() -> str | None:
    """The provider for st.login(): $SCHOOLFOTO_OIDC_PROVIDER, the only [auth.NAME], or None."""
    named = setting("SCHOOLFOTO_OIDC_PROVIDER")
    if named:
        return named
    section = _auth_secrets() or {}
    if "client_id" in section:
        return None
    providers = [k for k, v in section.items() if isinstance(v, Mapping)]
    return providers[0] if len(providers) == 1 else None


def _only_page(render: Callable[[], None]) -> None:
    """Show `render` as the app's only page and stop: no other page can run this session."""
    st.navigation([st.Page(render, title="Schoolfoto", default=True)], position="hidden").run()
    st.stop()


def refuse_demo_on_real_data() -> None:
    def page() -> None:
        st.title("Schoolfoto")
        st.error(
            "Demomodus is alleen toegestaan op een voorbeelddatabank. Deze databank bevat echte "
            "gegevens: zet `SCHOOLFOTO_AUTH=oidc` en meld u aan."
        )

    _only_page(page)


def _demo_label(row: dict) -> str:
    role = ROLE_LABELS[row["role"]].split(" (")[0]
    if row["role"] == DIRECTEUR:
        extra = row["first_school"] + (
            f" (+{row['n_schools'] - 1})" if row["n_schools"] > 1 else ""
        )
    elif row["role"] == BEHEERDER:
        extra = "alle scholen"
    else:
        extra = f"{row['n_schools']} scholen"
    return f"{role} · {row['name']} · {extra}"


def _demo_viewer() -> access.Viewer:
    con = cursor()
    if not is_sample(con):
        refuse_demo_on_real_data()
    users = demo_users()
    records = users.to_dict("records")
    labels = {r["user_id"]: _demo_label(r) for r in records}
    with st.sidebar:
        st.caption("Demomodus op voorbeeldgegevens: kies een rol en een gebruiker.")
        # The role outlives a page switch made from a callback (Start's "Open de schoolfoto"):
        # Streamlit then drops the widget's own state, and the picker fell back to the
        # director while the anker meant to open her school.
        if _ROLE_WIDGET_KEY not in st.session_state:
            st.session_state[_ROLE_WIDGET_KEY] = st.session_state.get(_LAST_ROLE_KEY, DIRECTEUR)
        role = st.segmented_control(
            "Rol",
            options=list(ROLES),
            format_func=lambda r: ROLE_LABELS[r].split(" (")[0],
            # A click on the selected role would otherwise deselect it, and the picker fell
            # back to the director: the role must stay as chosen.
            required=True,
            key=_ROLE_WIDGET_KEY,
        )
        # Belt and braces: should a deselection still arrive, keep the role shown before.
        role = role or st.session_state.get(_LAST_ROLE_KEY) or DIRECTEUR
        st.session_state[_LAST_ROLE_KEY] = role
        ids = [r["user_id"] for r in records if r["role"] == role]
        current = st.session_state.get(DEMO_USER_KEY) or get_meta(con, "demo_default_user")
        user_id = st.selectbox(
            "Gebruiker",
            options=ids,
            index=ids.index(current) if current in ids else 0,
            format_func=lambda uid: labels[uid],
        )
    previous = st.session_state.get(DEMO_USER_KEY)
    if previous and previous != user_id:
        # Another demo user: the school in the URL belonged to the previous one. Dropping it
        # avoids a "geen toegang" banner that a real user (who cannot switch) never sees.
        st.query_params.pop("school", None)
        st.session_state.pop("school_id", None)
    st.session_state[DEMO_USER_KEY] = user_id
    viewer = access.viewer_for_user_id(con, user_id)
    assert viewer is not None  # the picker only offers active users
    return viewer


def _login_page() -> None:
    st.title("Schoolfoto")
    st.write(
        "Schoolfoto toont de toetsresultaten en zorggegevens van uw school of scholen. "
        "Meld u aan met uw account van de begeleidingsdienst of van de school."
    )
    st.button(
        "Aanmelden",
        on_click=st.login,
        args=(oidc_provider(),) if oidc_provider() else (),
        type="primary",
        icon=":material/login:",
    )


def _not_configured_page() -> None:
    st.title("Schoolfoto")
    st.error(
        "Aanmelden is nog niet ingesteld op deze server. Beheerder: vul "
        "`.streamlit/secrets.toml` aan met een `[auth]`-sectie (zie "
        "`.streamlit/secrets.toml.example` en de README, 'Aanmelden en rollen')."
    )


def _refusal_page(email: str, status: str) -> Callable[[], None]:
    def page() -> None:
        st.title("Schoolfoto")
        who = md(email) if email else "(zonder e-mailadres)"
        if status == "disabled":
            st.warning(
                f"Het account {who} is uitgeschakeld. Neem contact op met de beheerder van "
                "Schoolfoto als u opnieuw toegang nodig hebt."
            )
        elif status == "unverified":
            st.warning(
                f"Het e-mailadres {who} is bij uw aanmeldprovider niet bevestigd. Bevestig het "
                "daar en meld u opnieuw aan."
            )
        else:
            st.warning(
                f"Welkom! Het account {who} heeft (nog) geen toegang tot Schoolfoto. Vraag de "
                "beheerder van Schoolfoto om u toe te voegen en vermeld dit e-mailadres."
            )
        st.button("Afmelden", on_click=st.logout, icon=":material/logout:")

    return page


def _oidc_viewer() -> access.Viewer:
    if not oidc_configured() and not st.user.get("is_logged_in"):
        _only_page(_not_configured_page)
    if not st.user.get("is_logged_in"):
        _only_page(_login_page)
    email = str(st.user.get("email") or "").strip()
    status = access.account_status(cursor(), email)
    if status == "active" and st.user.get("email_verified") is False:
        status = "unverified"
    if status != "active":
        if not st.session_state.get(_LOGGED_KEY):
            st.session_state[_LOGGED_KEY] = True
            # An unknown address is logged so the beheerder can add the person; it is staff
            # identity, not pupil data.
            detail = f"aanmelding {email}: {status}"
            log_audit(None, audit.REFUSED, user_id="onbekend", detail=detail)
        _only_page(_refusal_page(email, status))
    viewer = access.viewer_for_email(cursor(), email)
    assert viewer is not None  # account_status said active
    if st.session_state.get(_LOGGED_KEY) != viewer.user_id:
        st.session_state[_LOGGED_KEY] = viewer.user_id
        log_audit(viewer, audit.LOGIN)
    return viewer


def current_viewer() -> access.Viewer:
    """The Viewer for this session; stops the script with a message if there is none."""
    mode = auth_mode()
    viewer = _demo_viewer() if mode == "demo" else _oidc_viewer()
    with st.sidebar:
        st.caption(f"Aangemeld als **{md(viewer.name)}** · {viewer.role_label}")
        if mode == "oidc":
            st.button("Afmelden", on_click=st.logout, icon=":material/logout:", key="logout")
    return viewer
