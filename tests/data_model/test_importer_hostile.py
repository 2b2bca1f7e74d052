"""Hostile and tricky files: each is refused with its exact Dutch message and
changes nothing, or (where the file is valid) is read the way a director means it.

The files are generated here, small: a zip-bomb-like workbook is a few hundred KB built with
zipfile; oversized XML is streamed into the zip, never held in memory whole.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator

import openpyxl
import pytest

from data_model.imports import reader, worker, xlsx_scan
from data_model.imports.cells import parse_school_id
from data_model.imports.formats import FORMATS
from data_model.imports.importer import check_file, import_file
from data_model.imports.report import ImportRejected, Problem
from data_model.imports.row_checks import Catalogue
from data_model.reading.access import Viewer
from data_model.storage.db import SYSTEM_USER_ID, Database
from tests.data_model.importer_files import RESULT_HEADER, csv_bytes, xlsx_bytes
from tests.data_model.test_importer_bad_input import table_checksums

SCHOOL_HEADER = ["instellingsnummer", "naam", "gemeente", "regio", "schooljaar",
                 "aantal_leerlingen", "pct_thuistaal_niet_nederlands", "pct_moeder_laagopgeleid",
                 "pct_schooltoelage", "pct_buurtindicator"]  # fmt: skip
GUIDANCE_HEADER = ["instellingsnummer", "datum", "anker", "doelcode", "kerntaak", "vorm", "uren"]
FORMULA = (
    "Deze cel bevat een formule. Verwacht: een waarde. Kopieer de kolom en plak ze als waarden "
    "(Plakken speciaal > Waarden)."
)
EXCEL_ERROR = "Deze cel bevat een Excel-fout. Verwacht: een waarde."
NUMBER = "Geen getal. Verwacht: een getal van 0 tot 100, bv. 63,5."
SCHOOL_NUMBER = "Geen geldig instellingsnummer. Verwacht: 6 cijfers, bv. 012345."
TOO_MANY = "Te groot aantal. Verwacht: een geheel getal van 0 tot 100.000."
UNZIPS = (
    "Het bestand pakt uit tot meer dan 400 MB. Dat is geen gewone werkmap; sla ze opnieuw op "
    "vanuit Excel of splits ze."
)


def school_row(school: str, name: object = "GBS De Regenboog") -> list[object]:
    return [school, name, "Lier", "R1", "2025-2026", 200, 10, 12, 14, 16]


def rewrite_xlsx(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The workbook with each entry passed through change(name, content) (None = drop)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            content = change(item.filename, src.read(item.filename))
            if content is not None:
                dst.writestr(item.filename, content)
    return out.getvalue()


def in_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    return rewrite_xlsx(
        data, lambda n, c: c.replace(old, new) if n == "xl/worksheets/sheet1.xml" else c
    )


def refused(db: Database, admin: Viewer, name: str, data: bytes, kind: str) -> Problem:
    """Import the file, assert it is refused and that no table changed; the first problem."""
    before = table_checksums(db.cursor())
    report = import_file(db, admin, name, data, kind)
    assert not report.ok
    assert table_checksums(db.cursor()) == before
    return report.problems[0]


def first(problem: Problem) -> tuple:
    return (problem.sheet, problem.row, problem.column, problem.value, problem.message)


@pytest.fixture(scope="module")
def db(import_db: Database) -> Database:
    return import_db


@pytest.fixture(scope="module")
def school(base: list[list[object]]) -> str:
    return str(base[0][0])


@pytest.fixture(scope="module")
def catalogue(db: Database) -> Catalogue:
    return Catalogue.load(db.cursor(), SYSTEM_USER_ID)


# --------------------------------------------------------------------------- CSV


def test_csv_with_cr_only_line_endings_is_read_row_by_row(db, admin, base) -> None:
    rows = [list(r) for r in base[:3]]
    rows[2][6] = "veel"
    data = csv_bytes(RESULT_HEADER, rows).replace(b"\n", b"\r")  # Excel for Mac
    assert first(refused(db, admin, "r.csv", data, "results")) == (
        "(csv)", 4, "gemiddelde_school", "veel", NUMBER,
    )  # fmt: skip


def test_unbalanced_quote_is_a_message_not_a_traceback(db, admin, base) -> None:
    lines = csv_bytes(RESULT_HEADER, base * 20).decode().splitlines()
    lines[7] = lines[7].replace(";", ';"', 1)  # a quote opened on line 8, never closed
    problem = refused(db, admin, "r.csv", "\n".join(lines).encode(), "results")
    assert first(problem) == (
        "(csv)", 8, "B", "",
        "Op regel 8, kolom B (schooljaar), wordt een aanhalingsteken (\") geopend maar niet "
        "gesloten, zodat de rest van het bestand één veld wordt. Verwacht: elk veld tussen "
        "aanhalingstekens ook afgesloten met een aanhalingsteken.",
    )  # fmt: skip


def test_field_over_the_cell_limit(db, admin, base) -> None:
    rows = [list(r) for r in base[:2]]
    rows[1][3] = "x" * 131_073
    assert first(refused(db, admin, "r.csv", csv_bytes(RESULT_HEADER, rows), "results")) == (
        "(csv)", 3, "D", "",
        "Op regel 3, kolom D (leergebied), is een veld langer dan 32.767 tekens (de grens van "
        "Excel). Verwacht: gewone waarden.",
    )  # fmt: skip


def test_a_quote_in_the_middle_of_a_field_names_its_line_and_column(db, admin, base) -> None:
    lines = csv_bytes(RESULT_HEADER, base[:4]).decode().splitlines()
    fields = lines[3].split(";")
    fields[2] = '"vt4"x'  # a quoted value with text after the closing quote
    lines[3] = ";".join(fields)
    assert first(refused(db, admin, "r.csv", "\n".join(lines).encode(), "results")) == (
        "(csv)", 4, "C", "",
        "Op regel 4, kolom C (toets), staat een aanhalingsteken (\") midden in een veld. "
        "Verwacht: een veld helemaal tussen aanhalingstekens, met een dubbel aanhalingsteken "
        "(\"\") voor elk aanhalingsteken in de tekst.",
    )  # fmt: skip


def test_a_nul_byte_in_a_csv_names_its_line_and_column(db, admin, base) -> None:
    lines = csv_bytes(RESULT_HEADER, base[:4]).decode().splitlines()
    fields = lines[2].split(";")
    fields[4] = "Lezen\x00"
    lines[2] = ";".join(fields)
    assert first(refused(db, admin, "r.csv", "\n".join(lines).encode(), "results")) == (
        "(csv)", 3, "E", "",
        "Regel 3, kolom E bevat een NUL-teken (byte 0x00): dat komt in geen tekst voor en "
        "wijst op een beschadigde export. Verwijder het teken of sla het bestand opnieuw op "
        "als 'CSV UTF-8'.",
    )  # fmt: skip


def test_one_stray_latin1_byte_in_utf8_names_its_row(db, admin, school) -> None:
    text = csv_bytes(SCHOOL_HEADER, [school_row(school, "Sint-Jozef – Zuid"),
                                     school_row(school, "Sint-Jozef")])  # fmt: skip
    data = text.replace(b"Sint-Jozef;", b"Sint-Jos\xe9;")
    assert first(refused(db, admin, "scholen.csv", data, "schools")) == (
        "(csv)", 3, "", "",
        "Regel 3 bevat een teken dat geen UTF-8 is (byte 0xE9), terwijl de rest van het "
        "bestand UTF-8 is. Verbeter het teken of sla het bestand opnieuw op als 'CSV UTF-8'.",
    )  # fmt: skip


def test_a_consistent_cp1252_file_is_read_as_cp1252() -> None:
    data = "naam;gemeente\nSint-Jozef École;Liège\n".encode("cp1252")
    assert reader.read_csv(data) == [["naam", "gemeente"], ["Sint-Jozef École", "Liège"]]


def test_utf16_csv_from_excel_unicode_text_is_read(db, admin, base) -> None:
    rows = [list(r) for r in base[:2]]
    rows[1][6] = "veel"
    text = csv_bytes(RESULT_HEADER, rows, sep="\t").decode().replace("\n", "\r\n")
    data = b"\xff\xfe" + text.encode("utf-16-le")
    assert first(refused(db, admin, "r.txt", data, "results")) == (
        "(csv)", 3, "gemiddelde_school", "veel", NUMBER,
    )  # fmt: skip


# --------------------------------------------------------------------------- xlsx limits


def test_declared_dimension_is_not_trusted(db, admin, base) -> None:
    rows = [list(r) for r in base[:3]]
    rows[2][6] = 140
    data = rewrite_xlsx(xlsx_bytes(RESULT_HEADER, rows), lambda n, c: re.sub(
        rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD15000"/>', c
    ) if n == "xl/worksheets/sheet1.xml" else c)  # fmt: skip
    assert first(refused(db, admin, "r.xlsx", data, "results")) == (
        "Resultaten", 4, "gemiddelde_school", "140",
        "Ligt buiten 0–100. Verwacht: een getal van 0 tot 100, bv. 63,5.",
    )  # fmt: skip


def test_a_value_far_to_the_right_is_refused_before_reading(db, admin, base) -> None:
    data = in_sheet(
        xlsx_bytes(RESULT_HEADER, base[:2]),
        b"</row></sheetData>",
        b'<c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )
    assert first(refused(db, admin, "r.xlsx", data, "results")) == (
        "Resultaten", 3, "XFD", "",
        "Het blad gebruikt kolommen tot XFD (cel XFD3). Verwacht: hoogstens 256 kolommen; "
        "verwijder de inhoud rechts van de gegevens.",
    )  # fmt: skip


@pytest.mark.parametrize(
    "cell",
    [b'<c r="XFD3" s="1"/>', b'<c r="XFD3" s="1"></c>', b'<c r="XFD3" s="1" t="n"><v></v></c>'],
    ids=["self-closing", "open-close", "empty-value"],
)
def test_a_formatted_empty_cell_far_to_the_right_is_ignored(db, admin, base, cell) -> None:
    # Formatting "to the right" (a border or colour over a whole row) is not data.
    data = in_sheet(xlsx_bytes(RESULT_HEADER, base[:2]), b"</row></sheetData>",
                    cell + b"</row></sheetData>")  # fmt: skip
    checked = check_file("r.xlsx", data, FORMATS["results"], Catalogue.load(
        db.cursor(), SYSTEM_USER_ID))  # fmt: skip
    assert len(next(iter(checked.frames.values()))) == 2


def _plus_entry(data: bytes, name: str, chunks: Iterable[bytes]) -> bytes:
    """The workbook with one more zip entry, streamed in chunks (never held in memory)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
        with dst.open(name, "w") as fh:
            for chunk in chunks:
                fh.write(chunk)
    return out.getvalue()


