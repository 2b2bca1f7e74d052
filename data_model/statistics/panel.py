"""School x cell series laid out as matrices (series x school year), for vectorised statistics.

The status and the trend of a row look at the same series over a window of school years;
with every series as one row of a matrix, each window is a slice and all of Flanders is
computed in a handful of numpy operations per school year.

The statistics work on integer keys (`CODE_COLUMNS`), never on the text keys: at Flanders
scale (half a million rows) factorising and merging text columns cost more than all the
statistics together. At import time the codes come from SQL (statistics/coded.py); a caller
that only has the text keys (the tests, the calibration benchmark) gets them from
`with_codes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CELL_OF_SERIES = ["assessment_id", "learning_area", "domain"]
# school_code: one per school; cell_code: one per assessment x learning area x domain;
# year: the start of the school year (2024 for 2024-2025); is_domain: the cell is a domain.
CODE_COLUMNS = ["school_code", "cell_code", "year", "is_domain"]
_NONE = "~none~"  # stands in for a NULL learning area / domain while factorising


def _combined_codes(rows: pd.DataFrame, columns: list[str]) -> np.ndarray:
    # Factorise each key column on its own and combine the codes: much faster than a
    # MultiIndex of object columns.
    combined = np.zeros(len(rows), dtype=np.int64)
    for col in columns:
        values = rows[col].astype(object).where(rows[col].notna(), _NONE)
        c, uniq = pd.factorize(values, sort=False)
        combined = combined * (len(uniq) + 1) + c
    return pd.factorize(combined, sort=False)[0]


def with_codes(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with CODE_COLUMNS, computed from the text keys when they are not there yet."""
    if all(col in rows.columns for col in CODE_COLUMNS):
        return rows
    return rows.assign(
        school_code=pd.factorize(rows["school_id"], sort=False)[0],
        cell_code=_combined_codes(rows, CELL_OF_SERIES),
        year=rows["school_year"].str[:4].astype(int).to_numpy(),
        is_domain=rows["domain"].notna().to_numpy(),
    )


@dataclass(frozen=True)
class Panel:
    """Where each row of a frame sits: series (matrix row) and school year (matrix column)."""

    series: np.ndarray  # row -> series index
    column: np.ndarray  # row -> year index
    years: np.ndarray  # year starts (2024 = 2024-2025), one per column
    cell: np.ndarray  # series index -> cell index (assessment x learning area x domain)
    n_cells: int
    is_domain: np.ndarray  # series index -> bool
    cell_code: np.ndarray  # cell index -> the frame's cell_code

    @classmethod
    def of(cls, rows: pd.DataFrame) -> Panel:
        rows = with_codes(rows)
        school = rows["school_code"].to_numpy(np.int64)
        cell_code = rows["cell_code"].to_numpy(np.int64)
        year = rows["year"].to_numpy(np.int64)
        if len(rows) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, np.zeros(0, dtype=int), empty, 0, empty.astype(bool), empty)
        # Series and cells are numbered in order of first appearance.
        series = pd.factorize(school * (int(cell_code.max()) + 1) + cell_code, sort=False)[0]
        cell_of_row, cell_codes = pd.factorize(cell_code, sort=False)
        n_series = int(series.max()) + 1
        cell = np.zeros(n_series, dtype=np.int64)
        cell[series] = cell_of_row
        first_row = np.zeros(n_series, dtype=np.int64)
        first_row[series[::-1]] = np.arange(len(series))[::-1]  # first row of each series
        first, last = int(year.min()), int(year.max())
        return cls(
            series=np.asarray(series),
            column=year - first,
            years=np.arange(first, last + 1),
            cell=cell,
            n_cells=len(cell_codes),
            is_domain=rows["is_domain"].to_numpy(bool)[first_row],
            cell_code=np.asarray(cell_codes, dtype=np.int64),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.cell), len(self.years))

    def matrix(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Row values -> series x year matrix (NaN where a series has no row that year)."""
        m = np.full(self.shape, np.nan)
        m[self.series, self.column] = np.asarray(values, dtype=float)
        return m

    def rows(self, m: np.ndarray) -> np.ndarray:
        """Series x year matrix -> one value per row of the frame."""
        values: np.ndarray = m[self.series, self.column]
        return values

    def per_series(self, per_cell: np.ndarray) -> np.ndarray:
        """A value per cell -> that value for every series of the cell (a column vector)."""
        column: np.ndarray = np.asarray(per_cell, dtype=float)[self.cell][:, None]
        return column
