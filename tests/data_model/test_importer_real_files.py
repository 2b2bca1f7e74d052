"""Files as a school office really has them: school numbers that lost their zeros in a CSV,
Excel serial dates in a CSV, percentages typed as fractions, a results file read before that
year's context file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data_model.imports.cells import parse_school_id
from data_model.imports.check_step import check_file
from data_model.imports.cli import main as cli_main
from data_model.imports.formats import FORMATS
from data_model.imports.importer import import_file
from data_model.imports.report import ImportRejected
from data_model.imports.row_checks import FRACTIONS_QUESTION, Catalogue
from data_model.reading.access import Viewer
from data_model.storage.db import SYSTEM_USER_ID, Database
from tests.conftest import copy_data
from tests.data_model.importer_files import RESULT_HEADER, csv_bytes
from tests.data_model.test_importer_bad_input import table_checksums
from tests.data_model.test_importer_hostile import GUIDANCE_HEADER, SCHOOL_HEADER


def _check(db: Database, name: str, data: bytes, kind: str, fractions: bool | None = None):
    catalogue = Catalogue.load(db.cursor(), SYSTEM_USER_ID)
    return check_file(name, data, FORMATS[kind], catalogue, fractions=fractions)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4512", "004512"), (4512, "004512"), ("7", "000007"), ("14433", "014433"),
     ("123456", "123456"), (4512.0, "004512")],
)  # fmt: skip
def test_numeric_school_numbers_of_one_to_six_digits_are_padded(value, expected) -> None:
    assert parse_school_id(value) == expected


@pytest.mark.parametrize("value", ["0", "0000000", "1234567", "45.12", "12AB"])
def test_other_school_numbers_are_still_refused(value) -> None:
    with pytest.raises(ValueError):
        parse_school_id(value)


def test_the_report_says_how_many_school_numbers_were_padded(import_db, base) -> None:
    # The first school's rows go to a school whose number starts with a zero (the sample
    # has a few, as reality does).
    zero = (
        import_db.cursor()
        .execute(
            "SELECT min(school_id) FROM schools WHERE school_id LIKE '0%' AND school_id <> ?",
            [base[-1][0]],
        )
        .fetchone()[0]
    )
    first = base[0][0]
    base = [[zero if r[0] == first else r[0], *r[1:]] for r in base]
    rows = [list(r) for r in base]
    for row in rows[:5]:
        row[0] = str(row[0]).lstrip("0")  # as Excel writes a number column to CSV
    checked = _check(import_db, "r.csv", csv_bytes(RESULT_HEADER, rows), "results")
    frame = next(iter(checked.frames.values()))
    assert set(frame["school_id"]) == {str(r[0]) for r in base}
    raw = str(base[0][0]).lstrip("0")
    assert (
        "Kolom 'instellingsnummer': in 5 rijen (1 nummer) had het instellingsnummer minder dan "
        f"6 cijfers en werd het aangevuld met voorloopnullen, bv. {raw} → {base[0][0]}."
    ) in checked.notes


def test_excel_serial_dates_in_a_csv_are_read_when_the_column_is_numeric(import_db, base):
    school = base[0][0]
    rows = [[school, "45945", "anker-001", "BAO 2.1", "KT2", "individueel", "3,5"],
            [school, "45950", "anker-001", "BAO 2.1", "KT1", "individueel", 2]]  # fmt: skip
    checked = _check(import_db, "g.csv", csv_bytes(GUIDANCE_HEADER, rows), "guidance")
    dates = sorted(next(iter(checked.frames.values()))["contact_date"])
    assert dates == [dt.date(2025, 10, 15), dt.date(2025, 10, 20)]


def test_a_serial_number_beside_written_dates_is_still_refused(import_db, base) -> None:
    school = base[0][0]
    rows = [[school, "45945", "anker-001", "BAO 2.1", "KT2", "individueel", 2],
            [school, "20/10/2025", "anker-001", "BAO 2.1", "KT1", "individueel", 2]]  # fmt: skip
    with pytest.raises(ImportRejected) as exc:
        _check(import_db, "g.csv", csv_bytes(GUIDANCE_HEADER, rows), "guidance")
    p = exc.value.problems[0]
    assert (p.row, p.column, p.value) == (2, "datum", "45945")


def _one_school(school: str) -> list[list[object]]:
    return [[school, "GBS De Regenboog", "Lier", "R1", "2025-2026", 200, 0.511, 0.473, 0.1, 0.2]]


def test_fractions_in_a_one_row_file_are_asked_never_stored_as_half_a_percent(
    import_db, admin: Viewer, base
) -> None:
    data = csv_bytes(SCHOOL_HEADER, _one_school(base[0][0]))
    before = table_checksums(import_db.cursor())
    report = import_file(import_db, admin, "scholen.csv", data, "schools")
    assert not report.ok
    assert table_checksums(import_db.cursor()) == before
    asked = {p.column: p for p in report.problems}
    assert set(asked) == {"pct_thuistaal_niet_nederlands", "pct_moeder_laagopgeleid",
                          "pct_schooltoelage", "pct_buurtindicator"}  # fmt: skip
    problem = asked["pct_moeder_laagopgeleid"]
    assert problem.question == FRACTIONS_QUESTION
    assert problem.message.startswith(
        "Alle waarden in deze kolom liggen tussen 0 en 1, maar 1 waarde is te weinig om te "
        "weten of het breuken zijn (0,5 = 50 %) of percentages onder 1 %."
    )
    as_fractions = _check(import_db, "scholen.csv", data, "schools", fractions=True)
    rows = next(iter(as_fractions.frames.values()))
    assert rows["pct_mother_low_education"].tolist() == [47.3]
    as_written = _check(import_db, "scholen.csv", data, "schools", fractions=False)
    assert next(iter(as_written.frames.values()))["pct_mother_low_education"].tolist() == [0.473]


def test_a_column_of_enough_fractions_is_read_times_100_and_said(import_db, base) -> None:
    rows = [list(r) for r in base]
    for row in rows:
        row[6] = None if row[6] is None else round(row[6] / 100, 4)
    checked = _check(import_db, "r.csv", csv_bytes(RESULT_HEADER, rows), "results")
    frame = next(iter(checked.frames.values()))
    expected = [round(r[6], 2) for r in base if r[6] is not None]
    assert [round(v, 2) for v in frame["score_mean"] if v is not None] == expected
    assert ("Kolom 'gemiddelde_school': alle waarden lagen tussen 0 en 1 en zijn gelezen als "
            "breuken (0,635 = 63,5 %).") in checked.notes  # fmt: skip


def test_cli_refuses_short_fractions_naming_the_column_and_takes_an_answer(
    sample_db: Path, tmp_path: Path, base, capsys
) -> None:
    target = copy_data(sample_db, tmp_path / "cli")
    file = tmp_path / "scholen.csv"
    file.write_bytes(csv_bytes(SCHOOL_HEADER, _one_school(base[0][0])))
    args = [str(file), "--kind", "schools", "--data", str(target), "--in-process"]
    assert cli_main(args) == 2
    out = capsys.readouterr().out
    assert "- scholen.csv, blad (csv), kolom pct_moeder_laagopgeleid: Alle waarden" in out
    assert "--breuken ja of --breuken nee" in out
    assert cli_main([*args, "--breuken", "ja"]) == 0


def test_results_before_context_are_imported_with_a_warning(
    sample_db: Path, tmp_path: Path, base, capsys
) -> None:
    target = copy_data(sample_db, tmp_path / "order")
    file = tmp_path / "resultaten.csv"
    file.write_bytes(csv_bytes(RESULT_HEADER, base))
    assert cli_main([str(file), "--kind", "results", "--data", str(target), "--in-process"]) == 0
    out = capsys.readouterr().out
    assert (
        "Let op: Het bestand 'Scholen en context' voor schooljaar 2026-2027 ontbreekt voor "
        "alle 2 scholen uit dit bestand. De resultaten staan in de databank; de vergelijking "
        "met gelijkaardige scholen en dus de kleuren volgen zodra u dat bestand inleest."
    ) in out
