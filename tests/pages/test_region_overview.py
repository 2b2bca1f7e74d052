"""The region's overview: the compact table (Start, Vergelijken) and its PDF and Excel.

What a user would notice: the number in a coloured cell is the judged estimate (never this
year's score), schools stand by name, a small group shows nothing, every symbol is named in
the legend, the PDF is one A4 landscape page for a region, the Excel keeps numbers as numbers.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from data_model.exports.region_overview import build_region_pdf, build_region_xlsx
from data_model.reading import access, queries
from data_model.reading.overview import region_matrix
from data_model.rules import load_rules
from data_model.texts.formatting import format_number, format_signed
from tests.pages.apptest import run_page
from ui.overview import details_markdown, legend_markdown, matrix_markdown, school_counts
from ui.safe_text import shown

RULES = load_rules()


@pytest.fixture(scope="module")
def region(con, viewers) -> pd.DataFrame:
    return region_matrix(con, viewers["regioteam"], "ovsg6")


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in table.splitlines()[2:]]


def test_cells_show_the_judged_estimate_by_name(region, con, viewers):
    table = matrix_markdown(region, RULES)
    header = table.splitlines()[0]
    assert header.startswith("| School | Lln. | Totaal |")
    rows = _rows(table)
    names = region.drop_duplicates("school_id")["name"].tolist()
    assert [shown(r[0]) for r in rows] == sorted(names, key=str) == names  # by name, not result
    first = region[region["school_id"] == region["school_id"].iloc[0]].set_index("learning_area")
    area = "Nederlands"
    cell = rows[0][header.strip("|").split(" | ").index(area)]
    row = first.loc[area]
    style = RULES.statuses[row["status"]]
    assert f"{style.symbol} {format_signed(row['status_estimate'])}" in cell
    assert style.colour in cell
    # Never this year's raw score or this year's own difference in the cell.
    results = queries.school_results(con, viewers["regioteam"], first["school_id"].iloc[0], "ovsg6")
    now = results[
        (results["school_year"] == row["school_year"]) & (results["learning_area"] == area)
    ]
    now = now[now["domain"].isna()].iloc[0]
    assert format_number(now["score_mean"]) not in cell
    if round(now["diff_similar"], 1) != round(row["status_estimate"], 1):
        assert format_signed(now["diff_similar"]) not in cell


def test_a_small_group_shows_nothing(region, con, viewers):
    (year,) = con.execute(
        "SELECT min(school_year) FROM school_result WHERE suppressed AND assessment_id = 'ovsg6'"
    ).fetchone()
    admin = region_matrix(con, viewers["beheerder"], "ovsg6", year)
    small = admin[admin["suppressed"].astype(bool)]
    school = small["school_id"].iloc[0]
    rows = admin[admin["school_id"] == school]
    assert rows[["n_pupils", "status_estimate", "ci_low", "ci_high"]].isna().all().all()
    table = matrix_markdown(rows, RULES)
    assert f"< {RULES.min_group_size}" in table and ":color[" not in table.splitlines()[2]


def test_legend_names_every_symbol_and_details_give_the_interval(region):
    legend = legend_markdown(RULES)
    for style in RULES.statuses.values():
        assert style.label in legend and style.symbol in legend
    one = region[region["school_id"] == region["school_id"].iloc[0]]
    details = details_markdown(one, RULES)
    row = one[one["learning_area"] == "Nederlands"].iloc[0]
    assert f"{format_signed(row['ci_low'])} tot {format_signed(row['ci_high'])}" in details


def test_pdf_is_landscape_and_one_page_for_a_region(con, viewers, region):
    pdf = PdfReader(io.BytesIO(build_region_pdf(con, viewers["regioteam"], "ovsg6")))
    assert len(pdf.pages) == 1  # a region's twenty schools on one page
    box = pdf.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = pdf.pages[0].extract_text()
    positions = [text.find(n) for n in region.drop_duplicates("school_id")["name"]]
    assert -1 not in positions and positions == sorted(positions)  # by name
    for style in RULES.statuses.values():
        assert style.label in text
    row = region[region["learning_area"] == "Wiskunde"].iloc[0]
    assert format_signed(row["status_estimate"]) in text


def test_excel_keeps_the_estimate_as_a_number(con, viewers, region):
    book = load_workbook(io.BytesIO(build_region_xlsx(con, viewers["regioteam"], "ovsg6")))
    assert book.sheetnames == ["Overzicht", "Per cel", "Legende"]
    sheet = book["Overzicht"]
    header = [c.value for c in sheet[4]]
    first = region[region["school_id"] == region["school_id"].iloc[0]]
    row = first[first["learning_area"] == "Nederlands"].iloc[0]
    cell = sheet.cell(5, header.index("Nederlands") + 1)
    assert cell.value == pytest.approx(row["status_estimate"])
    assert RULES.statuses[row["status"]].symbol in cell.number_format
    assert cell.fill.start_color.rgb.endswith(RULES.statuses[row["status"]].colour[1:].upper())
    per_cell = pd.DataFrame(list(book["Per cel"].values)[1:], columns=next(book["Per cel"].values))
    assert set(per_cell["School"]) == set(region["name"])


def test_a_director_gets_only_her_own_school(con, viewers):
    director = viewers["directeur"]
    own = set(access.allowed_school_ids(con, director))
    assert set(region_matrix(con, director, "ovsg6")["school_id"]) == own
    others = con.execute("SELECT name FROM schools").df()["name"]
    mine = set(region_matrix(con, director, "ovsg6")["name"])
    text = PdfReader(io.BytesIO(build_region_pdf(con, director, "ovsg6"))).pages[0].extract_text()
    book = load_workbook(io.BytesIO(build_region_xlsx(con, director, "ovsg6")))
    cells = " ".join(str(c) for ws in book for row in ws.values for c in row if c is not None)
    for name in set(others) - mine:
        assert name not in text and name not in cells


def test_start_shows_which_schools_rise_or_fall(app_env, con, viewers):
    viewer = viewers["regioteam"]
    at = run_page(viewer)
    assert not at.exception, at.exception
    moving = school_counts(region_matrix(con, viewer, "ovsg6"))["moving"]
    control = at.button_group[0]
    assert control.label == "Toon"
    at.button_group[0].set_value("moving").run()
    (table,) = [m.value for m in at.markdown if m.value.startswith("| School |")]
    rows = _rows(table)
    assert len(rows) == len(moving)
    for row in rows:  # each school shown has an arrow somewhere in its row
        assert any(RULES.trend_symbols[t] in " ".join(row) for t in ("rising", "falling"))
    assert [b.label for b in at.get("download_button")] == [
        "Overzicht als PDF (A4 liggend)",
        "Overzicht als Excel",
    ]
