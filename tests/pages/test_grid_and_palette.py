"""The school-photo grid's pure builder, the one palette and its contrast, the upload limit."""

from __future__ import annotations

import tomllib

import pandas as pd

from data_model.imports.reader import MAX_FILE_BYTES
from data_model.reading import queries
from data_model.rules import load_rules
from data_model.texts.formatting import format_signed
from data_model.vocabulary import STATUSES
from tests.conftest import ROOT
from ui.components import status_badge
from ui.grid import SHOW_SCORE, TREND_COLUMN, grid_blocks, picked_cell
from ui.year_changes import changes_since_last_year


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palette_text_is_readable_on_every_status_colour():
    """WCAG AA for normal text (4.5:1): the cell text of every colour in grid, tiles, Excel."""
    rules = load_rules()
    for status in STATUSES:
        style = rules.statuses[status]
        assert _contrast(style.text_colour, style.colour) >= 4.5, status


def test_badges_use_the_grid_palette():
    rules = load_rules()
    for status in STATUSES:
        style = rules.statuses[status]
        badge = status_badge(status, rules)
        assert f'background="{style.colour}"' in badge
        assert f'foreground="{style.text_colour}"' in badge
        assert f"{style.symbol} {style.label}" in badge


def test_one_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES
    assert len(config["theme"]["chartDivergingColors"]) == 10  # Streamlit warns otherwise


def test_grid_blocks(con, viewers):
    viewer = viewers["beheerder"]
    school = queries.schools_in_scope(con, viewer).iloc[0]["school_id"]
    results = queries.school_results(con, viewer, school, "ovsg6")
    rules = load_rules()
    blocks = grid_blocks(results, rules)
    years = sorted(results["school_year"].unique())
    newest_first = years[::-1]
    assert [b.title for b in blocks] == [
        "Totaal",
        "Nederlands",
        "Wiskunde",
        "Wereldoriëntatie",
        "Frans",
    ]
    wiskunde = blocks[2]
    # Newest first, the trend beside the label: what a narrow screen shows without scrolling.
    assert list(wiskunde.table.columns) == ["Wiskunde", TREND_COLUMN, *newest_first]
    assert wiskunde.labels[0] == "Wiskunde" and wiskunde.labels[1].startswith("Wiskunde – ")
    assert "bold" in wiskunde.styles.iloc[0, 0] and "bold" not in wiskunde.styles.iloc[1, 0]
    # Each cell: the judged difference (what the colour decided on) with its symbol, on the
    # status colour with its text colour.
    row = results[
        (results["learning_area"] == "Wiskunde")
        & results["domain"].isna()
        & (results["school_year"] == years[-1])
    ].iloc[0]
    style = rules.statuses["too_few" if row["suppressed"] else row["status"]]
    cell = wiskunde.table.loc[0, years[-1]]
    if row["suppressed"]:
        assert cell == "< 5"
    else:
        assert cell == f"{format_signed(row['status_estimate'])} {style.symbol}"
    assert wiskunde.styles.loc[0, years[-1]] == (
        f"background-color: {style.colour}; color: {style.text_colour}"
    )
    assert wiskunde.table.loc[0, TREND_COLUMN].endswith(rules.trend_labels[row["trend"]])
    # A click maps back to the row and year; a click on the label or trend means the latest.
    selection = {"selection": {"cells": [[1, years[0]]]}}
    assert picked_cell(wiskunde, selection) == (wiskunde.labels[1], years[0])
    assert picked_cell(wiskunde, {"selection": {"cells": [[0, TREND_COLUMN]]}}) == (
        "Wiskunde",
        None,
    )
    assert picked_cell(wiskunde, {"selection": {"cells": []}}) is None


def test_suppressed_cells_show_only_the_privacy_mark():
    rules = load_rules()
    results = pd.DataFrame(
        {
            "school_year": ["2023-2024", "2024-2025"],
            "learning_area": ["Frans", "Frans"],
            "domain": [None, None],
            "score_mean": [None, 61.25],
            "status_estimate": [None, 3.25],
            "status": ["too_few", "higher"],
            "suppressed": [True, False],
            "trend": ["too_short", "too_short"],
        }
    )
    (block,) = grid_blocks(results, rules)
    assert block.table.loc[0, "2023-2024"] == "< 5"
    assert block.table.loc[0, "2024-2025"] == f"+3,3 {rules.statuses['higher'].symbol}"
    # The score view shows that year's own score, without any colour competing with it.
    (scores,) = grid_blocks(results, rules, SHOW_SCORE)
    assert scores.table.loc[0, "2024-2025"] == "61,3"
    assert scores.table.loc[0, "2023-2024"] == "< 5"
    assert (scores.styles.drop(columns="Frans") == "").all().all()


def test_changes_since_last_year():
    rules = load_rules()
    results = pd.DataFrame(
        {
            "school_year": ["2023-2024", "2024-2025"] * 3,
            "learning_area": ["Wiskunde", "Wiskunde", "Frans", "Frans", "Nederlands", "Nederlands"],
            "domain": [None] * 6,
            "status": ["as_expected", "higher", "lower", "lower", "too_few", "much_lower"],
            "suppressed": [False] * 6,
        }
    )
    lines = changes_since_last_year(results, rules)
    # Only a real change of colour; a year with too few pupils is not compared.
    assert lines == ["↗ Wiskunde: van zoals verwacht (2023-2024) naar **hoger** (2024-2025)"]
