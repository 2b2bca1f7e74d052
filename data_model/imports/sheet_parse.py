"""From an opened file to a parsed frame: pick the sheet and header row, map headers to the
spec's columns, parse every column at once.

Sheets: only visible sheets are read. A hidden sheet that would match is named (in the report
when a visible sheet was imported; as the refusal when only a hidden sheet matches). Two
visible sheets with data for this kind are refused: importing one silently would lose the
other.

Columns are parsed per distinct value (`parse_column`): the parser runs once per value and the
result is spread back over the rows with numpy, so messages stay exact (file, sheet, row,
column, value, what was expected) at Flanders scale.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from data_model.imports.cells import (
    CellError,
    is_blank,
    normalize_header,
    parse_bool,
    parse_date,
    parse_school_id,
    parse_score,
    screen,
    show,
)
from data_model.imports.formats import FORMATS, HEADER_SCAN_ROWS, MAX_DATA_ROWS, Column, FileFormat
from data_model.imports.reader import Book, Sheet
from data_model.imports.report import ImportRejected, Problem, cell_problem, refused
from data_model.imports.row_checks import Catalogue

FORMULA = (
    "Deze cel bevat een formule. Verwacht: een waarde. Kopieer de kolom en plak ze als waarden "
    "(Plakken speciaal > Waarden)."
)
BLANK = "Lege cel. Verwacht: een waarde in deze kolom."
# A header that does not fit the kind: the page offers to map the file's own columns.
MAPPING_QUESTION = "kolommen"


@dataclass
class Parsed:
    frame: pd.DataFrame  # one column per Column.key (and dom:<i>) present, plus row_no
    sheet: str
    headers: dict[str, str]  # column key -> header as written in the file
    ignored: list[str]
    domain_cols: list[tuple[str, str, str, bool]]  # pupils: per extra column
    notes: list[str] = field(default_factory=list)


def _header_score(fmt: FileFormat, row: Sequence[object], domain_names: set[str]) -> int:
    names = {normalize_header(v) for v in row if not is_blank(v)}
    score = sum(1 for c in fmt.columns if c.match_names & names)
    if fmt.domain_columns:
        score += len(names & domain_names)
    return score


def _best_header(fmt: FileFormat, head: list[Any], domain_names: set[str]) -> tuple[int, int]:
    """(index in head, score) of the row that looks most like this format's header."""
    best = (-1, 0)
    for i, row in enumerate(head[:HEADER_SCAN_ROWS]):
        score = _header_score(fmt, row, domain_names)
        if score > best[1]:
            best = (i, score)
    return best


def _kind_hint(fmt: FileFormat, head: list[Any]) -> str:
    """' Dit lijkt een bestand X: kies die soort.' when another format's header fits fully."""
    for other in FORMATS.values():
        if other.kind == fmt.kind:
            continue
        _, score = _best_header(other, head, set())
        if score >= sum(1 for c in other.columns if c.required):
            return f" Dit lijkt een bestand '{other.label}': kies die soort."
    return ""


def choose_sheet(
    book: Book, fmt: FileFormat, domain_names: set[str]
) -> tuple[Sheet, int, list[str]]:
    """(sheet, 0-based header row, notes) or ImportRejected."""
    file_name = book.file_name
    required = sum(1 for c in fmt.columns if c.required)
    found = []  # (score, sheet, header index, has data below the header)
    heads: dict[str, list[Any]] = {}
    for sheet in book.sheets:
        head = book.rows(sheet, limit=HEADER_SCAN_ROWS + 5)
        heads[sheet.name] = head
        idx, score = _best_header(fmt, head, domain_names)
        below = head[idx + 1 :] if idx >= 0 else []
        has_data = any(not all(is_blank(v) for v in r) for r in below)
        found.append((score, sheet, idx, has_data))
    visible = [f for f in found if f[1].visible]
    hidden = [f for f in found if not f[1].visible and f[0] >= 2]
    data_sheets = [f for f in visible if f[0] >= max(2, required) and f[3]]
    if len(data_sheets) > 1:
        names = " en ".join(f"'{f[1].name}'" for f in data_sheets)
        raise refused(
            file_name,
            f"Het bestand bevat meer dan één blad met gegevens ({names}). Verwacht: één blad "
            "met gegevens per bestand. Zet de rijen samen op één blad of lees elk blad als "
            "apart bestand in.",
        )
    best = max(visible, key=lambda f: f[0], default=None)
    if best is None or best[0] < 2:
        if hidden:
            sheet = hidden[0][1]
            raise refused(
                file_name,
                f"Het blad '{sheet.name}' is verborgen; verborgen bladen worden niet ingelezen. "
                "Maak het blad zichtbaar (rechtsklik op een bladtab > Zichtbaar maken) of "
                "kopieer de gegevens naar een zichtbaar blad.",
            )
        names = ", ".join(f"'{f[1].name}'" for f in visible) or "geen zichtbaar blad"
        head = heads[best[1].name] if best else []
        columns = ", ".join(c.header for c in fmt.columns if c.required)
        where = "In geen enkel blad" if book.sheets[0].name != "(csv)" else "Hier"
        sheets = f" ({names})" if where != "Hier" else ""
        raise ImportRejected([Problem(
            file_name, "(csv)" if where == "Hier" else "", None, "", "",
            f"Geen kopregel gevonden. {where}{sheets} bevatten de eerste {HEADER_SCAN_ROWS} "
            f"rijen de kolomnamen van '{fmt.label}': {columns}." + _kind_hint(fmt, head),
            question=MAPPING_QUESTION,
        )])  # fmt: skip
    notes = [
        f"Het verborgen blad '{f[1].name}' is niet ingelezen (verborgen bladen worden "
        "overgeslagen)."
        for f in hidden
    ]
    return best[1], best[2], notes


