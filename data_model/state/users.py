"""User management: list, add, edit, disable users and import a users sheet.

Everything here is for the beheerder: every function calls `require_admin` first, so a page
that forgets to hide a button still cannot change an account. Users and their schools live
in the state store; every change is one state transaction: an import with one bad row writes
nothing. Regions and schools to check against come from the current snapshot. Validation
messages are Dutch and name the row and the column, as a beheerder would look them up in the
sheet.

The users sheet (.xlsx or .csv) has the columns e-mail, naam, rol, regio, scholen (school
numbers separated by commas) and optionally actief (ja/nee). A row updates the user with that
e-mail address or adds a new one; users who are not in the sheet are left as they are.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from data_model.exports.output_cells import append, neutralise_workbook, starts_like_formula
from data_model.reading.access import Viewer, require_admin
from data_model.reading.scope import admin_read
from data_model.state import audit
from data_model.state.user_sheet import UserValidationError, find_header, sheet_rows
from data_model.storage.connection import Connection, one
from data_model.storage.db import SYSTEM_USER_ID, Database
from data_model.storage.state_store import Session, StateStore
from data_model.texts.formatting import format_number
from data_model.vocabulary import ANKER, BEHEERDER, DIRECTEUR, REGIOTEAM, ROLE_LABELS, ROLES

# A users sheet of a whole organisation is a few hundred rows (tens of kB). Anything above
# this is not a users sheet; refusing it early keeps a wrong upload from tying up the app.
MAX_SHEET_BYTES = 1_000_000
MAX_SHEET_ROWS = 5_000

SHEET_COLUMNS = ("e-mail", "naam", "rol", "regio", "scholen")
OPTIONAL_COLUMNS = ("actief",)
# Normalised header (lower case, no spaces/-/_) -> canonical column name.
_HEADER_ALIASES = {
    "email": "e-mail",
    "emailadres": "e-mail",
    "mail": "e-mail",
    "naam": "naam",
    "rol": "rol",
    "regio": "regio",
    "scholen": "scholen",
    "school": "scholen",
    "instellingsnummers": "scholen",
    "instellingsnummer": "scholen",
    "actief": "actief",
}
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
_TRUE = {"ja", "j", "true", "waar", "1", "x", "actief"}
_FALSE = {"nee", "n", "false", "onwaar", "0", "inactief", "uit"}
_NEEDS_SCHOOLS = (DIRECTEUR, ANKER)  # their scope is the schools assigned to them


@dataclass(frozen=True)
class UserInput:
    email: str
    name: str
    role: str
    region_id: str | None = None
    school_ids: tuple[str, ...] = ()
    active: bool = True


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    emails: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.added + self.updated + self.unchanged


# ------------------------------------------------------------------------------ reading


@admin_read
def list_users(con: Connection, viewer: Viewer) -> pd.DataFrame:
    """All users except the command-line identity, with their schools (comma-separated)."""
    users = con.state.execute(
        "SELECT user_id, email, name, role, region_id, active FROM users WHERE user_id <> ?",
        [SYSTEM_USER_ID],
    ).df()
    links = con.state.execute("SELECT user_id, school_id FROM user_schools").df()
    schools = links.sort_values("school_id").groupby("user_id")["school_id"]
    region_names = dict(con.execute("SELECT region_id, name FROM regions").fetchall())
    users.insert(5, "region_name", users["region_id"].map(region_names))
    users["schools"] = users["user_id"].map(schools.agg(", ".join)).fillna("")
    users["n_schools"] = users["user_id"].map(schools.size()).fillna(0).astype(int)
    # The user list puts the roles the other way round: the beheerders first, the directors
    # (the long tail) last.
    order = {role: -i for i, role in enumerate(ROLES)}
    users = users.assign(
        _r=users["role"].map(order).fillna(1), _n=users["name"].str.lower()
    ).sort_values(["_r", "_n", "user_id"])
    return users.drop(columns=["_r", "_n"]).reset_index(drop=True)


@admin_read
def get_user(con: Connection, viewer: Viewer, user_id: str) -> UserInput | None:
    row = con.state.execute("SELECT 1 FROM users WHERE user_id = ?", [user_id]).fetchone()
    return _current(con.state, user_id) if row else None


@admin_read
def regions(con: Connection, viewer: Viewer) -> pd.DataFrame:
    return con.execute("SELECT region_id, name FROM regions ORDER BY region_id").df()


@admin_read
def all_schools(con: Connection, viewer: Viewer) -> pd.DataFrame:
    return con.execute(
        "SELECT school_id, name, region_id FROM schools ORDER BY name, school_id"
    ).df()


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Reference:
    region_ids: dict[str, str]  # lower(id or name) -> region_id
    school_ids: frozenset[str]

    @classmethod
    def load(cls, con: Connection) -> _Reference:
        lookup: dict[str, str] = {}
        for region_id, name in con.execute("SELECT region_id, name FROM regions").fetchall():
            lookup[region_id.lower()] = region_id
            lookup[name.lower()] = region_id
            lookup[name.lower().removeprefix("regio ").strip()] = region_id
        schools = frozenset(r[0] for r in con.execute("SELECT school_id FROM schools").fetchall())
        return cls(lookup, schools)


def _role(value: str) -> str | None:
    text = value.strip().lower()
    if text in ROLES:
        return text
    for role, label in ROLE_LABELS.items():
        if text in (label.lower(), label.split(" (")[0].lower()):
            return role
    return None


def _split_schools(value: str) -> list[str]:
    parts = re.split(r"[,;\s]+", value.strip())
    out = []
    for part in parts:
        part = part.strip().removesuffix(".0")  # Excel stores 14433 as 14433.0
        if part:
            out.append(part.zfill(6) if part.isdigit() and len(part) == 5 else part)
    return out


def _check(data: UserInput, ref: _Reference) -> list[tuple[str, str]]:
    """(column, message) per problem of one user."""
    problems: list[tuple[str, str]] = []
    if not data.email.strip():
        problems.append(("e-mail", "het e-mailadres ontbreekt."))
    elif not _EMAIL.fullmatch(data.email.strip()):
        problems.append(("e-mail", f"'{data.email}' is geen geldig e-mailadres."))
    if not data.name.strip():
        problems.append(("naam", "de naam ontbreekt."))
    elif starts_like_formula(data.name):
        problems.append(("naam", f"de naam begint met '{data.name.lstrip()[:1]}': Excel leest "
                                 "zo'n waarde als formule. Verwacht: een naam die met een letter "
                                 "begint."))  # fmt: skip
    if data.role not in ROLES:
        problems.append(
            ("rol", f"'{data.role}' is geen gekende rol (kies uit {', '.join(ROLES)}).")
        )
    if data.region_id is not None and data.region_id not in set(ref.region_ids.values()):
        problems.append(("regio", f"de regio '{data.region_id}' bestaat niet."))
    if data.role == REGIOTEAM and not data.region_id:
        problems.append(("regio", "een regioteam heeft een regio nodig."))
    unknown = [s for s in data.school_ids if s not in ref.school_ids]
    if unknown:
        problems.append(
            ("scholen", "onbekend instellingsnummer: " + ", ".join(f"'{s}'" for s in unknown))
        )
    if data.role in _NEEDS_SCHOOLS and not data.school_ids:
        problems.append(
            ("scholen", f"een {data.role} heeft minstens één school (instellingsnummer) nodig.")
        )
    if data.role == BEHEERDER and data.school_ids:
        problems.append(("scholen", "een beheerder ziet alle scholen: laat deze kolom leeg."))
    return problems


def _guard_self(viewer: Viewer, user_id: str | None, data: UserInput) -> list[tuple[str, str]]:
    # The acting beheerder must not lock themselves out, and the command-line identity is
    # not an account a person manages.
    problems = []
    if user_id == SYSTEM_USER_ID:
        problems.append(("e-mail", "de systeemgebruiker kan niet gewijzigd worden."))
    if user_id == viewer.user_id and (data.role != BEHEERDER or not data.active):
        problems.append(
            ("rol", "u kunt uw eigen beheerdersrol niet wegnemen of uw eigen account uitschakelen.")
        )
    return problems


def _user_id_for_email(con: Session | StateStore, email: str) -> str | None:
    row = con.execute(
        "SELECT user_id FROM users WHERE lower(email) = lower(?)", [email.strip()]
    ).fetchone()
    return row[0] if row else None


def _new_user_id(con: Session | StateStore, email: str, taken: set[str]) -> str:
    base = "u-" + re.sub(r"[^a-z0-9]+", "-", email.split("@")[0].lower()).strip("-")
    candidate, n = base, 1
    while (
        candidate in taken
        or con.execute("SELECT 1 FROM users WHERE user_id = ?", [candidate]).fetchone()
    ):
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def _write_user(con: Session, user_id: str, data: UserInput, new: bool) -> None:
    values = [data.email.strip(), data.name.strip(), data.role, data.region_id, data.active]
    if new:
        con.execute(
            "INSERT INTO users (user_id, email, name, role, region_id, active) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [user_id, *values],
        )
    else:
        con.execute(
            "UPDATE users SET email = ?, name = ?, role = ?, region_id = ?, active = ? "
            "WHERE user_id = ?",
            [*values, user_id],
        )
    con.execute("DELETE FROM user_schools WHERE user_id = ?", [user_id])
    if data.school_ids:
        con.executemany(
            "INSERT INTO user_schools (user_id, school_id) VALUES (?, ?)",
            [(user_id, s) for s in sorted(set(data.school_ids))],
        )


def _normalise(data: UserInput, ref: _Reference) -> UserInput:
    region = (data.region_id or "").strip()
    return UserInput(
        email=data.email.strip(),
        name=" ".join(data.name.split()),
        role=_role(data.role) or data.role.strip().lower(),
        region_id=ref.region_ids.get(region.lower(), region) if region else None,
        school_ids=tuple(dict.fromkeys(_split_schools(",".join(data.school_ids)))),
        active=data.active,
    )


# ------------------------------------------------------------------------------ writing


def save_user(db: Database, viewer: Viewer, data: UserInput, user_id: str | None = None) -> str:
    """Add a user (user_id None) or change one; returns the user_id. Raises on bad input."""
    require_admin(viewer)
    ref = _Reference.load(db.cursor())
    with db.state.transaction() as con:
        clean = _normalise(data, ref)
        problems = _check(clean, ref) + _guard_self(viewer, user_id, clean)
        owner = _user_id_for_email(con, clean.email) if clean.email else None
        if owner is not None and owner != user_id:
            problems.append(
                ("e-mail", f"{clean.email} is al in gebruik door een andere gebruiker.")
            )
        if (
            user_id is not None
            and not con.execute("SELECT 1 FROM users WHERE user_id = ?", [user_id]).fetchone()
        ):
            problems.append(("e-mail", "deze gebruiker bestaat niet (meer)."))
        if problems:
            raise UserValidationError([f"Kolom '{col}': {msg}" for col, msg in problems])
        new = user_id is None
        uid = user_id or _new_user_id(con, clean.email, set())
        _write_user(con, uid, clean, new)
    audit.log_event(
        db, viewer, audit.USER_ADMIN, detail=("voegt toe: " if new else "wijzigt: ") + clean.email
    )
    return uid


def set_active(db: Database, viewer: Viewer, user_id: str, active: bool) -> None:
    """Enable or disable an account; a disabled user sees a refusal at the next page load."""
    require_admin(viewer)
    if user_id == SYSTEM_USER_ID:
        raise UserValidationError(["De systeemgebruiker kan niet gewijzigd worden."])
    if user_id == viewer.user_id and not active:
        raise UserValidationError(["U kunt uw eigen account niet uitschakelen."])
    with db.state.transaction() as con:
        row = con.execute("SELECT email FROM users WHERE user_id = ?", [user_id]).fetchone()
        if row is None:
            raise UserValidationError(["Deze gebruiker bestaat niet (meer)."])
        con.execute("UPDATE users SET active = ? WHERE user_id = ?", [active, user_id])
    audit.log_event(
        db,
        viewer,
        audit.USER_ADMIN,
        detail=("schakelt in: " if active else "schakelt uit: ") + row[0],
    )


# ------------------------------------------------------------------------------ import


def parse_user_sheet(
    file_name: str, data: bytes, ref: _Reference | None = None
) -> list[tuple[int, UserInput]]:
    """(sheet row number, user) per filled row; raises UserValidationError with all problems."""
    if len(data) > MAX_SHEET_BYTES:
        raise UserValidationError(
            [
                f"{file_name}: het bestand is {format_number(len(data) / 1e6)} MB; een "
                f"gebruikerslijst mag hoogstens {format_number(MAX_SHEET_BYTES / 1e6, 0)} MB zijn."
            ]
        )
    rows = sheet_rows(file_name, data, MAX_SHEET_ROWS)
    header_at, columns = find_header(file_name, rows, _HEADER_ALIASES, SHEET_COLUMNS)
    body = rows[header_at + 1 :]
    if len(body) > MAX_SHEET_ROWS:
        raise UserValidationError(
            [f"{file_name}: meer dan {MAX_SHEET_ROWS} rijen; splits de lijst op."]
        )

    def get(row: list[str], col: str) -> str:
        j = columns.get(col)
        return row[j] if j is not None and j < len(row) else ""

    errors: list[str] = []
    out: list[tuple[int, UserInput]] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(body):
        line = header_at + 2 + offset  # sheet row number as Excel shows it
        if not any(c.strip() for c in row):
            continue
        active_text = get(row, "actief").strip().lower()
        if active_text and active_text not in _TRUE | _FALSE:
            errors.append(f"Rij {line}, kolom 'actief': '{active_text}' is geen ja of nee.")
        raw_role = get(row, "rol")
        data_row = UserInput(
            email=get(row, "e-mail"),
            name=get(row, "naam"),
            role=_role(raw_role) or raw_role,
            region_id=get(row, "regio") or None,
            school_ids=tuple(_split_schools(get(row, "scholen"))),
            active=active_text not in _FALSE,
        )
        if ref is not None:
            data_row = _normalise(data_row, ref)
            errors += [f"Rij {line}, kolom '{col}': {msg}" for col, msg in _check(data_row, ref)]
        key = data_row.email.strip().lower()
        if key and key in seen:
            errors.append(
                f"Rij {line}, kolom 'e-mail': {data_row.email} staat ook al op rij {seen[key]}."
            )
        elif key:
            seen[key] = line
        out.append((line, data_row))
    if errors:
        raise UserValidationError(errors)
    if not out:
        raise UserValidationError([f"{file_name}: de lijst bevat geen gebruikers."])
    return out


def import_users(db: Database, viewer: Viewer, file_name: str, data: bytes) -> ImportResult:
    """Validate the whole sheet, then write every row in one transaction (or nothing)."""
    require_admin(viewer)
    digest = hashlib.sha256(data).hexdigest()
    result = ImportResult()
    try:
        ref = _Reference.load(db.cursor())
        parsed = parse_user_sheet(file_name, data, ref)
        with db.state.transaction() as con:
            errors: list[str] = []
            taken: set[str] = set()
            for line, row in parsed:
                uid = _user_id_for_email(con, row.email)
                for col, msg in _guard_self(viewer, uid, row):
                    errors.append(f"Rij {line}, kolom '{col}': {msg}")
                if uid is None:
                    _write_user(con, _new_user_id(con, row.email, taken), row, new=True)
                    result.added += 1
                else:
                    before = _current(con, uid)
                    if before == row:
                        result.unchanged += 1
                    else:
                        _write_user(con, uid, row, new=False)
                        result.updated += 1
                result.emails.append(row.email)
            if errors:
                raise UserValidationError(errors)  # rolls the whole transaction back
            _log_import(con, viewer, file_name, digest, result, "gelukt", None)
    except UserValidationError as exc:
        # import_log is the audit trail of imports (audit.audit_entries shows it).
        with db.state.transaction() as con:
            _log_import(con, viewer, file_name, digest, ImportResult(), "geweigerd", exc.errors[0])
        raise
    return result


def _current(con: Session | StateStore, user_id: str) -> UserInput:
    row = one(  # callers looked the user up first
        con.execute(
            "SELECT email, name, role, region_id, active FROM users WHERE user_id = ?", [user_id]
        )
    )
    schools = con.execute(
        "SELECT school_id FROM user_schools WHERE user_id = ? ORDER BY school_id", [user_id]
    ).fetchall()
    return UserInput(row[0], row[1], row[2], row[3], tuple(s[0] for s in schools), bool(row[4]))


def _log_import(
    con: Session | StateStore,
    viewer: Viewer,
    file_name: str,
    digest: str,
    result: ImportResult,
    outcome: str,
    message: str | None,
) -> None:
    con.execute(
        "INSERT INTO import_log (imported_at, user_id, file_name, sha256, kind, rows_added, "
        "rows_replaced, outcome, message) VALUES (?, ?, ?, ?, 'gebruikers', ?, ?, ?, ?)",
        [
            datetime.now(),
            viewer.user_id,
            file_name[:200],
            digest,
            result.added,
            result.updated,
            outcome,
            message,
        ],
    )


def user_sheet_template(rows: Iterable[Iterable[str]] = ()) -> bytes:
    """An .xlsx users sheet with the header, one example row per role and a notes sheet."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]  # a new workbook has one sheet
    ws.title = "Gebruikers"
    ws.append(list(SHEET_COLUMNS) + list(OPTIONAL_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    examples = list(rows) or [
        ["directeur@school.be", "An Peeters", DIRECTEUR, "", "012345", "ja"],
        ["anker@begeleiding.be", "Bert Claes", ANKER, "R1", "012345, 023456", "ja"],
        ["regio@begeleiding.be", "Regioteam Oost", REGIOTEAM, "R1", "", "ja"],
        ["beheer@begeleiding.be", "Carla Smet", BEHEERDER, "", "", "ja"],
    ]
    for r in examples:
        append(ws, r)  # control characters stripped, formulas as text
    for col, width in zip("ABCDEF", (32, 24, 12, 10, 30, 8), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("Uitleg")
    for line in (
        "Eén rij per gebruiker. Een bestaande gebruiker (zelfde e-mailadres) wordt bijgewerkt.",
        "rol: directeur, anker, regioteam of beheerder.",
        "regio: code of naam van de regio (verplicht voor een regioteam).",
        "scholen: instellingsnummers gescheiden door komma's (verplicht voor directeur en anker).",
        "actief: ja of nee (leeg = ja). Gebruikers die niet in de lijst staan blijven ongewijzigd.",
    ):
        notes.append([line])
    neutralise_workbook(wb)  # text cells never run as formulas
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command line: import a users sheet or add the first beheerder of a real database.

    python -m data_model.state.users import FILE [--data MAP]
    python -m data_model.state.users add --email E --name N --role beheerder [--data MAP]
    """
    import argparse
    from pathlib import Path

    from data_model.reading.access import system_viewer
    from data_model.storage.cli import add_data_argument, fail, open_data

    parser = argparse.ArgumentParser(
        prog="python -m data_model.state.users", description=main.__doc__
    )
    add_data_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="gebruikerslijst (.xlsx/.csv) inlezen")
    imp.add_argument("file", type=Path)
    add = sub.add_parser("add", help="één gebruiker toevoegen of bijwerken")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--region", default=None)
    add.add_argument("--schools", default="", help="instellingsnummers, komma-gescheiden")
    args = parser.parse_args(argv)

    if args.command == "import" and not args.file.is_file():
        raise fail(f"Bestand niet gevonden: {args.file.name}")
    db = open_data(args.data)
    try:
        viewer = system_viewer(db.cursor())
        if args.command == "import":
            result = import_users(db, viewer, args.file.name, args.file.read_bytes())
            print(
                f"{result.added} nieuw, {result.updated} gewijzigd, {result.unchanged} ongewijzigd"
            )
        else:
            data = UserInput(
                args.email, args.name, args.role, args.region, tuple(_split_schools(args.schools))
            )
            existing = _user_id_for_email(db.state, args.email)
            uid = save_user(db, viewer, data, existing)
            print(f"Gebruiker {uid} opgeslagen.")
    except UserValidationError as exc:
        print("\n".join(exc.errors))
        return 1
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
