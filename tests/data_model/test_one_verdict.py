"""One verdict per number: no page contradicts another on the same school, school
year and cell.

Each page's data function is called as the page calls it (Schoolfoto grid and tiles, "wat valt
op", Trends, Vergelijken funnel and matrix, the Excel photo), and every status and trend they
return, or put into words, must be the one stored in school_result.
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
from openpyxl import load_workbook

from data_model.exports.school_xlsx import DATA_SHEET, build_school_xlsx
from data_model.reading import comparisons, overview, queries
from data_model.reading.access import allowed_school_ids
from data_model.reading.trend_series import trend_results
from data_model.rules import load_rules
from data_model.texts.explain import funnel_sentence, highlights, why_colour
from data_model.texts.trend_words import trend_verdict
from data_model.vocabulary import STATUS_SIGN

KEY = ["school_year", "learning_area", "domain"]


def _keyed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in ("learning_area", "domain"):
        out[col] = out[col].astype(object).where(out[col].notna(), "")
    return out.set_index(KEY).sort_index()


def _stored(con: duckdb.DuckDBPyConnection, school_id: str) -> pd.DataFrame:
    return _keyed(
        con.execute(
            "SELECT school_year, learning_area, domain, status, trend FROM school_result "
            "WHERE school_id = ? AND assessment_id = 'ovsg6'",
            [school_id],
        ).df()
    )


def _schools(con: duckdb.DuckDBPyConnection, viewer) -> list[str]:
    """A few schools of the anker with colours and trends, so the comparison is not empty."""
    allowed = allowed_school_ids(con, viewer)
    ranked = con.execute(
        """
        SELECT school_id, count(*) FILTER (WHERE status NOT IN ('as_expected', 'too_few'))
                        + count(*) FILTER (WHERE trend IN ('rising', 'falling')) AS k
        FROM school_result WHERE list_contains(?, school_id) AND assessment_id = 'ovsg6'
        GROUP BY 1 ORDER BY k DESC, 1 LIMIT 3
        """,
        [allowed],
    ).fetchall()
    return [r[0] for r in ranked]


def test_every_page_reads_the_same_status_and_trend(con, viewers) -> None:
    viewer = viewers["anker"]
    rules = load_rules()
    for school_id in _schools(con, viewer):
        stored = _stored(con, school_id)
        grid = _keyed(queries.school_results(con, viewer, school_id, "ovsg6"))
        trends = _keyed(trend_results(con, viewer, school_id, "ovsg6"))
        for page in (grid, trends):
            joined = stored.join(page[["status", "trend"]].add_suffix("_page"), how="inner")
            assert len(joined) == len(stored)
            assert (joined["status"] == joined["status_page"]).all()
            assert (joined["trend"] == joined["trend_page"]).all()

        # Vergelijken: the funnel points and the status matrix of every year and cell.
        for (year, area, domain), row in stored.iterrows():
            if domain:
                continue  # the matrix has learning areas; the funnel is checked below
            points = comparisons.school_points(
                con, viewer, "ovsg6", year, area or None, None, comparisons.Filters()
            )
            mine = points[points["school_id"] == school_id]
            if not mine.empty:
                assert mine["status"].iloc[0] == row["status"]
                assert mine["trend"].iloc[0] == row["trend"]
        latest = stored.index.get_level_values(0).max()
        matrix = overview.region_matrix(con, viewer, "ovsg6", latest)
        mine = _keyed(
            matrix[matrix["school_id"] == school_id].assign(domain=None, school_year=latest)
        )
        joined = mine[["status", "trend"]].join(stored.add_suffix("_stored"))
        assert (joined["status"] == joined["status_stored"]).all()
        assert (joined["trend"] == joined["trend_stored"]).all()

        # The Excel photo's data sheet: kleurcode and trend per row, as labels.
        book = load_workbook(io.BytesIO(build_school_xlsx(con, viewer, school_id)))
        sheet = list(book[DATA_SHEET].values)
        head = list(sheet[0])
        data = pd.DataFrame(sheet[1:], columns=head)
        data = data[data["toets"] == "ovsg6"].rename(
            columns={
                "schooljaar": "school_year",
                "leergebied": "learning_area",
                "domein": "domain",
                "trend": "trend_label",
            }
        )
        shown = _keyed(data)[["kleurcode", "trend_label"]].dropna()
        joined = shown.join(stored, how="inner")
        assert len(joined) == len(shown) > 0
        labels = {v.label: k for k, v in rules.statuses.items()}
        trend_labels = {v: k for k, v in rules.trend_labels.items()}
        assert (joined["kleurcode"].map(labels) == joined["status"]).all()
        assert (joined["trend_label"].map(trend_labels) == joined["trend"]).all()


def test_sentences_never_contradict_the_stored_verdict(con, viewers) -> None:
    viewer = viewers["anker"]
    rules = load_rules()
    for school_id in _schools(con, viewer):
        results = queries.school_results(con, viewer, school_id, "ovsg6")
        latest = results["school_year"].max()
        now = results[results["school_year"] == latest]
        # "Wat valt op": a sentence saying an area lies higher/lower matches its stored sign.
        for sentence in highlights(results, rules):
            for row in now[now["domain"].isna() & now["learning_area"].notna()].itertuples():
                if not sentence.startswith(f"{row.learning_area} ligt"):
                    continue
                said = 1 if " hoger " in sentence else -1 if " lager " in sentence else 0
                assert said == STATUS_SIGN[row.status], (sentence, row.status)
            assert "geen toeval" not in sentence
        # "Waarom deze kleur?" heads with the stored status; Trends says the stored trend.
        trends = trend_results(con, viewer, school_id, "ovsg6")
        for _, series in trends.groupby(["learning_area", "domain"], dropna=False):
            last = series.sort_values("school_year").iloc[-1]
            style = rules.statuses[last["status"]]
            assert (
                why_colour(last.to_dict(), rules)
                .splitlines()[0]
                .endswith(f"{style.symbol} {style.label}**")
            )
            verdict = trend_verdict(series, rules)
            if last["trend"] in ("rising", "falling", "no_clear_trend"):
                assert verdict.startswith(rules.trend_labels[last["trend"]]), verdict


def test_the_funnel_agrees_with_the_explainer_and_names_the_stored_colour(con, viewers) -> None:
    rules = load_rules()
    viewer = viewers["directeur"]
    year = con.execute("SELECT max(school_year) FROM school_result").fetchone()[0]
    for area, domain in (("Wiskunde", None), ("Nederlands", "Lezen"), (None, None)):
        points = comparisons.school_points(con, viewer, "ovsg6", year, area, domain)
        codes = comparisons.funnel_codes(points, rules)
        shown = points["year_diff"].notna()
        # Outside the inner limits exactly when the single-year interval excludes 0.
        excludes = (points["year_ci_low"] > 0) | (points["year_ci_high"] < 0)
        assert ((codes[shown] != "inside") == excludes[shown]).all()
        own = points[points["own"]]
        if own.empty:
            continue
        i = own.index[0]
        sentence = funnel_sentence({**points.loc[i].to_dict(), "school_year": year}, codes[i])
        style = rules.statuses[points.loc[i, "status"]]
        assert f"{style.symbol} {style.label}" in sentence


def test_a_coloured_number_is_the_judged_estimate_everywhere(con, viewers) -> None:
    """Grid, tiles, region overview and Excel photo print status_estimate beside the colour
    (never this year's score), rounded alike."""
    from data_model.texts.formatting import format_signed, round_half_away
    from data_model.texts.legend import judged_number
    from ui.grid import grid_blocks
    from ui.overview import cell_markdown

    viewer = viewers["anker"]
    rules = load_rules()
    for school_id in _schools(con, viewer):
        results = queries.school_results(con, viewer, school_id, "ovsg6")
        latest = results["school_year"].max()
        total = results[(results["school_year"] == latest) & results["learning_area"].isna()]
        row = total.iloc[0].to_dict()
        if row["suppressed"] or pd.isna(row["status_estimate"]):
            continue
        shown = format_signed(row["status_estimate"])
        symbol = rules.statuses[row["status"]].symbol
        assert judged_number(row) == shown  # the tiles and the PDF
        assert grid_blocks(results, rules)[0].table.loc[0, latest] == f"{shown} {symbol}"
        matrix = overview.region_matrix(con, viewer, "ovsg6", latest)
        mine = matrix[(matrix["school_id"] == school_id) & matrix["learning_area"].notna()]
        for cell in mine.to_dict("records"):
            if not cell["suppressed"] and pd.notna(cell["status_estimate"]):
                text = cell_markdown(
                    cell["status"], cell["status_estimate"], cell["trend"], False, rules
                )
                assert format_signed(cell["status_estimate"]) in text
        book = load_workbook(io.BytesIO(build_school_xlsx(con, viewer, school_id)))
        grid = book["Schoolfoto"]
        header = next(r for r in grid.iter_rows() if r[0].value and "OVSG" in str(r[0].value))
        col = next(c.column for c in header if c.value == latest)
        assert grid.cell(header[0].row + 1, col).value == round_half_away(row["status_estimate"])


def test_one_verdict_one_word_and_the_level_follows_rules_toml() -> None:
    """A badge, a sentence and a legend use the same word for a status; a confidence level
    changed in rules.toml changes every wording of it."""
    from dataclasses import replace

    from data_model.texts.legend import colour_levels, rule_lines, status_meanings

    rules = load_rules()
    df = pd.DataFrame(
        {
            "school_year": ["2023-2024", "2024-2025"] * 2,
            "learning_area": ["Wiskunde", "Wiskunde", "Frans", "Frans"],
            "domain": [None] * 4,
            "status": ["higher", "much_higher", "lower", "much_lower"],
            "trend": ["no_clear_trend"] * 4,
            "trend_years": [5] * 4,
            "suppressed": [False] * 4,
        }
    )
    said = " ".join(highlights(df, rules))
    for status in ("much_higher", "much_lower"):
        assert rules.statuses[status].label.lower() in said
    assert "duidelijk hoger" not in said and "duidelijk lager" not in said
    assert set(status_meanings(rules)) == set(rules.statuses)
    other = replace(rules, confidence=0.9, domain_confidence=0.99)
    assert "90 %-interval" in colour_levels(other) and "99 %" in colour_levels(other)
    assert any("90 %" in line for line in rule_lines(other))
    assert not any("97,5 %" in line for line in rule_lines(other))
