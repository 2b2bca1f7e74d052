"""Chart builders of the Zorg page and the PDF, checked through their Vega-Lite spec."""

from __future__ import annotations

import pandas as pd

from data_model import vocabulary
from data_model.exports.conversation_pdf import difference_chart, support_chart
from data_model.reading import support as support_queries
from data_model.reading.access import allowed_school_ids
from data_model.reading.queries import school_results
from data_model.rules import load_rules
from ui import support_charts as charts


def _grey(colour: str) -> bool:
    """Neutral series are greys (r = g = b): blue and orange mean a status."""
    c = colour.lstrip("#").lower()
    return c[0:2] == c[2:4] == c[4:6]


def _values(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def _school(con, viewers):
    anker = viewers["anker"]
    return anker, allowed_school_ids(con, anker)[0]


def test_continuum_chart(con, viewers) -> None:
    anker, school = _school(con, viewers)
    support = support_queries.support_continuum(con, anker, school)
    spec = charts.build_continuum_chart(support).to_dict()
    colour = spec["encoding"]["color"]
    assert colour["scale"]["domain"] == list(vocabulary.SUPPORT_PHASES)
    assert all(_grey(c) for c in colour["scale"]["range"])
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == [
        "Schooljaar", "Fase", "Leerlingen", "Aandeel",
    ]  # fmt: skip
    values = _values(spec)
    assert {v["fase"] for v in values} == set(vocabulary.SUPPORT_PHASES)
    assert all(v["aandeel"].endswith(" %") and "," in v["aandeel"] for v in values)
    assert spec["title"]["text"] == "Zorgcontinuüm"


def test_koala_chart_hides_small_years_and_uses_greys(con, viewers) -> None:
    anker, school = _school(con, viewers)
    koala = support_queries.koala_outcomes(con, anker, school)
    koala.loc[koala["school_year"] == koala["school_year"].min(), "suppressed"] = True
    spec = charts.build_koala_chart(koala).to_dict()
    years = {v["school_year"] for v in _values(spec)}
    assert koala["school_year"].min() not in years
    layer = spec["layer"][0] if "layer" in spec else spec
    colour = layer["encoding"]["color"]
    assert colour["scale"]["range"] == list(charts.KOALA_COLOURS)
    assert colour["scale"]["domain"] == [
        "groen: geen extra ondersteuning",
        "oranje: extra taalondersteuning",
        "rood: intensief taaltraject",
    ]


def test_guidance_charts(con, viewers) -> None:
    anker, school = _school(con, viewers)
    by_year = support_queries.guidance_by_year(con, anker, school)
    spec = charts.build_units_chart(by_year).to_dict()
    labels = [v["label"] for v in _values(spec)]
    assert labels == [
        f"{u} ({support_queries.unit_category(u)})" for u in by_year["units"].astype(int)
    ]
    contacts = support_queries.guidance_contacts(con, anker, school)
    spec = charts.build_contacts_timeline_chart(contacts).to_dict()
    assert "Anker" in [t["title"] for t in spec["encoding"]["tooltip"]]
    assert all(len(v["datum"]) == 10 and v["datum"][2] == "/" for v in _values(spec))
    hours = support_queries.guidance_hours_by_core_task(con, anker, school)
    year = hours["school_year"].max()
    spec = charts.build_core_task_chart(hours, year).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["individueel", "lerend netwerk"]
    assert {v["school_year"] for v in _values(spec)} == {year}
    assert spec["title"]["subtitle"] == [f"Schooljaar {year}"]


def test_pdf_charts_read_in_black_and_white(con, viewers) -> None:
    anker, school = _school(con, viewers)
    rules = load_rules()
    results = school_results(con, anker, school, "ovsg6")
    spec = difference_chart(results, rules).to_dict()
    assert spec["facet"]["column"]["sort"][0] == "Nederlands"  # the order of the photo
    symbols = {v["symbool"] for v in _values(spec)}
    assert symbols <= {"", "▲", "▲▲", "▼", "▼▼"}  # a symbol only for a clear difference
    support = support_queries.support_continuum(con, anker, school)
    koala = support_queries.koala_outcomes(con, anker, school)
    spec = support_chart(support, koala).to_dict()
    assert spec["resolve"]["scale"]["color"] == "independent"
    assert len(spec["hconcat"]) == 2
    empty = support_chart(support.iloc[0:0], koala.iloc[0:0])
    assert empty is None
    assert difference_chart(pd.DataFrame(results.iloc[0:0]), rules) is None


def test_every_support_chart_says_why_small_groups_are_missing(con, viewers) -> None:
    """A hidden group (1 to 4 pupils) leaves a gap; the chart's subtitle says why."""
    anker, school = _school(con, viewers)
    support = support_queries.support_continuum(con, anker, school)
    koala = support_queries.koala_outcomes(con, anker, school)
    minimum = load_rules().min_group_size
    for chart in (
        charts.build_continuum_chart(support),
        charts.build_indicator_chart(support),
        charts.build_koala_chart(koala),
    ):
        subtitle = " ".join(chart.to_dict()["title"]["subtitle"])
        assert "niet getoond" in subtitle, subtitle
        assert f"< {minimum}" in subtitle or f"1 tot {minimum - 1}" in subtitle, subtitle
