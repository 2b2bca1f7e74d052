"""Chart builders: small pure functions `DataFrame -> alt.Chart`, tested via `to_dict()`.

Tooltips only carry pre-formatted Dutch strings built here from rows that the data layer
already suppressed, so a tooltip can never show more than the page.
"""

from __future__ import annotations

import textwrap
from functools import partial
from typing import Any

import altair as alt
import altair.utils.schemapi as alt_schemapi
import pandas as pd
import streamlit as st

from data_model.rules import Rules, load_rules
from data_model.texts.explain import cell_label
from data_model.texts.formatting import format_number, format_signed
from data_model.vocabulary import STATUSES

GRID_SELECTION = "cel"
# Vega axis labels in nl-BE: a decimal comma ("2,5", "-10"), as everywhere in the app.
NL_NUMBER = "replace(format(datum.value, '~r'), '.', ',')"

# Altair checks every chart object against the Vega-Lite schema when it is built and again
# when Streamlit serialises it: 35 % of the Trends page's run time at Flanders scale. The
# tests validate every builder's output with `to_dict()`, so the app skips both checks: no
# debug validation while building (Altair's own public switch), and `show_chart` below
# serialises *this* chart without validation. Nothing of Altair's classes is replaced: an
# earlier version swapped `TopLevelMixin.to_dict` for the whole process during each call,
# which another session's thread could observe half-way.
alt_schemapi.disable_debug_mode()

# Vega cuts a subtitle that is wider than its chart with an ellipsis ("groepen < 5 leerlingen
# niet g…"). At 800 px next to the sidebar a chart is about 430 px wide, which holds some 85
# characters of the subtitle font (measured in Chromium); lines of at most 70 leave margin.
SUBTITLE_CHARS = 70


def subtitle_lines(text: str) -> list[str]:
    """A chart subtitle as lines that fit a narrow chart (Vega-Lite draws a list as lines)."""
    return textwrap.wrap(text, SUBTITLE_CHARS, break_on_hyphens=False)


def show_chart(chart: alt.TopLevelMixin, container: Any = None, **kwargs: Any) -> Any:
    """`st.altair_chart` (or `container.altair_chart`) without a second schema validation."""
    target = container if container is not None else st
    # Every top-level chart is also a SchemaBase (which has copy); the mixin does not say so.
    chart = chart.copy(deep=False)  # type: ignore[attr-defined]
    # Streamlit calls `chart.to_dict()`; an attribute on this one instance answers it.
    object.__setattr__(chart, "to_dict", partial(type(chart).to_dict, chart, validate=False))
    return target.altair_chart(chart, **kwargs)


def status_scale(rules: Rules | None = None) -> alt.Scale:
    rules = rules or load_rules()
    return alt.Scale(
        domain=[rules.statuses[s].label for s in STATUSES],
        range=[rules.statuses[s].colour for s in STATUSES],
    )


