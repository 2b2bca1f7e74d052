"""Excel/CSV -> validated rows -> one transaction (README, "Importformaten").

    python -m data_model.imports FILE --kind results|pupils|schools|support|guidance --data MAP

Three steps, and nothing is written unless all of them pass:
1. read: find the sheet and the header row (title rows above it are skipped), map headers to
   the columns of `import_formats`, parse every cell (decimal commas, % signs, 2024-25, ...);
2. check against the database: known schools, assessments, learning areas and domains,
   duplicates, ids that belong to another school or year;
3. write in one transaction (`Database.write()`): delete the rows of the same source for the
   schools and school years in the file, insert the new ones, rebuild `school_result`, log.
A file whose rows are already in the database changes nothing (only the log gets a line).
A refused file is logged in its own transaction after the rollback.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import math
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from data_model.imports.formats import (
    FORMATS,
    HEADER_SCAN_ROWS,
    MAX_DATA_ROWS,
    MAX_FILE_BYTES,
    SUPPORT_CONTINUUM,
    CellError,
    FileFormat,
    is_blank,
    normalize_header,
    normalize_value,
    parse_cell,
    show,
)
from data_model.reading.access import AccessDenied, Viewer, system_viewer
from data_model.reading.scope import admin_read
from data_model.rules import load_rules
from data_model.state import audit
from data_model.statistics.materialize import refresh_school_results
from data_model.storage.cli import add_data_argument, open_data
from data_model.storage.db import Database
from data_model.texts.formatting import school_year_of
from data_model.vocabulary import HALF_DAY_HOURS

Progress = Callable[[float, str], None]
EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}
CSV_SHEET = "(csv)"
BLANK_ROWS_END = 10_000  # this many empty rows in a row end a sheet's data


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused, with everything a user needs to find and fix it."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def as_text(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"blad {self.sheet}")
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column:
            where.append(f"kolom {self.column}")
        value = f" waarde '{self.value}':" if self.value else ""
        return f"{', '.join(where)}:{value} {self.message}"


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problemen")
        self.problems = problems


@dataclass
class ImportReport:
    file_name: str
    kind: str
    sha256: str
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    rows_added: int = 0
    rows_replaced: int = 0
    unchanged: bool = False
    summary: str = ""
    import_id: int | None = None
    ignored_columns: list[str] = field(default_factory=list)

    def problems_frame(self) -> pd.DataFrame:
        """The validation report as the Gegevens page shows it (Dutch column names)."""
        return pd.DataFrame(
            [(p.file, p.sheet, p.row, p.column, p.value, p.message) for p in self.problems],
            columns=["bestand", "blad", "rij", "kolom", "waarde", "probleem"],
        ).astype({"rij": "Int64"})


# --------------------------------------------------------------------------- reading


@dataclass
class RawTable:
    sheet: str
    header_row: int  # 1-based row number of the header
    headers: list[object]
    rows: list[tuple[int, list[object]]]  # (1-based row number, cell values)


def _header_score(fmt: FileFormat, row: tuple | list, domain_names: set[str]) -> int:
    names = {normalize_header(v) for v in row if not is_blank(v)}
    score = sum(1 for c in fmt.columns if c.match_names & names)
    if fmt.domain_columns:
        score += len(names & domain_names)
    return score


def _best_header(fmt: FileFormat, head: list, domain_names: set[str]) -> tuple[int, int]:
    """(index in head, score) of the row that looks most like this format's header."""
    best = (-1, 0)
    for i, row in enumerate(head[:HEADER_SCAN_ROWS]):
        score = _header_score(fmt, row, domain_names)
        if score > best[1]:
            best = (i, score)
    return best


def _merged_ranges(data: bytes, sheet_path: str) -> list[str]:
    """Merged cell ranges of one sheet, read from the XML (read-only openpyxl hides them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xml = zf.read(sheet_path)
    except (KeyError, zipfile.BadZipFile):
        return []
    start = xml.rfind(b"<mergeCells")  # they follow sheetData: search the tail only
    if start < 0:
        return []
    return [m.decode() for m in re.findall(rb'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', xml[start:])]


def _sniff_kind(data: bytes) -> str:
    if not data:
        return "empty"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"  # password-protected OOXML or an old .xls
    sample = data[:4096]
    if b"\x00" in sample:
        return "binary"
    return "text"


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(file_name: str, data: bytes, fmt: FileFormat, domain_names: set[str]) -> RawTable:
    text = _decode_text(data)
    first_lines = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    counts = {d: first_lines.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    rows: list[list[object]] = []
    for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        rows.append(row)
        if i > MAX_DATA_ROWS + HEADER_SCAN_ROWS:
            break
    head_idx, score = _best_header(fmt, rows, domain_names)
    if score < 2:
        raise ImportRejected([_no_header(file_name, CSV_SHEET, fmt, rows)])
    data_rows = [
        (i + 1, list(r))
        for i, r in enumerate(rows)
        if i > head_idx and not all(is_blank(v) for v in r)
    ]
    table = RawTable(CSV_SHEET, head_idx + 1, list(rows[head_idx]), data_rows)
    _check_size(file_name, table)
    return table


def _check_size(file_name: str, table: RawTable, total_rows: int | None = None) -> None:
    n = total_rows if total_rows is not None else len(table.rows)
    if n > MAX_DATA_ROWS:
        raise ImportRejected(
            [
                Problem(
                    file_name, table.sheet, None, "", "",
                    f"Het blad heeft meer dan {MAX_DATA_ROWS:_} rijen (de grens per "
                    "bestand). Splits het bestand, bv. per schooljaar of per toets.".replace(
                        "_", "."
                    ),
                )
            ]
        )  # fmt: skip


def _kind_hint(fmt: FileFormat, head: list) -> str:
    """' Dit lijkt een bestand X: kies die soort.' when another format's header fits fully."""
    for other in FORMATS.values():
        if other.kind == fmt.kind:
            continue
        _, score = _best_header(other, head, set())
        if score >= sum(1 for c in other.columns if c.required):
            return f" Dit lijkt een bestand '{other.label}': kies die soort."
    return ""


def _no_header(
    file_name: str, sheet: str, fmt: FileFormat, head: list, sheets: str | None = None
) -> Problem:
    required = ", ".join(c.header for c in fmt.columns if c.required)
    where = f"In geen enkel blad ({sheets}) bevatten" if sheets else "Hier bevatten"
    message = (
        f"Geen kopregel gevonden. {where} de eerste {HEADER_SCAN_ROWS} rijen de kolomnamen "
        f"van '{fmt.label}': {required}." + _kind_hint(fmt, head)
    )
    return Problem(file_name, "" if sheets else sheet, None, "", "", message)


