"""Chart builders for the Zorg en begeleiding page: pure `DataFrame -> alt.Chart`.

Support phases and KOALA categories are not judgements, so they get neutral shades (blue
for the continuum, grey for KOALA) with a label in the legend and the tooltip. KOALA's own
category names are groen/oranje/rood; we keep the names but never draw a traffic light.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from data_model.rules import load_rules
from data_model.texts.codes import core_task_label, goal_code_label
from data_model.texts.formatting import format_count, format_date, format_number, format_pct
from data_model.vocabulary import GUIDANCE_FORMS as FORMS
from data_model.vocabulary import KOALA_CATEGORIES, KOALA_LABELS
from data_model.vocabulary import SUPPORT_INDICATOR_LABELS as INDICATOR_LABELS
from data_model.vocabulary import SUPPORT_PHASES as CONTINUUM_PHASES
from ui.charts import subtitle_lines

# Light to dark: the further along the continuum, the darker (not better or worse).
# Neutral series in greys (light to dark = more support): blue and orange mean a status.
CONTINUUM_COLOURS = ("#e0e0e0", "#a6a6a6", "#6b6b6b", "#2b2b2b")
KOALA_COLOURS = ("#e0e0e0", "#a6a6a6", "#595959")
FORM_COLOURS = ("#404040", "#a6a6a6")  # individueel, lerend netwerk
# Streamlit fits a container-wide chart into its height including title and legend; fitting
# only the width keeps the plot area at the height given here.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def _counts(values: pd.Series) -> list[str]:
    """Tooltip text of pupil counts; masked small counts read '< 5' (the privacy minimum)."""
    minimum = load_rules().min_group_size
    return [format_count(v, minimum) for v in values]


def build_continuum_chart(support: pd.DataFrame) -> alt.Chart:
    """Stacked share of pupils per phase of the support continuum, per school year."""
    df = support[support["measure_kind"] == "continuum"].copy()
    if "masked" in df:  # groups of 1-4 pupils (and their partner) are not drawn at all
        df = df[~df["masked"].astype(bool)]
    df["fase"] = df["phase"]
    df["aandeel"] = df["pct"].map(format_pct)
    df["leerlingen"] = _counts(df["n_pupils"])
    df["volgorde"] = df["phase"].map({p: i for i, p in enumerate(CONTINUUM_PHASES)})
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(
                "school_year:O",
                title="Schooljaar",
                axis=alt.Axis(labelAngle=-45, labelOverlap=False),
            ),
            y=alt.Y(
                "pct:Q",
                title="Aandeel leerlingen (%)",
                stack="zero",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color(
                "fase:N",
                title="Fase van het zorgcontinuüm",
                scale=alt.Scale(domain=list(CONTINUUM_PHASES), range=list(CONTINUUM_COLOURS)),
                legend=alt.Legend(orient="bottom", columns=1, titleLimit=300, labelLimit=400),
            ),
            order=alt.Order("volgorde:Q"),
            tooltip=[
                alt.Tooltip("school_year:N", title="Schooljaar"),
                alt.Tooltip("fase:N", title="Fase"),
                alt.Tooltip("leerlingen:N", title="Leerlingen"),
                alt.Tooltip("aandeel:N", title="Aandeel"),
            ],
        )
        .properties(
            title=alt.TitleParams(
                "Zorgcontinuüm",
                subtitle=subtitle_lines(
                    "Aandeel leerlingen per fase; groepen < "
                    f"{load_rules().min_group_size} leerlingen niet getoond"
                ),
                anchor="start",
            ),
            height=260,
            width="container",
            autosize=FIT_WIDTH,
        )
    )


def build_indicator_chart(support: pd.DataFrame) -> alt.Chart:
    """CLB trajectories and grade retention (number of pupils) over the years."""
    df = support[support["measure_kind"] == "indicator"].copy()
    df["indicator"] = df["phase"].map(lambda p: INDICATOR_LABELS.get(p, p))
    df["leerlingen"] = _counts(df["n_pupils"])
    df["aandeel"] = df["pct"].map(format_pct)
    df["n_pupils"] = df["n_pupils"].astype("Float64")  # masked counts: a gap, not a zero
    labels = [INDICATOR_LABELS[k] for k in INDICATOR_LABELS]
    base = alt.Chart(df).encode(
        x=alt.X(
            "school_year:O", title="Schooljaar", axis=alt.Axis(labelAngle=-45, labelOverlap=False)
        ),
        y=alt.Y("n_pupils:Q", title="Leerlingen", axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color(
            "indicator:N",
            title=None,
            scale=alt.Scale(domain=labels, range=["#404040", "#a6a6a6"]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("school_year:N", title="Schooljaar"),
            alt.Tooltip("indicator:N", title="Indicator"),
            alt.Tooltip("leerlingen:N", title="Leerlingen"),
            alt.Tooltip("aandeel:N", title="Aandeel van de school"),
        ],
    )
    lines = base.mark_line() + base.mark_point(filled=True, size=60).encode(
        shape=alt.Shape("indicator:N", scale=alt.Scale(domain=labels, range=["circle", "square"]))
    )
    return lines.properties(
        title=alt.TitleParams(
            "CLB-trajecten en zittenblijven",
            subtitle=subtitle_lines(
                f"Aantal leerlingen; geen punt bij 1 tot {load_rules().min_group_size - 1} "
                "leerlingen (niet getoond om de leerlingen te beschermen)"
            ),
            anchor="start",
        ),
        height=220,
        width="container",
        autosize=FIT_WIDTH,
    )


def build_koala_chart(koala: pd.DataFrame) -> alt.Chart:
    """KOALA outcomes per school year as stacked shares, in grey shades with labels."""
    df = koala[~koala["suppressed"].astype(bool)].copy()
    if "masked" in df:
        df = df[~df["masked"].astype(bool)]
    df["uitkomst"] = df["category"].map(KOALA_LABELS)
    df["aandeel"] = df["pct"].map(format_pct)
    df["kleuters"] = _counts(df["n_pupils"])
    df["gescreend"] = df["total"].astype(int).astype(str)
    df["volgorde"] = df["category"].map({c: i for i, c in enumerate(KOALA_CATEGORIES)})
    df["pct"] = df["pct"].astype(float)
    domain = [KOALA_LABELS[c] for c in KOALA_CATEGORIES]
    base = alt.Chart(df).encode(
        x=alt.X(
            "school_year:O", title="Schooljaar", axis=alt.Axis(labelAngle=-45, labelOverlap=False)
        ),
        y=alt.Y(
            "pct:Q", title="Aandeel kleuters (%)", stack="zero", scale=alt.Scale(domain=[0, 100])
        ),
        order=alt.Order("volgorde:Q"),
    )
    bars = base.mark_bar(stroke="#ffffff", strokeWidth=1).encode(
        color=alt.Color(
            "uitkomst:N",
            title="KOALA-uitkomst",
            scale=alt.Scale(domain=domain, range=list(KOALA_COLOURS)),
            legend=alt.Legend(orient="bottom", columns=1, labelLimit=400),
        ),
        tooltip=[
            alt.Tooltip("school_year:N", title="Schooljaar"),
            alt.Tooltip("uitkomst:N", title="Uitkomst"),
            alt.Tooltip("kleuters:N", title="Kleuters"),
            alt.Tooltip("aandeel:N", title="Aandeel"),
            alt.Tooltip("gescreend:N", title="Gescreend"),
        ],
    )
    return bars.properties(
        title=alt.TitleParams(
            "KOALA-screening bij de start van de leerplicht",
            subtitle=subtitle_lines(
                f"Aandeel kleuters per uitkomst; groepen < {load_rules().min_group_size} "
                "kleuters niet getoond"
            ),
            anchor="start",
        ),
        height=260,
        width="container",
        autosize=FIT_WIDTH,
    )


def build_units_chart(by_year: pd.DataFrame) -> alt.Chart:
    """Guidance units per school year, with the reporting category as a label on the bar."""
    df = by_year.copy()
    df["label"] = [f"{int(u)} ({c})" for u, c in zip(df["units"], df["unit_category"], strict=True)]
    df["uren"] = df["hours"].map(format_number)
    df["nood"] = df["tier"].fillna("niet bepaald")
    base = alt.Chart(df).encode(
        x=alt.X(
            "school_year:O", title="Schooljaar", axis=alt.Axis(labelAngle=-45, labelOverlap=False)
        ),
        y=alt.Y("units:Q", title="Begeleidingseenheden", axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[
            alt.Tooltip("school_year:N", title="Schooljaar"),
            alt.Tooltip("units:Q", title="Eenheden"),
            alt.Tooltip("unit_category:N", title="Categorie"),
            alt.Tooltip("contacts:Q", title="Contacten"),
            alt.Tooltip("uren:N", title="Uren"),
            alt.Tooltip("nood:N", title="Begeleidingsnood"),
        ],
    )
    bars = base.mark_bar(color="#6b6b6b")
    text = base.mark_text(dy=-8, fontSize=12).encode(text="label:N")
    return (bars + text).properties(
        title=alt.TitleParams(
            "Begeleidingseenheden per schooljaar",
            subtitle=subtitle_lines(
                "Eén eenheid per halve dag; tussen haakjes de rapportagecategorie"
            ),
            anchor="start",
        ),
        height=220,
        width="container",
        autosize=FIT_WIDTH,
    )


def build_core_task_chart(hours: pd.DataFrame, school_year: str) -> alt.Chart:
    """Hours per core task in one school year, stacked by form (individueel / lerend netwerk)."""
    df = hours[hours["school_year"] == school_year].copy()
    df["uren"] = df["hours"].map(format_number)
    df["kerntaak"] = df["core_task"].map(core_task_label)
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(
                "hours:Q", title="Uren", stack="zero", axis=alt.Axis(format="d", tickMinStep=1)
            ),
            y=alt.Y("core_task:N", title="Kerntaak", sort="ascending"),
            color=alt.Color(
                "form:N",
                title="Vorm",
                scale=alt.Scale(domain=list(FORMS), range=list(FORM_COLOURS)),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("school_year:N", title="Schooljaar"),
                alt.Tooltip("kerntaak:N", title="Kerntaak"),
                alt.Tooltip("form:N", title="Vorm"),
                alt.Tooltip("uren:N", title="Uren"),
                alt.Tooltip("contacts:Q", title="Contacten"),
            ],
        )
        .properties(
            title=alt.TitleParams(
                "Uren per kerntaak",
                subtitle=subtitle_lines(f"Schooljaar {school_year}"),
                anchor="start",
            ),
            height=alt.Step(26),
            width="container",
            autosize=FIT_WIDTH,
        )
    )


def build_contacts_timeline_chart(contacts: pd.DataFrame) -> alt.Chart:
    """Every contact as a point on a time axis, per core task; size = hours, shape = form."""
    df = contacts.copy()
    df["datum"] = df["contact_date"].map(format_date)
    df["contact_date"] = pd.to_datetime(df["contact_date"])
    df["uren"] = df["hours"].map(format_number)
    df["doel"] = df["goal_code"].map(goal_code_label)
    df["kerntaak"] = df["core_task"].map(core_task_label)
    return (
        alt.Chart(df)
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=alt.X("contact_date:T", title="Datum", axis=alt.Axis(format="%m/%Y")),
            y=alt.Y("core_task:N", title="Kerntaak", sort="ascending"),
            size=alt.Size("hours:Q", title="Uren", scale=alt.Scale(range=[40, 300])),
            shape=alt.Shape(
                "form:N",
                title="Vorm",
                scale=alt.Scale(domain=list(FORMS), range=["circle", "triangle-up"]),
            ),
            color=alt.Color(
                "form:N",
                title="Vorm",
                scale=alt.Scale(domain=list(FORMS), range=list(FORM_COLOURS)),
            ),
            tooltip=[
                alt.Tooltip("datum:N", title="Datum"),
                alt.Tooltip("anker_name:N", title="Anker"),
                alt.Tooltip("doel:N", title="Operationeel doel"),
                alt.Tooltip("kerntaak:N", title="Kerntaak"),
                alt.Tooltip("form:N", title="Vorm"),
                alt.Tooltip("uren:N", title="Uren"),
                alt.Tooltip("units:Q", title="Eenheden"),
            ],
        )
        .properties(
            title=alt.TitleParams("Tijdlijn van de begeleidingscontacten", anchor="start"),
            height=220,
            width="container",
            autosize=FIT_WIDTH,
        )
    )