def _with_shared_strings(data: bytes, chunks: Iterator[bytes]) -> bytes:
    """The workbook plus a streamed xl/sharedStrings.xml (registered in the content types)."""
    head = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">')  # fmt: skip
    return _plus_entry(data, "xl/sharedStrings.xml", itertools.chain([head], chunks, [b"</sst>"]))


def test_millions_of_shared_strings_are_refused_by_counting(db, admin, base) -> None:
    data = _with_shared_strings(xlsx_bytes(RESULT_HEADER, base[:2]),
                                (b"<si/>" * 100_000 for _ in range(11)))  # fmt: skip
    assert len(data) < 400_000
    assert refused(db, admin, "r.xlsx", data, "results").message == (
        "Het bestand bevat meer dan 1.000.000 verschillende teksten. Dat is geen gewone werkmap; "
        "splits ze of sla ze opnieuw op vanuit Excel."
    )


def test_one_huge_shared_string_is_refused_by_measuring(db, admin, base) -> None:
    data = _with_shared_strings(xlsx_bytes(RESULT_HEADER, base[:2]),
                                iter([b"<si><t>", b"A" * 5_000_000, b"</t></si>"]))  # fmt: skip
    assert refused(db, admin, "r.xlsx", data, "results").message == (
        "Het bestand als geheel bevat een tekst van meer dan 32.767 tekens (de grens van Excel) "
        "die in geen enkele cel staat. Verwacht: gewone waarden; sla de werkmap opnieuw op "
        "vanuit Excel."
    )


