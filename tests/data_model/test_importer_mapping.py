"""A remembered column mapping: a source with its own headers is mapped once, stored in the
state store, and next year's file of that source imports with it (page and CLI); the mapping
names columns but never bypasses a check."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_model.imports.check_step import check_file
from data_model.imports.cli import main as cli_main
from data_model.imports.formats import FORMATS
from data_model.imports.mapping import missing_required, suggest
from data_model.imports.report import ImportRejected
from data_model.imports.row_checks import Catalogue
from data_model.imports.worker import preview_in_worker
from data_model.reading.access import Viewer, system_viewer
from data_model.state import mappings
from data_model.storage.db import SYSTEM_USER_ID, Database
from tests.conftest import copy_data
from tests.data_model.importer_files import RESULT_HEADER, csv_bytes, xlsx_bytes

# How "OVSG-feedback" calls the columns of a results file.
OWN = ["Schoolnummer", "Schooljaar", "Toets", "Domein (leergebied)", "Subdomein",
       "Aantal lln.", "Gem. school", "Gem. gelijkaardige scholen", "Gem. Vlaanderen",
       "Doelen behaald (%)", "SD"]  # fmt: skip
MAPPING = dict(zip([c.key for c in FORMATS["results"].columns], OWN, strict=True))


def _check(db: Database, data: bytes, mapping=None):
    catalogue = Catalogue.load(db.cursor(), SYSTEM_USER_ID)
    return check_file("feedback.xlsx", data, FORMATS["results"], catalogue, mapping=mapping)


def test_a_file_with_its_own_headers_reads_like_the_template_with_its_mapping(
    import_db, base
) -> None:
    own = xlsx_bytes(OWN, base, title_rows=[["OVSG-feedback 2026"]])
    with pytest.raises(ImportRejected) as exc:
        _check(import_db, own)
    assert exc.value.problems[0].question == "kolommen"
    expected = _check(import_db, xlsx_bytes(RESULT_HEADER, base)).frames
    got = _check(import_db, own, MAPPING)
    for key, frame in expected.items():
        rows = [c for c in frame.columns if c != "row_no"]  # the own file has a title row
        assert (
            got.frames[key][rows].reset_index(drop=True).equals(frame[rows].reset_index(drop=True))
        )


def test_the_mapping_cannot_bypass_a_check(import_db, base) -> None:
    rows = [list(r) for r in base]
    rows[1][6] = "hoog"
    with pytest.raises(ImportRejected) as exc:
        _check(import_db, xlsx_bytes(OWN, rows), MAPPING)
    p = exc.value.problems[0]
    assert (p.row, p.column, p.value) == (3, "Gem. school", "hoog")
    # A mapped column that the file also has under the template's name is a doubled column.
    doubled = xlsx_bytes([*OWN, "gemiddelde_school"], [[*r, r[6]] for r in base])
    with pytest.raises(ImportRejected) as exc:
        _check(import_db, doubled, MAPPING)
    assert "komt twee keer voor" in exc.value.problems[0].message


def test_suggestions_by_similarity_and_from_a_saved_mapping() -> None:
    fmt = FORMATS["results"]
    headers = ["Instellings nummer", "School jaar", "Toets", "Leergebied", "Domein", "Aantal",
               "Gemiddelde van de school", "Iets anders"]  # fmt: skip
    guess = suggest(fmt, headers)
    assert guess["school_id"] == "Instellings nummer"
    assert guess["school_year"] == "School jaar"
    assert guess["score_mean"] == "Gemiddelde van de school"
    assert "Iets anders" not in guess.values()
    assert set(missing_required(fmt, guess)) >= {"gemiddelde_vlaanderen"}
    assert suggest(fmt, OWN, saved=MAPPING) == MAPPING


def test_a_saved_mapping_is_kept_per_source_for_the_beheerder(import_db) -> None:
    admin = system_viewer(import_db.cursor())
    mappings.save_mapping(import_db, admin, "  OVSG-feedback\n2025 ", "results", MAPPING)
    assert mappings.load_mapping(import_db, admin, "OVSG-feedback 2025") == ("results", MAPPING)
    mappings.save_mapping(import_db, admin, "OVSG-feedback 2025", "results", {"school_id": "Nr"})
    assert mappings.load_mapping(import_db, admin, "OVSG-feedback 2025")[1] == {"school_id": "Nr"}
    assert ("OVSG-feedback 2025", "results") in mappings.mapping_sources(import_db, admin)
    assert mappings.mapping_sources(import_db, admin, "pupils") == []
    with pytest.raises(mappings.MappingNotFound, match="Geen bewaarde koppeling"):
        mappings.load_mapping(import_db, admin, "onbekend")
    director = Viewer("u1", "Dirk", "d@school.be", "directeur")
    with pytest.raises(Exception, match="beheerder"):
        mappings.save_mapping(import_db, director, "x", "results", MAPPING)


def test_the_preview_is_read_in_the_worker(base) -> None:
    shown = preview_in_worker("feedback.csv", csv_bytes(OWN, base[:7]))
    assert shown.headers == OWN and shown.header_row == 1
    assert len(shown.rows) == 5 and shown.rows[0][0] == base[0][0]
    with pytest.raises(ImportRejected):
        preview_in_worker("feedback.pdf", b"%PDF")


def test_cli_imports_next_years_file_with_the_saved_mapping(
    sample_db: Path, tmp_path: Path, base, capsys
) -> None:
    target = copy_data(sample_db, tmp_path / "cli")
    db = Database(target)
    try:
        mappings.save_mapping(db, system_viewer(db.cursor()), "OVSG-feedback", "results", MAPPING)
    finally:
        db.close()
    file = tmp_path / "feedback.csv"
    file.write_bytes(csv_bytes(OWN, base))
    args = [str(file), "--kind", "results", "--data", str(target), "--in-process"]
    assert cli_main(args) == 2  # its own headers: refused without the mapping
    assert cli_main([*args, "--mapping", "OVSG-feedback"]) == 0
    assert "rijen toegevoegd" in capsys.readouterr().out
    assert cli_main([*args[:2], "pupils", *args[3:], "--mapping", "OVSG-feedback"]) == 2
    assert "hoort bij 'Resultaten per school (gemiddelden)'" in capsys.readouterr().err
