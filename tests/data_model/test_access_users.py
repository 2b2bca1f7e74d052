"""User management in the data layer: admin-only, validation in Dutch, one transaction."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from data_model.reading import access
from data_model.reading.access import AccessDenied, viewer_for_email
from data_model.state import users
from data_model.storage.db import Database


@pytest.fixture
def db(writable_db: Path):
    database = Database(writable_db)
    yield database
    database.close()


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _schools(db: Database, n: int) -> list[str]:
    rows = db.cursor().execute("SELECT school_id FROM schools ORDER BY school_id LIMIT ?", [n])
    return [r[0] for r in rows.fetchall()]


@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_every_function_refuses_non_admins(db, viewers, role):
    viewer = viewers[role]
    con = db.cursor()
    data = users.UserInput("x@school.be", "X", "directeur", None, tuple(_schools(db, 1)))
    for call in (
        lambda: users.list_users(con, viewer),
        lambda: users.get_user(con, viewer, viewer.user_id),
        lambda: users.regions(con, viewer),
        lambda: users.all_schools(con, viewer),
        lambda: users.save_user(db, viewer, data),
        lambda: users.set_active(db, viewer, "beheerder", False),
        lambda: users.import_users(db, viewer, "u.csv", b"e-mail;naam;rol;regio;scholen\n"),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert viewer_for_email(con, "x@school.be") is None


def test_list_users_hides_the_system_identity(db, viewers):
    df = users.list_users(db.cursor(), viewers["beheerder"])
    assert "systeem" not in df["user_id"].tolist()
    director = df[df["user_id"] == viewers["directeur"].user_id].iloc[0]
    assert director["schools"] and director["n_schools"] >= 1


def test_add_edit_disable_user_changes_scope(db, viewers):
    admin = viewers["beheerder"]
    a, b = _schools(db, 2)
    uid = users.save_user(
        db, admin, users.UserInput(" Nieuw@School.be ", "Nina  Nieuw", "Directeur", None, (a,))
    )
    con = db.cursor()
    viewer = viewer_for_email(con, "nieuw@school.be")
    assert viewer is not None and viewer.user_id == uid and viewer.role == "directeur"
    assert viewer.name == "Nina Nieuw"
    assert access.allowed_school_ids(con, viewer) == [a]

    users.save_user(db, admin, users.UserInput("nieuw@school.be", "Nina", "anker", "R1", (b,)), uid)
    viewer = viewer_for_email(con, "nieuw@school.be")
    assert viewer.role == "anker" and access.allowed_school_ids(con, viewer) == [b]

    users.set_active(db, admin, uid, False)
    assert viewer_for_email(con, "nieuw@school.be") is None
    assert access.account_status(con, "NIEUW@school.be") == "disabled"
    assert access.allowed_school_ids(con, viewer) == []  # user_scope ignores disabled users
    log = con.state.execute("SELECT action, detail FROM audit_log ORDER BY logged_at").fetchall()
    assert ("beheert gebruikers", "schakelt uit: nieuw@school.be") in log


def test_save_user_messages_name_the_column(db, viewers):
    admin = viewers["beheerder"]
    with pytest.raises(users.UserValidationError) as err:
        users.save_user(db, admin, users.UserInput("geen-adres", "", "directie", "R9", ("999999",)))
    assert err.value.errors == [
        "Kolom 'e-mail': 'geen-adres' is geen geldig e-mailadres.",
        "Kolom 'naam': de naam ontbreekt.",
        "Kolom 'rol': 'directie' is geen gekende rol (kies uit directeur, anker, regioteam, "
        "beheerder).",
        "Kolom 'regio': de regio 'R9' bestaat niet.",
        "Kolom 'scholen': onbekend instellingsnummer: '999999'",
    ]


def test_admin_cannot_lock_themselves_out(db, viewers):
    admin = viewers["beheerder"]
    with pytest.raises(users.UserValidationError, match="eigen account"):
        users.set_active(db, admin, admin.user_id, False)
    with pytest.raises(users.UserValidationError, match="eigen beheerdersrol"):
        users.save_user(
            db, admin, users.UserInput(admin.email, admin.name, "anker", "R1", ("014433",)),
            admin.user_id,
        )  # fmt: skip
    assert viewer_for_email(db.cursor(), admin.email).role == "beheerder"


def test_duplicate_email_refused(db, viewers):
    admin, director = viewers["beheerder"], viewers["directeur"]
    a = _schools(db, 1)[0]
    with pytest.raises(users.UserValidationError, match="al in gebruik"):
        users.save_user(
            db, admin, users.UserInput(director.email.upper(), "Kopie", "directeur", None, (a,))
        )


def test_import_sheet_adds_and_updates_in_one_go(db, viewers):
    admin, director = viewers["beheerder"], viewers["directeur"]
    a, b, c = _schools(db, 3)
    sheet = _xlsx(
        [
            ["Gebruikers Schoolfoto 2025"],  # a title row above the header is tolerated
            ["E-mail", "Naam", "Rol", "Regio", "Scholen"],
            ["an@school.be", "An Peeters", "directeur", None, int(a)],  # Excel lost the 0s
            ["bert@begeleiding.be", "Bert Claes", "Anker", "Gent-Waas", f"{b}, {c}"],
            [director.email, "Nieuwe Naam", "directeur", "", a],
            [None, None, None, None, None],
        ]
    )
    result = users.import_users(db, admin, "gebruikers.xlsx", sheet)
    assert (result.added, result.updated, result.unchanged) == (2, 1, 0)
    con = db.cursor()
    an = viewer_for_email(con, "an@school.be")
    assert access.allowed_school_ids(con, an) == [a]
    bert = viewer_for_email(con, "bert@begeleiding.be")
    assert (bert.role, bert.region_id) == ("anker", "R2")
    assert access.allowed_school_ids(con, bert) == sorted([b, c])
    assert viewer_for_email(con, director.email).name == "Nieuwe Naam"
    log = con.state.execute(
        "SELECT kind, rows_added, rows_replaced, outcome FROM import_log WHERE kind = 'gebruikers'"
    ).fetchall()
    assert log == [("gebruikers", 2, 1, "gelukt")]
    # Importing the same sheet again changes nothing.
    again = users.import_users(db, admin, "gebruikers.xlsx", sheet)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_import_with_errors_writes_nothing_and_names_row_and_column(db, viewers):
    admin = viewers["beheerder"]
    a = _schools(db, 1)[0]
    before = db.state.execute("SELECT count(*) FROM users").fetchone()[0]
    csv = (
        "e-mail;naam;rol;regio;scholen\n"
        f"goed@school.be;Goed;directeur;;{a}\n"
        "fout-adres;Fout;directeur;;123456\n"
        "regio@x.be;Regio;regioteam;;\n"
        f"goed@school.be;Dubbel;anker;R1;{a}\n"
        ";;;;\n"
        "anker@x.be;Anker;anker;;\n"
    ).encode("cp1252")
    with pytest.raises(users.UserValidationError) as err:
        users.import_users(db, admin, "lijst.csv", csv)
    assert err.value.errors == [
        "Rij 3, kolom 'e-mail': 'fout-adres' is geen geldig e-mailadres.",
        "Rij 3, kolom 'scholen': onbekend instellingsnummer: '123456'",
        "Rij 4, kolom 'regio': een regioteam heeft een regio nodig.",
        "Rij 5, kolom 'e-mail': goed@school.be staat ook al op rij 2.",
        "Rij 7, kolom 'scholen': een anker heeft minstens één school (instellingsnummer) nodig.",
    ]
    con = db.cursor()
    assert con.state.execute("SELECT count(*) FROM users").fetchone()[0] == before
    assert viewer_for_email(con, "goed@school.be") is None
    outcome = con.state.execute(
        "SELECT outcome FROM import_log WHERE kind = 'gebruikers' AND file_name = 'lijst.csv'"
    ).fetchall()
    assert outcome == [("geweigerd",)]


def test_import_refuses_missing_columns_wrong_type_and_big_files(db, viewers):
    admin = viewers["beheerder"]
    with pytest.raises(users.UserValidationError) as err:
        users.import_users(db, admin, "l.csv", b"e-mail,naam,rol\nx@y.be,X,anker\n")
    assert err.value.errors == [
        "l.csv: kolom 'regio' ontbreekt in de kopregel (rij 1).",
        "l.csv: kolom 'scholen' ontbreekt in de kopregel (rij 1).",
    ]
    with pytest.raises(users.UserValidationError, match="geen kopregel"):
        users.import_users(db, admin, "l.csv", b"a;b\n1;2\n")
    # The types of the data imports (.xls, .xlsb and .ods too), refused in the same words.
    with pytest.raises(users.UserValidationError, match=r"type '\.pdf' kunnen niet worden ingel"):
        users.import_users(db, admin, "l.pdf", b"whatever")
    with pytest.raises(users.UserValidationError, match=r"heet \.xlsx maar is een tekstbestand"):
        users.import_users(db, admin, "l.xlsx", b"not a zip")
    big = b"e-mail;naam;rol;regio;scholen\n" + b"x" * users.MAX_SHEET_BYTES
    with pytest.raises(users.UserValidationError, match="hoogstens 1 MB"):
        users.import_users(db, admin, "groot.csv", big)


def test_template_round_trips(db, viewers):
    a = _schools(db, 1)[0]
    template = users.user_sheet_template([["t@school.be", "T", "directeur", "", a, "nee"]])
    parsed = users.parse_user_sheet("t.xlsx", template)
    assert parsed == [(2, users.UserInput("t@school.be", "T", "directeur", None, (a,), False))]


def test_system_identity_cannot_log_in(con):
    assert viewer_for_email(con, "systeem@schoolfoto.invalid") is None
    assert access.account_status(con, "systeem@schoolfoto.invalid") == "unknown"


def test_command_line_adds_the_first_beheerder(writable_db, capsys):
    code = users.main(
        ["--data", str(writable_db), "add", "--email", "Eerste@Beheer.be", "--name", "Eerste",
         "--role", "beheerder"]
    )  # fmt: skip
    assert code == 0
    db = Database(writable_db)
    try:
        viewer = viewer_for_email(db.cursor(), "eerste@beheer.be")
        assert viewer is not None and viewer.role == "beheerder"
    finally:
        db.close()
    assert users.main(["--data", str(writable_db), "add", "--email", "x", "--name", "X",
                       "--role", "anker"]) == 1  # fmt: skip
    assert "'x' is geen geldig e-mailadres" in capsys.readouterr().out


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "@SUM(1)", " =1+1", "\x0b+cmd"])
def test_a_user_name_that_starts_like_a_formula_is_refused(db, viewers, name):
    admin = viewers["beheerder"]
    with pytest.raises(users.UserValidationError) as err:
        users.save_user(db, admin, users.UserInput("f@school.be", name, "beheerder", None, ()))
    assert err.value.errors[0].startswith("Kolom 'naam': de naam begint met '")
    assert "Excel leest zo'n waarde als formule" in err.value.errors[0]
