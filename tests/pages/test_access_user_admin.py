"""The user management screens (ui/user_admin.py) driven with AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, OpenedData
from ui.safe_text import shown

SCRIPT = """
import streamlit as st
from data_model.reading.access import viewer_for_user_id
from ui.data import cursor
from ui.user_admin import render_user_admin

viewer = viewer_for_user_id(cursor(), st.session_state["as_user"])
render_user_admin(viewer)
"""


@pytest.fixture
def env(writable_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(writable_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "demo")
    monkeypatch.chdir(ROOT)
    return writable_db


def _app(user_id: str) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["as_user"] = user_id
    return at.run()


def test_non_admin_sees_only_a_notice(env, viewers):
    at = _app(viewers["regioteam"].user_id)
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Gebruikersbeheer is alleen beschikbaar voor de beheerder."
    ]
    assert not at.dataframe and not at.tabs


def test_overview_lists_every_user(env, viewers):
    at = _app(viewers["beheerder"].user_id)
    assert not at.exception
    assert [t.label for t in at.tabs] == [
        "Overzicht",
        "Toevoegen of wijzigen",
        "Lijst importeren",
        "Logboek",
    ]
    con = OpenedData(env)
    try:
        n_users = con.state.execute(
            "SELECT count(*) FROM users WHERE user_id <> 'systeem'"
        ).fetchone()
    finally:
        con.close()
    table = at.dataframe[0].value
    assert len(table) == n_users[0]
    assert list(table.columns) == ["Naam", "E-mail", "Rol", "Actief", "Regio", "Scholen"]
    at.text_input(key="ua_search").input("anker001@").run()
    assert at.dataframe[0].value["E-mail"].tolist() == ["anker001@demo.schoolfoto.test"]
    # Only the open tab ran: no edit form, no uploader, no audit log behind the overview.
    assert not at.get("file_uploader") and not [b for b in at.button if b.label == "Opslaan"]


def _open(at: AppTest, tab: str) -> AppTest:
    at.session_state["ua_tab"] = tab  # only the open tab runs
    return at.run()


def test_add_a_director_through_the_form(env, viewers):
    at = _open(_app(viewers["beheerder"].user_id), "Toevoegen of wijzigen")
    school = at.multiselect(key="ua___nieuw___schools").options[0]
    at.text_input(key="ua___nieuw___email").input("nieuwe.directeur@school.be")
    at.text_input(key="ua___nieuw___name").input("Nele Nieuw")
    at.multiselect(key="ua___nieuw___schools").select(_raw_option(school))
    submit = next(b for b in at.button if b.label == "Opslaan")
    submit.click().run()
    assert not at.exception
    assert shown(at.success[0].value) == "Gebruiker nieuwe.directeur@school.be is opgeslagen."
    con = OpenedData(env)
    try:
        row = con.state.execute(
            "SELECT u.role, count(s.school_id) FROM users u JOIN user_schools s USING (user_id) "
            "WHERE email = 'nieuwe.directeur@school.be' GROUP BY u.role"
        ).fetchone()
        logged = con.state.execute(
            "SELECT detail FROM audit_log WHERE action = 'beheert gebruikers'"
        ).fetchall()
    finally:
        con.close()
    assert row == ("directeur", 1)
    assert logged == [("voegt toe: nieuwe.directeur@school.be",)]


def test_form_errors_are_shown_in_dutch(env, viewers):
    at = _open(_app(viewers["beheerder"].user_id), "Toevoegen of wijzigen")
    at.text_input(key="ua___nieuw___email").input("geen adres")
    next(b for b in at.button if b.label == "Opslaan").click().run()
    assert not at.exception
    text = at.error[0].value
    assert text.startswith("**Niet opgeslagen:**")
    assert "geen geldig e\\-mailadres" in text
    assert "een directeur heeft minstens één school" in text


def _raw_option(label: str) -> str:
    # The multiselect shows "name (id)"; its values are the ids.
    return label.rsplit("(", 1)[1].rstrip(")")


def test_import_a_users_sheet_through_the_uploader(env, viewers):
    at = _open(_app(viewers["beheerder"].user_id), "Lijst importeren")
    con = OpenedData(env)
    try:
        school = con.execute("SELECT min(school_id) FROM schools").fetchone()[0]
    finally:
        con.close()
    bad = b"e-mail;naam;rol;regio;scholen\nfout;X;directeur;;\n"
    at.file_uploader(key="ua_upload").set_value(("lijst.csv", bad, "text/csv")).run()
    at.button(key="ua_import").click().run()
    assert not at.exception
    assert shown(at.error[0].value).startswith(
        "**lijst.csv is niet ingelezen: er is niets gewijzigd.**"
    )
    assert "Rij 2, kolom 'e-mail'" in shown(at.error[0].value)
    good = f"e-mail;naam;rol;regio;scholen\nlies@school.be;Lies;directeur;;{school}\n".encode()
    at.file_uploader(key="ua_upload").set_value(("lijst.csv", good, "text/csv")).run()
    at.button(key="ua_import").click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == [
        "lijst.csv is ingelezen: 1 nieuw, 0 gewijzigd, 0 ongewijzigd."
    ]


def test_the_users_sheet_takes_the_types_of_the_data_imports(env, viewers):
    """A LibreOffice sheet is read like any data file; another type is refused with the
    Gegevens page's own message before anything can be imported."""
    from data_model.imports.reader import ACCEPTED_TYPES, upfront_refusal
    from tests.data_model.importer_files import ODS_FORMATTED_TAIL, ods_bytes

    at = _open(_app(viewers["beheerder"].user_id), "Lijst importeren")
    assert at.get("file_uploader")[0].proto.label == f"Gebruikerslijst ({ACCEPTED_TYPES})"
    at.file_uploader(key="ua_upload").set_value(("lijst.pdf", b"%PDF-1.4", "application/pdf"))
    at.run()
    assert [shown(e.value) for e in at.error] == [upfront_refusal("lijst.pdf", 8)]
    assert not [b for b in at.button if b.key == "ua_import"]
    con = OpenedData(env)
    try:
        school = con.execute("SELECT min(school_id) FROM schools").fetchone()[0]
    finally:
        con.close()
    sheet = ods_bytes(["e-mail", "naam", "rol", "regio", "scholen"],
                      [["ods@school.be", "Ods", "directeur", None, school]],
                      sheet="Gebruikers", tail=ODS_FORMATTED_TAIL)  # fmt: skip
    at.file_uploader(key="ua_upload").set_value(("lijst.ods", sheet, "application/octet-stream"))
    at.run()
    at.button(key="ua_import").click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == [
        "lijst.ods is ingelezen: 1 nieuw, 0 gewijzigd, 0 ongewijzigd."
    ]