def _map_headers(
    file_name: str, sheet: str, header_row: int, raw_headers: list[Any], fmt: FileFormat,
    catalogue: Catalogue,
) -> tuple[dict[int, str], dict[str, str], list[Any], list[str], list[Problem]]:  # fmt: skip
    problems: list[Problem] = []
    domain_headers = catalogue.domain_headers() if fmt.domain_columns else {}
    mapping: dict[int, str] = {}  # cell index -> column key or "dom:<i>"
    headers: dict[str, str] = {}
    domain_cols: list[tuple[str, str, str, bool]] = []
    ignored: list[str] = []
    for idx, raw in enumerate(raw_headers):
        if is_blank(raw):
            continue
        name = normalize_header(raw)
        shown = show(raw, 80)
        column = next((c for c in fmt.columns if name in c.match_names), None)
        if column is not None:
            key = column.key
        elif name in domain_headers:
            if domain_headers[name] in domain_cols:
                key = "dup"
            else:
                key = f"dom:{len(domain_cols)}"
                domain_cols.append(domain_headers[name])
        elif fmt.domain_columns:
            problems.append(Problem(file_name, sheet, header_row, shown, shown,
                                    "Onbekende kolom: geen gekende kolom en geen gekend domein. "
                                    "Verwacht: de vaste kolommen of 'leergebied - domein', bv. "
                                    "'Wiskunde - Meetkunde'."))  # fmt: skip
            continue
        else:
            ignored.append(shown)
            continue
        if key in headers or key == "dup":
            problems.append(Problem(file_name, sheet, header_row, shown, shown,
                                    f"Deze kolom komt twee keer voor (ook als "
                                    f"'{headers.get(key, shown)}'). Verwacht: elke kolom één "
                                    "keer."))  # fmt: skip
            continue
        mapping[idx] = key
        headers[key] = shown
    for column in fmt.columns:
        if column.required and column.key not in headers:
            problems.append(Problem(file_name, sheet, header_row, column.header, "",
                                    f"Kolom '{column.header}' ontbreekt in de kopregel (rij "
                                    f"{header_row}). Voeg de kolom toe ("
                                    f"{column.description or column.header})."
                                    + _kind_hint(fmt, [raw_headers]),
                                    question=MAPPING_QUESTION))  # fmt: skip
    if fmt.domain_columns and not domain_cols and not problems:
        problems.append(Problem(file_name, sheet, header_row, "", "",
                                "Geen enkele domeinkolom gevonden. Verwacht: één kolom per "
                                "domein, bv. 'Wiskunde - Meetkunde'."))  # fmt: skip
    for i, (_, area, domain, goal) in enumerate(domain_cols):
        headers.setdefault(f"dom:{i}", f"{area} - {domain}" + (" doel" if goal else ""))
    return mapping, headers, domain_cols, ignored, problems


