"""The 30-second brief of the Start page: pure text builders (tested without Streamlit)."""

from __future__ import annotations

from typing import cast

import pandas as pd

from data_model.rules import Rules, load_rules
from data_model.vocabulary import STATUS_MUCH, STATUS_SIGN, STATUSES, TOO_FEW
from ui.safe_text import md

# much_higher 2 … much_lower -2; the two greys rank alike (a change between them is a change in
# how sure the data are, not in the results); too_few is never compared.
_RANK = {s: STATUS_SIGN[s] * (2 if s in STATUS_MUCH else 1) for s in STATUSES if s != TOO_FEW}


def _area_rows(results: pd.DataFrame, year: str) -> pd.DataFrame:
    return results[
        (results["school_year"] == year)
        & results["domain"].isna()
        & results["learning_area"].notna()
    ].set_index("learning_area")


def changes_since_last_year(results: pd.DataFrame, rules: Rules | None = None) -> list[str]:
    """Markdown lines: the learning areas whose colour changed from last year to this year.

    Area names are escaped here (ui.safe_text.md): pass the raw results.

    A change to or from "too few pupils" (or a hidden group) is not a change in results and
    is left out; no line at all means every colour stayed the same.
    """
    rules = rules or load_rules()
    years = sorted(results["school_year"].unique())
    if len(years) < 2:
        return []
    now, before = _area_rows(results, years[-1]), _area_rows(results, years[-2])
    lines = []
    for area, row in now.iterrows():
        if area not in before.index or bool(row["suppressed"]):
            continue
        # The index is the learning area's name (a text), one row each: `.loc` gives that row.
        old = cast("pd.Series", before.loc[str(area)])
        if bool(old["suppressed"]) or TOO_FEW in (row["status"], old["status"]):
            continue
        if _RANK[row["status"]] == _RANK[old["status"]]:
            continue
        arrow = "↗" if _RANK[row["status"]] > _RANK[old["status"]] else "↘"
        lines.append(
            f"{arrow} {md(area)}: van {rules.statuses[old['status']].label.lower()} "
            f"({years[-2]}) naar **{rules.statuses[row['status']].label.lower()}** "
            f"({years[-1]})"
        )
    return lines