def test_a_huge_shared_string_names_the_cell_that_shows_it(db, admin, base) -> None:
    # Excel keeps a text cell's value in the shared strings: a 6.4 MB name is string 1 there,
    # shown by cell D3; the message names that cell.
    data = rewrite_xlsx(xlsx_bytes(RESULT_HEADER, base[:3]), lambda n, c: re.sub(
        rb'<c r="D3"[^>]*>.*?</c>', b'<c r="D3" t="s"><v>1</v></c>', c
    ) if n == "xl/worksheets/sheet1.xml" else c)  # fmt: skip
    data = _with_shared_strings(
        data, iter([b"<si><t>kort</t></si><si><t>", b"N" * 6_400_000, b"</t></si>"])
    )
    assert first(refused(db, admin, "r.xlsx", data, "results")) == (
        "Resultaten", 3, "D", "",
        "Deze cel bevat meer dan 32.767 tekens (de grens van Excel). Verwacht: gewone waarden.",
    )  # fmt: skip


def test_a_huge_inline_string_names_its_cell(db, admin, base) -> None:
    data = in_sheet(
        xlsx_bytes(RESULT_HEADER, base[:2]),
        b"</row></sheetData>",
        b'<c r="L3" t="inlineStr"><is><t>' + b"N" * 6_400_000 + b"</t></is></c></row></sheetData>",
    )
    assert first(refused(db, admin, "r.xlsx", data, "results"))[:3] == ("Resultaten", 3, "L")


