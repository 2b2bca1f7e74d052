"""Chart builders of the Trends page: `prepare_*` (formatting) and `build_*_chart` (Altair).

Input rows come from data_model.reading.trend_series.trend_results: suppressed values are already
NULL, so a tooltip can never show more than the page. Tooltips carry pre-formatted Dutch text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

import altair as alt
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.texts.explain import cell_label
from data_model.texts.formatting import format_number, format_pct, format_signed, school_year_of
from data_model.texts.trend_words import COMPARISONS
from data_model.vocabulary import STATUS_SIGN, STATUSES, TOO_FEW, TOO_SHORT
from ui.charts import status_scale, subtitle_lines

AREA_SELECTION = "leergebied"
# The overview's small multiples: three of 112 px (and the y axis) fit a 430 px main column.
OVERVIEW_COLUMNS = 3
OVERVIEW_PANEL_WIDTH = 112
# Streamlit fits title, axes and legend into the chart height: leave room for the plot.
CHART_HEIGHT = 400
# A rotated y title longer than the plot pushes the chart title out of view: cap its length.
_Y_AXIS = alt.Axis(titleLimit=170)

SERIES_SCHOOL = "Uw school"
SERIES_SIMILAR = "Vergelijkbare scholen"
SERIES_FLANDERS = "Vlaanderen"
SERIES_EXPECTED = "Verwachte score"
# Neutral series in greys: blue and orange mean a status (rules.toml), never a line. Each
# line has its own dash pattern and shade, so the lines stay apart without colour.
_SERIES = (
    (SERIES_SCHOOL, "#1a1a1a", [1, 0]),
    (SERIES_SIMILAR, "#595959", [6, 3]),
    (SERIES_FLANDERS, "#8c8c8c", [2, 2]),
    (SERIES_EXPECTED, "#404040", [8, 3, 2, 3]),
)
# The legend draws each series as its own line (colour and dashes merged into one legend),
# not as a point symbol that a dash pattern turns into a blob or a gear.
_SERIES_LEGEND = alt.Legend(
    orient="bottom", columns=1, symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400,
    labelLimit=200,
)  # fmt: skip


def _comparison(comparison: str) -> dict[str, str]:
    # The entries read here (columns and words) are texts; only "from" and "points" can be
    # None, and the mixed literal leaves the type checker with `object` for each entry.
    return cast("dict[str, str]", COMPARISONS[comparison])


# Raw cells of a frame: a value or pandas' missing value, which `pd.isna` tells apart.
def _label(area: Any, domain: Any) -> str:
    return cell_label(None if pd.isna(area) else area, None if pd.isna(domain) else domain)


def _n_text(n: Any, rules: Rules) -> str:
    return f"minder dan {rules.min_group_size}" if pd.isna(n) else str(int(n))


def _long(
    series: pd.DataFrame,
    columns: list[tuple[str, str]],
    text: Callable[[float], str],
    **extra: object,
) -> pd.DataFrame:
    """Long format: one row per school year x line, from the column of each line, with the
    value as the chart writes it (`text`) and `extra` columns that every line shares.
    Rows without a value stay: a suppressed year breaks the line instead of being bridged."""
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "school_year": series["school_year"].to_numpy(),
                    "reeks": name,
                    "reeks_volgorde": order,
                    "waarde": pd.to_numeric(series[col], errors="coerce").to_numpy(),
                    **extra,
                }
            )
            for order, (name, col) in enumerate(columns)
        ],
        ignore_index=True,
    )
    long["waarde_tekst"] = long["waarde"].map(text)
    return long


def prepare_lines(
    series: pd.DataFrame, rules: Rules | None = None, with_expected: bool = False
) -> pd.DataFrame:
    """Long format: one row per school year x line (school, similar, Flanders[, expected])."""
    rules = rules or load_rules()
    columns = [
        (SERIES_SCHOOL, "score_mean"),
        (SERIES_SIMILAR, "similar_mean"),
        (SERIES_FLANDERS, "flanders_mean"),
    ]
    if with_expected:
        columns.append((SERIES_EXPECTED, "expected_mean"))
    pupils = [_n_text(n, rules) for n in series["n_pupils"]]
    return _long(series, columns, format_number, leerlingen=pupils)


def _series_scale(names: list[str]) -> tuple[alt.Scale, alt.Scale]:
    spec = [s for s in _SERIES if s[0] in names]
    colour = alt.Scale(domain=[s[0] for s in spec], range=[s[1] for s in spec])
    dash = alt.Scale(domain=[s[0] for s in spec], range=[s[2] for s in spec])
    return colour, dash


def _series_lines(
    long: pd.DataFrame, title: str, y: alt.Y, value_tooltip: str, subtitle: str, *tooltips
) -> alt.Chart:
    """Lines with points per series over the school years (school, comparison groups), one
    colour and one dash pattern per series, with the value and the given tooltips."""
    names = [s[0] for s in _SERIES if s[0] in set(long["reeks"])]
    colour, dash = _series_scale(names)
    base = alt.Chart(long).encode(
        x=_year_axis(None),
        y=y,
        color=alt.Color(
            "reeks:N",
            scale=colour,
            sort=names,
            title=None,
            legend=_SERIES_LEGEND,
        ),
        strokeDash=alt.StrokeDash("reeks:N", scale=dash, sort=names, title=None),
        tooltip=[
            alt.Tooltip("school_year:N", title="Schooljaar"),
            alt.Tooltip("reeks:N", title="Lijn"),
            alt.Tooltip("waarde_tekst:N", title=value_tooltip),
            *tooltips,
        ],
    )
    return (base.mark_line(strokeWidth=2.5) + base.mark_point(filled=True, size=45)).properties(
        title=alt.TitleParams(title, subtitle=subtitle_lines(subtitle), anchor="start"),
        height=CHART_HEIGHT,
        width="container",
    )


def build_lines_chart(long: pd.DataFrame, title: str, score_label: str) -> alt.Chart:
    """School, similar schools and Flanders (and the expected score) over the school years."""
    return _series_lines(
        long,
        title,
        alt.Y("waarde:Q", title=score_label, scale=alt.Scale(zero=False), axis=_Y_AXIS),
        "Gemiddelde",
        "Ruwe gemiddelden: elk jaar is een andere toets.",
        alt.Tooltip("leerlingen:N", title="Leerlingen van uw school"),
    )


def prepare_difference(
    series: pd.DataFrame, rules: Rules | None = None, comparison: str = "similar"
) -> pd.DataFrame:
    """One row per school year with the difference, its interval and Dutch tooltip text."""
    rules = rules or load_rules()
    c = _comparison(comparison)
    # Each year's own difference and interval: the colour pools three years and
    # has its own interval, shown in "Waarom deze kleur?".
    if comparison == "similar":
        diff, lo, hi, status = "year_diff", "year_ci_low", "year_ci_high", "status"
    else:
        diff, lo, hi, status = "value_added", "va_year_ci_low", "va_year_ci_high", "va_status"
    df = pd.DataFrame(
        {
            "rij": [
                _label(a, d) for a, d in zip(series["learning_area"], series["domain"], strict=True)
            ],
            "school_year": series["school_year"].to_numpy(),
            "verschil": pd.to_numeric(series[diff], errors="coerce").to_numpy(),
            "ondergrens": pd.to_numeric(series[lo], errors="coerce").to_numpy(),
            "bovengrens": pd.to_numeric(series[hi], errors="coerce").to_numpy(),
            "status": series[status].fillna(TOO_FEW).to_numpy(),
            "leerlingen": [_n_text(n, rules) for n in series[c["n"]]],
        }
    )
    # Years without a shown difference stay as empty rows: the line and band break there.
    df["status_label"] = [rules.statuses[s].label for s in df["status"]]
    df["kleur"] = [f"{rules.statuses[s].symbol} {rules.statuses[s].label}" for s in df["status"]]
    df["verschil_tekst"] = df["verschil"].map(format_signed)
    df["interval"] = [
        "–" if pd.isna(a) else f"{format_signed(a)} tot {format_signed(b)}"
        for a, b in zip(df["ondergrens"], df["bovengrens"], strict=True)
    ]
    # Panel heading of the overview: the label plus the trend of its latest school year, on
    # two lines (split in the header), so a narrow panel's heading is not cut off.
    trends = series[c["trend"]].fillna(TOO_SHORT).to_numpy()
    latest = pd.Series(trends, index=df.index).groupby(df["rij"], sort=False).last()
    df["kop"] = [
        f"{r}\n{rules.trend_symbols[latest[r]]} {rules.trend_labels[latest[r]]}"
        if latest[r] != TOO_SHORT
        else r
        for r in df["rij"]
    ]
    return df


def status_direction(rules: Rules) -> tuple[str, alt.Shape]:
    """(Vega expression for a 'richting' field, shape encoding on it): triangles up/down.

    The shape is encoded on its own derived field, not on the status itself: Vega-Lite would
    otherwise merge the two legends into one with uncoloured (black) symbols.
    """
    up = " || ".join(f"datum.status_label == '{rules.statuses[s].label}'"
                     for s in STATUSES if STATUS_SIGN[s] > 0)  # fmt: skip
    down = " || ".join(f"datum.status_label == '{rules.statuses[s].label}'"
                       for s in STATUSES if STATUS_SIGN[s] < 0)  # fmt: skip
    expr = f"({up}) ? 'op' : (({down}) ? 'neer' : 'geen')"
    shape = alt.Shape(
        "richting:N",
        scale=alt.Scale(
            domain=["op", "geen", "neer"], range=["triangle-up", "circle", "triangle-down"]
        ),
        legend=None,
    )
    return expr, shape


def _year_axis(years: list[str] | None, short: bool = False) -> alt.X:
    """School years on x; every year of the series keeps its place, so a gap stays visible.

    Years are written in full (2017-2018): slanted under a chart, upright in the
    narrow small multiples.
    """
    axis = alt.Axis(labelAngle=-45, labelOverlap=False)
    if short:
        axis = alt.Axis(labelAngle=-90, labelOverlap=False, labelFontSize=10)
    scale = alt.Scale(domain=years) if years else alt.Undefined
    return alt.X("school_year:O", title="Schooljaar", axis=axis, scale=scale)


def _difference_layers(
    df: pd.DataFrame | None,
    rules: Rules,
    y_title: str,
    years: list[str] | None = None,
    short_years: bool = False,
    show_legend: bool = True,
) -> alt.LayerChart:
    """Band (interval), zero rule, line and status points. df=None: data comes from a facet."""
    x = _year_axis(years, short_years)
    tooltip = [
        alt.Tooltip("rij:N", title="Leergebied / domein"),
        alt.Tooltip("school_year:N", title="Schooljaar"),
        alt.Tooltip("verschil_tekst:N", title="Verschil"),
        alt.Tooltip("interval:N", title="Interval van dit jaar"),
        alt.Tooltip("leerlingen:N", title="Leerlingen"),
        alt.Tooltip("kleur:N", title="Kleur"),
    ]
    base = (alt.Chart(df) if df is not None else alt.Chart()).encode(x=x)
    band = base.mark_area(opacity=0.25, color="#4393c3").encode(
        y=alt.Y("ondergrens:Q", title=y_title, axis=_Y_AXIS), y2="bovengrens:Q", tooltip=tooltip
    )
    zero = base.mark_rule(color="#1a1a1a", strokeWidth=1, aria=False).encode(y=alt.datum(0))
    line = base.mark_line(color="#2166ac", strokeWidth=2).encode(y="verschil:Q")
    # One colour legend (coloured symbols); the triangle shapes repeat the direction, so a
    # second shape legend would only take room.
    legend = alt.Legend(orient="bottom", columns=3, labelLimit=200) if show_legend else None
    direction, shape = status_direction(rules)
    points = (
        base.transform_calculate(richting=direction)
        .mark_point(filled=True, size=70, stroke="#1a1a1a", strokeWidth=0.5)
        .encode(
            y="verschil:Q",
            color=alt.Color(
                "status_label:N",
                scale=status_scale(rules),
                title="Kleur",
                legend=legend,
            ),
            shape=shape,
            tooltip=tooltip,
        )
    )
    # altair declares a FacetChart too, made only when the layers share a facet encoding;
    # these have none.
    return cast("alt.LayerChart", alt.layer(band, zero, line, points))


ACTION_DECIDED = "Actie beslist"
ACTION_REVIEWED = "Actie opgevolgd"


def prepare_action_marks(actions: list, years: list[str]) -> pd.DataFrame:
    """One row per action and moment on the timeline: the school year the action was decided
    (the year of its conversation) and, once reviewed, the school year of the review; only
    years the chart shows. Several actions in one year share a mark, their titles joined."""
    rows = []
    for action in actions:
        what = str(action.get("what"))
        rows.append((action.school_year, ACTION_DECIDED, what))
        review = action.get("review") or {}
        if review.get("at"):
            day = date.fromisoformat(str(review["at"])[:10])
            status = review.get("status") or ""
            rows.append((school_year_of(day), ACTION_REVIEWED, f"{what} ({status})"))
    df = pd.DataFrame(rows, columns=["school_year", "moment", "titel"])
    df = df[df["school_year"].isin(years)]
    return (
        df.groupby(["school_year", "moment"], sort=True)["titel"]
        .agg(lambda t: " · ".join(dict.fromkeys(t)))
        .reset_index()
    )


def _action_layers(actions: pd.DataFrame, x: alt.X) -> list[alt.Chart]:
    """A dashed rule through each year with an action, and a marker on top that names it
    (hover, or a tap on a touch screen): decided ◆, reviewed ■, in greys (not a status)."""
    tooltip = [
        alt.Tooltip("moment:N", title="Wat"),
        alt.Tooltip("school_year:N", title="Schooljaar"),
        alt.Tooltip("titel:N", title="Actie"),
    ]
    shape = alt.Shape(
        "moment:N",
        scale=alt.Scale(domain=[ACTION_DECIDED, ACTION_REVIEWED], range=["diamond", "square"]),
        legend=alt.Legend(title=None, orient="top", direction="horizontal"),
    )
    base = alt.Chart(actions).encode(x=x, tooltip=tooltip)
    rule = base.mark_rule(color="#737373", strokeDash=[4, 3], strokeWidth=1.5)
    mark = base.mark_point(filled=True, size=110, color="#404040", yOffset=8).encode(
        y=alt.value(0), shape=shape
    )
    return [rule, mark]


def build_difference_chart(
    df: pd.DataFrame,
    title: str,
    comparison: str = "similar",
    rules: Rules | None = None,
    actions: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """The school's difference with the comparison, with its 95 % interval as a band, and
    (when given) the school years in which the school decided and reviewed its actions."""
    rules = rules or load_rules()
    words = _comparison(comparison)["words"]
    subtitle = (
        f"Uw school min {words}; band = interval van elk jaar; kleur = laatste schooljaren samen."
        if comparison == "similar"
        else "Uw school min de verwachte score; band = interval van elk jaar."
    )
    # No status legend here: the overview above has it, and the tooltip names the colour.
    y_title = (
        "Verschil (punten)" if comparison == "similar" else "SES-gecorrigeerd verschil (punten)"
    )
    marked = actions is not None and not actions.empty
    # With actions, the chart's own years fix the scale: an action never adds a year.
    years = list(dict.fromkeys(df["school_year"])) if marked else None
    chart = _difference_layers(df, rules, y_title, years=years, show_legend=False)
    if actions is not None and marked:
        chart = alt.layer(chart, *_action_layers(actions, _year_axis(years))).resolve_scale(
            shape="independent"  # the status triangles keep their own shapes
        )
        subtitle += " ◆ ■: acties van de school (beweeg of tik erop voor de titel)."
    return chart.properties(
        title=alt.TitleParams(title, subtitle=subtitle_lines(subtitle), anchor="start"),
        height=CHART_HEIGHT,
        width="container",
    )


def build_area_overview_chart(
    df: pd.DataFrame, comparison: str = "similar", rules: Rules | None = None
) -> alt.FacetChart:
    """Small multiples of the difference per learning area; click one to open its domains."""
    rules = rules or load_rules()
    order = list(dict.fromkeys(df["kop"]))
    select = alt.selection_point(name=AREA_SELECTION, fields=["rij"], on="click")
    # A short y title: the long one ("Verschil met vergelijkbare scholen") is cut off along
    # the 170 px panel; the chart title above already names the comparison.
    layers = _difference_layers(None, rules, "Verschil (punten)", short_years=True)
    band, zero, line, points = layers.layer
    points = points.add_params(select).encode(
        opacity=alt.condition(select, alt.value(1.0), alt.value(0.35))
    )
    # Layers without data of their own: the facet hands each panel its learning area's rows.
    chart = alt.layer(band, zero, line, points, data=df).properties(
        width=OVERVIEW_PANEL_WIDTH, height=170
    )
    # Three panels a row: five in one row are 900 px wide and were cut off next to the sidebar
    # at 800 px (and at 1024 px); three of them fit in 430 px.
    return chart.facet(
        facet=alt.Facet(
            "kop:N",
            sort=order,
            title=None,
            # Area and trend on two lines ("Wereldoriëntatie" / "– Geen duidelijke trend"),
            # so a narrow panel's title is not cut off nor runs into the next one.
            header=alt.Header(
                labelFontSize=11,
                labelFontWeight="bold",
                labelLimit=OVERVIEW_PANEL_WIDTH + 12,
                labelExpr="split(datum.label, '\\n')",
                # Two lines drawn downward from the top: a bottom baseline pushes the first
                # line out of the chart.
                labelBaseline="top",
                labelLineHeight=15,
            ),
        ),
        columns=OVERVIEW_COLUMNS,
        spacing=12,
    ).properties(
        title=alt.TitleParams(
            "Verschil met " + _comparison(comparison)["words"] + " per leergebied",
            subtitle=subtitle_lines(
                "Klik op een punt om de domeinen van dat leergebied te openen."
            ),
            anchor="start",
        )
    )


def prepare_goals(series: pd.DataFrame) -> pd.DataFrame:
    """Long format of the criterion-referenced share: school, similar schools, Flanders."""
    columns = [
        (SERIES_SCHOOL, "pct_goal_reached"),
        (SERIES_SIMILAR, "similar_pct_goal"),
        (SERIES_FLANDERS, "flanders_pct_goal"),
    ]
    return _long(series, columns, format_pct)


def build_goal_chart(long: pd.DataFrame, title: str, goal_label: str) -> alt.Chart:
    """Share of pupils reaching the goals (0-100 %), on its own scale next to the scores."""
    return _series_lines(
        long,
        title,
        alt.Y("waarde:Q", title=goal_label, scale=alt.Scale(domain=[0, 100]), axis=_Y_AXIS),
        "Doelen bereikt",
        "Criteriumgericht, eigen schaal 0-100 %.",
    )
