"""Chart builders of the Vergelijken page: subgroups, funnel plot, SES scatter.

`prepare_*` functions only format (Dutch text for labels and tooltips); `build_*_chart` are
pure `DataFrame -> alt.Chart`. Rows come from data_model.reading (subgroups, comparisons),
which already removed suppressed cells and, for a directeur, every identifying column. The
prepare functions keep it that way: for anonymous points the only label is "Andere school".
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.texts.formatting import format_number, format_signed
from data_model.texts.legend import descriptive_level
from ui.charts import NL_NUMBER, status_scale, subtitle_lines
from ui.trend_charts import status_direction

OWN_LABEL = "Uw school"
OTHER_LABEL = "Andere school"


def _interval(lo: float, hi: float) -> str:
    return "–" if pd.isna(lo) else f"{format_signed(lo)} tot {format_signed(hi)}"


def _status_encodings(rules: Rules, legend: bool = True) -> dict:
    """Colour by status plus a direction shape (needs _with_direction on the chart)."""
    return {
        "color": alt.Color(
            "status_label:N",
            scale=status_scale(rules),
            title="Kleur t.o.v. vergelijkbare scholen",
            legend=alt.Legend(orient="bottom", columns=3, titleLimit=300, labelLimit=200)
            if legend
            else None,
        ),
        "shape": status_direction(rules)[1],
    }


# ------------------------------------------------------------------------------ subgroups


def prepare_subgroups(groups: pd.DataFrame) -> pd.DataFrame:
    """Shown groups only, with a label per row and Dutch tooltip text."""
    df = groups[~groups["hidden"].astype(bool)].copy()
    df["rij"] = df["dimension_label"] + ": " + df["group"].astype(str)
    df["volgorde"] = range(len(df))
    df["leerlingen"] = df["n_pupils"].astype(int).astype(str)
    df["gemiddelde"] = df["score_mean"].map(format_number)
    df["interval"] = [
        f"{format_number(a)} tot {format_number(b)}"
        for a, b in zip(df["ci_low"], df["ci_high"], strict=True)
    ]
    df["verschil_rest"] = df["diff_rest"].map(format_signed)
    df["interval_rest"] = [
        _interval(a, b) for a, b in zip(df["diff_ci_low"], df["diff_ci_high"], strict=True)
    ]
    df["rest"] = df["rest_n"].astype(int).astype(str)
    df["vlaanderen_rest"] = df["flanders_diff_rest"].map(format_signed)
    df["duidelijk"] = [
        "ja, hoger" if lo > 0 else ("ja, lager" if hi < 0 else "nee, kan toeval zijn")
        for lo, hi in zip(df["diff_ci_low"], df["diff_ci_high"], strict=True)
    ]
    return df


def build_subgroup_chart(
    df: pd.DataFrame, score_label: str, rules: Rules | None = None
) -> alt.LayerChart:
    """Each group's mean with its descriptive interval (rules.toml), grouped per dimension."""
    interval = descriptive_level(rules or load_rules())
    sort = alt.EncodingSortField(field="volgorde", order="ascending")
    y = alt.Y("rij:N", sort=sort, title=None, axis=alt.Axis(labelLimit=320, labelFontSize=12))
    tooltip = [
        alt.Tooltip("rij:N", title="Groep"),
        alt.Tooltip("leerlingen:N", title="Leerlingen"),
        alt.Tooltip("gemiddelde:N", title="Gemiddelde"),
        alt.Tooltip("interval:N", title=interval),
        alt.Tooltip("verschil_rest:N", title="Verschil met de rest van de school"),
        alt.Tooltip("interval_rest:N", title=f"{interval} van dat verschil"),
        alt.Tooltip("duidelijk:N", title="Duidelijk verschil?"),
        alt.Tooltip("rest:N", title="Leerlingen in de rest"),
        alt.Tooltip("vlaanderen_rest:N", title="Zelfde verschil in Vlaanderen"),
    ]
    base = alt.Chart(df).encode(y=y, tooltip=tooltip)
    bars = base.mark_rule(strokeWidth=3, color="#a6a6a6").encode(
        x=alt.X("ci_low:Q", title=score_label, scale=alt.Scale(zero=False)), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=90, color="#1a1a1a").encode(x="score_mean:Q")
    labels = base.mark_text(align="left", dx=8, fontSize=11, color="#404040").encode(
        x="ci_high:Q", text=alt.Text("leerlingen:N")
    )
    return (bars + points + labels).properties(
        title=alt.TitleParams(
            "Gemiddelde per groep leerlingen",
            subtitle=subtitle_lines(
                f"Punt = gemiddelde, lijn = {interval}, getal = aantal leerlingen."
            ),
            anchor="start",
        ),
        height=alt.Step(28),
        width="container",
    )


