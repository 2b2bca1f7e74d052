"""Downloadable templates: one .xlsx per import format with the header and one example row.

The first sheet is what the importer reads; a second sheet "Uitleg" explains every column in
Dutch (the importer picks the sheet whose header fits, so the explanation never gets in the
way). Pupil templates list the domains of the chosen assessment from the `domains` table.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from data_model.exports.output_cells import neutralise_workbook
from data_model.imports.formats import FORMATS, MAX_DATA_ROWS, FileFormat
from data_model.storage.connection import Connection
from data_model.texts.formatting import format_number

_HEADER_FILL = PatternFill("solid", start_color="DCE6F1")


def _pupil_domains(con: Connection | None, assessment_id: str) -> list[str]:
    if con is None:
        return ["Nederlands - Lezen", "Wiskunde - Meetkunde"]
    rows = con.execute(
        "SELECT learning_area, domain FROM domains WHERE assessment_id = ? "
        "ORDER BY area_order, domain_order",
        [assessment_id],
    ).fetchall()
    return [f"{area} - {domain}" for area, domain in rows]


def template_columns(
    fmt: FileFormat, con: Connection | None = None, assessment_id: str = "ovsg6"
) -> tuple[list[str], list[object], list[tuple[str, str, str]]]:
    """(header, example row, [(column, verplicht?, uitleg)]) of one format."""
    header = [c.header for c in fmt.columns]
    example = [c.example for c in fmt.columns]
    explain = [(c.header, "ja" if c.required else "nee", c.description) for c in fmt.columns]
    if fmt.domain_columns:
        for i, name in enumerate(_pupil_domains(con, assessment_id)):
            header.append(name)
            example.append(round(55 + 3.5 * (i % 7), 1))
            explain.append((name, "nee", "score van 0 tot 100; leeg = niet afgelegd"))
    return header, example, explain


def build_template(kind: str, con: Connection | None = None) -> bytes:
    """The .xlsx template of one import format."""
    fmt = FORMATS[kind]
    header, example, explain = template_columns(fmt, con)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one sheet, active
    ws.title = fmt.sheet_title
    ws.append(header)
    ws.append(example)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for cell in ws[2]:
        if cell.value is not None and hasattr(cell.value, "year"):
            cell.number_format = "dd/mm/yyyy"
        elif isinstance(cell.value, str) and cell.value.isdigit():
            cell.number_format = "@"  # keep the leading zero of an instellingsnummer
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(name) + 2)
    ws.freeze_panes = "A2"
    info = wb.create_sheet("Uitleg")
    info.append([f"Sjabloon: {fmt.label}"])
    info["A1"].font = Font(bold=True, size=13)
    info.append([f"Vul het eerste blad in: één rij per {fmt.row_unit}. Vervang de voorbeeldrij."])
    info.append([f"Een bestand vervangt {fmt.replaces}."])
    info.append([f"Hoogstens {format_number(MAX_DATA_ROWS, 0)} rijen per bestand; .xlsx of .csv."])
    info.append([])
    info.append(["kolom", "verplicht", "uitleg"])
    for cell in info[info.max_row]:
        cell.font = Font(bold=True)
    for row in explain:
        info.append(list(row))
    for note in fmt.notes:
        info.append([note])
    info.column_dimensions["A"].width = 36
    info.column_dimensions["B"].width = 10
    info.column_dimensions["C"].width = 80
    neutralise_workbook(wb)  # text cells never run as formulas
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_file_name(kind: str) -> str:
    return f"{FORMATS[kind].file_stem}.xlsx"
