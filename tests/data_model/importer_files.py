"""Builders of import files for the importer tests and the benchmark (in memory, from a db)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

import duckdb
import openpyxl
import pandas as pd
import xlwt

from data_model.imports.formats import RESULTS
from data_model.storage.db import Database
from data_model.storage.pupil_key import load_secret, pupil_key, pupil_row_id

RESULT_HEADER = [c.header for c in RESULTS.columns]


def xlsx_bytes(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    title_rows: Sequence[Sequence[object]] = (),
    sheet: str = "Resultaten",
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in title_rows:
        ws.append(list(row))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(header: Sequence[object], rows: Sequence[Sequence[object]], sep: str = ";") -> bytes:
    lines = [sep.join(str(h) for h in header)]
    lines += [sep.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xls_bytes(
    header: Sequence[object], rows: Sequence[Sequence[object]], sheet: str = "Resultaten"
) -> bytes:
    """An Excel 97-2003 workbook (.xls), as an old school administration package exports."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet(sheet)
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)
# What LibreOffice writes after the data of a sheet whose formatting runs "to the bottom"
# and "to the right": empty styled cells, repeated.
ODS_FORMATTED_TAIL = (
    '<table:table-row table:style-name="ro1" table:number-rows-repeated="1048000">'
    '<table:table-cell table:style-name="ce1" table:number-columns-repeated="16384"/>'
    "</table:table-row>"
)


def ods_cell(value: object, attrs: str = "") -> str:
    """One <table:table-cell> as LibreOffice writes it."""
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (f'<table:table-cell office:value-type="float" office:value="{value}"{attrs}>'
                f"<text:p>{value}</text:p></table:table-cell>")  # fmt: skip
    return (f'<table:table-cell office:value-type="string"{attrs}>'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>")  # fmt: skip


def ods_bytes(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    sheet: str = "Resultaten",
    tail: str = ODS_FORMATTED_TAIL,
    cells: Sequence[str] = (),
) -> bytes:
    """A LibreOffice Calc spreadsheet (.ods); `cells` are raw cells appended to the last row."""
    body = []
    for i, row in enumerate([header, *rows]):
        extra = "".join(cells) if i == len(rows) else ""
        body.append("<table:table-row>" + "".join(ods_cell(v) for v in row) + extra
                    + '<table:table-cell table:number-columns-repeated="1000"/>'
                    "</table:table-row>")  # fmt: skip
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
        + "".join(body) + tail
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            "</manifest:manifest>",
        )
    return buf.getvalue()


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def next_year_results(
    con: duckdb.DuckDBPyConnection,
    year: str = "2026-2027",
    n_schools: int | None = 5,
    assessment: str = "vt4",
    source_year: str = "2025-2026",
) -> list[list[object]]:
    """Result rows for a new school year: last year's vt4 aggregates, slightly shifted."""
    df = con.execute(
        """
        SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils,
               score_mean, score_sd, pct_goal_reached
        FROM school_results_aggregate
        WHERE school_year = ? AND assessment_id = ? AND n_pupils >= 5
        ORDER BY school_id, learning_area NULLS FIRST, domain NULLS FIRST
        """,
        [source_year, assessment],
    ).df()
    schools = sorted(df["school_id"].unique())
    if n_schools is not None:
        schools = schools[:n_schools]
    df = df[df["school_id"].isin(schools)]
    rows = []
    for r in df.itertuples(index=False):
        rows.append(
            [r.school_id, year, r.assessment_id, _none(r.learning_area), _none(r.domain),
             int(r.n_pupils),
             round(min(100.0, r.score_mean + 1.5), 2), None, None,
             None if pd.isna(r.pct_goal_reached) else r.pct_goal_reached,
             None if pd.isna(r.score_sd) else r.score_sd]
        )  # fmt: skip
    return rows


def next_year_pupils(
    con: duckdb.DuckDBPyConnection, year: int = 2026, n_schools: int | None = 5
) -> tuple[list[str], list[list[object]]]:
    """A pupil-level ovsg6 workbook for school year year-(year+1), built from last year's."""
    domains = con.execute(
        "SELECT learning_area, domain FROM domains WHERE assessment_id = 'ovsg6' "
        "ORDER BY area_order, domain_order"
    ).fetchall()
    src = f"{year - 1}-{year}"
    schools = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT school_id FROM pupils WHERE school_year = ? ORDER BY 1", [src]
        ).fetchall()
    ]
    if n_schools is not None:
        schools = schools[:n_schools]
    pupils = con.execute(
        "SELECT * FROM pupils WHERE school_year = ? AND list_contains(?, school_id) "
        "ORDER BY pupil_id",
        [src, schools],
    ).df()
    scores = con.execute(
        "SELECT r.pupil_id, r.learning_area, r.domain, r.score FROM pupil_results r "
        "JOIN pupils p USING (pupil_id) WHERE p.school_year = ? AND list_contains(?, p.school_id)",
        [src, schools],
    ).df()
    wide = scores.pivot_table(index="pupil_id", columns=["learning_area", "domain"], values="score")
    header = ["leerling_id", "instellingsnummer", "schooljaar", "toets", "geslacht",
              "thuistaal_nederlands", "moeder_laagopgeleid", "schooltoelage", "buurtindicator",
              "zorgfase"] + [f"{a} - {d}" for a, d in domains]  # fmt: skip
    rows = []
    for i, p in enumerate(pupils.itertuples(index=False)):
        new_id = f"{year}{i:05d}"  # the school's own pupil number (stored only as a hash)
        vals = [wide.at[p.pupil_id, (a, d)] if (a, d) in wide.columns else None for a, d in domains]
        rows.append(
            [new_id, p.school_id, f"{year}-{year + 1}", "ovsg6", p.gender,
             "ja" if p.home_language_dutch else "nee", "ja" if p.mother_low_education else "nee",
             "ja" if p.school_allowance else "nee", "ja" if p.neighbourhood_low else "nee",
             p.support_phase] + [None if pd.isna(v) else float(v) for v in vals]
        )  # fmt: skip
    return header, rows


def stored_pupil_id(db: Database, school_id: str, number: object, school_year: str) -> str:
    """The `pupils.pupil_id` an import stores for a school's own pupil number."""
    secret = load_secret(db.folder, create=False)
    assert secret is not None
    return pupil_row_id(pupil_key(secret, school_id, number), school_year)