def parse_column(
    values: np.ndarray, column: Column
) -> tuple[np.ndarray, list[tuple[int, object, str]]]:
    """(parsed values with None for blanks, [(position, raw value, message)])."""
    series = pd.Series(values, dtype=object)
    # True == 1 in Python: a logical cell (WAAR) must not share 1's parse result.
    if column.parse is not parse_bool and bool in set(map(type, values)):  # a set built in C
        is_bool = np.fromiter((type(v) is bool for v in values), dtype=bool, count=len(values))
        series[is_bool] = series[is_bool].map(show)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    m = len(uniques)
    out_u = np.empty(m + 1, dtype=object)  # the extra last slot is for code -1 (blank)
    blank_u = np.zeros(m + 1, dtype=bool)
    blank_u[m] = True
    errors_u: dict[int, str] = {}
    for k, value in enumerate(uniques):
        if is_blank(value):
            blank_u[k] = True
            continue
        message = screen(value, column.max_length, column.free_text)
        if message is None:
            try:
                out_u[k] = column.parse(value)
                continue
            except CellError as exc:
                message = str(exc)
        errors_u[k] = message
    codes = np.where(codes < 0, m, codes)
    parsed = out_u[codes]
    errors: list[tuple[int, object, str]] = []
    if errors_u:
        bad = np.flatnonzero(np.isin(codes, list(errors_u)))
        errors += [(int(i), values[i], errors_u[int(codes[i])]) for i in bad]
    if not column.blank_ok:
        errors += [(int(i), "", BLANK) for i in np.flatnonzero(blank_u[codes])]
    return parsed, errors


def _blank_rows(rows: list[list[object]]) -> np.ndarray:
    """Rows without any value (calamine gives '' for an empty cell; list.count runs in C,
    the exact check only for the rare row with something else that may be blank)."""
    return np.fromiter(
        (r.count("") == len(r) or all(is_blank(v) for v in r) for r in rows),
        dtype=bool,
        count=len(rows),
    )


def parse_book(book: Book, fmt: FileFormat, catalogue: Catalogue) -> tuple[Parsed, list[Problem]]:
    """The parsed frame and every cell problem, or ImportRejected for a file-level problem."""
    file_name = book.file_name
    domain_names = set(catalogue.domain_headers()) if fmt.domain_columns else set()
    sheet, head_idx, notes = choose_sheet(book, fmt, domain_names)
    rows = book.rows(sheet)
    header_row = head_idx + 1
    merged = _merged_problems(file_name, sheet, header_row)
    if merged:  # the header and the rows cannot be trusted: these first
        raise ImportRejected(merged)
    mapping, headers, domain_cols, ignored, problems = _map_headers(
        file_name, sheet.name, header_row, list(rows[head_idx]), fmt, catalogue
    )
    empty = Parsed(pd.DataFrame(), sheet.name, headers, ignored, domain_cols, notes)
    if problems:
        return empty, problems
    data_rows = rows[head_idx + 1 :]
    keep = ~_blank_rows(data_rows)
    body = pd.DataFrame(data_rows, dtype=object)
    del rows, data_rows
    row_numbers = np.flatnonzero(keep) + header_row + 1
    if len(row_numbers) > MAX_DATA_ROWS:
        raise refused(
            file_name,
            f"Het blad heeft meer dan {MAX_DATA_ROWS:_} rijen (de grens per bestand). Splits "
            "het bestand, bv. per schooljaar of per toets.".replace("_", "."),
            sheet=sheet.name,
        )
    if not len(row_numbers):
        return empty, [Problem(file_name, sheet.name, header_row, "", "",
                               f"Geen gegevens onder de kopregel (rij {header_row}). Verwacht: "
                               "minstens één rij met gegevens.")]  # fmt: skip
    body = body[keep]
    columns: dict[str, np.ndarray] = {}
    for idx, key in mapping.items():
        column = _column_for(fmt, key, domain_cols)
        values = (
            body[idx].to_numpy(dtype=object, copy=True) if idx in body else np.full(len(body), None)
        )
        formula_at = _marked(sheet.formulas, idx, row_numbers)
        error_at = [i for i in _marked(sheet.errors, idx, row_numbers) if i not in formula_at]
        if column.percent and sheet.percent_cells:
            values = _scale_percent_cells(values, sheet, idx, row_numbers)
        for i in error_at:
            values[i] = sheet.errors[(int(row_numbers[i]), idx)]  # "#DIV/0!": refused as text
        for i in formula_at:
            values[i] = None  # reported below, not also as "empty"
        if column.parse is parse_date:
            values = _serial_dates(values)
        parsed, errors = parse_column(values, column)
        if column.parse is parse_school_id:
            notes += _padded_note(values, parsed, headers[key])
        formula_rows = set(formula_at)
        problems += [
            cell_problem(file_name, sheet.name, int(row_numbers[i]), headers[key], v, m)
            for i, v, m in errors
            if i not in formula_rows
        ]
        problems += [
            cell_problem(file_name, sheet.name, int(row_numbers[i]), headers[key],
                         sheet.formulas[(int(row_numbers[i]), idx)], FORMULA)
            for i in formula_at
        ]  # fmt: skip
        columns[key] = parsed
    # object dtype everywhere: pandas would otherwise infer a string dtype and turn None
    # into NaN, which the checks would then read as a value.
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    frame["row_no"] = row_numbers
    return Parsed(frame, sheet.name, headers, ignored, domain_cols, notes), problems


