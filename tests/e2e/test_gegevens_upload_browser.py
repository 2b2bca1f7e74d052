"""The Gegevens page's uploader in Chromium: every spreadsheet type reaches the importer, any
other file gets the importer's Dutch message (never the browser's English hint), and the
uploader's buttons have Dutch names."""

from __future__ import annotations

from pathlib import Path

from tests.data_model.importer_files import RESULT_HEADER, ods_bytes
from tests.e2e.test_glance_browser import _as, _nav, _settle


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

    uploader.locator("input[type=file]").set_input_files(str(pdf))
    _settle(page)
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

    uploader.get_by_role("button", name="Gekozen bestand verwijderen").click()
    _settle(page)
    uploader.locator("input[type=file]").set_input_files(str(ods))
    _settle(page)
    assert "kunnen niet worden ingelezen" not in page.locator("body").inner_text()
    assert start.is_enabled()
