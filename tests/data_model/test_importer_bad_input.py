"""A corpus of bad files: each is refused with an exact Dutch message and changes nothing.

All cases run against one private copy of the sample database; after every case the content
of every table (except import_log and meta, which record provenance) must be exactly as before.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl
import pytest

from data_model.imports import importer, sheet_parse
from data_model.reading.access import Viewer
from data_model.storage.db import Database
from tests.conftest import copy_data
from tests.data_model.importer_files import (
    RESULT_HEADER,
    csv_bytes,
    next_year_pupils,
    xlsx_bytes,
)

Files = tuple[str, bytes]


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Row count and an order-independent hash of every table's content."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for table in tables:
        if table in ("import_log", "meta"):  # provenance of each snapshot: changes by design
            continue
        # table names come from the catalogue query above, not from input
        out[table] = con.execute(
            f'SELECT count(*), sum(hash(t)::HUGEINT) FROM "{table}" t'
        ).fetchall()[0]
    return out


@pytest.fixture(scope="module")
def db(import_db: Database) -> Database:
    return import_db


def _results(rows: list[list[object]], header: list[object] | None = None, **kw) -> Files:
    return "resultaten.xlsx", xlsx_bytes(header or RESULT_HEADER, rows, **kw)


def _with(base: list[list[object]], index: int, col: int, value: object) -> list[list[object]]:
    rows = [list(r) for r in base]
    rows[index][col] = value
    return rows


def _merged_header(base: list[list[object]]) -> Files:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Resultaten"
    ws.append(RESULT_HEADER)
    for row in base:
        ws.append(row)
    ws.merge_cells("G1:I1")
    buf = io.BytesIO()
    wb.save(buf)
    return "resultaten.xlsx", buf.getvalue()


def _wrong_sheet(base: list[list[object]]) -> Files:
    return "resultaten.xlsx", xlsx_bytes(
        ["Uitleg bij de resultaten"], [["Zie het andere bestand."]], sheet="Uitleg"
    )


def _huge_csv(base: list[list[object]]) -> Files:
    line = ";".join(str(v) for v in base[0])
    body = "\n".join([";".join(RESULT_HEADER)] + [line] * (sheet_parse.MAX_DATA_ROWS + 5))
    return "resultaten.csv", body.encode()


def _pupils(db: Database, mutate: Callable[[list[str], list[list[object]]], None]) -> Files:
    header, rows = next_year_pupils(db.cursor(), n_schools=1)
    mutate(header, rows)
    return "leerlingen.xlsx", xlsx_bytes(header, rows, sheet="Leerlingen")


SCHOOL_ERR = (
    "Onbekende school: dit instellingsnummer staat niet in de databank. Verbeter het nummer "
    "of lees eerst het bestand 'Scholen en context' in."
)
NUMBER_ERR = "Geen getal. Verwacht: een getal van 0 tot 100, bv. 63,5."
RANGE_ERR = "Ligt buiten 0–100. Verwacht: een getal van 0 tot 100, bv. 63,5."

# (id, kind, builder(base, db) -> (file name, bytes), (sheet, row, column, value, message))
CASES: list[tuple[str, str, Callable[..., Files], tuple]] = [
    ("empty-xlsx", "results", lambda b, d: ("leeg.xlsx", b""),
     ("", None, "", "", "Het bestand is leeg.")),
    ("empty-csv", "results", lambda b, d: ("leeg.csv", b"  \n\n"),
     ("", None, "", "", "Het bestand is leeg.")),
    ("csv-renamed-xlsx", "results",
     lambda b, d: ("resultaten.xlsx", csv_bytes(RESULT_HEADER, b)),
     ("", None, "", "", "Het bestand heet .xlsx maar is een tekstbestand (CSV). Geef het de "
      "extensie .csv of open het in Excel en sla het op als Excel-werkmap (.xlsx).")),
    ("xlsx-renamed-csv", "results", lambda b, d: ("resultaten.csv", _results(b)[1]),
     ("", None, "", "", "Het bestand heet .csv maar is als geheel geen tekstbestand "
      "(misschien een werkmap). Geef het de juiste extensie (.xlsx, .xls of .ods) of sla het "
      "op als CSV.")),
    ("password-protected", "results",
     lambda b, d: ("resultaten.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000
                   + "EncryptionInfo".encode("utf-16-le")),
     ("", None, "", "", "Het bestand als geheel is beveiligd met een wachtwoord en kan dus niet "
      "gelezen worden. Verwijder het wachtwoord en sla het opnieuw op.")),
    ("ole-but-no-workbook", "results",
     lambda b, d: ("resultaten.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000),
     ("", None, "", "", "Het bestand als geheel is onleesbaar: het is beschadigd of is geen "
      "werkmap. Open het in Excel of LibreOffice en sla het opnieuw op als Excel-werkmap "
      "(.xlsx).")),
    ("corrupt-zip", "results", lambda b, d: ("resultaten.xlsx", _results(b)[1][:1500]),
     ("", None, "", "", "Het bestand als geheel is onleesbaar: het is beschadigd of is geen "
      "werkmap. Open het in Excel of LibreOffice en sla het opnieuw op als Excel-werkmap "
      "(.xlsx).")),
    ("wrong-extension", "results", lambda b, d: ("resultaten.pdf", b"%PDF-1.4"),
     ("", None, "", "", "Bestanden van het type '.pdf' kunnen niet worden ingelezen. Verwacht: "
      "een werkmap van Excel (.xlsx, .xls, .xlsb) of LibreOffice (.ods) of een CSV-bestand "
      "(.csv).")),
    ("wrong-sheet", "results", lambda b, d: _wrong_sheet(b),
     ("", None, "", "", "Geen kopregel gevonden. In geen enkel blad ('Uitleg') bevatten de "
      "eerste 20 rijen de kolomnamen van 'Resultaten per school (gemiddelden)': "
      "instellingsnummer, schooljaar, toets, leergebied, domein, aantal_leerlingen, "
      "gemiddelde_school, gemiddelde_vergelijkbare_scholen, gemiddelde_vlaanderen.")),
    ("missing-column", "results",
     lambda b, d: _results([r[:6] + r[7:] for r in b], RESULT_HEADER[:6] + RESULT_HEADER[7:]),
     ("Resultaten", 1, "gemiddelde_school", "", "Kolom 'gemiddelde_school' ontbreekt in de "
      "kopregel (rij 1). Voeg de kolom toe (0 tot 100).")),
    ("wrong-kind", "results",
     lambda b, d: ("zorg.xlsx", xlsx_bytes(["instellingsnummer", "schooljaar", "fase",
                                            "aantal_leerlingen"], [[b[0][0], "2025-2026",
                                            "IAC", 2]], sheet="Zorg")),
     ("Zorg", 1, "toets", "", "Kolom 'toets' ontbreekt in de kopregel (rij 1). Voeg de kolom "
      "toe (code of naam van de toets, bv. ovsg6 of OVSG-toets 6de leerjaar). Dit lijkt een "
      "bestand 'Zorg en leersteun': kies die soort.")),
    ("duplicate-column", "results",
     lambda b, d: _results([r + [r[6]] for r in b], RESULT_HEADER + ["Gemiddelde school"]),
     ("Resultaten", 1, "Gemiddelde school", "Gemiddelde school", "Deze kolom komt twee keer "
      "voor (ook als 'gemiddelde_school'). Verwacht: elke kolom één keer.")),
    ("text-in-number", "results", lambda b, d: _results(_with(b, 2, 6, "goed")),
     ("Resultaten", 4, "gemiddelde_school", "goed", NUMBER_ERR)),
    ("score-above-100", "results", lambda b, d: _results(_with(b, 0, 6, 104.5)),
     ("Resultaten", 2, "gemiddelde_school", "104.5", RANGE_ERR)),
    ("score-negative-text", "results", lambda b, d: _results(_with(b, 1, 8, "-3,5 %")),
     ("Resultaten", 3, "gemiddelde_vlaanderen", "-3,5 %", RANGE_ERR)),
    ("negative-count", "results", lambda b, d: _results(_with(b, 0, 5, -4)),
     ("Resultaten", 2, "aantal_leerlingen", "-4", "Geen aantal. Verwacht: een geheel getal, 0 "
      "of meer.")),
    ("unknown-school", "results", lambda b, d: _results(_with(b, 0, 0, "999999")),
     ("Resultaten", 2, "instellingsnummer", "999999", SCHOOL_ERR)),
    ("bad-school-number", "results", lambda b, d: _results(_with(b, 0, 0, "12AB")),
     ("Resultaten", 2, "instellingsnummer", "12AB", "Geen geldig instellingsnummer. Verwacht: "
      "6 cijfers, bv. 012345.")),
    ("bad-school-year", "results", lambda b, d: _results(_with(b, 0, 1, "2024-2026")),
     ("Resultaten", 2, "schooljaar", "2024-2026", "Geen geldig schooljaar. Verwacht: "
      "2024-2025, 2024-25 of het toetsjaar 2025.")),
    ("unknown-assessment", "results", lambda b, d: _results(_with(b, 0, 2, "PISA")),
     ("Resultaten", 2, "toets", "PISA", "Onbekende toets. Verwacht: een van ovsg6, vt4, vt6.")),
    ("unknown-area", "results", lambda b, d: _results(_with(b, 1, 3, "Frans")),
     ("Resultaten", 3, "leergebied", "Frans", "Onbekend leergebied voor toets vt4. Verwacht: "
      "een van Nederlands, Wiskunde.")),
    ("unknown-domain", "results", lambda b, d: _results(_with(b, 2, 4, "Schrijven")),
     ("Resultaten", 4, "domein", "Schrijven", "Onbekend domein voor Nederlands. Verwacht: een "
      "van Lezen, Luisteren.")),
    ("domain-without-area", "results",
     lambda b, d: _results(_with(_with(b, 2, 3, None), 2, 4, "Lezen")),
     ("Resultaten", 4, "domein", "Lezen", "Domein zonder leergebied. Verwacht: ook het "
      "leergebied invullen.")),
    ("duplicate-row", "results", lambda b, d: _results(b + [list(b[3])]),
     ("Resultaten", len(RESULT_HEADER) and None, "", "", None)),  # filled in below
    ("formula", "results", lambda b, d: _results(_with(b, 1, 6, "=F3*2")),
     ("Resultaten", 3, "gemiddelde_school", "=F3*2", "Deze cel bevat een formule. Verwacht: "
      "een waarde. Kopieer de kolom en plak ze als waarden (Plakken speciaal > Waarden).")),
    ("excel-error", "results", lambda b, d: _results(_with(b, 1, 6, "#DIV/0!")),
     ("Resultaten", 3, "gemiddelde_school", "#DIV/0!", "Deze cel bevat een Excel-fout. "
      "Verwacht: een waarde.")),
    ("merged-header", "results", lambda b, d: _merged_header(b),
     ("Resultaten", 1, "G", "", "Samengevoegde cellen (G1:I1) in de kopregel. Maak de "
      "samenvoeging ongedaan en geef elke kolom een eigen naam en elke rij een eigen waarde.")),
    ("header-only", "results", lambda b, d: _results([]),
     ("Resultaten", 1, "", "", "Geen gegevens onder de kopregel (rij 1). Verwacht: minstens "
      "één rij met gegevens.")),
    ("huge-sheet", "results", lambda b, d: _huge_csv(b),
     ("(csv)", None, "", "", "Het blad heeft meer dan 250.000 rijen (de grens per bestand). "
      "Splits het bestand, bv. per schooljaar of per toets.")),
    ("too-few-fractions-to-decide", "results",
     lambda b, d: _results([r[:6] + [r[6] / 100] + r[7:] for r in b[:2]]),
     ("Resultaten", None, "gemiddelde_school", "", "Alle waarden in deze kolom liggen tussen 0 "
      "en 1, maar 2 waarden zijn te weinig om te weten of het breuken zijn (0,5 = 50 %) of "
      "percentages onder 1 %. Verwacht: percentages van 0 tot 100 (50 in plaats van 0,5). Of "
      "zeg het: op de pagina Gegevens met de vraag hieronder, op de opdrachtregel met "
      "--breuken ja of --breuken nee.")),
    ("score-missing", "results", lambda b, d: _results(_with(b, 0, 6, None)),
     ("Resultaten", 2, "gemiddelde_school", "", "Gemiddelde van de school ontbreekt. "
      "Verwacht: een getal van 0 tot 100, bv. 63,5.")),
    ("blank-required", "results", lambda b, d: _results(_with(b, 0, 2, "  ")),
     ("Resultaten", 2, "toets", "", "Lege cel. Verwacht: een waarde in deze kolom.")),
    ("pupils-unknown-domain-column", "pupils",
     lambda b, d: _pupils(d, lambda h, rows: h.__setitem__(-1, "Wiskunde - Statistiek")),
     ("Leerlingen", 1, "Wiskunde - Statistiek", "Wiskunde - Statistiek", "Onbekende kolom: "
      "geen gekende kolom en geen gekend domein. Verwacht: de vaste kolommen of 'leergebied - "
      "domein', bv. 'Wiskunde - Meetkunde'.")),
    ("pupils-score-out-of-range", "pupils",
     lambda b, d: _pupils(d, lambda h, rows: rows[0].__setitem__(11, 140)),
     ("Leerlingen", 2, "Nederlands - Luisteren", "140", RANGE_ERR)),
    ("pupils-two-assessments", "pupils",
     lambda b, d: _pupils(d, lambda h, rows: rows[1].__setitem__(3, "vt4")),
     ("Leerlingen", None, "toets", "ovsg6, vt4", "Het bestand bevat meer dan één toets. "
      "Verwacht: één toets per leerlingenbestand.")),
    ("pupils-bad-gender", "pupils",
     lambda b, d: _pupils(d, lambda h, rows: rows[2].__setitem__(4, "onbekend")),
     ("Leerlingen", 4, "geslacht", "onbekend", "Onbekend geslacht. Verwacht: jongen, meisje "
      "of x.")),
    ("support-unknown-phase", "support",
     lambda b, d: ("zorg.csv", csv_bytes(["instellingsnummer", "schooljaar", "fase",
                                          "aantal_leerlingen"], [[b[0][0], "2025-26",
                                          "fase 7", 3]])),
     ("(csv)", 2, "fase", "fase 7", "Onbekende fase. Verwacht: brede basiszorg, verhoogde "
      "zorg, uitbreiding van zorg, IAC, CLB-traject of zittenblijven.")),
    ("guidance-unknown-anker", "guidance",
     lambda b, d: ("begeleiding.xlsx", xlsx_bytes(
         ["instellingsnummer", "datum", "anker", "doelcode", "kerntaak", "vorm", "uren"],
         [[b[0][0], "15/10/2025", "iemand@elders.be", "BAO 2.1", "KT2", "individueel", 3]],
         sheet="Contacten")),
     ("Contacten", 2, "anker", "iemand@elders.be", "Onbekend anker. Verwacht: de "
      "gebruikerscode of het e-mailadres van een actieve gebruiker (zie tabblad Gebruikers).")),
    ("guidance-date-outside-year", "guidance",
     lambda b, d: ("begeleiding.xlsx", xlsx_bytes(
         ["instellingsnummer", "schooljaar", "datum", "anker", "doelcode", "kerntaak", "vorm",
          "uren"],
         [[b[0][0], "2025-2026", "15/10/2024", "anker-001", "BAO 2.1", "KT2", "individueel", 3]],
         sheet="Contacten")),
     ("Contacten", 2, "datum", "15/10/2024", "Deze datum valt niet in schooljaar 2025-2026. "
      "Verwacht: een datum van 1 september tot 31 augustus van 2025-2026.")),
    ("schools-unknown-region", "schools",
     lambda b, d: ("scholen.xlsx", xlsx_bytes(
         ["instellingsnummer", "naam", "gemeente", "regio", "schooljaar", "aantal_leerlingen",
          "pct_thuistaal_niet_nederlands", "pct_moeder_laagopgeleid", "pct_schooltoelage",
          "pct_buurtindicator"],
         [["123456", "GBS Nieuw", "Lier", "Regio Brussel", "2025-2026", 200, 10, 12, 14, 16]],
         sheet="Scholen")),
     ("Scholen", 2, "regio", "Regio Brussel", "Onbekende regio. Verwacht: een van R1, R2, R3.")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "build", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_file_is_refused_and_changes_nothing(
    db: Database, admin: Viewer, base: list[list[object]], kind: str, build, expected: tuple
) -> None:
    file_name, data = build(base, db)
    before = table_checksums(db.cursor())
    published = db.current_snapshot()
    report = importer.import_file(db, admin, file_name, data, kind)
    assert not report.ok
    first = report.problems[0]
    sheet, row, column, value, message = expected
    if message is None:  # duplicate row: the copy of data row 4 (Excel row 5) is the last row
        assert (first.row, first.message) == (
            len(base) + 2,
            "Dubbele rij: dezelfde school, hetzelfde schooljaar, dezelfde toets, hetzelfde "
            "leergebied en hetzelfde domein als rij 5. Verwacht: elke combinatie één keer.",
        )
    else:
        assert (first.sheet, first.row, first.column, first.value, first.message) == (
            sheet, row, column, value, message,
        )  # fmt: skip
    assert first.file == file_name
    assert table_checksums(db.cursor()) == before
    log = db.state.execute(
        "SELECT file_name, outcome, sha256, snapshot_id FROM import_log "
        "ORDER BY import_id DESC LIMIT 1"
    ).fetchall()[0]
    assert log[:2] == (file_name, "geweigerd")
    assert log[3] is None and db.current_snapshot() == published  # no snapshot was built


def test_every_problem_is_reported(db: Database, admin: Viewer, base: list[list[object]]) -> None:
    rows = _with(_with(_with(base, 0, 6, "veel"), 1, 0, "999999"), 2, 1, "vorig jaar")
    report = importer.import_file(db, admin, "resultaten.xlsx", _results(rows)[1], "results")
    assert [(p.row, p.column) for p in report.problems] == [
        (2, "gemiddelde_school"),
        (3, "instellingsnummer"),
        (4, "schooljaar"),
    ]
    frame = report.problems_frame()
    assert list(frame.columns) == ["bestand", "blad", "rij", "kolom", "waarde", "probleem"]


def test_xlsx_over_the_row_limit(
    db: Database, admin: Viewer, base: list[list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheet_parse, "MAX_DATA_ROWS", 10)
    before = table_checksums(db.cursor())
    report = importer.import_file(db, admin, "groot.xlsx", _results(base * 2)[1], "results")
    assert report.problems[0].message == (
        "Het blad heeft meer dan 10 rijen (de grens per bestand). Splits het bestand, bv. per "
        "schooljaar of per toets."
    )
    assert table_checksums(db.cursor()) == before


def test_cli_exits_2_and_prints_every_problem(
    sample_db: Path, tmp_path: Path, base: list[list[object]]
) -> None:
    target = tmp_path / "cli"
    copy_data(sample_db, target)
    bad = tmp_path / "resultaten.xlsx"
    bad.write_bytes(_results(_with(base, 0, 6, "veel"))[1])
    import subprocess
    import sys

    from tests.conftest import ROOT

    run = subprocess.run(
        [sys.executable, "-m", "data_model.imports", str(bad), "--kind", "results",
         "--data", str(target)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stdout.splitlines() == [
        "resultaten.xlsx is NIET ingelezen: 1 probleem. De databank is niet gewijzigd.",
        f"- resultaten.xlsx, blad Resultaten, rij 2, kolom gemiddelde_school: waarde 'veel': "
        f"{NUMBER_ERR}",
    ]


def test_a_file_refused_while_the_snapshot_is_copied_stops_the_copy(
    db: Database, admin: Viewer, base: list[list[object]], monkeypatch
) -> None:
    # The snapshot is copied while the file is checked. A file refused before the copy is
    # done stops it: the problems are reported as ever, nothing is published, no file is left.
    from data_model.storage import db as storage

    real_sendfile = storage.os.sendfile

    def slow_sendfile(out_fd, in_fd, offset, count):
        time.sleep(0.005)  # a copy of ~40 s: the check surely fails first
        return real_sendfile(out_fd, in_fd, offset, count)

    monkeypatch.setattr(storage, "_COPY_PIECE", 4096)
    monkeypatch.setattr(storage.os, "sendfile", slow_sendfile)
    published = db.current_snapshot()
    rows = [list(r) for r in base]
    rows[0][0] = "12.345"
    data = xlsx_bytes(RESULT_HEADER, rows)
    report = importer.import_file(db, admin, "fout.xlsx", data, "results")
    assert not report.ok
    assert report.problems[0].column == "instellingsnummer"
    assert db.current_snapshot() == published
    assert not list(db.snapshot_dir.glob(".*"))
    jobs = db.state.execute(
        "SELECT status FROM jobs WHERE kind = 'snapshot' ORDER BY job_id DESC LIMIT 1"
    ).fetchall()
    assert jobs == [("afgebroken",)]


def test_a_build_out_of_memory_says_so_and_changes_nothing(
    db: Database, admin: Viewer, base: list[list[object]], monkeypatch
) -> None:
    # Not the file's fault: the message names the server's limit and how to raise it, not
    # "the database refused the data".
    monkeypatch.setenv("SCHOOLFOTO_WRITER_MEMORY", "1MB")
    published = db.current_snapshot()
    before = table_checksums(db.cursor())
    rows = [list(r) for r in base]
    for row in rows:
        row[1] = "2026-2027"
    report = importer.import_file(db, admin, "r.xlsx", xlsx_bytes(RESULT_HEADER, rows), "results")
    assert not report.ok and report.server_problem  # the page does not say "change the file"
    assert report.problems[0].message == (
        "Het verwerken van dit bestand had meer geheugen nodig dan het inlezen mag gebruiken "
        "(1MB). Er is niets gewijzigd. Een beheerder kan die grens verhogen (instelling "
        "SCHOOLFOTO_WRITER_MEMORY, bv. 1GB) en het bestand opnieuw inlezen."
    )
    assert db.current_snapshot() == published
    assert table_checksums(db.cursor()) == before
    assert not list(db.snapshot_dir.glob(".*"))
