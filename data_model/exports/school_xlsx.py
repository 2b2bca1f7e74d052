"""Exports of one school: the Excel school photo (and, via conversation_pdf, the PDF sheet).

    python -m data_model.exports --school 012345 --format xlsx --data MAP --out schoolfoto.xlsx

The workbook has four sheets: "Schoolfoto" (the grid with the app's colours, symbols and
labels from rules.toml), "Legende", "Gegevens" (the school's v_school_result rows in the
columns of the results import format, so the sheet can be imported again) and "Notities".
Privacy: a suppressed cell shows "< 5" and nothing else, and its values are blank in the data
sheet; the reads go through queries.py, so the viewer's scope applies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from data_model.exports.output_cells import append, neutralise_workbook, strip_control
from data_model.imports.formats import RESULTS
from data_model.reading import queries
from data_model.reading.access import AccessDenied, Viewer, system_viewer
from data_model.reading.scope import require_school, school_read
from data_model.rules import Rules, load_rules
from data_model.state import note_steps, notes
from data_model.storage.cli import add_data_argument, open_data
from data_model.storage.connection import Connection
from data_model.texts.explain import cell_label
from data_model.texts.formatting import format_date, format_number, round_half_away
from data_model.texts.legend import privacy_meaning, rule_lines, status_meanings, trend_meanings
from data_model.vocabulary import NOTE_SCOPE_CONVERSATION, STATUS_MUCH, TOO_FEW

GRID_SHEET, LEGEND_SHEET, DATA_SHEET, NOTES_SHEET = "Schoolfoto", "Legende", "Gegevens", "Notities"
# Columns of the data sheet: the results import format first (so it can be imported again),
# then two read-only columns for people (the importer ignores unknown columns).
DATA_COLUMNS = [c.header for c in RESULTS.columns] + ["kleurcode", "trend"]
_THIN = Side(style="thin", color="FFFFFF")


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", start_color=colour.lstrip("#").upper())


def _font(colour: str, bold: bool = False) -> Font:
    return Font(color=colour.lstrip("#").upper(), bold=bold)


def _blank(value: Any) -> object:  # a cell as pandas holds it
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _name(value: object) -> str | None:
    """A learning area or domain cell: its name, None when blank."""
    name = _blank(value)
    return None if name is None else str(name)


class _ResultRow(Protocol):
    """A row of `queries.school_results` as `itertuples` gives it: the columns read here. A
    missing number is NaN (a float column)."""

    @property
    def school_id(self) -> str: ...
    @property
    def school_year(self) -> str: ...
    @property
    def assessment_id(self) -> str: ...
    @property
    def learning_area(self) -> str | None: ...
    @property
    def domain(self) -> str | None: ...
    @property
    def n_pupils(self) -> float: ...
    @property
    def score_mean(self) -> float: ...
    @property
    def similar_mean(self) -> float: ...
    @property
    def flanders_mean(self) -> float: ...
    @property
    def pct_goal_reached(self) -> float: ...
    @property
    def score_sd(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def trend(self) -> str: ...
    @property
    def suppressed(self) -> bool: ...


@school_read
def school_export_rows(
    con: Connection, viewer: Viewer, school_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(assessments, all result rows of the school in photo order), scoped to the viewer."""
    assessments = queries.assessments_for_school(con, viewer, school_id)
    frames = [
        queries.school_results(con, viewer, school_id, aid) for aid in assessments["assessment_id"]
    ]
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return assessments, results


def judged_format(symbol: str) -> str:
    """Excel number format of a judged difference: '+2,3 ▲', '−4,1 ▼', '0,0 ●' (the sign is
    always shown, as on the page; the symbol is literal text, so the cell stays a number)."""
    return f'+0.0" {symbol}";−0.0" {symbol}";0.0" {symbol}"'


