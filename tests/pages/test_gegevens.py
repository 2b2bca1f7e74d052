"""AppTest of the Gegevens page: beheerder only; validation report, history, templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_model.imports import importer, jobs
from data_model.imports.report import Problem
from data_model.imports.row_checks import FRACTIONS_QUESTION
from data_model.reading.access import Viewer, system_viewer
from data_model.storage.db import Database
from tests.conftest import ROOT
from tests.data_model.importer_files import RESULT_HEADER, next_year_results, xlsx_bytes
from tests.pages.apptest import all_text, run_page
from ui.navigation import visible_pages
from ui.safe_text import shown

PAGE = "app_pages/gegevens.py"


@pytest.fixture
def refused_report(writable_db: Path) -> importer.ImportReport:
    """A real refusal, made on a private copy (the page test itself writes nothing)."""
    db = Database(writable_db)
    try:
        rows = next_year_results(db.cursor(), n_schools=1)
        rows[0][6] = "zeer goed"
        rows[1][0] = "999999"
        data = xlsx_bytes(RESULT_HEADER, rows, title_rows=[["Resultaten 2026"]])
        return importer.import_file(db, system_viewer(db.cursor()), "vt4_2026.xlsx", data,
                                    "results")  # fmt: skip
    finally:
        db.close()


def test_beheerder_sees_tabs_templates_and_history(app_env: Path, viewers) -> None:
    at = run_page(viewers["beheerder"], PAGE)
    assert not at.exception
    assert at.title[0].value == "Gegevens"
    assert [t.label for t in at.tabs][:3] == ["Inlezen", "Geschiedenis", "Sjablonen"]
    assert at.selectbox[0].label == "Soort bestand"
    assert at.selectbox[0].options == [
        "Resultaten per school (gemiddelden)", "Resultaten per leerling", "Scholen en context",
        "Zorg en leersteun", "Begeleidingscontacten",
    ]  # fmt: skip
    assert at.button[0].label == "Controleren en inlezen"
    assert at.button[0].disabled  # nothing uploaded yet
    downloads = [b for b in at.get("download_button") if b.label == "Sjabloon downloaden"]
    assert len(downloads) == 5


def test_validation_report_is_shown_as_a_table(
    app_env: Path, viewers, refused_report: importer.ImportReport
) -> None:
    at = run_page(viewers["beheerder"], PAGE)
    at.session_state["gegevens_import_report"] = refused_report
    at.run()
    assert not at.exception
    assert shown(at.error[0].value).startswith(
        "**vt4_2026.xlsx** is niet ingelezen: 2 problemen. Er is niets gewijzigd in de databank."
    )
    # st.table renders Markdown: cells are escaped (ui.safe_text); read them as shown.
    table = at.table[0].value.reset_index().map(lambda v: shown(v) if isinstance(v, str) else v)
    table.columns = [shown(c) for c in table.columns]
    assert list(table.columns) == ["bestand", "blad", "rij", "kolom", "waarde", "probleem"]
    assert table[["rij", "kolom", "waarde"]].values.tolist() == [
        [3, "gemiddelde_school", "zeer goed"],
        [4, "instellingsnummer", "999999"],
    ]
    assert table["probleem"].iloc[0] == ("Geen getal. Verwacht: een getal van 0 tot 100, bv. 63,5.")


def test_a_refusal_of_the_server_does_not_say_change_the_file(
    app_env: Path, viewers, writable_db: Path, monkeypatch
) -> None:
    # Out of memory while building the snapshot (made on a private copy): the file is fine,
    # and the message says so instead of "change the file".
    db = Database(writable_db)
    try:
        monkeypatch.setenv("SCHOOLFOTO_WRITER_MEMORY", "1MB")
        rows = next_year_results(db.cursor(), n_schools=1)
        report = importer.import_file(db, system_viewer(db.cursor()), "vt4.xlsx",
                                      xlsx_bytes(RESULT_HEADER, rows), "results")  # fmt: skip
    finally:
        db.close()
    at = run_page(viewers["beheerder"], PAGE)
    at.session_state["gegevens_import_report"] = report
    at.run()
    assert not at.exception
    assert shown(at.error[0].value) == (
        "**vt4.xlsx** is niet ingelezen: 1 probleem. Er is niets gewijzigd in de databank. Het "
        "bestand zelf is niet de oorzaak; hieronder staat wat er moet gebeuren."
    )
    assert "SCHOOLFOTO_WRITER_MEMORY" in shown(at.table[0].value.iloc[0]["probleem"])


def test_a_running_import_shows_its_progress_and_then_its_outcome(
    app_env: Path, viewers, refused_report: importer.ImportReport
) -> None:
    job = jobs.ImportJob("testjob", "leerlingen.xlsx", 0.35, "70000 rijen controleren")
    jobs._JOBS[job.job_id] = job  # as start_job registers it; the thread is not needed here
    try:
        at = run_page(viewers["beheerder"], PAGE)
        at.session_state["gegevens_import_job"] = job.job_id
        at.run()
        assert not at.exception
        assert at.get("progress")[0].proto.text.endswith(": 70000 rijen controleren")
        assert at.button[0].disabled  # one import at a time from this page
        job.report, job.done = refused_report, True
        at.run()
        assert not at.exception
        assert shown(at.error[0].value).startswith("**vt4_2026.xlsx** is niet ingelezen")
    finally:
        jobs._JOBS.pop(job.job_id, None)


def test_gebruikers_tab_when_user_admin_exists(app_env: Path, viewers) -> None:
    at = run_page(viewers["beheerder"], PAGE)
    assert ("Gebruikers" in [t.label for t in at.tabs]) == (ROOT / "ui/user_admin.py").exists()


@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_other_roles_do_not_get_the_page(app_env: Path, viewers, role: str) -> None:
    viewer: Viewer = viewers[role]
    assert PAGE not in [p.path for p in visible_pages(viewer)]
    # Even when the file is run directly, the page refuses.
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception
    assert "Deze pagina is alleen voor de beheerder." in all_text(at)
    assert not at.get("file_uploader") and not at.button


def test_schoolfoto_offers_the_excel_download(app_env: Path, viewers) -> None:
    at = run_page(viewers["directeur"], "app_pages/schoolfoto.py")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    # Both meeting files, side by side on the school photo (built when clicked).
    assert labels[:2] == ["Schoolfoto (Excel)", "Gespreksblad (PDF)"]


def test_a_missing_context_file_is_a_warning_not_a_promise_of_colours(
    app_env: Path, viewers
) -> None:
    report = importer.ImportReport("vt4.xlsx", "results", "0" * 64, ok=True,
                                   summary="Resultaten: 2 rijen toegevoegd.",
                                   warnings=["Het bestand 'Scholen en context' voor schooljaar "
                                             "2025-2026 ontbreekt."])  # fmt: skip
    at = run_page(viewers["beheerder"], PAGE)
    at.session_state["gegevens_import_report"] = report
    at.run()
    assert not at.exception
    assert "Scholen en context" in shown(at.warning[0].value)
    assert "met hun kleuren" not in all_text(at)


def test_short_fractions_are_asked_on_the_page(app_env: Path, viewers) -> None:
    question = Problem("scholen.csv", "(csv)", None, "pct_schooltoelage", "", "Alle waarden…",
                       question=FRACTIONS_QUESTION)  # fmt: skip
    report = importer.ImportReport("scholen.csv", "schools", "0" * 64, ok=False,
                                   problems=[question])  # fmt: skip
    at = run_page(viewers["beheerder"], PAGE)
    at.session_state["gegevens_import_report"] = report
    at.run()
    assert not at.exception
    radio = at.radio[0]
    assert shown(radio.label) == "Wat betekenen de waarden tussen 0 en 1 in pct_schooltoelage?"
    assert radio.options == ["Breuken: 0,5 = 50 %", "Percentages: 0,5 = 0,5 %"]
    again = next(b for b in at.button if b.label == "Opnieuw inlezen met dit antwoord")
    assert again.disabled  # no answer yet (and here no file in the uploader)