def test_zip_bomb_is_refused_from_the_directory(db, admin, base) -> None:
    block = b"\0" * (1 << 20)
    data = _plus_entry(xlsx_bytes(RESULT_HEADER, base[:2]), "xl/media/padding.bin",
                       (block for _ in range(401)))  # fmt: skip
    assert len(data) < 1_000_000
    assert refused(db, admin, "r.xlsx", data, "results").message == UNZIPS


def test_sizes_are_counted_while_streaming(db, admin, base, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_scan, "MAX_SHEET_XML_BYTES", 2_000)  # a zip that lies about sizes
    assert refused(db, admin, "r.xlsx", xlsx_bytes(RESULT_HEADER, base), "results").message == (
        "Het bestand pakt uit tot meer dan 0 MB (xl/worksheets/sheet1.xml). Dat is geen gewone "
        "werkmap; sla ze opnieuw op vanuit Excel of splits ze."
    )


# --------------------------------------------------------------------------- cell values


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (" =HYPERLINK(\"http://x\",\"klik\")", FORMULA),
        ("\t=HYPERLINK(\"http://x\",\"klik\")", FORMULA),
        ("+32 3 123 45 67", "Deze tekst begint met '+': Excel leest zo'n waarde als formule. "
         "Verwacht: tekst die met een letter of cijfer begint."),
        ("-GBS", "Deze tekst begint met '-': Excel leest zo'n waarde als formule. Verwacht: "
         "tekst die met een letter of cijfer begint."),
        ("@SUM(A1)", "Deze tekst begint met '@': Excel leest zo'n waarde als formule. Verwacht: "
         "tekst die met een letter of cijfer begint."),
        ("#SPILL!", EXCEL_ERROR),
        ("#CALC!", EXCEL_ERROR),
        ("GBS\x0bDe Regenboog", "Deze cel bevat een stuurteken (U+000B, bv. een tab of een "
         "harde regeleinde). Verwacht: tekst op één regel zonder stuurtekens."),
        ("GBS \u202eDe Regenboog", "Deze cel bevat een onzichtbaar teken dat de leesrichting "
         "omkeert (U+202E). Verwacht: gewone tekst."),
        ("G" * 200, "Te lang: 200 tekens. Verwacht: hoogstens 150 tekens."),
    ],
    ids=["space-formula", "tab-formula", "plus", "minus", "at", "spill", "calc", "vtab", "rtl",
         "long-name"],
)  # fmt: skip
def test_school_names_that_are_refused(db, admin, school, name: str, message: str) -> None:
    # openpyxl refuses control characters; Excel writes them escaped as _x000B_.
    data = xlsx_bytes(SCHOOL_HEADER, [school_row(school, name.replace("\x0b", "~~"))],
                      sheet="Scholen")  # fmt: skip
    data = in_sheet(data, b"GBS~~De", b"GBS_x000B_De")
    assert first(refused(db, admin, "scholen.xlsx", data, "schools")) == (
        "Scholen", 2, "naam", name[:80] + ("…" if len(name) > 80 else ""), message,
    )  # fmt: skip