# ------------------------------------------------------------------------ across schools


def prepare_points(points: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """Formatting for the funnel and the scatter. Anonymous rows get no name at all."""
    rules = rules or load_rules()
    df = points.copy()
    named = "school_name" in df.columns
    if named:
        df["school"] = df["school_name"]
        df["wie"] = "School in uw selectie"
    else:
        df["school"] = [OWN_LABEL if o else OTHER_LABEL for o in df["own"]]
        df["wie"] = df["school"]
    df["status_label"] = [rules.statuses[s].label for s in df["status"]]
    df["kleur"] = [f"{rules.statuses[s].symbol} {rules.statuses[s].label}" for s in df["status"]]
    df["leerlingen"] = df["n_pupils"].astype(int).astype(str)
    # The funnel shows one school year: that year's leave-one-out difference and
    # its interval; the colour of the point is the stored status (three years pooled).
    df["verschil"] = df["year_diff"].map(format_signed)
    df["interval"] = [
        _interval(a, b) for a, b in zip(df["year_ci_low"], df["year_ci_high"], strict=True)
    ]
    df["gemiddelde"] = df["score_mean"].map(format_number)
    half = (df["year_ci_high"] - df["year_ci_low"]) / 2
    df["score_low"] = df["score_mean"] - half
    df["score_high"] = df["score_mean"] + half
    df["ses"] = df["ses_index"].map(lambda v: format_number(v, 0) + " %")
    keep = [
        "school", "wie", "own", "n_pupils", "diff_similar", "year_diff", "score_mean", "score_low",
        "score_high", "ses_index", "ses_group", "status_label", "kleur", "leerlingen",
        "verschil", "interval", "gemiddelde", "ses",
    ]  # fmt: skip
    if "positie" in df.columns:
        keep.append("positie")
    return df[keep]


def _point_tooltip(with_position: bool) -> list[alt.Tooltip]:
    tips = [
        alt.Tooltip("school:N", title="School"),
        alt.Tooltip("leerlingen:N", title="Leerlingen"),
        alt.Tooltip("gemiddelde:N", title="Gemiddelde"),
        alt.Tooltip("verschil:N", title="Verschil dit schooljaar"),
        alt.Tooltip("interval:N", title="Interval van dit schooljaar"),
        alt.Tooltip("kleur:N", title="Kleur (laatste schooljaren samen)"),
        alt.Tooltip("ses:N", title="SES-index"),
        alt.Tooltip("ses_group:N", title="SES-groep"),
    ]
    if with_position:
        tips.append(alt.Tooltip("positie:N", title="Trechter"))
    return tips


def _own_layer(base: alt.Chart, x: str, y: str) -> alt.Chart:
    """A ring and a label around the own school (directors only)."""
    own = base.transform_filter("datum.own")
    ring = own.mark_point(size=420, strokeWidth=3, color="#1a1a1a", filled=False).encode(x=x, y=y)
    text = own.mark_text(dy=-18, fontWeight="bold", fontSize=12).encode(
        x=x, y=y, text=alt.value(OWN_LABEL)
    )
    return ring + text


def build_funnel_chart(
    df: pd.DataFrame, limits: pd.DataFrame, rules: Rules | None = None
) -> alt.LayerChart | alt.FacetChart:  # what altair declares `alt.layer` to return
    """Difference with similar schools vs number of pupils, with 95 % and 99,8 % limits."""
    rules = rules or load_rules()
    x = alt.X(
        "n_pupils:Q",
        title="Aantal leerlingen (getoetst)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(labelExpr=NL_NUMBER),
    )
    limit_lines = []
    for bound in ("lower", "upper"):
        limit_lines.append(
            alt.Chart(limits)
            .mark_line(color="#737373")
            .encode(
                x=alt.X("n_pupils:Q"),
                y=alt.Y(f"{bound}:Q"),
                strokeDash=alt.StrokeDash(
                    "level:N",
                    title="Controlegrenzen",
                    scale=alt.Scale(
                        domain=list(dict.fromkeys(limits["level"])),
                        range=[[6, 3], [2, 2], [1, 5]],
                    ),
                    legend=alt.Legend(orient="bottom") if bound == "upper" else None,
                ),
                detail="level:N",
            )
        )
    # Decorative marks (the zero line, the limit names) stay out of the screen-reader tree:
    # without data fields Vega gives them an image role without a name (axe: svg-img-alt).
    zero = alt.Chart(limits).mark_rule(color="#1a1a1a", aria=False).encode(y=alt.datum(0))
    # Name each limit at its right end, so the dashes need no legend.
    ends = limits[limits["n_pupils"] == limits["n_pupils"].max()]
    end_labels = (
        alt.Chart(ends)
        .mark_text(align="left", dx=4, fontSize=11, color="#525252", aria=False)
        .encode(x="n_pupils:Q", y="upper:Q", text="level:N")
    )
    base = alt.Chart(df)
    points = (
        base.transform_calculate(richting=status_direction(rules)[0])
        .mark_point(filled=True, size=80, opacity=0.85, stroke="#1a1a1a", strokeWidth=0.4)
        .encode(
            x=x,
            # A short title: a rotated title longer than the plot is clipped.
            y=alt.Y(
                "year_diff:Q",
                title="Verschil (punten, dit schooljaar)",
                axis=alt.Axis(labelExpr=NL_NUMBER, titleLimit=300),
            ),
            tooltip=_point_tooltip("positie" in df.columns),
            **_status_encodings(rules),
        )
    )
    layers = [*limit_lines, zero, end_labels, points]
    if df["own"].any():
        layers.append(_own_layer(base, "n_pupils:Q", "year_diff:Q"))
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            # Two lines: in one the title is cut off next to the sidebar at 800 px.
            ["Trechter: verschil met vergelijkbare scholen", "tegenover het aantal leerlingen"],
            subtitle=subtitle_lines(
                "Hoe kleiner de school, hoe groter het verschil dat nog toeval kan zijn. "
                "Alleen punten buiten de grenzen vallen echt op."
            ),
            anchor="start",
            offset=8,
        ),
        height=420,
        width="container",
        padding={"top": 12, "left": 5, "right": 5, "bottom": 5},
    )


