"""The region's overview as files: a one-page A4 landscape PDF and an Excel workbook.

Both print what the page shows (`reading.overview.region_matrix`): per school and learning
area the status colour with its symbol and the judged estimate (`status_estimate`, points),
the trend arrow, and the number of pupils; sorted by name or grouped by scholengemeenschap,
never ranked. The Excel workbook also lists every cell in words with its interval. Cells
below the privacy minimum say only that they are too small. Scoped like the page: a directeur
gets the own school only, and the file then carries no other school.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Protocol, cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from data_model.exports.conversation_pdf import FONT_DIRS, MUTED, _Sheet, find_unicode_font
from data_model.exports.output_cells import append, neutralise_workbook
from data_model.reading.access import Viewer
from data_model.reading.comparisons import Filters
from data_model.reading.overview import region_matrix
from data_model.reading.scope import scope_read
from data_model.rules import Rules, load_rules
from data_model.storage.connection import Connection
from data_model.texts.explain import TOTAL_LABEL
from data_model.texts.formatting import format_date, format_signed
from data_model.texts.legend import privacy_meaning, rule_lines, status_meanings, trend_meanings
from data_model.vocabulary import FALLING, RISING, TOO_FEW

MOVING = (RISING, FALLING)
NO_GROUP = "Zonder scholengemeenschap"


class _MatrixRow(Protocol):
    """A row of `region_matrix` as `itertuples` gives it: the columns read here. A missing
    number is NaN (a float column), a missing learning area is the total."""

    @property
    def status(self) -> str: ...
    @property
    def status_estimate(self) -> float: ...
    @property
    def trend(self) -> str: ...
    @property
    def suppressed(self) -> bool: ...
    @property
    def learning_area(self) -> str | None: ...
    @property
    def community_name(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def school_id(self) -> str: ...
    @property
    def school_year(self) -> str: ...
    @property
    def n_pupils(self) -> float: ...
    @property
    def ci_low(self) -> float: ...
    @property
    def ci_high(self) -> float: ...


def _rows(frame: pd.DataFrame) -> Iterator[_MatrixRow]:
    # pandas-stubs type every field of a named tuple as any scalar; the matrix's columns are known.
    return cast(Iterator[_MatrixRow], frame.itertuples(index=False))


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def _area(value: object) -> str:
    return TOTAL_LABEL if _blank(value) else str(value)


def _areas(matrix: pd.DataFrame) -> list[str]:
    rows = matrix.sort_values(["area_order"])
    labels = list(dict.fromkeys(_area(a) for a in rows["learning_area"]))
    return sorted(labels, key=lambda a: a != TOTAL_LABEL)  # the total first, order kept


def cell_text(
    status: str, estimate: float | None, trend: str | None, suppressed: bool, rules: Rules
) -> str:
    """'▲ +3,2 ↗', '○', '< 5': the text of one cell (symbol, judged estimate, clear trend).

    The one wording of a cell of the overview: the page, the PDF and the Excel use it."""
    if suppressed:
        return f"< {rules.min_group_size}"
    text = rules.statuses[status].symbol
    if status != TOO_FEW and not _blank(estimate):
        text += f" {format_signed(estimate)}"
    if trend in MOVING:
        text += f" {rules.trend_symbols[trend]}"
    return text


def _row_text(row: _MatrixRow, rules: Rules) -> str:
    return cell_text(row.status, row.status_estimate, row.trend, bool(row.suppressed), rules)


def _groups(matrix: pd.DataFrame, by_community: bool) -> list[tuple[str | None, pd.DataFrame]]:
    """(heading, rows) in print order: by name, or per scholengemeenschap and then by name."""
    if not by_community:
        return [(None, matrix)]
    named = matrix.assign(_group=matrix["community_name"].fillna(NO_GROUP))
    order = sorted(named["_group"].unique(), key=lambda g: (g == NO_GROUP, g))
    return [(g, named[named["_group"] == g].drop(columns="_group")) for g in order]


def _schools(rows: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    for (_school_id, name), school in rows.groupby(["school_id", "name"], sort=False):
        yield str(name), school


def _pupils(school: pd.DataFrame, rules: Rules) -> str:
    total = school[school["learning_area"].isna()]
    if total.empty or bool(total["suppressed"].iloc[0]) or _blank(total["n_pupils"].iloc[0]):
        return f"< {rules.min_group_size}"
    return str(int(total["n_pupils"].iloc[0]))


def _title(assessment_name: str, matrix: pd.DataFrame) -> str:
    years = sorted(matrix["school_year"].unique())
    return f"Overzicht van de scholen · {assessment_name} · {years[-1] if years else ''}"


def _assessment_name(con: Connection, assessment_id: str) -> str:
    row = con.execute("SELECT name FROM assessments WHERE assessment_id = ?", [assessment_id])
    found = row.fetchone()
    return found[0] if found else assessment_id


# ----------------------------------------------------------------------------- PDF


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _pdf_header(pdf: _Sheet, widths: list[float], labels: list[str]) -> None:
    pdf.set_font(pdf.family, "B", 8.5)
    pdf.set_fill_color(235, 235, 235)
    pdf.set_text_color(26, 26, 26)
    for width, label in zip(widths, labels, strict=True):
        pdf.cell(width, 7, pdf.printable(label), border=1, fill=True, align="C")
    pdf.ln()


def _pdf_legend(pdf: _Sheet, rules: Rules) -> None:
    pdf.ln(2)
    pdf.set_font(pdf.family, "", 7.5)
    for status in status_meanings(rules):
        style = rules.statuses[status]
        pdf.set_fill_color(*_hex(style.colour))
        pdf.set_text_color(*_hex(style.text_colour))
        label = pdf.printable(f"{style.symbol} {style.label}")
        width = pdf.get_string_width(label) + 4
        if pdf.get_x() + width > pdf.w - pdf.r_margin:
            pdf.ln(6)
        pdf.cell(width, 5, label, border=1, fill=True, align="C")
        pdf.cell(1.5, 5, "")
    pdf.ln(6.5)
    trends = trend_meanings(rules)
    arrows = "; ".join(f"{rules.trend_symbols[t]} {trends[t]}" for t in MOVING)
    pdf.para(
        f"Getal: het verschil met vergelijkbare scholen in punten over de laatste "
        f"{rules.status_years} schooljaren samen (wat de kleur beoordeelt). {arrows}; geen pijl: "
        f"geen duidelijke trend. < {rules.min_group_size}: {privacy_meaning(rules)}. Op naam "
        "gesorteerd, niet op resultaat: Schoolfoto rangschikt geen scholen.",
        size=7.5,
        colour=MUTED,
    )


def _pdf_row(
    pdf: _Sheet,
    widths: list[float],
    name: str,
    school: pd.DataFrame,
    areas: list[str],
    rules: Rules,
    latest: str,
) -> None:
    by_area = {_area(r.learning_area): r for r in _rows(school)}
    pdf.set_font(pdf.family, "", 8.5)
    pdf.set_text_color(26, 26, 26)
    pdf.set_fill_color(255, 255, 255)
    year = school["school_year"].iloc[0]
    pdf.cell(widths[0], 6, pdf.printable(name)[:60], border=1)
    pdf.cell(widths[1], 6, _pupils(school, rules), border=1, align="R")
    for width, area in zip(widths[2:], areas, strict=True):
        row = by_area.get(area)
        if row is None:
            pdf.set_fill_color(255, 255, 255)
            pdf.set_text_color(26, 26, 26)
            pdf.cell(width, 6, "-", border=1, align="C")
            continue
        style = rules.statuses[TOO_FEW if row.suppressed else row.status]
        pdf.set_fill_color(*(_hex(style.colour) if not row.suppressed else (255, 255, 255)))
        pdf.set_text_color(*_hex(style.text_colour if not row.suppressed else "#1a1a1a"))
        pdf.cell(width, 6, pdf.printable(_row_text(row, rules)), border=1, fill=True, align="C")
    pdf.set_text_color(*MUTED)
    pdf.set_font(pdf.family, "", 7)
    # A school without results in the latest year shows its own year beside the row.
    pdf.cell(0, 6, f" {year}" if year != latest else "")
    pdf.ln()


@scope_read
def build_region_pdf(
    con: Connection,
    viewer: Viewer,
    assessment_id: str,
    school_year: str | None = None,
    filters: Filters = Filters(),
    by_community: bool = False,
    only: tuple[str, ...] | None = None,
    font_dirs: Iterable[str] = FONT_DIRS,
) -> bytes:
    """The overview on A4 landscape: title, one row per school, the legend. `only`: the
    schools the page shows (see `region_matrix`)."""
    rules = load_rules()
    matrix = region_matrix(con, viewer, assessment_id, school_year, filters, only)
    title = _title(_assessment_name(con, assessment_id), matrix)
    pdf = _Sheet(title, find_unicode_font(font_dirs), orientation="L")
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 14)
    pdf.cell(0, 7, pdf.printable(title), new_x="LMARGIN", new_y="NEXT")
    n_schools = matrix["school_id"].nunique()
    pdf.para(
        f"{n_schools} scholen · OVSG-resultaten per leergebied, kleur t.o.v. vergelijkbare "
        f"scholen · gemaakt op {format_date(date.today())} door {viewer.name}",
        size=8,
        colour=MUTED,
    )
    pdf.ln(1.5)
    if matrix.empty:
        pdf.para("Geen resultaten voor deze keuze.", size=10)
        return bytes(pdf.output())
    areas = _areas(matrix)
    year_col = 18
    rest = pdf.epw - 80 - 12 - year_col
    widths = [80.0, 12.0] + [rest / len(areas)] * len(areas)
    labels = ["School", "Lln.", *areas]
    _pdf_header(pdf, widths, labels)
    for heading, rows in _groups(matrix, by_community):
        if heading is not None:
            pdf.set_font(pdf.family, "B", 8.5)
            pdf.set_text_color(26, 26, 26)
            pdf.cell(0, 6, pdf.printable(heading), new_x="LMARGIN", new_y="NEXT")
        for name, school in _schools(rows):
            if pdf.get_y() + 6 > pdf.page_break_trigger:
                pdf.add_page()
                _pdf_header(pdf, widths, labels)
            _pdf_row(pdf, widths, name, school, areas, rules, matrix["school_year"].max())
    if pdf.get_y() + 24 > pdf.page_break_trigger:
        pdf.add_page()
    _pdf_legend(pdf, rules)
    return bytes(pdf.output())


# ----------------------------------------------------------------------------- Excel


def _number_format(symbol: str, trend: str) -> str:
    """The cell keeps its number (sortable by nobody, readable by everyone) and shows the
    symbol and the trend arrow around it, as on the page."""
    after = f' "{trend}"' if trend else ""
    return f'"{symbol} "+0.0{after};"{symbol} "-0.0{after};"{symbol} "0.0{after}'


def _xlsx_overview(
    ws: Worksheet, matrix: pd.DataFrame, rules: Rules, title: str, by_community: bool
) -> None:
    areas = _areas(matrix)
    append(ws, [title])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    append(ws, ["Kleur t.o.v. vergelijkbare scholen; getal: verschil in punten (wat de kleur "
                "beoordeelt). Op naam gesorteerd, niet op resultaat."])  # fmt: skip
    append(ws, [])
    append(ws, ["Scholengemeenschap", "School", "Instellingsnummer", "Schooljaar", "Leerlingen",
                *areas])  # fmt: skip
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for heading, rows in _groups(matrix, by_community):
        for name, school in _schools(rows):
            first = school.iloc[0]
            pupils = _pupils(school, rules)
            values: list[object] = [
                heading or first["community_name"],
                name,
                first["school_id"],
                first["school_year"],
                int(pupils) if pupils.isdigit() else pupils,
            ]
            by_area = {_area(r.learning_area): r for r in _rows(school)}
            values += [None] * len(areas)
            append(ws, values)
            r = ws.max_row
            for i, area in enumerate(areas):
                cell = ws.cell(r, 6 + i)
                row = by_area.get(area)
                if row is None:
                    continue
                if row.suppressed or row.status == TOO_FEW or _blank(row.status_estimate):
                    cell.value = _row_text(row, rules)
                else:
                    cell.value = float(row.status_estimate)
                    trend = rules.trend_symbols[row.trend] if row.trend in MOVING else ""
                    cell.number_format = _number_format(rules.statuses[row.status].symbol, trend)
                style = rules.statuses[TOO_FEW if row.suppressed else row.status]
                if not row.suppressed:
                    cell.fill = PatternFill("solid", start_color=style.colour.lstrip("#").upper())
                    cell.font = Font(color=style.text_colour.lstrip("#").upper())
                cell.alignment = Alignment(horizontal="center")
    for i, width in enumerate([32, 34, 16, 11, 11, *[17] * len(areas)], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C5"


def _xlsx_details(ws: Worksheet, matrix: pd.DataFrame, rules: Rules) -> None:
    append(ws, ["Scholengemeenschap", "School", "Instellingsnummer", "Schooljaar", "Leergebied",
                "Leerlingen", "Kleur", "Symbool", "Verschil (punten)", "Interval van",
                "Interval tot", "Trend"])  # fmt: skip
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in _rows(matrix):
        hidden = bool(row.suppressed)
        style = rules.statuses[row.status]
        append(ws, [
            row.community_name, row.name, row.school_id, row.school_year,
            _area(row.learning_area),
            f"< {rules.min_group_size}" if hidden else row.n_pupils,
            "te weinig leerlingen" if hidden else style.label,
            "" if hidden else style.symbol,
            None if hidden else row.status_estimate,
            None if hidden else row.ci_low,
            None if hidden else row.ci_high,
            "" if hidden else rules.trend_labels[row.trend],
        ])  # fmt: skip
        for col in (9, 10, 11):
            ws.cell(ws.max_row, col).number_format = "+0.0;-0.0;0.0"
    for i, width in enumerate([32, 34, 16, 11, 18, 11, 20, 8, 16, 12, 12, 22], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def _xlsx_legend(ws: Worksheet, rules: Rules) -> None:
    append(ws, ["Kleur", "Betekenis"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for status, meaning in status_meanings(rules).items():
        style = rules.statuses[status]
        append(ws, [f"{style.symbol} {style.label}", meaning])
        ws.cell(ws.max_row, 1).fill = PatternFill(
            "solid", start_color=style.colour.lstrip("#").upper()
        )
        ws.cell(ws.max_row, 1).font = Font(color=style.text_colour.lstrip("#").upper())
    for trend, meaning in trend_meanings(rules).items():
        append(ws, [f"{rules.trend_symbols[trend]} {rules.trend_labels[trend]}", meaning])
    append(ws, [f"< {rules.min_group_size}", privacy_meaning(rules)])
    append(ws, [])
    for line in rule_lines(rules):
        append(ws, [line])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110


@scope_read
def build_region_xlsx(
    con: Connection,
    viewer: Viewer,
    assessment_id: str,
    school_year: str | None = None,
    filters: Filters = Filters(),
    by_community: bool = False,
    only: tuple[str, ...] | None = None,
) -> bytes:
    """The overview (coloured cells with numbers), every cell in words, and the legend."""
    rules = load_rules()
    matrix = region_matrix(con, viewer, assessment_id, school_year, filters, only)
    title = _title(_assessment_name(con, assessment_id), matrix)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one sheet, active
    ws.title = "Overzicht"
    _xlsx_overview(ws, matrix, rules, title, by_community)
    _xlsx_details(wb.create_sheet("Per cel"), matrix, rules)
    _xlsx_legend(wb.create_sheet("Legende"), rules)
    wb.properties.title = title
    wb.properties.creator = "Schoolfoto"
    buffer = io.BytesIO()
    neutralise_workbook(wb).save(buffer)
    return buffer.getvalue()