def test_new_excel_error_cells_are_refused(db, admin, school) -> None:
    data = xlsx_bytes(SCHOOL_HEADER, [school_row(school)], sheet="Scholen")
    data = in_sheet(data, b'<c r="B2" t="inlineStr"><is><t>GBS De Regenboog</t></is></c>',
                    b'<c r="B2" t="e"><v>#SPILL!</v></c>')  # fmt: skip
    # calamine does not know the newer error values: the scan names the cell instead.
    assert first(refused(db, admin, "scholen.xlsx", data, "schools")) == (
        "Scholen", 2, "B", "#SPILL!", EXCEL_ERROR,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "column", "message"),
    [
        ("1987.8", "instellingsnummer", SCHOOL_NUMBER),
        ("0.1.9.8.7.8", "instellingsnummer", SCHOOL_NUMBER),
        ("０１４４３３", "instellingsnummer", SCHOOL_NUMBER),
        (3_000_000_000, "aantal_leerlingen", TOO_MANY),
        (1e15, "aantal_leerlingen", TOO_MANY),
        ("６３,５", "gemiddelde_school", NUMBER),
    ],
    ids=["decimal", "dots", "fullwidth-school", "3e9-pupils", "1e15", "fullwidth-score"],
)
def test_numbers_out_of_range_name_row_and_column(db, admin, base, value, column, message):
    rows = [list(r) for r in base[:3]]
    rows[1][RESULT_HEADER.index(column)] = value
    shown = "1000000000000000" if value == 1e15 else str(value)
    assert first(refused(db, admin, "r.xlsx", xlsx_bytes(RESULT_HEADER, rows), "results")) == (
        "Resultaten", 3, column, shown, message,
    )  # fmt: skip


def test_school_number_cells_get_all_their_leading_zeros_back(db, catalogue, base) -> None:
    assert parse_school_id(2014.0) == "002014"
    rows = [list(r) for r in base[:2]]
    rows[0][0] = rows[1][0] = float(int(base[0][0]))  # 014433 typed as the number 14433
    checked = check_file("r.xlsx", xlsx_bytes(RESULT_HEADER, rows), FORMATS["results"], catalogue)
    assert list(checked.frames["rows"]["school_id"]) == [base[0][0]] * 2


def test_percentage_cells_are_read_as_percentages(catalogue, school) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(SCHOOL_HEADER)
    ws.append(school_row(school)[:6] + [0.185, 0.2, 0.3, 0.4])
    for cell in ws[2][6:10]:
        cell.number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    checked = check_file("scholen.xlsx", buf.getvalue(), FORMATS["schools"], catalogue)
    row = checked.frames["rows"].iloc[0]
    assert [row["pct_home_language_not_dutch"], row["pct_neighbourhood"]] == [18.5, 40.0]


# --------------------------------------------------------------------------- sheets