_SERIAL_TEXT = re.compile(r"\s*[0-9]{5}\s*")


def _serial_dates(values: np.ndarray) -> np.ndarray:
    """A CSV written from a date column without date format holds Excel serial numbers as
    text ('45945'): read as numbers (parse_date takes a number as a serial date) when every
    value of the column is such a number, never in a column that also holds written dates."""
    texts = [
        i for i, v in enumerate(values) if isinstance(v, str) and not is_blank(v)
    ]  # fmt: skip
    if not texts or not all(_SERIAL_TEXT.fullmatch(values[i]) for i in texts):
        return values
    if any(not isinstance(v, str | int | float) or isinstance(v, bool) for v in values
           if not is_blank(v)):  # fmt: skip
        return values
    values = values.copy()
    for i in texts:
        values[i] = int(values[i])
    return values


def _padded_note(values: np.ndarray, parsed: np.ndarray, header: str) -> list[str]:
    """How many school numbers lost leading zeros (4512 for 004512) and were padded back."""
    # Per distinct (value, number) pair, in the order of their first row: 70,000 rows hold
    # a few thousand schools.
    pairs = Counter(zip(values.tolist(), parsed.tolist(), strict=True))
    padded = [
        (show(v).strip(), out, times)
        for (v, out), times in pairs.items()
        if out is not None and len(show(v).strip()) < len(out)
    ]
    if not padded:
        return []
    n, distinct = sum(t for _, _, t in padded), len({out for _, out, _ in padded})
    raw, out, _ = padded[0]
    rows = "1 rij" if n == 1 else f"{n} rijen"
    numbers = "1 nummer" if distinct == 1 else f"{distinct} verschillende nummers"
    return [
        f"Kolom '{header}': in {rows} ({numbers}) had het instellingsnummer minder dan 6 "
        f"cijfers en werd het aangevuld met voorloopnullen, bv. {raw} → {out}."
    ]


def _column_for(fmt: FileFormat, key: str, domain_cols: list[Any]) -> Column:
    if not key.startswith("dom:"):
        return fmt.column(key)
    goal = domain_cols[int(key[4:])][3]
    return Column(key, key, parse_bool if goal else parse_score, blank_ok=True)


def _marked(cells: dict[tuple[int, int], str], col: int, row_numbers: np.ndarray) -> list[int]:
    """Positions (in row_numbers) of the cells of column `col` noted in `cells`."""
    if not cells:
        return []
    rows = {r for (r, c) in cells if c == col}
    return [int(i) for i in np.flatnonzero(np.isin(row_numbers, list(rows)))] if rows else []


def _scale_percent_cells(
    values: np.ndarray, sheet: Sheet, col: int, row_numbers: np.ndarray
) -> np.ndarray:
    """A number cell with a % format holds 0.185 for 18,5 %: the column expects 18.5."""
    rows = [r for (r, c) in sheet.percent_cells if c == col]
    if not rows:
        return values
    values = values.copy()
    for i in np.flatnonzero(np.isin(row_numbers, rows)):
        v = values[i]
        if isinstance(v, float | int) and not isinstance(v, bool):
            values[i] = round(float(v) * 100, 10)
    return values


def _merged_problems(file_name: str, sheet: Sheet, header_row: int) -> list[Problem]:
    problems = []
    for ref in sheet.merged:
        first, last = ref.split(":")
        min_row = int("".join(ch for ch in first if ch.isdigit()))
        max_row = int("".join(ch for ch in last if ch.isdigit()))
        col = "".join(ch for ch in first if ch.isalpha())
        if max_row >= header_row:  # merged title cells above the header are fine
            where = "de kopregel" if min_row <= header_row else "de gegevens"
            problems.append(Problem(file_name, sheet.name, min_row, col, "",
                                    f"Samengevoegde cellen ({ref}) in {where}. Maak de "
                                    "samenvoeging ongedaan en geef elke kolom een eigen naam en "
                                    "elke rij een eigen waarde."))  # fmt: skip
    return problems