def _grid_sheet(ws: Worksheet, school: pd.Series, assessments: pd.DataFrame, results: pd.DataFrame,
                rules: Rules) -> None:  # fmt: skip
    append(ws, [f"Schoolfoto · {school['name']}"])
    ws["A1"].font = Font(size=14, bold=True)
    append(ws, [f"Instellingsnummer {school['school_id']} · {school['municipality']} · "
               f"gemaakt op {format_date(dt.date.today())}"])  # fmt: skip
    ws.append(["Getal = verschil met scholen met een gelijkaardige leerlingenpopulatie "
               "(SES-index) in punten, over de laatste schooljaren samen: precies wat de kleur "
               "beoordeelt. De score van elk jaar staat op het blad Gegevens; zie ook het blad "
               "Legende."])  # fmt: skip
    width = 12
    # One column per school year for every block: a test taken in fewer years leaves its
    # other columns empty, so 2023-2024 is in the same column in every block.
    years = sorted(results["school_year"].unique()) if len(results) else []
    for assessment in assessments.itertuples(index=False):
        rows = results[results["assessment_id"] == assessment.assessment_id]
        ws.append([])
        append(ws, [f"{assessment.name} — {assessment.score_label}", *years, "Trend"])
        head = ws.max_row
        for cell in ws[head]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        ws.cell(head, 1).alignment = Alignment(horizontal="left")
        labels = [
            cell_label(_name(a), _name(d))
            for a, d in zip(rows["learning_area"], rows["domain"], strict=True)
        ]
        rows = rows.assign(_label=labels)
        for label in dict.fromkeys(labels):  # the query already sorted rows as the photo does
            series = rows[rows["_label"] == label].set_index("school_year")
            domain_row = series["domain"].notna().any()
            append(ws, ["    " + label if domain_row else label])
            r = ws.max_row
            ws.cell(r, 1).font = Font(bold=not domain_row)
            for j, year in enumerate(years, start=2):
                cell = ws.cell(r, j)
                cell.alignment = Alignment(horizontal="center")
                cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
                if year not in series.index:
                    continue
                row = series.loc[year]
                style = rules.statuses[row["status"]]
                if bool(row["suppressed"]):
                    cell.value = f"< {rules.min_group_size}"
                    cell.fill = _fill(rules.statuses[TOO_FEW].colour)
                    continue
                # The number the colour judged (the pooled difference with the comparison
                # group, signed), as on the page; this year's own score is on "Gegevens".
                # A number (Excel can compute with it), shown as "+2,3 ▲": the symbol is
                # literal text of the number format; Excel shows the decimal comma of nl-BE.
                estimate = row.get("status_estimate")
                if estimate is None or pd.isna(estimate):
                    cell.value = style.symbol
                else:
                    cell.value = round_half_away(float(estimate), 1)
                    cell.number_format = judged_format(style.symbol)
                cell.fill = _fill(style.colour)
                cell.font = _font(style.text_colour, bold=row["status"] in STATUS_MUCH)
            last = series.iloc[-1]
            if not bool(last["suppressed"]):
                trend = last["trend"]
                ws.cell(r, len(years) + 2, f"{rules.trend_symbols[trend]} "
                        f"{rules.trend_labels[trend]}")  # fmt: skip
            width = max(width, len(label) + 6)
    ws.column_dimensions["A"].width = width
    for col in range(2, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(col)].width = 13
    ws.column_dimensions[get_column_letter(ws.max_column)].width = 24  # the trend column
    ws.freeze_panes = "B4"
    _print_setup(ws, title_rows="1:2")