def _two_sheets(first_rows, second_rows, hide_first: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Resultaten"
    for row in [RESULT_HEADER, *first_rows]:
        ws.append(row)
    other = wb.create_sheet("Resultaten 2")
    for row in [RESULT_HEADER, *second_rows]:
        other.append(row)
    if hide_first:
        ws.sheet_state = "hidden"
        wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_second_data_sheet_is_reported(db, admin, base) -> None:
    problem = refused(db, admin, "r.xlsx", _two_sheets(base[:2], base[2:4]), "results")
    assert problem.message == (
        "Het bestand bevat meer dan één blad met gegevens ('Resultaten' en 'Resultaten 2'). "
        "Verwacht: één blad met gegevens per bestand. Zet de rijen samen op één blad of lees "
        "elk blad als apart bestand in."
    )


def test_a_hidden_sheet_is_not_imported_and_that_is_said(catalogue, base) -> None:
    checked = check_file("r.xlsx", _two_sheets(base[:2], base[2:4], hide_first=True),
                         FORMATS["results"], catalogue)  # fmt: skip
    assert checked.sheet == "Resultaten 2"
    assert len(checked.frames["rows"]) == 2
    assert checked.notes == [
        "Het verborgen blad 'Resultaten' is niet ingelezen (verborgen bladen worden overgeslagen)."
    ]


def test_only_a_hidden_sheet_matches(db, admin, base) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Resultaten"
    for row in [RESULT_HEADER, *base[:2]]:
        ws.append(row)
    wb.create_sheet("Uitleg").append(["Zie het verborgen blad."])
    ws.sheet_state = "hidden"
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    assert refused(db, admin, "r.xlsx", data, "results").message == (
        "Het blad 'Resultaten' is verborgen; verborgen bladen worden niet ingelezen. Maak het "
        "blad zichtbaar (rechtsklik op een bladtab > Zichtbaar maken) of kopieer de gegevens "
        "naar een zichtbaar blad."
    )


# --------------------------------------------------------------------------- anker


def test_anker_must_be_an_anker_or_regioteam(db, admin, school) -> None:
    directeur = db.state.execute(
        "SELECT user_id FROM users WHERE role = 'directeur' AND active ORDER BY 1 LIMIT 1"
    ).fetchall()[0][0]
    rows = [[school, "15/10/2025", who, "BAO 2.1", "KT2", "individueel", hours]
            for who, hours in ((directeur, 3), (SYSTEM_USER_ID, 2))]  # fmt: skip
    data = xlsx_bytes(GUIDANCE_HEADER, rows, sheet="Contacten")
    before = table_checksums(db.cursor())
    report = import_file(db, admin, "begeleiding.xlsx", data, "guidance")
    assert [first(p) for p in report.problems] == [
        ("Contacten", 2, "anker", directeur, "Deze gebruiker is geen anker maar heeft de rol "
         "directeur. Verwacht: een anker of een lid van een regioteam."),
        ("Contacten", 3, "anker", SYSTEM_USER_ID, "Onbekend anker. Verwacht: de gebruikerscode "
         "of het e-mailadres van een actieve gebruiker (zie tabblad Gebruikers)."),
    ]  # fmt: skip
    assert table_checksums(db.cursor()) == before


# --------------------------------------------------------------------------- worker


def test_worker_over_its_memory_limit_is_reported_and_changes_nothing(
    db, admin, base, monkeypatch
) -> None:
    monkeypatch.setattr(worker, "MEMORY_LIMIT_BYTES", 200 * 1024**2)  # pandas alone needs more
    before = table_checksums(db.cursor())
    report = import_file(db, admin, "r.xlsx", xlsx_bytes(RESULT_HEADER, base), "results",
                         checker=worker.check_in_worker)  # fmt: skip
    assert report.problems[0].message == (
        "Het bestand kon niet worden gecontroleerd: het bestand vraagt meer geheugen of "
        "rekentijd dan toegelaten. Er is niets gewijzigd. Splits het bestand (bv. per "
        "schooljaar) of sla het opnieuw op vanuit Excel als Excel-werkmap (.xlsx)."
    )
    assert table_checksums(db.cursor()) == before
    outcome = db.state.execute(
        "SELECT outcome FROM import_log ORDER BY import_id DESC LIMIT 1"
    ).fetchall()
    assert outcome == [("geweigerd",)]


def test_worker_over_its_time_limit_is_killed(db, admin, base, monkeypatch) -> None:
    monkeypatch.setattr(worker, "WALL_LIMIT_S", 0.01)
    before = table_checksums(db.cursor())
    report = import_file(db, admin, "r.xlsx", xlsx_bytes(RESULT_HEADER, base), "results",
                         checker=worker.check_in_worker)  # fmt: skip
    assert report.problems[0].message == (
        "Het controleren duurde langer dan 0.01 seconden en is afgebroken. Er is niets "
        "gewijzigd. Splits het bestand (bv. per schooljaar) of sla het opnieuw op vanuit Excel."
    )
    assert table_checksums(db.cursor()) == before


def test_worker_result_equals_in_process_result(catalogue, base) -> None:
    data = xlsx_bytes(RESULT_HEADER, base)
    here = check_file("r.xlsx", data, FORMATS["results"], catalogue)
    there = worker.check_in_worker("r.xlsx", data, FORMATS["results"], catalogue, None)

    def records(frame):
        return frame.astype(object).where(frame.notna(), None).to_dict("records")

    assert records(there.frames["rows"]) == records(here.frames["rows"])
    with pytest.raises(ImportRejected) as err:
        worker.check_in_worker("r.xlsx", b"", FORMATS["results"], catalogue, None)
    assert err.value.problems[0].message == "Het bestand is leeg."
