"""Variance components per cell, estimated from all schools at every import (docs/statistics.md).

Work in standardised units: z_st = d_st / SD_t with sampling variance q_st = v_st / SD_t²,
so years whose test forms differ in spread can be pooled.

- Year-to-year (class) variance, from second differences along each school's series. A
  second difference cancels the school's persistent level and any linear trend, so
      E[(z_t − 2z_(t−1) + z_(t−2))²] = 6σ²_c + q_t + 4q_(t−1) + q_(t−2)
  and σ²_c = mean[(Δ²z)² − q_t − 4q_(t−1) − q_(t−2)] / 6, floored at 0.
- Between-school variance of persistent effects, from the spread of the differences in each
  year: τ² = mean_t[Var_s(z_st) − mean_s q_st] − σ²_c, floored at 0.

With fewer than `min_second_differences` second differences in a cell (a new assessment, an
aggregate import of two years) σ_c falls back to `class_sd_fallback` from rules.toml, so a
thin cell never pretends classes do not differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_model.rules import Rules
from data_model.statistics.panel import Panel

# A year needs this many schools before its spread says anything about τ².
_MIN_SCHOOLS_PER_YEAR = 3


@dataclass(frozen=True)
class Components:
    """Per cell (index of Panel.cell): σ²_c and τ² in Flanders pupil SDs², with their basis."""

    class_var: np.ndarray
    between_var: np.ndarray
    n_second_differences: np.ndarray
    n_schools: np.ndarray
    class_estimated: np.ndarray  # False where the fallback of rules.toml was used


def _cell_mean(values: np.ndarray, cell_rows: np.ndarray, n_cells: int) -> tuple[np.ndarray, ...]:
    ok = np.isfinite(values)
    cells = np.broadcast_to(cell_rows, values.shape)[ok]
    total = np.bincount(cells, weights=values[ok], minlength=n_cells)
    count = np.bincount(cells, minlength=n_cells).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count, count


def estimate(panel: Panel, z: np.ndarray, q: np.ndarray, rules: Rules) -> Components:
    """σ²_c and τ² per cell from the usable standardised differences z (NaN = not usable)."""
    cell_col = panel.cell[:, None]
    q = np.where(np.isfinite(z), q, np.nan)
    n_cells = panel.n_cells
    if z.shape[1] >= 3:
        second = z[:, 2:] - 2 * z[:, 1:-1] + z[:, :-2]
        noise = q[:, 2:] + 4 * q[:, 1:-1] + q[:, :-2]
        mean_excess, n_second = _cell_mean((second**2 - noise) / 6, cell_col, n_cells)
    else:
        mean_excess, n_second = np.full(n_cells, np.nan), np.zeros(n_cells)
    estimated = n_second >= rules.min_second_differences
    class_var = np.where(
        estimated, np.clip(np.nan_to_num(mean_excess), 0, None), rules.class_sd_fallback**2
    )
    # τ²: per cell x year, the spread of z over schools minus their mean sampling variance.
    n_years = z.shape[1]
    key = (cell_col * n_years + np.arange(n_years)[None, :]).astype(np.int64)
    ok = np.isfinite(z)
    size = n_cells * n_years
    cnt = np.bincount(key[ok], minlength=size).astype(float)
    s1 = np.bincount(key[ok], weights=z[ok], minlength=size)
    s2 = np.bincount(key[ok], weights=z[ok] ** 2, minlength=size)
    sq = np.bincount(key[ok], weights=q[ok], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (s2 - s1**2 / cnt) / (cnt - 1)
        excess = var - sq / cnt
    excess = np.where(cnt >= _MIN_SCHOOLS_PER_YEAR, excess, np.nan).reshape(n_cells, n_years)
    with np.errstate(invalid="ignore"):
        counted = np.isfinite(excess).sum(axis=1)
        mean_excess_t = np.where(counted > 0, np.nansum(excess, axis=1) / np.maximum(counted, 1), 0)
    between_var = np.clip(mean_excess_t - class_var, 0, None)
    n_schools = np.bincount(panel.cell[np.isfinite(z).any(axis=1)], minlength=n_cells).astype(int)
    return Components(class_var, between_var, n_second.astype(int), n_schools, estimated)
