"""The PDF conversation sheet (gespreksblad) for a data conversation with the school team.

`build_conversation_pdf(con, viewer, school_id, school_year) -> bytes` prints the school
photo grid as a table, the key charts as images, what stands out, the hypotheses, sources,
priorities and actions of the conversation, last year's actions, and the guiding questions.

Made to be printed in black and white: every status carries its symbol and the legend names
it; charts use facets, shapes and text labels instead of colour alone. With DejaVu Sans
(Debian: fonts-dejavu-core) the symbols ▲ ▼ ● ○ print as such; without a Unicode font the
sheet falls back to Helvetica and ASCII equivalents (++ + = - -- o) with the same legend.

The sheet is meant to be shared with the school team, so it never contains internal guidance
data (need tiers, guidance units), whoever prints it. Works with `access.system_viewer(con)`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from data_model import vocabulary
from data_model.exports.output_cells import pdf_text
from data_model.reading import briefing, queries
from data_model.reading import support as support_queries
from data_model.reading.access import Viewer
from data_model.reading.scope import school_read
from data_model.rules import Rules, load_rules
from data_model.settings import setting
from data_model.state import note_steps, notes
from data_model.storage.connection import Connection
from data_model.texts.explain import cell_label
from data_model.texts.formatting import format_date, format_number, previous_school_year
from data_model.texts.legend import judged_number
from data_model.vocabulary import COLOURED_STATUSES, REFLECTION_CATEGORIES, STATUSES

GRID_YEARS = 5  # school years shown in the printed grid (A4 portrait width)
# Every chart is printed at one scale, whatever its size: one Vega pixel is this many mm, so
# the 9 px axis labels print at 7.7 pt and the 10 px symbols at 8.5 pt in every chart. A
# chart wider than the page would have to shrink: the panels wrap instead (PANELS_PER_ROW).
CHART_MM_PER_PX = 0.3
PANELS_PER_ROW = 4  # 4 x (120 + 8) px + the axis: 165 mm, within A4's 190 mm
FONT_DIRS = (
    setting("SCHOOLFOTO_PDF_FONT_DIR"),
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
# For a PDF without a Unicode font: ASCII stand-ins, explained in the printed legend.
ASCII = {
    "▲▲": "++",
    "▲": "+",
    "▼▼": "--",
    "▼": "-",
    "●": "=",
    "○": "o",
    "↗": "/",
    "↘": "\\",
    "→": "->",
    "·": "|",
    "–": "-",
    "—": "-",
    "…": "...",
    "≥": ">=",
    "≤": "<=",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}
INK = (26, 26, 26)
MUTED = (90, 90, 90)
RULE = (160, 160, 160)


def find_unicode_font(dirs: Iterable[str] = FONT_DIRS) -> dict[str, Path] | None:
    """Paths of DejaVu Sans regular/bold/oblique, or None when not installed."""
    for folder in dirs:
        if not folder:
            continue
        paths = {style: Path(folder) / name for style, name in FONT_FILES.items()}
        if all(p.exists() for p in paths.values()):
            return paths
    return None


class _Sheet(FPDF):
    """A4 (portrait, or landscape for a wide table) with a footer; `text()` makes any string
    safe for the chosen font."""

    def __init__(
        self, title: str, font_paths: dict[str, Path] | None, orientation: str = "P"
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.sheet_title = title
        self.unicode = font_paths is not None
        if font_paths:
            for style, path in font_paths.items():
                self.add_font("Body", style, str(path))
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=16)
        self.set_title(self.printable(title))
        self.set_author("Schoolfoto")
        self.set_creator("Schoolfoto")

    def printable(self, value: object) -> str:
        s = pdf_text(value)  # a stored control character never breaks the sheet
        if self.unicode:
            return s
        for k in sorted(ASCII, key=len, reverse=True):
            s = s.replace(k, ASCII[k])
        return s.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.printable(self.sheet_title), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Pagina {self.page_no()}/{{nb}}", align="R")

    # ------------------------------------------------------------------ writing helpers
    def heading(self, text: str, size: float = 13) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.set_font(self.family, "B", size)
        self.set_text_color(*INK)
        # Left-aligned: fpdf2 justifies multi_cell by default, which stretched title gaps.
        self.multi_cell(
            0, size * 0.5, self.printable(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.ln(2)

    def para(
        self, text: str, size: float = 10, style: str = "", colour: tuple[int, int, int] = INK
    ) -> None:
        self.set_font(self.family, style, size)
        self.set_text_color(*colour)
        self.multi_cell(
            0, size * 0.48, self.printable(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def bullets(self, items: Iterable[str], size: float = 10, marker: str = "•") -> None:
        self.set_font(self.family, "", size)
        self.set_text_color(*INK)
        mark = marker if self.unicode else "-"
        for item in items:
            self.set_x(self.l_margin)
            self.cell(5, size * 0.48, mark)
            self.multi_cell(
                0, size * 0.48, self.printable(item), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.ln(0.6)

    def write_lines(self, n: int = 3) -> None:
        """Empty ruled lines to write on during the conversation."""
        self.set_draw_color(*RULE)
        for _ in range(n):
            self.ln(7)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)


# ----------------------------------------------------------------------------- charts


def difference_chart(results: pd.DataFrame, rules: Rules) -> alt.FacetChart | None:
    """Difference with similar schools per learning area over the years: one panel each,
    with each year's own interval and the stored status symbol as text, so it reads in black
    and white (the symbol is the colour: the latest school years pooled)."""
    df = results[
        results["domain"].isna() & results["learning_area"].notna() & ~results["suppressed"]
    ].copy()
    df = df[df["year_diff"].notna()]
    if df.empty:
        return None
    # Only clear differences get a symbol above the point; "zoals verwacht" stays quiet.
    df["symbool"] = [
        rules.statuses[s].symbol if s in COLOURED_STATUSES else "" for s in df["status"]
    ]
    areas = list(dict.fromkeys(df.sort_values("area_order")["learning_area"]))
    df["jaar"] = df["school_year"]  # written in full, 2017-2018
    df = df[["learning_area", "jaar", "year_diff", "year_ci_low", "year_ci_high", "symbool"]]
    # Padding on both scales keeps the symbols above the first, last and highest points
    # inside each panel's frame.
    base = alt.Chart().encode(
        x=alt.X(
            "jaar:O",
            title=None,
            scale=alt.Scale(padding=0.8),
            axis=alt.Axis(labelAngle=-90, labelFontSize=9),
        )
    )
    band = base.mark_area(color="#cccccc", opacity=0.6).encode(
        y=alt.Y("year_ci_low:Q", title="Verschil (punten)", scale=alt.Scale(padding=16)),
        y2="year_ci_high:Q",
    )
    zero = alt.Chart().mark_rule(color="#000000", strokeDash=[3, 3]).encode(y=alt.datum(0))
    line = base.mark_line(color="#1a1a1a").encode(y="year_diff:Q")
    points = base.mark_point(filled=True, color="#1a1a1a", size=30).encode(y="year_diff:Q")
    marks = base.mark_text(dy=-9, fontSize=10, color="#1a1a1a").encode(
        y="year_diff:Q", text="symbool:N"
    )
    return (
        alt.layer(band, zero, line, points, marks, data=df)
        .properties(width=120, height=120)
        .facet(
            facet=alt.Facet("learning_area:N", title=None, sort=areas),
            columns=PANELS_PER_ROW,
            spacing=8,
        )
        .properties(
            title=alt.TitleParams(
                "Verschil met vergelijkbare scholen per leergebied",
                subtitle="Lijn: verschil per schooljaar; grijze band: interval van dat jaar; "
                "symbool: kleur (laatste schooljaren samen)",
                anchor="start",
            )
        )
    )


def support_chart(support: pd.DataFrame, koala: pd.DataFrame) -> alt.HConcatChart | None:
    """Support continuum and KOALA outcomes as stacked bars with the share printed inside."""
    charts = []
    cont = support[support["measure_kind"] == "continuum"].copy() if not support.empty else None
    if cont is not None and not cont.empty:
        cont = cont[cont["school_year"].isin(sorted(cont["school_year"].unique())[-GRID_YEARS:])]
        cont["volgorde"] = cont["phase"].map(
            {p: i for i, p in enumerate(vocabulary.SUPPORT_PHASES)}
        )
        charts.append(
            _stacked(cont, "phase", list(vocabulary.SUPPORT_PHASES), "Zorgcontinuüm", "Fase")
        )
    k = koala[~koala["suppressed"].astype(bool)].copy() if not koala.empty else None
    if k is not None and not k.empty:
        k = k[k["school_year"].isin(sorted(k["school_year"].unique())[-GRID_YEARS:])]
        k["volgorde"] = k["category"].map({c: i for i, c in enumerate(vocabulary.KOALA_CATEGORIES)})
        k["pct"] = k["pct"].astype(float)
        charts.append(
            _stacked(k, "category", list(vocabulary.KOALA_CATEGORIES), "KOALA", "Uitkomst")
        )
    if not charts:
        return None
    chart: alt.HConcatChart = alt.hconcat(*charts, spacing=30).resolve_scale(color="independent")
    return chart


def _stacked(
    df: pd.DataFrame, field: str, order: list[str], title: str, legend: str
) -> alt.LayerChart:
    df = df[["school_year", field, "pct", "volgorde"]].sort_values(["school_year", "volgorde"])
    # Label position computed here (middle of each segment): simpler than a stacked text mark.
    df["mid"] = df.groupby("school_year")["pct"].cumsum() - df["pct"] / 2
    df["label"] = [f"{format_number(p, 0)}%" if p >= 7 else "" for p in df["pct"]]
    greys = ["#f0f0f0", "#bdbdbd", "#737373", "#252525"][: len(order)]
    text_colours = ["#000000", "#000000", "#ffffff", "#ffffff"][: len(order)]
    base = alt.Chart(df).encode(
        x=alt.X("school_year:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("pct:Q", stack="zero", title="%", scale=alt.Scale(domain=[0, 100])),
        order=alt.Order("volgorde:Q"),
    )
    bars = base.mark_bar(stroke="#000000", strokeWidth=0.5).encode(
        color=alt.Color(
            f"{field}:N",
            title=legend,
            scale=alt.Scale(domain=order, range=greys),
            legend=alt.Legend(orient="bottom", columns=2),
        )
    )
    text = (
        alt.Chart(df)
        .mark_text(fontSize=9)
        .encode(
            x=alt.X("school_year:O"),
            y=alt.Y("mid:Q"),
            text="label:N",
            color=alt.Color(
                f"{field}:N", scale=alt.Scale(domain=order, range=text_colours), legend=None
            ),
        )
    )
    chart: alt.LayerChart = (
        (bars + text)
        .resolve_scale(color="independent")
        .properties(width=230, height=150, title=alt.TitleParams(title, anchor="start"))
    )
    return chart


_PNG_SCALE = 2  # pixels of the image per Vega pixel (sharp in print)


def _png(chart: alt.TopLevelMixin) -> bytes:
    import vl_convert  # imported here: only the PDF needs the renderer

    return vl_convert.vegalite_to_png(chart.to_json(), scale=_PNG_SCALE)


def chart_width_mm(png: bytes, page_width: float) -> float:
    """The printed width of a chart image: CHART_MM_PER_PX per Vega pixel, so text is the
    same size in every chart; only a chart wider than the page is shrunk to fit."""
    pixels = int.from_bytes(png[16:20], "big") / _PNG_SCALE  # the PNG header's width
    return min(page_width, pixels * CHART_MM_PER_PX)


# ----------------------------------------------------------------------------- sections


def _grid(pdf: _Sheet, results: pd.DataFrame, school_year: str, rules: Rules) -> None:
    years = sorted(y for y in results["school_year"].unique() if y <= school_year)[-GRID_YEARS:]
    df = results[results["school_year"].isin(years)]
    labels = list(
        dict.fromkeys(
            cell_label(None if pd.isna(a) else a, None if pd.isna(d) else d)
            for a, d in zip(df["learning_area"], df["domain"], strict=True)
        )
    )
    cells: dict[tuple[str, str], pd.Series] = {}
    for _, row in df.iterrows():
        a, d = row["learning_area"], row["domain"]
        cells[
            (cell_label(None if pd.isna(a) else a, None if pd.isna(d) else d), row["school_year"])
        ] = row
    widths = (56,) + (124 / len(years),) * len(years)
    pdf.set_font(pdf.family, "", 8.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT",) + ("CENTER",) * len(years),
        line_height=5,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(255, 255, 255)),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        head = table.row()
        head.cell("Leergebied / domein")
        for y in years:
            head.cell(y)
        for label in labels:
            line = table.row()
            is_domain = " – " in label
            line.cell(
                pdf.printable(("   " + label.split(" – ", 1)[1]) if is_domain else label),
                style=FontFace(emphasis="" if is_domain else "BOLD"),
            )
            for y in years:
                cell = cells.get((label, y))
                if cell is None:
                    line.cell("")
                    continue
                if bool(cell["suppressed"]):
                    line.cell(pdf.printable(f"< {rules.min_group_size}"))
                    continue
                style = rules.statuses[cell["status"]]
                fill = tuple(int(style.colour[i : i + 2], 16) for i in (1, 3, 5))
                ink = tuple(int(style.text_colour[i : i + 2], 16) for i in (1, 3, 5))
                # The number the colour judged, as on the page and in the Excel photo.
                number = judged_number(cell)
                line.cell(
                    pdf.printable(style.symbol if number == "–" else f"{number} {style.symbol}"),
                    style=FontFace(fill_color=fill, color=ink),
                )
    legend = " · ".join(
        f"{rules.statuses[s].symbol} {rules.statuses[s].label.lower()}" for s in STATUSES
    )
    pdf.para(
        f"Legende: {legend} · < {rules.min_group_size}: te weinig leerlingen, niets getoond "
        "(privacy). Het getal is het verschil met vergelijkbare scholen in punten, over de "
        "laatste schooljaren samen: precies wat de kleur beoordeelt, rekening houdend met het "
        "aantal leerlingen.",
        size=7.5,
        colour=MUTED,
    )


def _step_items(
    items: list[notes.Note], choices: dict[str, dict[int, str]], step: str
) -> list[str]:
    """One line per note of the step, with the note it links to where the sheet names it."""
    spec = note_steps.STEPS[step]
    link = spec.link if spec.link and spec.link.sheet else None
    out = []
    for n in items:
        line = note_steps.say(spec, spec.line, n.body, day=notes.format_due)
        linked = choices.get(link.step, {}).get(n.body.get(link.key) or 0) if link else None
        out.append(line + (f" ({link.sheet}: {linked})" if link and linked else ""))
    return out


# Last year's actions with how far they got: the action's own columns, its review instead of
# its success indicator.
REVIEW_COLUMNS = (
    note_steps.Column("Actie", "what", 56),
    note_steps.Column("Eigenaar", "owner", 32),
    note_steps.Column("Tegen", "due", 20),
    note_steps.Column("Categorie", "category", 30),
    note_steps.Column("Opvolging", "review", 42),
)


def _cell(note: notes.Note, key: str) -> str:
    """One cell of a table of notes: a date in Dutch, a review in words, a field as it is."""
    value = note.body.get(key)
    if key == "review":
        review: dict[str, str] = value or {}
        return review.get("status", "nog niet besproken") + (
            f": {review['comment']}" if review.get("comment") else ""
        )
    field = next((f for f in note_steps.STEPS[note.step].fields if f.key == key), None)
    if field and field.kind == note_steps.DATE:
        return notes.format_due(value)
    return "" if value is None else str(value)


def _notes_table(
    pdf: _Sheet, items: list[notes.Note], columns: tuple[note_steps.Column, ...]
) -> None:
    pdf.set_font(pdf.family, "", 8.5)
    pdf.set_text_color(*INK)
    with pdf.table(
        col_widths=[c.width for c in columns],
        text_align="LEFT",
        line_height=4.6,
        headings_style=FontFace(emphasis="BOLD"),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        head = table.row()
        for c in columns:
            head.cell(c.heading)
        for note in items:
            row = table.row()
            for c in columns:
                row.cell(pdf.printable(_cell(note, c.key)))


def _results_sections(
    pdf: _Sheet,
    con: Connection,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    rules: Rules,
) -> None:
    """Per assessment with results in the year: the grid and the difference chart."""
    for a in queries.assessments_for_school(con, viewer, school_id).itertuples(index=False):
        results = queries.school_results(con, viewer, school_id, str(a.assessment_id))
        results = results[results["school_year"] <= school_year]
        if results.empty or not (results["school_year"] == school_year).any():
            continue
        pdf.heading(f"Schoolfoto: {a.name}", size=12)
        _grid(pdf, results, school_year, rules)
        chart = difference_chart(results, rules)
        if chart is not None:
            png = _png(chart)
            if pdf.get_y() > pdf.h - 75:
                pdf.add_page()
            pdf.ln(2)
            pdf.image(io.BytesIO(png), w=chart_width_mm(png, pdf.epw))


def _support_section(
    pdf: _Sheet,
    con: Connection,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    lines: list[str],
) -> None:
    """The support continuum and KOALA up to the year: lines and a chart."""
    support = support_queries.support_continuum(con, viewer, school_id)
    koala = support_queries.koala_outcomes(con, viewer, school_id)
    support = support[support["school_year"] <= school_year] if not support.empty else support
    koala = koala[koala["school_year"] <= school_year] if not koala.empty else koala
    chart = support_chart(support, koala)
    if chart is not None or lines:
        if chart is not None and pdf.get_y() > pdf.h - 110:
            pdf.add_page()  # keep the heading, the lines and the chart together
        pdf.heading("Zorg en KOALA", size=12)
        pdf.bullets(lines, size=9)
        if chart is not None:
            if pdf.get_y() > pdf.h - 80:
                pdf.add_page()
            png = _png(chart)
            pdf.image(io.BytesIO(png), w=chart_width_mm(png, pdf.epw))


@school_read(memo=False)  # one request: every read below checks scope and reads once
def build_conversation_pdf(
    con: Connection,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    font_dirs: Iterable[str] = FONT_DIRS,
) -> bytes:
    """The conversation sheet of one school and school year as PDF bytes.

    Raises AccessDenied when the school is outside the viewer's scope (via the queries).
    """
    rules = load_rules()
    info = briefing.build_briefing(con, viewer, school_id, school_year)
    school = queries.schools_in_scope(con, viewer).set_index("school_id").loc[school_id]
    title = f"Datagesprek {info.school_name} · {school_year}"
    pdf = _Sheet(title, find_unicode_font(font_dirs))
    pdf.add_page()

    # ------------------------------------------------------------- header and questions
    pdf.set_font(pdf.family, "B", 18)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 8, pdf.printable(f"Datagesprek · {info.school_name}"), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.para(
        f"Instellingsnummer {school_id} · {school['municipality']} · resultaten van schooljaar "
        f"{school_year} · gemaakt op {format_date(date.today())} door {viewer.name}",
        size=9,
        colour=MUTED,
    )
    pdf.ln(2)
    pdf.para("Richtvragen: " + " ".join(briefing.GUIDING_QUESTIONS), size=10, style="B")

    # ------------------------------------------------------------- what stands out
    all_notes = notes.list_notes(con, viewer, school_id, school_year)
    by_step = {s: [n for n in all_notes if n.step == s] for s in note_steps.STEPS}
    choices = notes.link_choices(all_notes)
    accepted = notes.accepted_observations(all_notes)
    pdf.heading("1. Wat valt op?")
    if accepted:
        pdf.bullets(n.body["text"] for n in accepted)
    elif info.observations:
        pdf.para("Voorstellen uit de resultaten (nog niet besproken):", size=9, colour=MUTED)
        pdf.bullets(f"{o.text} ({o.assessment_name})" for o in info.observations)
    else:
        pdf.para("Niets opvallends in de resultaten.", size=9, colour=MUTED)

    # ------------------------------------------------------------- grids and charts
    _results_sections(pdf, con, viewer, school_id, school_year, rules)
    _support_section(pdf, con, viewer, school_id, school_year, info.support_lines)

    # ------------------------------------------------------------- last year's actions
    previous = notes.previous_actions(con, viewer, school_id, school_year)
    pdf.heading(f"Acties van vorig jaar ({previous_school_year(school_year)})")
    if previous:
        _notes_table(pdf, previous, REVIEW_COLUMNS)
    else:
        pdf.para("Geen acties genoteerd.", size=9, colour=MUTED)

    # ------------------------------------------------------------- the conversation
    for spec in note_steps.STEPS.values():
        if spec.sheet is None:
            continue
        pdf.heading(spec.sheet)
        pdf.para(f"{spec.lead} {spec.prompt}", size=8.5, style="I", colour=MUTED)
        if not by_step[spec.code]:
            pdf.write_lines(spec.sheet_blank_lines)
        elif spec.sheet_table:
            _notes_table(pdf, by_step[spec.code], spec.sheet_table)
        else:
            pdf.bullets(_step_items(by_step[spec.code], choices, spec.code), size=9.5)
    pdf.para(
        "Reflectiecategorieën: " + " · ".join(REFLECTION_CATEGORIES) + ".",
        size=8,
        colour=MUTED,
    )

    # ------------------------------------------------------------- questions
    pdf.heading("Vragen voor het gesprek")
    pdf.bullets(info.questions or ["Wat herkent het team in deze resultaten?"], size=9.5)
    pdf.ln(1)
    pdf.para(
        "Bij elke stap: " + " ".join(briefing.GUIDING_QUESTIONS), size=9, style="I", colour=MUTED
    )
    return bytes(pdf.output())