def _read_xlsx(file_name: str, data: bytes, fmt: FileFormat, domain_names: set[str]) -> RawTable:
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for a broken package
        raise ImportRejected([_corrupt(file_name)]) from None
    try:
        if not wb.worksheets:
            raise ImportRejected([_corrupt(file_name)])
        candidates = []
        try:
            for ws in wb.worksheets:
                head = [list(r) for r in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
                idx, score = _best_header(fmt, head, domain_names)
                candidates.append((score, ws, idx, head))
        except Exception:
            raise ImportRejected([_corrupt(file_name)]) from None
        score, ws, head_idx, head = max(candidates, key=lambda c: c[0])
        if score < 2:
            sheets = ", ".join(f"'{w.title}'" for w in wb.worksheets)
            raise ImportRejected([_no_header(file_name, ws.title, fmt, head, sheets)])
        header_row = head_idx + 1
        # Only rows with content count, and a long run of empty rows ends the data: sheets
        # formatted down to row 1,048,576 are common and must not be refused or read to the end.
        rows: list[tuple[int, list[object]]] = []
        blank_run = 0
        for i, values in enumerate(
            ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1
        ):
            if all(is_blank(v) for v in values):
                blank_run += 1
                if blank_run >= BLANK_ROWS_END:
                    break
                continue
            blank_run = 0
            rows.append((i, list(values)))
            if len(rows) > MAX_DATA_ROWS:
                _check_size(file_name, RawTable(ws.title, header_row, [], rows))
        table = RawTable(ws.title, header_row, head[head_idx], rows)
        merged = _merged_ranges(data, getattr(ws, "_worksheet_path", ""))
    finally:
        wb.close()
    problems = []
    for ref in merged:
        min_col, min_row, _, max_row = range_boundaries(ref)
        if max_row >= header_row:  # merged title cells above the header are fine
            where = "de kopregel" if min_row <= header_row else "de gegevens"
            problems.append(
                Problem(
                    file_name, table.sheet, min_row, get_column_letter(min_col), "",
                    f"Samengevoegde cellen ({ref}) in {where}. Maak de samenvoeging ongedaan en "
                    "geef elke kolom een eigen naam en elke rij een eigen waarde.",
                )
            )  # fmt: skip
    if problems:
        raise ImportRejected(problems)
    return table


def _corrupt(file_name: str) -> Problem:
    return Problem(
        file_name, "", None, "", "",
        "Het bestand is beschadigd of is geen Excel-werkmap. Open het in Excel en sla het "
        "opnieuw op als Excel-werkmap (.xlsx).",
    )  # fmt: skip


def read_table(file_name: str, data: bytes, fmt: FileFormat, domain_names: set[str]) -> RawTable:
    """Find the sheet and header row and return the raw rows, or raise ImportRejected."""
    suffix = Path(file_name).suffix.lower()
    kind = _sniff_kind(data)

    def refuse(message: str) -> ImportRejected:
        return ImportRejected([Problem(file_name, "", None, "", "", message)])

    if kind == "empty" or (kind == "text" and not data.strip()):
        raise refuse("Het bestand is leeg.")
    if len(data) > MAX_FILE_BYTES:
        raise refuse(
            f"Het bestand is groter dan {MAX_FILE_BYTES // (1024 * 1024)} MB. Splits het, bv. "
            "per schooljaar of per toets."
        )
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise refuse(
            f"Bestanden van het type '{suffix or '(geen extensie)'}' kunnen niet worden "
            "ingelezen. Verwacht: een Excel-werkmap (.xlsx) of een CSV-bestand (.csv)."
        )
    if suffix in (".csv", ".txt"):
        if kind != "text":
            raise refuse(
                "Het bestand heet .csv maar is geen tekstbestand (misschien een Excel-werkmap). "
                "Geef het de juiste extensie (.xlsx) of sla het op als CSV."
            )
        return _read_csv(file_name, data, fmt, domain_names)
    if kind == "ole":
        raise refuse(
            "Het bestand is beveiligd met een wachtwoord of is een oud Excel-bestand (.xls). "
            "Verwijder het wachtwoord en sla het op als Excel-werkmap (.xlsx)."
        )
    if kind == "text":
        raise refuse(
            "Het bestand heet .xlsx maar is een tekstbestand (CSV). Geef het de extensie .csv "
            "of open het in Excel en sla het op als Excel-werkmap (.xlsx)."
        )
    if kind != "zip":
        raise ImportRejected([_corrupt(file_name)])
    return _read_xlsx(file_name, data, fmt, domain_names)


# --------------------------------------------------------------------------- parsing cells


@dataclass
class Catalogue:
    """What the database already knows, read once per import."""

    assessments: dict[str, str]  # normalized id or name -> assessment_id
    grades: dict[str, int]
    areas: dict[tuple[str, str], str]  # (assessment_id, normalized area) -> label
    domains: dict[tuple[str, str, str], tuple[str, str]]  # -> (area label, domain label)
    schools: set[str]
    regions: dict[str, str]  # normalized id or name -> region_id
    users: dict[str, str]  # user_id or lower(email) -> user_id

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Catalogue:
        assessments, grades = {}, {}
        for aid, name, grade in con.execute(
            "SELECT assessment_id, name, grade FROM assessments"
        ).fetchall():
            assessments[normalize_value(aid)] = aid
            assessments[normalize_value(name)] = aid
            grades[aid] = grade
        areas, domains = {}, {}
        for aid, area, domain in con.execute(
            "SELECT assessment_id, learning_area, domain FROM domains"
        ).fetchall():
            areas[(aid, normalize_value(area))] = area
            domains[(aid, normalize_value(area), normalize_value(domain))] = (area, domain)
        schools = {r[0] for r in con.execute("SELECT school_id FROM schools").fetchall()}
        regions = {}
        for rid, name in con.execute("SELECT region_id, name FROM regions").fetchall():
            regions[normalize_value(rid)] = rid
            regions[normalize_value(name)] = rid
            regions[normalize_value(name.removeprefix("Regio "))] = rid
        users = {}
        state = con.state  # users live in the state store (con: a storage.db.Cursor)
        for uid, email in state.execute("SELECT user_id, email FROM users WHERE active").fetchall():
            users[uid] = uid
            users[email.lower()] = uid
        return cls(assessments, grades, areas, domains, schools, regions, users)

    def domain_headers(self) -> dict[str, tuple[str, str, str, bool]]:
        """Pupil-file headers: normalized 'area - domain' [+ 'doel behaald'] -> meaning."""
        out = {}
        for (aid, _, _), (area, domain) in self.domains.items():
            base = normalize_header(f"{area} {domain}")
            out.setdefault(base, (aid, area, domain, False))
            for suffix in ("doel behaald", "doel", "doelen behaald"):
                out.setdefault(base + normalize_header(suffix), (aid, area, domain, True))
        return out


@dataclass
class Parsed:
    frame: pd.DataFrame  # one column per Column.key present, plus _row
    ignored: list[str]
    domain_cols: list[tuple[str, str, str, bool]]  # pupils: per extra column


def _cell_problem(file_name: str, sheet: str, row: int, header: str, value: object, msg: str):
    return Problem(file_name, sheet, row, header, show(value), msg[0].upper() + msg[1:])


def parse_rows(
    file_name: str, table: RawTable, fmt: FileFormat, catalogue: Catalogue
) -> tuple[Parsed, list[Problem]]:
    problems: list[Problem] = []
    domain_headers = catalogue.domain_headers() if fmt.domain_columns else {}
    mapping: dict[int, str] = {}  # cell index -> column key or "dom:<i>"
    headers_shown: dict[str, str] = {}
    domain_cols: list[tuple[str, str, str, bool]] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    header_names = {c.key: c for c in fmt.columns}
    for idx, raw in enumerate(table.headers):
        if is_blank(raw):
            continue
        name = normalize_header(raw)
        column = next((c for c in fmt.columns if name in c.match_names), None)
        if column is not None:
            key = column.key
        elif name in domain_headers:
            key = f"dom:{len(domain_cols)}"
            domain_cols.append(domain_headers[name])
        elif fmt.domain_columns:
            problems.append(
                Problem(
                    file_name, table.sheet, table.header_row, show(raw), show(raw),
                    "Onbekende kolom: geen gekende kolom en geen gekend domein. Verwacht: "
                    "de vaste kolommen of 'leergebied - domein', bv. 'Wiskunde - Meetkunde'.",
                )
            )  # fmt: skip
            continue
        else:
            ignored.append(show(raw))
            continue
        if key in seen or (key.startswith("dom:") and domain_cols[-1] in domain_cols[:-1]):
            problems.append(
                Problem(
                    file_name, table.sheet, table.header_row, show(raw), show(raw),
                    f"Deze kolom komt twee keer voor (ook als '{seen.get(key, show(raw))}'). "
                    "Verwacht: elke kolom één keer.",
                )
            )  # fmt: skip
            continue
        seen[key] = show(raw)
        mapping[idx] = key
        headers_shown[key] = show(raw)
    for column in fmt.columns:
        if column.required and column.key not in seen:
            problems.append(
                Problem(
                    file_name, table.sheet, table.header_row, column.header, "",
                    f"Kolom '{column.header}' ontbreekt in de kopregel (rij {table.header_row}). "
                    f"Voeg de kolom toe ({column.description or column.header})."
                    + _kind_hint(fmt, [table.headers]),
                )
            )  # fmt: skip
    if fmt.domain_columns and not domain_cols and not problems:
        problems.append(
            Problem(
                file_name, table.sheet, table.header_row, "", "",
                "Geen enkele domeinkolom gevonden. Verwacht: één kolom per domein, bv. "
                "'Wiskunde - Meetkunde'.",
            )
        )  # fmt: skip
    if problems:
        return Parsed(pd.DataFrame(), ignored, domain_cols), problems

    columns: dict[str, list[object]] = {key: [] for key in mapping.values()}
    row_numbers: list[int] = []
    parsers = {
        key: (header_names[key].parser, header_names[key].blank_ok)
        if not key.startswith("dom:")
        else ("bool" if domain_cols[int(key[4:])][3] else "score", True)
        for key in mapping.values()
    }
    for row_no, values in table.rows:
        if all(is_blank(v) for v in values):
            continue  # empty rows (trailing or in between) carry nothing
        row_numbers.append(row_no)
        for idx, key in mapping.items():
            value = values[idx] if idx < len(values) else None
            parser, blank_ok = parsers[key]
            parsed = None
            if isinstance(value, ArrayFormula | DataTableFormula) or (
                isinstance(value, str) and value.startswith("=") and len(value) > 1
            ):
                problems.append(
                    _cell_problem(file_name, table.sheet, row_no, headers_shown[key],
                                  getattr(value, "text", value),
                                  "Deze cel bevat een formule. Verwacht: een waarde. Kopieer de "
                                  "kolom en plak ze als waarden (Plakken speciaal > Waarden).")
                )  # fmt: skip
            elif isinstance(value, str) and value.strip() in EXCEL_ERRORS:
                problems.append(
                    _cell_problem(file_name, table.sheet, row_no, headers_shown[key], value,
                                  "Deze cel bevat een Excel-fout. Verwacht: een waarde.")
                )  # fmt: skip
            elif is_blank(value):
                if not blank_ok:
                    problems.append(
                        _cell_problem(file_name, table.sheet, row_no, headers_shown[key], "",
                                      "Lege cel. Verwacht: een waarde in deze kolom.")
                    )  # fmt: skip
            else:
                try:
                    parsed = parse_cell(parser, value)
                except CellError as exc:
                    problems.append(
                        _cell_problem(
                            file_name, table.sheet, row_no, headers_shown[key], value, str(exc)
                        )
                    )
            columns[key].append(parsed)
    if not row_numbers:
        problems.append(
            Problem(
                file_name, table.sheet, table.header_row, "", "",
                f"Geen gegevens onder de kopregel (rij {table.header_row}). Verwacht: minstens "
                "één rij met gegevens.",
            )
        )  # fmt: skip
    # object dtype everywhere: pandas would otherwise turn None in text columns into NaN.
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    frame["row_no"] = row_numbers
    parsed = Parsed(frame, ignored, domain_cols)
    parsed.frame.attrs["headers"] = headers_shown
    return parsed, problems


# --------------------------------------------------------------------------- checks per kind


@dataclass
class Context:
    file_name: str
    sheet: str
    catalogue: Catalogue
    headers: dict[str, str]

    def problem(self, row: int | None, key: str, value: object, message: str) -> Problem:
        return Problem(
            self.file_name, self.sheet, row, self.headers.get(key, key), show(value), message
        )


def _unknown_schools(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    known = ctx.catalogue.schools
    return [
        ctx.problem(
            r,
            "school_id",
            s,
            "Onbekende school: dit instellingsnummer staat niet in de databank. Verbeter het "
            "nummer of lees eerst het bestand 'Scholen en context' in.",
        )
        for r, s in zip(frame["row_no"], frame["school_id"], strict=True)
        if s is not None and s not in known
    ]


def _duplicates(frame: pd.DataFrame, keys: list[str], ctx: Context, what: str) -> list[Problem]:
    key_frame = frame[keys].astype(object).where(frame[keys].notna(), "\x00")
    dup = key_frame.duplicated(keep=False)
    if not dup.any():
        return []
    first_row: dict[tuple, int] = {}
    problems = []
    for row_no, key in zip(
        frame["row_no"][dup], map(tuple, key_frame[dup].to_numpy()), strict=True
    ):
        if key in first_row:
            problems.append(
                ctx.problem(row_no, "", "", f"Dubbele rij: {what} als rij {first_row[key]}. "
                            "Verwacht: elke combinatie één keer.")
            )  # fmt: skip
        else:
            first_row[key] = row_no
    return problems


def _resolve_assessment(frame: pd.DataFrame, ctx: Context) -> list[Problem]:
    problems = []
    ids = []
    options = ", ".join(sorted(set(ctx.catalogue.assessments.values())))
    for row_no, value in zip(frame["row_no"], frame["assessment"], strict=True):
        aid = ctx.catalogue.assessments.get(normalize_value(value)) if value else None
        if value is not None and aid is None:
            problems.append(
                ctx.problem(row_no, "assessment", value,
                            f"Onbekende toets. Verwacht: een van {options}.")
            )  # fmt: skip
        ids.append(aid)
    frame["assessment_id"] = pd.Series(ids, dtype=object, index=frame.index)
    return problems


def _fraction_check(frame: pd.DataFrame, keys: list[str], ctx: Context) -> list[Problem]:
    """Scores typed as fractions (0,635 for 63,5 %) would import silently wrong."""
    problems = []
    for key in keys:
        if key not in frame:
            continue
        values = pd.to_numeric(frame[key], errors="coerce").dropna()
        if len(values) >= 3 and values.max() <= 1:
            problems.append(
                ctx.problem(
                    None, key, "",
                    "Alle waarden in deze kolom liggen tussen 0 en 1: dat lijken breuken. "
                    "Verwacht: percentages van 0 tot 100 (63,5 in plaats van 0,635).",
                )
            )  # fmt: skip
    return problems


def check_results(frame: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    problems = _resolve_assessment(frame, ctx)
    problems += _unknown_schools(frame, ctx)
    areas, domains = [], []
    for row in frame.itertuples(index=False):
        area = domain = None
        aid = row.assessment_id
        if aid is not None and row.learning_area is not None:
            area = ctx.catalogue.areas.get((aid, normalize_value(row.learning_area)))
            if area is None:
                known = sorted({v for (a, _), v in ctx.catalogue.areas.items() if a == aid})
                problems.append(
                    ctx.problem(row.row_no, "learning_area", row.learning_area,
                                f"Onbekend leergebied voor toets {aid}. Verwacht: een van "
                                f"{', '.join(known)}.")
                )  # fmt: skip
            elif row.domain is not None:
                match = ctx.catalogue.domains.get(
                    (aid, normalize_value(row.learning_area), normalize_value(row.domain))
                )
                if match is None:
                    known = sorted(
                        d for (a, ar, _), (_, d) in ctx.catalogue.domains.items()
                        if a == aid and ar == normalize_value(row.learning_area)
                    )  # fmt: skip
                    problems.append(
                        ctx.problem(row.row_no, "domain", row.domain,
                                    f"Onbekend domein voor {area}. Verwacht: een van "
                                    f"{', '.join(known)}.")
                    )  # fmt: skip
                else:
                    domain = match[1]
        elif row.learning_area is None and row.domain is not None:
            problems.append(
                ctx.problem(row.row_no, "domain", row.domain,
                            "Domein zonder leergebied. Verwacht: ook het leergebied invullen.")
            )  # fmt: skip
        areas.append(area)
        domains.append(domain)
        n = row.n_pupils
        if n is None or (isinstance(n, float) and math.isnan(n)):
            if row.score_mean is not None and not pd.isna(row.score_mean):
                problems.append(
                    ctx.problem(row.row_no, "n_pupils", "",
                                "Aantal leerlingen ontbreekt. Verwacht: een geheel getal, of "
                                "'< 5' met lege gemiddelden.")
                )  # fmt: skip
        elif n >= load_rules().min_group_size and (
            row.score_mean is None or pd.isna(row.score_mean)
        ):
            problems.append(
                ctx.problem(row.row_no, "score_mean", "",
                            "Gemiddelde van de school ontbreekt. Verwacht: een getal van 0 tot "
                            "100, bv. 63,5.")
            )  # fmt: skip
    frame["learning_area"] = pd.Series(areas, dtype=object, index=frame.index)
    frame["domain"] = pd.Series(domains, dtype=object, index=frame.index)
    problems += _fraction_check(frame, ["score_mean", "similar_mean", "flanders_mean"], ctx)
    if not problems:
        problems += _duplicates(
            frame, ["school_id", "school_year", "assessment_id", "learning_area", "domain"], ctx,
            "dezelfde school, hetzelfde schooljaar, dezelfde toets, hetzelfde leergebied en "
            "hetzelfde domein",
        )  # fmt: skip
    out = pd.DataFrame(
        {
            "school_id": frame["school_id"],
            "school_year": frame["school_year"],
            "assessment_id": frame["assessment_id"],
            "learning_area": frame["learning_area"],
            "domain": frame["domain"],
            # '< 5' / blank = not published: stored as 0 pupils, so it is always suppressed.
            "n_pupils": frame["n_pupils"].map(lambda v: 0 if v is None or pd.isna(v) else v),
            "score_mean": frame["score_mean"],
            "score_sd": frame.get("score_sd", pd.Series([None] * len(frame))),
            "pct_goal_reached": frame.get("pct_goal_reached", pd.Series([None] * len(frame))),
            "similar_mean": frame["similar_mean"],
            "flanders_mean": frame["flanders_mean"],
        }
    )
    return out, problems


def check_pupils(
    frame: pd.DataFrame, ctx: Context, domain_cols: list[tuple[str, str, str, bool]]
) -> tuple[tuple[pd.DataFrame, pd.DataFrame, str], list[Problem]]:
    problems = _resolve_assessment(frame, ctx)
    problems += _unknown_schools(frame, ctx)
    ids = sorted({a for a in frame["assessment_id"] if a})
    empty = (pd.DataFrame(), pd.DataFrame(), "")
    if len(ids) > 1:
        problems.append(
            ctx.problem(None, "assessment", ", ".join(ids),
                        "Het bestand bevat meer dan één toets. Verwacht: één toets per "
                        "leerlingenbestand.")
        )  # fmt: skip
    if problems:
        return empty, problems
    aid = ids[0]
    for i, (col_aid, area, domain, _) in enumerate(domain_cols):
        if col_aid != aid:
            problems.append(
                ctx.problem(None, f"dom:{i}", "",
                            f"Onbekend domein '{area} - {domain}' voor toets {aid}.")
            )  # fmt: skip
    dup = _duplicates(frame, ["pupil_id"], ctx, "dezelfde leerling_id")
    problems += dup
    problems += _fraction_check(frame, [f"dom:{i}" for i, c in enumerate(domain_cols) if not c[3]],
                                ctx)  # fmt: skip
    if problems:
        return empty, problems
    grade = ctx.catalogue.grades[aid]
    n = len(frame)
    pupils = pd.DataFrame(
        {
            "pupil_id": frame["pupil_id"],
            "school_id": frame["school_id"],
            "school_year": frame["school_year"],
            "grade": frame["grade"].fillna(grade) if "grade" in frame else [grade] * n,
        }
    )
    for key in ("gender", "home_language_dutch", "mother_low_education", "school_allowance",
                "neighbourhood_low", "support_phase"):  # fmt: skip
        pupils[key] = frame[key] if key in frame else [None] * n
    pupils["grade"] = pupils["grade"].astype(int)
    long = []
    goals = {(area, domain): f"dom:{i}" for i, (_, area, domain, g) in enumerate(domain_cols) if g}
    for i, (_, area, domain, is_goal) in enumerate(domain_cols):
        if is_goal:
            continue
        scores = frame[f"dom:{i}"]
        has = scores.notna()
        goal_key = goals.get((area, domain))
        long.append(
            pd.DataFrame(
                {
                    "pupil_id": frame["pupil_id"][has],
                    "assessment_id": aid,
                    "learning_area": area,
                    "domain": domain,
                    "score": scores[has].astype(float),
                    "goal_reached": frame[goal_key][has] if goal_key else None,
                }
            )
        )
    results = pd.concat(long, ignore_index=True)
    return (pupils, results, aid), problems


def check_schools(frame: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    problems = []
    regions = []
    known = ", ".join(sorted(set(ctx.catalogue.regions.values())))
    for row_no, value in zip(frame["row_no"], frame["region"], strict=True):
        rid = ctx.catalogue.regions.get(normalize_value(value)) if value else None
        if value is not None and rid is None:
            problems.append(
                ctx.problem(row_no, "region", value, f"Onbekende regio. Verwacht: een van {known}.")
            )
        regions.append(rid)
    frame["region_id"] = pd.Series(regions, dtype=object, index=frame.index)
    if "ses_group" in frame and frame["ses_group"].notna().any():
        for row_no, value in zip(frame["row_no"], frame["ses_group"], strict=True):
            if value is None or pd.isna(value):
                problems.append(
                    ctx.problem(row_no, "ses_group", "",
                                "Lege SES-groep terwijl andere rijen er een hebben. Verwacht: "
                                "overal een SES-groep (1 tot 5), of de kolom helemaal leeg.")
                )  # fmt: skip
    problems += _fraction_check(
        frame, ["pct_home_language_not_dutch", "pct_mother_low_education",
                "pct_school_allowance", "pct_neighbourhood"], ctx,
    )  # fmt: skip
    problems += _duplicates(frame, ["school_id", "school_year"], ctx,
                            "dezelfde school en hetzelfde schooljaar")  # fmt: skip
    return frame, problems


def check_support(frame: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    problems = _unknown_schools(frame, ctx)
    problems += _duplicates(frame, ["school_id", "school_year", "phase"], ctx,
                            "dezelfde school, hetzelfde schooljaar en dezelfde fase")  # fmt: skip
    frame["measure_kind"] = [
        "continuum" if p in SUPPORT_CONTINUUM else "indicator" for p in frame["phase"]
    ]
    return frame[["school_id", "school_year", "phase", "measure_kind", "n_pupils"]], problems


def check_guidance(frame: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    problems = _unknown_schools(frame, ctx)
    n = len(frame)
    years, ankers, ids, units = [], [], [], []
    given_year = frame["school_year"] if "school_year" in frame else pd.Series([None] * n)
    given_id = frame["contact_id"] if "contact_id" in frame else pd.Series([None] * n)
    given_units = frame["units"] if "units" in frame else pd.Series([None] * n)
    for i, row in enumerate(frame.itertuples(index=False)):
        year = given_year.iloc[i]
        if row.contact_date is not None:
            derived = school_year_of(row.contact_date)
            if year is None:
                year = derived
            elif year != derived:
                problems.append(
                    ctx.problem(row.row_no, "contact_date", row.contact_date,
                                f"Deze datum valt niet in schooljaar {year}. Verwacht: een "
                                f"datum van 1 september tot 31 augustus van {year}.")
                )  # fmt: skip
        years.append(year)
        anker = ctx.catalogue.users.get(row.anker) or ctx.catalogue.users.get(
            (row.anker or "").lower()
        )
        if row.anker is not None and anker is None:
            problems.append(
                ctx.problem(row.row_no, "anker", row.anker,
                            "Onbekend anker. Verwacht: de gebruikerscode of het e-mailadres "
                            "van een actieve gebruiker (zie tabblad Gebruikers).")
            )  # fmt: skip
        ankers.append(anker)
        hours = row.hours if row.hours is not None else 0.0
        unit = given_units.iloc[i]
        if unit is None or pd.isna(unit):  # one unit per (started) half day
            unit = max(1, math.ceil(hours / HALF_DAY_HOURS)) if hours > 0 else 0
        units.append(int(unit))
        cid = given_id.iloc[i]
        if cid is None:
            digest = hashlib.sha1(
                "|".join(map(str, (row.school_id, row.contact_date, anker, row.goal_code,
                                   row.core_task, row.form, row.hours))).encode()
            ).hexdigest()[:12]  # fmt: skip
            cid = f"G-{digest}"
        ids.append(cid)
    out = pd.DataFrame(
        {
            "contact_id": ids,
            "school_id": frame["school_id"],
            "school_year": years,
            "contact_date": frame["contact_date"],
            "anker_id": ankers,
            "goal_code": frame["goal_code"],
            "core_task": frame["core_task"],
            "form": frame["form"],
            "hours": frame["hours"],
            "units": units,
            "row_no": frame["row_no"],
        }
    )
    what = (
        "hetzelfde contact (zelfde contact_id of dezelfde school, datum, anker, doel, "
        "kerntaak, vorm en uren)"
    )
    problems += _duplicates(out, ["contact_id"], ctx, what)
    return out.drop(columns="row_no"), problems


# --------------------------------------------------------------------------- writing


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _difference_sql(existing: str, columns: str, temp: str, reverse: bool = False) -> str:
    """Count of rows in `existing` not in temp table `temp` (or the other way round)."""
    new = "SELECT " + columns + " FROM " + temp
    first, second = (new, existing) if reverse else (existing, new)
    return "SELECT count(*) FROM (" + first + " EXCEPT ALL " + second + ")"


_SQL_TYPE = re.compile(r"[A-Z]+(\(\d+(, ?\d+)?\))?")


def _replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: dict[str, str],
    keys: list[str],
    new: pd.DataFrame,
    extra: dict[str, object] | None = None,
) -> tuple[int, int, bool]:
    """Replace `table`'s rows for the key combinations in `new`; (added, replaced, unchanged).

    `table`, `columns` and `keys` come from this module's own constants (never from input),
    so building the SQL text from them is safe; values always travel as parameters or
    registered frames.
    """
    # Identifiers cannot be parameters: check them against a strict allow-list shape before
    # they go into the SQL text (they are this module's constants, never user input).
    names = [table, *columns, *keys]
    if not all(_IDENTIFIER.fullmatch(n) for n in names) or not all(
        _SQL_TYPE.fullmatch(t) for t in columns.values()
    ):
        raise ValueError(f"unexpected identifier in {names!r}")
    col_list = ", ".join(columns)
    casts = ", ".join("CAST(" + c + " AS " + t + ") AS " + c for c, t in columns.items())
    con.register("_imp_frame", new[list(columns)])
    con.execute("CREATE OR REPLACE TEMP TABLE _imp_rows AS SELECT " + casts + " FROM _imp_frame")
    con.unregister("_imp_frame")
    key_list = ", ".join(keys)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _imp_keys AS SELECT DISTINCT " + key_list + " FROM _imp_rows"
    )
    match = " AND ".join("t." + k + " = k." + k for k in keys)
    existing = (
        "SELECT " + col_list + " FROM " + table + " t "
        "WHERE EXISTS (SELECT 1 FROM _imp_keys k WHERE " + match + ")"
    )
    gone = con.execute(
        "SELECT count(*) FROM (" + existing + " EXCEPT ALL SELECT " + col_list + " FROM _imp_rows)"
    ).fetchall()[0][0]
    added = con.execute(
        "SELECT count(*) FROM (SELECT " + col_list + " FROM _imp_rows EXCEPT ALL " + existing + ")"
    ).fetchall()[0][0]
    if gone == 0 and added == 0:
        return 0, 0, True
    replaced = con.execute(
        "DELETE FROM " + table + " t USING _imp_keys k WHERE " + match
    ).fetchall()[0][0]
    extra = extra or {}
    if not all(_IDENTIFIER.fullmatch(c) for c in extra):
        raise ValueError(f"unexpected identifier in {list(extra)!r}")
    extra_cols = "".join(", " + c for c in extra)
    extra_vals = "".join(", ?" for _ in extra)
    con.execute(
        "INSERT INTO " + table + " (" + col_list + extra_cols + ") "
        "SELECT " + col_list + extra_vals + " FROM _imp_rows",
        list(extra.values()),
    )
    return len(new), int(replaced), False  # fmt: skip


AGGREGATE_COLUMNS = {
    "school_id": "TEXT", "school_year": "TEXT", "assessment_id": "TEXT",
    "learning_area": "TEXT", "domain": "TEXT", "n_pupils": "INTEGER", "score_mean": "DOUBLE",
    "score_sd": "DOUBLE", "pct_goal_reached": "DOUBLE", "similar_mean": "DOUBLE",
    "flanders_mean": "DOUBLE",
}  # fmt: skip
CONTEXT_COLUMNS = {
    "school_id": "TEXT", "school_year": "TEXT", "n_pupils": "INTEGER",
    "pct_home_language_not_dutch": "DOUBLE", "pct_mother_low_education": "DOUBLE",
    "pct_school_allowance": "DOUBLE", "pct_neighbourhood": "DOUBLE", "ses_index": "DOUBLE",
    "ses_group": "INTEGER",
}  # fmt: skip
SCHOOL_COLUMNS = {
    "school_id": "TEXT", "name": "TEXT", "municipality": "TEXT", "region_id": "TEXT",
    "community_id": "TEXT",
}  # fmt: skip
SUPPORT_COLUMNS = {
    "school_id": "TEXT", "school_year": "TEXT", "phase": "TEXT", "measure_kind": "TEXT",
    "n_pupils": "INTEGER",
}  # fmt: skip
GUIDANCE_COLUMNS = {
    "contact_id": "TEXT", "school_id": "TEXT", "school_year": "TEXT", "contact_date": "DATE",
    "anker_id": "TEXT", "goal_code": "TEXT", "core_task": "TEXT", "form": "TEXT",
    "hours": "DOUBLE", "units": "INTEGER",
}  # fmt: skip
PUPIL_COLUMNS = {
    "pupil_id": "TEXT", "school_id": "TEXT", "school_year": "TEXT", "grade": "INTEGER",
    "gender": "TEXT", "home_language_dutch": "BOOLEAN", "mother_low_education": "BOOLEAN",
    "school_allowance": "BOOLEAN", "neighbourhood_low": "BOOLEAN", "support_phase": "TEXT",
}  # fmt: skip
PUPIL_RESULT_COLUMNS = {
    "pupil_id": "TEXT", "assessment_id": "TEXT", "learning_area": "TEXT", "domain": "TEXT",
    "score": "DOUBLE", "goal_reached": "BOOLEAN",
}  # fmt: skip


def _ses_groups(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """SES group per school year as the sample generator makes it: quintiles of the mean of
    the four indicators (1 = most disadvantaged), over every school with context that year
    (the file's rows replace the stored ones of the same school)."""
    pcts = ["pct_home_language_not_dutch", "pct_mother_low_education", "pct_school_allowance",
            "pct_neighbourhood"]  # fmt: skip
    frame = frame.copy()
    frame["ses_index"] = frame[pcts].astype(float).mean(axis=1)
    if "ses_group" in frame and frame["ses_group"].notna().all():
        return frame
    con.register("_imp_years", frame[["school_year"]].drop_duplicates())
    stored = con.execute(
        "SELECT school_id, school_year, ses_index FROM school_context "
        "WHERE school_year IN (SELECT school_year FROM _imp_years)"
    ).df()
    con.unregister("_imp_years")
    groups = load_rules().ses_groups
    result = []
    for year, rows in frame.groupby("school_year", sort=False):
        others = stored[
            (stored["school_year"] == year) & ~stored["school_id"].isin(rows["school_id"])
        ]
        index = pd.concat([rows["ses_index"], others["ses_index"]], ignore_index=True)
        ranks = index.rank(method="first", ascending=False).iloc[: len(rows)]
        group = (ranks / len(index) * groups).apply(math.ceil).clip(1, groups)
        result.append(pd.Series(group.to_numpy(dtype=int), index=rows.index))
    frame["ses_group"] = pd.concat(result)
    return frame  # fmt: skip


def _pupil_scope_conflicts(
    con: duckdb.DuckDBPyConnection, ctx: Context, frame: pd.DataFrame
) -> list[Problem]:
    con.register("_imp_ids", frame[["pupil_id", "school_id", "school_year"]])
    rows = con.execute(
        "SELECT i.pupil_id, p.school_id, p.school_year "
        "FROM _imp_ids i JOIN pupils p USING (pupil_id) "
        "WHERE p.school_id <> i.school_id OR p.school_year <> i.school_year"
    ).fetchall()
    con.unregister("_imp_ids")
    row_of = dict(zip(frame["pupil_id"], frame.attrs.get("rows", []), strict=False))
    return [
        ctx.problem(row_of.get(pid), "pupil_id", pid,
                    f"Deze leerling_id bestaat al bij school {sid} in {year}. Verwacht: een "
                    "leerling_id die uniek is per leerling en schooljaar.")
        for pid, sid, year in rows
    ]  # fmt: skip


def _write_pupils(
    con: duckdb.DuckDBPyConnection, pupils: pd.DataFrame, results: pd.DataFrame, aid: str
) -> tuple[int, int, bool]:
    con.register("_imp_p", pupils[list(PUPIL_COLUMNS)])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _imp_pupils AS SELECT "
        + ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in PUPIL_COLUMNS.items())
        + " FROM _imp_p"
    )  # fmt: skip  (allow-listed identifiers)
    con.register("_imp_r", results[list(PUPIL_RESULT_COLUMNS)])
    con.execute("CREATE OR REPLACE TEMP TABLE _imp_results AS SELECT "
                + ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in PUPIL_RESULT_COLUMNS.items())
                + " FROM _imp_r")  # fmt: skip
    con.unregister("_imp_p")
    con.unregister("_imp_r")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _imp_scope AS
        SELECT p.pupil_id FROM pupils p
        WHERE EXISTS (SELECT 1
                      FROM (SELECT DISTINCT school_id, school_year, grade FROM _imp_pupils) k
                      WHERE k.school_id = p.school_id AND k.school_year = p.school_year
                        AND k.grade = p.grade)
        """
    )  # fmt: skip
    p_cols = ", ".join(PUPIL_COLUMNS)
    r_cols = ", ".join(PUPIL_RESULT_COLUMNS)
    # Column lists are this module's constants (identifiers cannot be parameters).
    old_p = "SELECT " + p_cols + " FROM pupils WHERE pupil_id IN (SELECT pupil_id FROM _imp_scope)"
    old_r = (
        "SELECT " + r_cols + " FROM pupil_results WHERE assessment_id = ? "
        "AND pupil_id IN (SELECT pupil_id FROM _imp_scope)"
    )
    same = all(
        con.execute(sql, params).fetchall()[0][0] == 0
        for sql, params in (
            (_difference_sql(old_p, p_cols, "_imp_pupils"), []),
            (_difference_sql(old_p, p_cols, "_imp_pupils", reverse=True), []),
            (_difference_sql(old_r, r_cols, "_imp_results"), [aid]),
            (_difference_sql(old_r, r_cols, "_imp_results", reverse=True), [aid]),
        )
    )  # fmt: skip
    if same:
        return 0, 0, True
    replaced = con.execute(
        "DELETE FROM pupil_results WHERE assessment_id = ? "
        "AND pupil_id IN (SELECT pupil_id FROM _imp_scope)",
        [aid],
    ).fetchall()[0][0]
    # Pupils with results of another assessment stay unless the file brings them again.
    con.execute(
        """
        DELETE FROM pupils WHERE pupil_id IN (SELECT pupil_id FROM _imp_scope)
          AND (pupil_id IN (SELECT pupil_id FROM _imp_pupils)
               OR NOT EXISTS (SELECT 1 FROM pupil_results r WHERE r.pupil_id = pupils.pupil_id))
        """
    )
    con.execute("INSERT INTO pupils (" + p_cols + ") SELECT " + p_cols + " FROM _imp_pupils")
    con.execute(
        "INSERT INTO pupil_results (" + r_cols + ") SELECT " + r_cols + " FROM _imp_results"
    )
    return len(results), int(replaced), False


def _write_schools(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> tuple[int, int, bool]:
    frame = _ses_groups(con, frame)
    latest = frame.sort_values("school_year").drop_duplicates("school_id", keep="last")
    schools = latest[["school_id", "name", "municipality", "region_id"]].copy()
    schools["community_id"] = latest.get("community_id")
    communities = schools.dropna(subset=["community_id"])[["community_id", "region_id"]]
    con.register("_imp_comm", communities.drop_duplicates("community_id"))
    con.execute(
        "INSERT INTO school_communities SELECT community_id, 'Scholengemeenschap ' || "
        "community_id, region_id FROM _imp_comm ON CONFLICT DO NOTHING"
    )
    con.unregister("_imp_comm")
    s_added, s_replaced, s_same = _replace_rows(
        con, "schools", SCHOOL_COLUMNS, ["school_id"], schools
    )
    c_added, c_replaced, c_same = _replace_rows(
        con, "school_context", CONTEXT_COLUMNS, ["school_id", "school_year"], frame
    )
    return s_added + c_added, s_replaced + c_replaced, s_same and c_same  # fmt: skip


def _log(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    report: ImportReport,
    outcome: str,
    message: str,
    import_id: int | None = None,
) -> int:
    if import_id is None:
        import_id = con.execute("SELECT nextval('import_seq')").fetchall()[0][0]
    return con.execute(
        "INSERT INTO import_log (import_id, user_id, file_name, sha256, kind, rows_added, "
        "rows_replaced, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING import_id",
        [import_id, viewer.user_id, report.file_name, report.sha256, report.kind, report.rows_added,
         report.rows_replaced, outcome, message],
    ).fetchall()[0][0]  # fmt: skip


def _summary(kind: str, frame: pd.DataFrame, added: int, replaced: int, unchanged: bool) -> str:
    fmt = FORMATS[kind]
    years = sorted(set(frame["school_year"])) if "school_year" in frame else []
    schools = frame["school_id"].nunique() if "school_id" in frame else 0
    scope = f"{schools} {'school' if schools == 1 else 'scholen'}, schooljaar " + ", ".join(years)
    if unchanged:
        return f"{fmt.label}: niets gewijzigd ({scope}); deze gegevens stonden al in de databank."
    return f"{fmt.label}: {added} rijen toegevoegd, {replaced} oude rijen vervangen ({scope})."


def import_file(
    db: Database,
    viewer: Viewer,
    file_name: str,
    data: bytes,
    kind: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and import one file; never raises for bad input (see report.problems)."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder kan gegevens inlezen.")
    if kind not in FORMATS:
        raise ValueError(f"unknown kind {kind!r}")
    say = progress or (lambda frac, msg: None)
    fmt = FORMATS[kind]
    file_name = Path(file_name).name
    report = ImportReport(file_name, kind, hashlib.sha256(data).hexdigest(), ok=False)
    try:
        say(0.05, "Bestand lezen")
        catalogue = Catalogue.load(db.cursor())
        domain_names = set(catalogue.domain_headers()) if fmt.domain_columns else set()
        table = read_table(file_name, data, fmt, domain_names)
        say(0.3, f"{len(table.rows)} rijen controleren")
        parsed, problems = parse_rows(file_name, table, fmt, catalogue)
        report.ignored_columns = parsed.ignored
        if parsed.frame.empty:  # the header itself is wrong: cell checks would only repeat it
            raise ImportRejected(problems)
        cell_problems = problems
        frame = parsed.frame
        ctx = Context(file_name, table.sheet, catalogue, frame.attrs.get("headers", {}))
        for i, (_, area, domain, goal) in enumerate(parsed.domain_cols):
            ctx.headers.setdefault(f"dom:{i}", f"{area} - {domain}" + (" doel" if goal else ""))
        say(0.45, "Controleren tegen de databank")
        if kind == "results":
            prepared, problems = check_results(frame, ctx)
        elif kind == "pupils":
            prepared, problems = check_pupils(frame, ctx, parsed.domain_cols)
        elif kind == "schools":
            prepared, problems = check_schools(frame, ctx)
        elif kind == "support":
            prepared, problems = check_support(frame, ctx)
        else:
            prepared, problems = check_guidance(frame, ctx)
        if cell_problems or problems:
            # Every problem of the file at once, in the order a user walks through the sheet.
            # A cell that could not be read is reported once, not again as "missing".
            failed = {(p.row, p.column) for p in cell_problems}
            everything = cell_problems + [p for p in problems if (p.row, p.column) not in failed]
            everything.sort(key=lambda p: (p.row is None, p.row or 0))
            raise ImportRejected(everything)
        say(0.55, "Schrijven gestart")
        with db.write() as con:
            import_id = con.execute("SELECT nextval('import_seq')").fetchall()[0][0]
            if kind == "results":
                added, replaced, same = _replace_rows(
                    con, "school_results_aggregate", AGGREGATE_COLUMNS,
                    ["school_id", "school_year", "assessment_id"], prepared,
                    {"import_id": import_id},
                )  # fmt: skip
            elif kind == "pupils":
                pupils, results, aid = prepared
                pupils.attrs["rows"] = list(frame["row_no"])
                conflicts = _pupil_scope_conflicts(con, ctx, pupils)
                if conflicts:
                    raise ImportRejected(conflicts)
                added, replaced, same = _write_pupils(con, pupils, results, aid)
            elif kind == "schools":
                added, replaced, same = _write_schools(con, prepared)
            elif kind == "support":
                added, replaced, same = _replace_rows(
                    con, "support_counts", SUPPORT_COLUMNS, ["school_id", "school_year"], prepared
                )
            else:
                con.register("_imp_g", prepared[["contact_id", "school_id", "school_year"]])
                clash = con.execute(
                    "SELECT g.contact_id FROM _imp_g i JOIN guidance_contacts g USING (contact_id) "
                    "WHERE g.school_id <> i.school_id OR g.school_year <> i.school_year"
                ).fetchall()
                con.unregister("_imp_g")
                if clash:
                    raise ImportRejected([
                        ctx.problem(None, "contact_id", c[0],
                                    "Dit contact_id bestaat al bij een andere school of in een "
                                    "ander schooljaar. Verwacht: een uniek contact_id.")
                        for c in clash
                    ])  # fmt: skip
                added, replaced, same = _replace_rows(
                    con, "guidance_contacts", GUIDANCE_COLUMNS, ["school_id", "school_year"],
                    prepared,
                )  # fmt: skip
            report.rows_added, report.rows_replaced, report.unchanged = added, replaced, same
            report.summary = _summary(kind, prepared if kind != "pupils" else prepared[0],
                                      added, replaced, same)  # fmt: skip
            outcome = "ongewijzigd" if same else "gelukt"
            report.import_id = _log(con, viewer, report, outcome, report.summary, import_id)
            if not same:
                say(0.75, "Vergelijkingen, kleuren en trends herberekenen")
                refresh_school_results(con)
            for temp in ("_imp_rows", "_imp_keys", "_imp_pupils", "_imp_results", "_imp_scope"):
                con.execute(f"DROP TABLE IF EXISTS {temp}")  # our own temp names
        report.ok = True
        say(1.0, "Klaar")
        return report
    except ImportRejected as exc:
        report.problems = exc.problems
    except duckdb.Error as exc:  # a constraint we did not foresee: still the input's fault
        report.problems = [
            Problem(file_name, "", None, "", "",
                    f"De databank weigerde de gegevens ({type(exc).__name__}). Er is niets "
                    "gewijzigd. Controleer het bestand of contacteer de beheerder.")
        ]  # fmt: skip
    except Exception as exc:  # a bug, not the file: still logged, then raised
        audit.record_import(db, viewer, report.file_name, report.sha256, report.kind, "fout",
                            f"{type(exc).__name__}: {exc}"[:2000])  # fmt: skip
        raise
    first = report.problems[0].as_text() if report.problems else ""
    # Nothing was published; the refusal goes to the state store's import log (no snapshot).
    report.import_id = audit.record_import(
        db, viewer, report.file_name, report.sha256, report.kind, "geweigerd",
        f"{_count(len(report.problems))}. {first}"[:2000],
    )  # fmt: skip
    say(1.0, "Geweigerd")
    return report


def _count(n: int) -> str:
    return "1 probleem" if n == 1 else f"{n} problemen"


@admin_read
def import_history(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, limit: int = 200
) -> pd.DataFrame:
    """The latest imports, newest first (beheerder only)."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder ziet de importgeschiedenis.")
    history = audit.import_log(con, limit).rename(
        columns={"imported_at": "tijdstip", "user_name": "door", "file_name": "bestand",
                 "kind": "soort", "outcome": "resultaat", "rows_added": "toegevoegd",
                 "rows_replaced": "vervangen", "message": "toelichting"}
    )[["tijdstip", "door", "bestand", "soort", "resultaat", "toegevoegd", "vervangen",
       "toelichting", "sha256"]]  # fmt: skip
    history["soort"] = history["soort"].map(lambda k: FORMATS[k].label if k in FORMATS else k)
    return history  # fmt: skip


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Lees een bestand in de Schoolfoto-databank in (alles of niets)."
    )
    parser.add_argument("file", type=Path, help="het .xlsx- of .csv-bestand")
    kinds = "; ".join(f"{k} = {f.label}" for k, f in FORMATS.items())
    parser.add_argument(
        "--kind", required=True, choices=sorted(FORMATS), help="soort bestand: " + kinds
    )
    add_data_argument(parser)
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"Bestand niet gevonden: {args.file}", file=sys.stderr)
        return 2
    db = open_data(args.data)
    try:
        viewer = system_viewer(db.cursor())
        started = dt.datetime.now()

        def progress(frac: float, message: str) -> None:
            print(f"[{frac:4.0%}] {message}", file=sys.stderr, flush=True)

        report = import_file(
            db, viewer, args.file.name, args.file.read_bytes(), args.kind, progress
        )
    finally:
        db.close()
    if report.ok:
        print(report.summary)
        if report.ignored_columns:
            print("Genegeerde kolommen: " + ", ".join(report.ignored_columns))
        print(f"Klaar in {(dt.datetime.now() - started).total_seconds():.1f} s.")
        return 0
    print(f"{args.file.name} is NIET ingelezen: {_count(len(report.problems))}. De databank is "
          "niet gewijzigd.")  # fmt: skip
    for problem in report.problems:
        print("- " + problem.as_text())
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