def build_ses_scatter_chart(df: pd.DataFrame, score_label: str, rules: Rules | None = None):
    """School mean (with this year's interval) against the SES index of the school."""
    rules = rules or load_rules()
    x = alt.X(
        "ses_index:Q",
        title="SES-index (gemiddeld % leerlingen met een kansarmoede-indicator)",
        scale=alt.Scale(zero=False),
    )
    base = alt.Chart(df)
    bars = base.mark_rule(color="#9e9e9e", opacity=0.7).encode(
        x=x, y=alt.Y("score_low:Q", title=score_label, scale=alt.Scale(zero=False)),
        y2="score_high:Q",
    )  # fmt: skip
    points = (
        base.transform_calculate(richting=status_direction(rules)[0])
        .mark_point(filled=True, size=80, opacity=0.9, stroke="#1a1a1a", strokeWidth=0.4)
        .encode(x=x, y="score_mean:Q", tooltip=_point_tooltip(False), **_status_encodings(rules))
    )
    layers = [bars, points]
    if df["own"].any():
        layers.append(_own_layer(base, "ses_index:Q", "score_mean:Q"))
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            "Schoolgemiddelde tegenover de leerlingenpopulatie",
            subtitle=subtitle_lines(
                "Lijn = interval van dit schooljaar (toeval bij leerlingen en klas). De kleur "
                "vergelijkt met scholen met dezelfde SES-index, over de laatste schooljaren samen."
            ),
            anchor="start",
        ),
        height=420,
        width="container",
    )
