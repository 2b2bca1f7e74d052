"""The Gegevens page's uploader in Chromium: every spreadsheet type reaches the importer, any
other file gets the importer's Dutch message (never the browser's English hint), and the
uploader's buttons have Dutch names."""

from __future__ import annotations

from pathlib import Path

from data_model.storage.db import Database
from tests.data_model.importer_files import RESULT_HEADER, next_year_results, ods_bytes, xlsx_bytes
from tests.data_model.test_importer_mapping import OWN
from tests.e2e.conftest import open_page, private_copy, rerun, running_app, settle
from tests.e2e.test_glance_browser import _as, _nav


def test_any_file_gets_a_dutch_answer_and_dutch_buttons(page, live_app, tmp_path: Path):
    ods = tmp_path / "resultaten.ods"
    ods.write_bytes(ods_bytes(RESULT_HEADER, [["012345", "2025-2026", "vt4", None, None, 20,
                                               60, None, None, None, None]]))  # fmt: skip
    pdf = tmp_path / "verslag.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    sidebar = _as(page, live_app, "Beheerder")
    _nav(page, sidebar, "Gegevens")
    uploader = page.locator("[data-testid=stFileUploader]").first
    start = page.get_by_role("button", name="Controleren en inlezen")

    with rerun(page):
        uploader.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_text("Bestanden van het type '.pdf' kunnen niet worden ingelezen.").wait_for()
    assert "not allowed" not in page.locator("body").inner_text()
    assert start.is_disabled()
    names = [b.get_attribute("aria-label") for b in uploader.locator("section button").all()]
    assert names == ["Gekozen bestand verwijderen", "Ander bestand kiezen"]
    # The "+" carries no text of its own that could wrap beside the chip.
    plus = uploader.get_by_role("button", name="Ander bestand kiezen")
    assert page.evaluate("b => getComputedStyle(b, '::after').content", plus.element_handle()) in (
        "none",
        "normal",
    )

    with rerun(page):
        uploader.get_by_role("button", name="Gekozen bestand verwijderen").click()
    with rerun(page):
        uploader.locator("input[type=file]").set_input_files(str(ods))
    assert "kunnen niet worden ingelezen" not in page.locator("body").inner_text()
    assert start.is_enabled()


def test_a_file_with_its_own_headers_is_mapped_once_and_imported(
    browser, sample_db: Path, tmp_path: Path
):
    # A private server: this test imports (the shared one stays as the other tests expect).
    db = private_copy(sample_db, tmp_path / "app")
    database = Database(db)
    try:
        rows = next_year_results(database.cursor(), n_schools=2)
    finally:
        database.close()
    own = tmp_path / "feedback.xlsx"
    own.write_bytes(xlsx_bytes(OWN, rows, title_rows=[["OVSG-feedback 2026"]]))
    with running_app(db) as url, open_page(browser, 1280, 900) as page:
        sidebar = _as(page, url, "Beheerder")
        _nav(page, sidebar, "Gegevens")
        with rerun(page):
            page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(own))
        page.get_by_role("button", name="Controleren en inlezen").click()
        editor = page.get_by_text("Kolommen van dit bestand koppelen")
        editor.wait_for(timeout=90_000)
        settle(page)

        # Pre-filled by similarity: the school number and the means are found.
        def picked(label: str) -> str:
            return page.get_by_role("combobox", name=label, exact=True).input_value()

        assert picked("instellingsnummer") == "Schoolnummer"
        assert picked("gemiddelde_vlaanderen") == "Gem. Vlaanderen"
        page.get_by_label("Naam van de bron").fill("OVSG-feedback")
        page.keyboard.press("Enter")
        settle(page)
        page.get_by_role("button", name="Koppeling bewaren en inlezen").click()
        page.get_by_text("rijen toegevoegd").wait_for(timeout=120_000)
        settle(page)
        # Next time the source is offered by name.
        assert page.get_by_text("Eigen kolomnamen van een bekende bron").is_visible()
