"""User management and the audit log for the beheerder.

`render_user_admin(viewer)` is shown by the Gegevens page in its tab "Gebruikers"; it holds
four sub-tabs: overview, add/edit, import of a users sheet, and the audit log
(`render_audit_log(viewer)`, also usable on its own). The data layer (data_model.state.users,
data_model.state.audit) refuses every call from a non-beheerder, so these functions only lay out.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import streamlit as st

from data_model.imports.reader import ACCEPTED_TYPES, upfront_refusal
from data_model.reading.access import Viewer
from data_model.state import audit, users
from data_model.state.user_sheet import UserValidationError
from data_model.vocabulary import DIRECTEUR, ROLE_LABELS, ROLES
from ui.data import clear_caches, cursor, db_path, get_database
from ui.safe_text import md

NEW = "__nieuw__"


def _role_short(role: str) -> str:
    return ROLE_LABELS.get(role, role).split(" (")[0]


def _show_errors(title_md: str, errors: list[str]) -> None:
    """`title_md` is Markdown (escape data in it with md()); every error is data-escaped."""
    shown = errors[:30]
    more = f"\n\n… en nog {len(errors) - len(shown)} problemen." if len(errors) > 30 else ""
    st.error(f"**{title_md}**\n\n" + "\n".join(f"- {md(e)}" for e in shown) + more)


TAB_KEY = "ua_tab"


def render_user_admin(viewer: Viewer) -> None:
    """Users, their roles, schools and region; import; audit log. Beheerder only."""
    if not viewer.is_admin:
        st.warning("Gebruikersbeheer is alleen beschikbaar voor de beheerder.")
        return
    flash = st.session_state.pop("_ua_flash", None)
    if flash:
        st.success(flash)
    # Only the open tab runs (lazy tabs): a search in the overview does not rebuild the
    # edit form, the import or the audit log.
    tabs = st.tabs(list(_TABS), key=TAB_KEY, on_change="rerun")
    for tab, render in zip(tabs, _TABS.values(), strict=True):
        with tab:
            if tab.open:
                render(viewer)


def _render_overview(viewer: Viewer) -> None:
    df = users.list_users(cursor(), viewer)
    active = df[df["active"]]
    cols = st.columns(len(ROLES) + 1)
    for col, role in zip(cols, ROLES, strict=False):
        col.metric(_role_short(role), int((active["role"] == role).sum()))
    cols[-1].metric("Uitgeschakeld", int((~df["active"]).sum()))
    c1, c2 = st.columns([1, 2])
    roles = c1.multiselect(
        "Rol", list(ROLES), format_func=_role_short, placeholder="Alle rollen", key="ua_roles"
    )
    text = c2.text_input(
        "Zoeken", placeholder="naam, e-mailadres of instellingsnummer", key="ua_search"
    )
    view = df
    if roles:
        view = view[view["role"].isin(roles)]
    if text.strip():
        needle = text.strip().lower()
        hay = (view["name"] + " " + view["email"] + " " + view["schools"]).str.lower()
        view = view[hay.str.contains(needle, regex=False)]
    st.dataframe(
        pd.DataFrame(
            {
                "Naam": view["name"],
                "E-mail": view["email"],
                "Rol": view["role"].map(_role_short),
                "Actief": view["active"],
                "Regio": view["region_name"].fillna(""),
                "Scholen": view["schools"],
            }
        ),
        hide_index=True,
        width="stretch",
        height=460,
        column_config={
            "Naam": st.column_config.TextColumn(width="medium"),
            "E-mail": st.column_config.TextColumn(width="medium"),
            "Rol": st.column_config.TextColumn(width="small"),
            "Regio": st.column_config.TextColumn(width="medium"),
            "Scholen": st.column_config.TextColumn(
                width="large",
                help="Instellingsnummers van de gekoppelde scholen. Een regioteam ziet daarnaast "
                "alle scholen van zijn regio, een beheerder alle scholen.",
            ),
            "Actief": st.column_config.CheckboxColumn(
                width="small", help="Een uitgeschakeld account kan zich niet meer aanmelden."
            ),
        },
    )
    st.caption(f"{len(view)} van {len(df)} gebruikers. Gesorteerd op rol en naam.")


def _render_edit(viewer: Viewer) -> None:
    con = cursor()
    df = users.list_users(con, viewer)
    # user_id and role are text columns; str() tells the type checker what pandas-stubs cannot.
    labels = {
        str(r.user_id): f"{r.name} · {r.email} · {_role_short(str(r.role))}"
        + ("" if r.active else " · uitgeschakeld")
        for r in df.itertuples(index=False)
    }
    labels = {NEW: "(nieuwe gebruiker toevoegen)", **labels}
    # After saving, show the saved user (a widget's state can only be set before it is drawn).
    pending = st.session_state.pop("_ua_select", None)
    if pending in labels:
        st.session_state["ua_pick_user"] = pending
    user_id = st.selectbox(
        "Gebruiker", list(labels), format_func=labels.__getitem__, key="ua_pick_user"
    )
    current = (
        users.UserInput("", "", DIRECTEUR)
        if user_id == NEW
        else users.get_user(con, viewer, user_id)
    )
    if current is None:
        st.info("Deze gebruiker bestaat niet meer.")
        return
    region_df = users.regions(con, viewer)
    region_names = dict(zip(region_df["region_id"], region_df["name"], strict=True))
    school_df = users.all_schools(con, viewer)
    school_names = {
        s: f"{n} ({s})" for s, n in zip(school_df["school_id"], school_df["name"], strict=True)
    }
    k = f"ua_{user_id}"
    with st.form(key=f"{k}_form", border=True):
        c1, c2 = st.columns(2)
        email = c1.text_input("E-mailadres", value=current.email, key=f"{k}_email")
        name = c2.text_input("Naam", value=current.name, key=f"{k}_name")
        c3, c4 = st.columns(2)
        role = c3.selectbox(
            "Rol",
            list(ROLES),
            index=list(ROLES).index(current.role) if current.role in ROLES else 0,
            format_func=lambda r: ROLE_LABELS[r],
            key=f"{k}_role",
        )
        region_options = [""] + list(region_names)
        region = c4.selectbox(
            "Regio",
            region_options,
            index=region_options.index(current.region_id or ""),
            format_func=lambda r: region_names.get(r, "(geen)"),
            help="Verplicht voor een regioteam: dat ziet alle scholen van de regio.",
            key=f"{k}_region",
        )
        schools = st.multiselect(
            "Scholen",
            list(school_names),
            default=[s for s in current.school_ids if s in school_names],
            format_func=school_names.__getitem__,
            help="Een directeur ziet alleen deze scholen, een anker de scholen die hij of zij "
            "begeleidt. Een beheerder ziet alle scholen (laat leeg).",
            placeholder="Kies een of meer scholen",
            key=f"{k}_schools",
        )
        active = st.checkbox("Actief (mag zich aanmelden)", value=current.active, key=f"{k}_active")
        submitted = st.form_submit_button("Opslaan", type="primary")
    if submitted:
        data = users.UserInput(email, name, role, region or None, tuple(schools), active)
        try:
            uid = users.save_user(
                get_database(db_path()), viewer, data, None if user_id == NEW else user_id
            )
        except UserValidationError as exc:
            _show_errors("Niet opgeslagen:", exc.errors)
        else:
            clear_caches()  # scopes changed: no cached query may serve the old scope
            st.session_state["_ua_flash"] = f"Gebruiker {md(data.email)} is opgeslagen."
            st.session_state["_ua_select"] = uid
            st.rerun()
    if user_id != NEW and current.active and user_id != viewer.user_id:
        if st.button("Account uitschakelen", icon=":material/block:", key=f"{k}_disable"):
            users.set_active(get_database(db_path()), viewer, user_id, False)
            clear_caches()
            st.session_state["_ua_flash"] = f"Het account {md(current.email)} is uitgeschakeld."
            st.rerun()
        st.caption(
            "Een uitgeschakeld account blijft bewaard (met zijn notities) maar kan zich niet meer "
            "aanmelden; u kunt het later weer inschakelen."
        )


def _render_import(viewer: Viewer) -> None:
    st.markdown(
        f"Lees een gebruikerslijst in ({ACCEPTED_TYPES}) met de kolommen **e-mail**, **naam**, "
        "**rol**, **regio** en **scholen** (instellingsnummers gescheiden door komma's), en "
        "eventueel **actief** (ja/nee). Een gebruiker met een bestaand e-mailadres wordt "
        "bijgewerkt; gebruikers die niet in de lijst staan, blijven ongewijzigd. De lijst wordt "
        "pas ingelezen als elke rij klopt."
    )
    st.download_button(
        "Sjabloon downloaden (.xlsx)",
        data=users.user_sheet_template,  # built when clicked, not on every rerun
        file_name="schoolfoto-gebruikers.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key="ua_template",
    )
    # No `type=`, as in the Gegevens tab "Inlezen": the browser would block
    # another file with an English hint; the reader's Dutch message says which types are read.
    upload = st.file_uploader(
        f"Gebruikerslijst ({ACCEPTED_TYPES})",
        help=f"Hoogstens {users.MAX_SHEET_BYTES // 1_000_000} MB en {users.MAX_SHEET_ROWS} rijen.",
        key="ua_upload",
    )
    if upload is None:
        return
    refusal = upfront_refusal(upload.name, upload.size)
    if refusal:
        st.error(md(refusal), icon=":material/block:")
        return
    if st.button("Importeren", type="primary", key="ua_import"):
        try:
            result = users.import_users(
                get_database(db_path()), viewer, upload.name, upload.getvalue()
            )
        except UserValidationError as exc:
            _show_errors(f"{md(upload.name)} is niet ingelezen: er is niets gewijzigd.", exc.errors)
        else:
            clear_caches()
            st.success(
                f"{md(upload.name)} is ingelezen: {result.added} nieuw, "
                f"{result.updated} gewijzigd, {result.unchanged} ongewijzigd."
            )


def render_audit_log(viewer: Viewer) -> None:
    """Who opened which school's pages and exports, and every import. Beheerder only."""
    if not viewer.is_admin:
        st.warning("Het logboek is alleen beschikbaar voor de beheerder.")
        return
    st.caption(
        "Het logboek houdt bij wie welke schoolpagina's bekeek of exporteerde, wie zich "
        "aanmeldde of geweigerd werd, en elke import of wijziging van gebruikers. Er staan geen "
        "leerlinggegevens in."
    )
    c1, c2, c3 = st.columns(3)
    action = c1.selectbox(
        "Actie", [""] + list(audit.ACTIONS), format_func=lambda a: a or "Alle acties",
        key="al_action",
    )  # fmt: skip
    since = c2.date_input(
        "Vanaf", value=date.today().replace(day=1), format="DD/MM/YYYY", key="al_since"
    )
    school = c3.text_input("Instellingsnummer", max_chars=6, key="al_school").strip()
    entries = audit.audit_entries(
        cursor(),
        viewer,
        since=datetime.combine(since, time.min) if since else None,
        school_id=school or None,
        action=action or None,
    )
    if entries.empty:
        st.info("Geen regels in het logboek voor deze keuze.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Tijdstip": entries["logged_at"],
                "Gebruiker": entries["user_name"],
                "Rol": entries["role"].fillna("").map(lambda r: _role_short(r) if r else ""),
                "Actie": entries["action"],
                "School": entries["school_name"].fillna(""),
                "Instellingsnummer": entries["school_id"].fillna(""),
                "Detail": entries["detail"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Tijdstip": st.column_config.DatetimeColumn(
                format="DD/MM/YYYY HH:mm:ss", help="Klok van de server."
            ),
        },
    )
    st.caption(f"{len(entries)} regels, nieuwste eerst (hoogstens 2000).")


_TABS = {
    "Overzicht": _render_overview,
    "Toevoegen of wijzigen": _render_edit,
    "Lijst importeren": _render_import,
    "Logboek": render_audit_log,
}