def _print_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    """For the staff meeting: landscape A4, one page wide, header rows on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages high as needed
    page_setup = ws.sheet_properties.pageSetUpPr
    assert page_setup is not None  # openpyxl gives every new sheet one
    page_setup.fitToPage = True
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows


def _legend_sheet(ws: Worksheet, rules: Rules) -> None:
    ws.append(["Kleurcode", "Symbool", "Betekenis"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for status, meaning in status_meanings(rules).items():
        style = rules.statuses[status]
        ws.append([style.label, style.symbol, meaning])
        for cell in ws[ws.max_row][:2]:
            cell.fill = _fill(style.colour)
            cell.font = _font(style.text_colour)
    ws.append([f"< {rules.min_group_size}", "", privacy_meaning(rules)])
    ws.append([])
    ws.append(["Trend", "Symbool", "Betekenis"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    for key, meaning in trend_meanings(rules).items():
        ws.append([rules.trend_labels[key], rules.trend_symbols[key], meaning])
    ws.append([])
    ws.append(["Hoe een kleur beslist wordt"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    for line in rule_lines(rules):  # one wording with the app (texts.explain)
        ws.append([line])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 90
    _print_setup(ws)


def _data_sheet(ws: Worksheet, results: pd.DataFrame, rules: Rules) -> None:
    ws.append(DATA_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    # pandas-stubs type every field of a named tuple as any scalar; the columns are known.
    rows = cast(Iterator[_ResultRow], results.itertuples(index=False))
    for row in rows:
        suppressed = bool(row.suppressed)

        def value(v: object, hidden: bool = suppressed) -> object:
            v = _blank(v)
            return None if hidden else (float(v) if isinstance(v, int | float) else v)

        append(
            ws,
            [
                row.school_id,
                row.school_year,
                row.assessment_id,
                _blank(row.learning_area),
                _blank(row.domain),
                f"< {rules.min_group_size}" if suppressed else int(row.n_pupils),
                value(row.score_mean),
                # Comparison means are group values, shown in the app too; they stay so the
                # sheet re-imports to the same photo.
                value(row.similar_mean, hidden=False),
                value(row.flanders_mean, hidden=False),
                value(row.pct_goal_reached),
                value(row.score_sd),
                rules.statuses[row.status].label if not suppressed else None,
                None if suppressed else rules.trend_labels[row.trend],
            ],
        )
    for col in range(1, len(DATA_COLUMNS) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 18
    # Numbers stay numbers; one decimal as in the app (shown with a decimal comma in nl-BE).
    for column in ws.iter_cols(min_row=2, min_col=7, max_col=11):
        for cell in column:
            cell.number_format = "0.0"
    for cell in next(ws.iter_cols(min_row=2, min_col=6, max_col=6), ()):
        cell.number_format = "0"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    _print_setup(ws, title_rows="1:1")


NOTES_COLUMNS = ("Schooljaar", "Stap", "Inhoud", "Eigenaar en datum", "Opvolging",
                 "Geschreven door", "Laatst gewijzigd")  # fmt: skip


def _note_text(note: notes.Note) -> str:
    """What a person wrote, in words: no field names, no JSON."""
    spec = note_steps.STEPS[note.step]
    return note_steps.say(spec, spec.line, note.body, day=notes.format_due)


@school_read(memo=False)
def conversation_notes(con: Connection, viewer: Viewer, school_id: str) -> list[notes.Note]:
    """The data-conversation notes of every school year, through the notes API (scope and
    access checks included). The anker's internal preparation is never in the school's file."""
    years = [
        y
        for (y,) in con.state.execute(  # notes live in the state store
            "SELECT DISTINCT school_year FROM notes WHERE school_id = ? ORDER BY 1", [school_id]
        ).fetchall()
    ]
    order = {step: i for i, step in enumerate(note_steps.STEPS)}
    found: list[notes.Note] = []
    for year in years:
        year_notes = notes.list_notes(con, viewer, school_id, year, NOTE_SCOPE_CONVERSATION)
        found += sorted(year_notes, key=lambda n: (order.get(n.step, 99), n.created_at))
    return found


def _notes_sheet(ws: Worksheet, found: list[notes.Note]) -> None:
    ws.append(list(NOTES_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for note in found:
        b = note.body
        spec = note_steps.STEPS[note.step]
        owner = note_steps.say(spec, spec.sheet_owner, b, day=notes.format_due)
        review = b.get("review") or {}
        follow_up = review.get("status", "")
        if review.get("comment"):
            follow_up += f": {review['comment']}"
        append(
            ws,
            [
                note.school_year,
                spec.label,
                _note_text(note),
                owner,
                follow_up,
                note.editor_name or note.author_name,
                # To the minute, as shown: no seconds or microseconds in the file.
                pd.Timestamp(note.updated_at).floor("min").to_pydatetime(),
            ],
        )
        ws.cell(ws.max_row, 7).number_format = "dd/mm/yyyy hh:mm"
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if not found:
        ws.append(["(nog geen notities van een datagesprek voor deze school)"])
    for col, w in zip("ABCDEFG", (12, 14, 70, 26, 30, 22, 17), strict=True):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"
    _print_setup(ws, title_rows="1:1")


@school_read(memo=False)
def build_school_xlsx(con: Connection, viewer: Viewer, school_id: str) -> bytes:
    """The Excel school photo of one school (AccessDenied outside the viewer's scope)."""
    rules = load_rules()
    schools = queries.schools_in_scope(con, viewer).set_index("school_id", drop=False)
    school = schools.loc[school_id]
    assert isinstance(school, pd.Series)  # school_id is the key of the schools in scope
    assessments, results = school_export_rows(con, viewer, school_id)
    wb = Workbook()
    grid = wb.active
    assert isinstance(grid, Worksheet)  # a new workbook has one sheet, active
    grid.title = GRID_SHEET
    _grid_sheet(grid, school, assessments, results, rules)
    _legend_sheet(wb.create_sheet(LEGEND_SHEET), rules)
    _data_sheet(wb.create_sheet(DATA_SHEET), results, rules)
    _notes_sheet(wb.create_sheet(NOTES_SHEET), conversation_notes(con, viewer, school_id))
    wb.properties.title = strip_control(f"Schoolfoto {school['name']}")
    wb.properties.creator = "Schoolfoto"
    neutralise_workbook(wb)  # no cell a spreadsheet could run as a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@school_read
def latest_school_year(con: Connection, viewer: Viewer, school_id: str) -> str:
    years = queries.school_years(con, viewer, school_id)
    if not years:
        raise LookupError("Voor deze school zijn nog geen resultaten ingelezen.")
    return years[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Exporteer de schoolfoto van één school.")
    parser.add_argument("--school", required=True, help="instellingsnummer (6 cijfers)")
    parser.add_argument("--format", required=True, choices=["xlsx", "pdf"])
    add_data_argument(parser, required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--year", help="schooljaar voor de pdf, bv. 2024-2025 (standaard: laatste)")
    args = parser.parse_args(argv)
    school_id = args.school.strip().zfill(6)
    db = open_data(args.data)
    try:
        con = db.cursor()
        viewer = system_viewer(con)
        try:
            require_school(con, viewer, school_id)
        except AccessDenied:
            print(f"School {school_id} bestaat niet in deze databank.", file=sys.stderr)
            return 2
        if args.format == "xlsx":
            data = build_school_xlsx(con, viewer, school_id)
        else:
            try:
                from data_model.exports.conversation_pdf import build_conversation_pdf
            except ModuleNotFoundError as exc:
                if exc.name != "data_model.exports.conversation_pdf":
                    raise
                print(
                    "De pdf-export (gespreksblad) is in deze versie nog niet beschikbaar. "
                    "Gebruik --format xlsx.",
                    file=sys.stderr,
                )
                return 2
            try:
                year = args.year or latest_school_year(con, viewer, school_id)
            except LookupError as exc:
                print(str(exc), file=sys.stderr)
                return 2
            data = build_conversation_pdf(con, viewer, school_id, year)
    finally:
        db.close()
    args.out.write_bytes(data)
    print(f"{args.out} geschreven ({format_number(len(data) / 1024, 0)} kB).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