def prepare_grid(results: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """One row per grid cell with its label, position and Dutch text for cell and tooltip."""
    rules = rules or load_rules()
    df = results.copy()
    # Full labels ("Nederlands – Lezen"): domain names repeat across learning areas.
    df["rij"] = [
        cell_label(None if pd.isna(a) else a, None if pd.isna(d) else d)
        for a, d in zip(df["learning_area"], df["domain"], strict=True)
    ]
    df["niveau"] = [
        "totaal" if pd.isna(a) else ("domein" if pd.notna(d) else "leergebied")
        for a, d in zip(df["learning_area"], df["domain"], strict=True)
    ]
    order = list(dict.fromkeys(df["rij"]))  # the query already sorted rows as the photo shows
    df["rij_volgorde"] = df["rij"].map({r: i for i, r in enumerate(order)})
    df["status_label"] = [rules.statuses[s].label for s in df["status"]]
    df["symbool"] = [rules.statuses[s].symbol for s in df["status"]]
    df["tekstkleur"] = [rules.statuses[s].text_colour for s in df["status"]]
    supp = df["suppressed"].astype(bool)
    df["celtekst"] = [
        "< " + str(rules.min_group_size) if s else f"{format_number(v)} {sym}"
        for s, v, sym in zip(supp, df["score_mean"], df["symbool"], strict=True)
    ]
    df["leerlingen"] = [
        f"minder dan {rules.min_group_size}" if s else str(int(n))
        for s, n in zip(supp, df["n_pupils"], strict=True)
    ]
    df["school"] = df["score_mean"].map(format_number)
    df["vergelijkbaar"] = df["similar_mean"].map(format_number)
    df["vlaanderen"] = df["flanders_mean"].map(format_number)
    df["verschil"] = df["diff_similar"].map(format_signed)
    df["interval"] = [
        "–" if pd.isna(lo) else f"{format_signed(lo)} tot {format_signed(hi)}"
        for lo, hi in zip(df["ci_low"], df["ci_high"], strict=True)
    ]
    df["trend_label"] = [f"{rules.trend_symbols[t]} {rules.trend_labels[t]}" for t in df["trend"]]
    keep = [
        "rij", "rij_volgorde", "niveau", "school_year", "status", "status_label", "symbool",
        "tekstkleur", "celtekst", "leerlingen", "school", "vergelijkbaar", "vlaanderen",
        "verschil", "interval", "trend_label", "learning_area", "domain",
    ]  # fmt: skip
    return df[keep]


def build_status_grid_chart(
    grid: pd.DataFrame, title: str, rules: Rules | None = None, selectable: bool = True
) -> alt.Chart:
    """The Excel-like school photo: rows = learning area/domain, columns = school years."""
    rules = rules or load_rules()
    sort = alt.EncodingSortField(field="rij_volgorde", order="ascending")
    base = alt.Chart(grid).encode(
        x=alt.X(
            "school_year:O",
            title="Schooljaar",
            # Slanted, never dropped: eight upright years do not fit at 800 px, and Vega's
            # default (labelOverlap) would then hide every other year.
            axis=alt.Axis(orient="top", labelAngle=-45, labelOverlap=False, labelFontWeight="bold"),
        ),
        y=alt.Y(
            "rij:N",
            sort=sort,
            title=None,
            axis=alt.Axis(
                labelLimit=300,
                labelFontSize=12,
                # Learning areas and the total in bold, their domains in normal weight.
                labelFontWeight=alt.expr("indexof(datum.label, ' – ') < 0 ? 'bold' : 'normal'"),
            ),
        ),
    )
    tooltip = [
        alt.Tooltip("rij:N", title="Leergebied / domein"),
        alt.Tooltip("school_year:N", title="Schooljaar"),
        alt.Tooltip("status_label:N", title="Kleur"),
        alt.Tooltip("leerlingen:N", title="Leerlingen"),
        alt.Tooltip("school:N", title="School"),
        alt.Tooltip("vergelijkbaar:N", title="Vergelijkbare scholen"),
        alt.Tooltip("vlaanderen:N", title="Vlaanderen"),
        alt.Tooltip("verschil:N", title="Verschil met vergelijkbare scholen"),
        alt.Tooltip("interval:N", title="Interval van de kleur (laatste schooljaren samen)"),
        alt.Tooltip("trend_label:N", title="Trend"),
    ]
    rect = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        color=alt.Color(
            "status_label:N",
            scale=status_scale(rules),
            title="Kleur t.o.v. vergelijkbare scholen",
            legend=alt.Legend(
                orient="bottom",
                columns=3,
                symbolType="square",
                titleLimit=400,
                symbolStrokeColor="#767676",
                symbolStrokeWidth=1,
            ),  # "Zoals verwacht" is near-white
        ),
        tooltip=tooltip,
    )
    if selectable:
        select = alt.selection_point(
            name=GRID_SELECTION, fields=["rij", "school_year"], on="click", clear="dblclick"
        )
        # The clicked cell gets a dark outline; the other cells keep their colour (a faded
        # "Veel lager" would read as "Lager").
        rect = rect.add_params(select).encode(
            stroke=alt.condition(select, alt.value("#1a1a1a"), alt.value("#ffffff"), empty=False),
            strokeWidth=alt.condition(select, alt.value(3), alt.value(2), empty=False),
        )
    # aria=False: the cell text repeats the rect's description; without it a screen reader
    # also hears the internal colour field ("tekstkleur: #ffffff").
    text = base.mark_text(fontSize=12, aria=False).encode(
        text="celtekst:N",
        color=alt.Color("tekstkleur:N", scale=None),
        tooltip=tooltip,
    )
    return (rect + text).properties(
        title=alt.TitleParams(
            title,
            subtitle=subtitle_lines(
                "Schoolgemiddelde per schooljaar; de kleur vergelijkt met vergelijkbare "
                "scholen en houdt rekening met het aantal leerlingen."
            ),
            anchor="start",
        ),
        height=alt.Step(26),
        width="container",
    )
