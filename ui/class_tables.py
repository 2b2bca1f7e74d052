"""Tables of a school's class groups (Klassen page): rows = total, learning areas and domains,
columns = the school, each class group and the comparison groups. Pure functions of the
frame `reading.classes.class_results` returns, tested without a server."""

from __future__ import annotations

from typing import Any

import pandas as pd

from data_model.texts.formatting import format_number, format_signed

HIDDEN = "niet getoond"
SCHOOL = "Uw school"


def _row_label(area: Any, domain: Any) -> str:
    # Raw cells of the frame: a text or pandas' missing value, which `pd.isna` tells apart.
    if pd.isna(area):
        return "Totaal"
    return str(area) if pd.isna(domain) else f"{area} – {domain}"


def _score(row: pd.Series, with_interval: bool) -> str:
    if bool(row["suppressed"]) or pd.isna(row["score_mean"]):
        return HIDDEN
    text = format_number(row["score_mean"])
    if with_interval and not pd.isna(row["ci_low"]):
        text += f" ({format_number(row['ci_low'])}–{format_number(row['ci_high'])})"
    return text


def _pct(row: pd.Series) -> str:
    if bool(row["suppressed"]) or pd.isna(row["pct_goal_reached"]):
        return HIDDEN if bool(row["suppressed"]) else "–"
    return format_number(row["pct_goal_reached"]) + " %"


def group_labels(df: pd.DataFrame) -> dict[str, str]:
    """Column header per class group: its name and pupils of the total row ("6A · 21 lln.")."""
    total = df[df["learning_area"].isna() & df["class_group"].notna()]
    labels = {}
    # pandas-stubs types a named tuple's fields as any scalar; the query fixes the columns.
    row: Any
    for row in total.itertuples(index=False):
        n = "" if row.suppressed or pd.isna(row.n_pupils) else f" · {int(row.n_pupils)} lln."
        labels[str(row.class_group)] = f"{row.class_group}{n}"
    return labels


def class_table(df: pd.DataFrame, measure: str = "score") -> pd.DataFrame:
    """Text table: `measure` "score" (mean and its interval) or "goals" (% goals reached)."""
    if df.empty:
        return pd.DataFrame()
    labels = group_labels(df)
    cells: dict[str, dict[str, str]] = {}
    comparison: dict[str, tuple[float, float]] = {}
    for _, row in df.iterrows():
        label = _row_label(row["learning_area"], row["domain"])
        column = SCHOOL if pd.isna(row["class_group"]) else labels.get(str(row["class_group"]))
        if column is None:
            continue
        value = _score(row, pd.notna(row["class_group"])) if measure == "score" else _pct(row)
        cells.setdefault(label, {})[column] = value
        comparison[label] = (row["similar_mean"], row["flanders_mean"])
    table = pd.DataFrame.from_dict(cells, orient="index")
    if SCHOOL not in table:
        table[SCHOOL] = HIDDEN
    table = table[[SCHOOL, *sorted(set(table.columns) - {SCHOOL})]].fillna(HIDDEN)
    if measure == "score":
        table["Vergelijkbare scholen"] = [format_number(comparison[i][0]) for i in table.index]
        table["Vlaanderen"] = [format_number(comparison[i][1]) for i in table.index]
    table.index.name = "Leergebied – domein"
    return table


PUPIL_NUMBER = "Leerlingnummer"


def pupil_table(
    df: pd.DataFrame, test_names: dict[str, str], numbers: dict[str, str] | None = None
) -> pd.DataFrame:
    """The pupil list as text: code (and the school's own number when the director chose the
    pupil file again), class group, total, learning areas, goals reached, earlier result."""
    if df.empty:
        return pd.DataFrame()
    fixed = {"code", "class_group", "goals", "domains", "total", "earlier_test", "earlier_year",
             "earlier_score"}  # fmt: skip
    areas = [c for c in df.columns if c not in fixed]
    out = pd.DataFrame({"Code": df["code"]})
    if numbers:
        out[PUPIL_NUMBER] = [numbers.get(c, "") for c in df["code"]]
    out["Lesgroep"] = df["class_group"]
    out["Totaal"] = [format_number(v) for v in df["total"]]
    for area in areas:
        out[area] = [format_number(v) for v in df[area]]
    out["Doelen bereikt"] = [
        "–" if pd.isna(g) else f"{int(g)} van {int(d)}"
        for g, d in zip(df["goals"], df["domains"], strict=True)
    ]
    out["Eerder"] = [
        "niet gekoppeld"
        if pd.isna(test)
        else f"{test_names.get(test, test)} {year}: {format_number(score)}"
        for test, year, score in zip(
            df["earlier_test"], df["earlier_year"], df["earlier_score"], strict=True
        )
    ]
    return out


def progress_table(df: pd.DataFrame, status_labels: dict[str, str]) -> pd.DataFrame:
    """Learning gain per cohort and learning area as text: the estimate with its interval,
    the verdict, and how many of the grade-6 pupils could be linked."""
    rows = []
    # pandas-stubs types a named tuple's fields as any scalar; the query fixes the columns.
    r: Any
    for r in df.itertuples(index=False):
        shown = not r.suppressed and not pd.isna(r.n_linked)
        estimate = "–"
        if shown and not pd.isna(r.progress_estimate):
            estimate = (
                f"{format_signed(r.progress_estimate)} "
                f"({format_signed(r.ci_low)} tot {format_signed(r.ci_high)})"
            )
        rows.append(
            {
                "Cohorte": f"{r.from_year} → {r.to_year}",
                "Leergebied": "Totaal" if pd.isna(r.learning_area) else r.learning_area,
                "Leerwinst (punten)": estimate,
                "Oordeel": status_labels.get(r.status, r.status),
                "Gekoppeld": (
                    f"{int(r.n_linked)} lln. ({format_number(r.pct_linked, 0)} %)"
                    if shown
                    else HIDDEN
                ),
            }
        )
    return pd.DataFrame(rows)
