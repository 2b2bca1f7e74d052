"""School x cell series laid out as matrices (series x school year), for vectorised statistics.

The status and the trend of a row look at the same series over a window of school years;
with every series as one row of a matrix, each window is a slice and all of Flanders is
computed in a handful of numpy operations per school year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SERIES_KEYS = ["school_id", "assessment_id", "learning_area", "domain"]
CELL_OF_SERIES = ["assessment_id", "learning_area", "domain"]
_NONE = "~none~"  # stands in for a NULL learning area / domain while factorising


@dataclass(frozen=True)
class Panel:
    """Where each row of a frame sits: series (matrix row) and school year (matrix column)."""

    series: np.ndarray  # row -> series index
    column: np.ndarray  # row -> year index
    years: np.ndarray  # year starts (2024 = 2024-2025), one per column
    cell: np.ndarray  # series index -> cell index (assessment x learning area x domain)
    n_cells: int
    is_domain: np.ndarray  # series index -> bool

    @classmethod
    def of(cls, rows: pd.DataFrame) -> Panel:
        # Factorise each key column on its own and combine the codes: much faster than a
        # MultiIndex of object columns at Flanders scale (0.5 M rows).
        def codes(columns: list[str]) -> np.ndarray:
            combined = np.zeros(len(rows), dtype=np.int64)
            for col in columns:
                values = rows[col].astype(object).where(rows[col].notna(), _NONE)
                c, uniq = pd.factorize(values, sort=False)
                combined = combined * (len(uniq) + 1) + c
            return pd.factorize(combined, sort=False)[0]

        series = codes(SERIES_KEYS)
        cell_of_row = codes(CELL_OF_SERIES)
        n_series = int(series.max()) + 1 if len(series) else 0
        cell = np.zeros(n_series, dtype=np.int64)
        cell[series] = cell_of_row
        first_row = np.zeros(n_series, dtype=np.int64)
        first_row[series[::-1]] = np.arange(len(series))[::-1]  # first row of each series
        year = rows["school_year"].str[:4].astype(int).to_numpy()
        first = int(year.min()) if len(year) else 0
        last = int(year.max()) if len(year) else -1
        return cls(
            series=np.asarray(series),
            column=year - first,
            years=np.arange(first, last + 1),
            cell=cell,
            n_cells=int(cell_of_row.max()) + 1 if len(cell_of_row) else 0,
            is_domain=rows["domain"].notna().to_numpy()[first_row],
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
        return m[self.series, self.column]

    def per_series(self, per_cell: np.ndarray) -> np.ndarray:
        """A value per cell -> that value for every series of the cell (a column vector)."""
        return np.asarray(per_cell, dtype=float)[self.cell][:, None]
