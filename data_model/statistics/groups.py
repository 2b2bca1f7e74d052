"""Comparison groups (docs/statistics.md): published means, the leave-one-out test difference, and
the pooled within-school variance that every standard error uses.

Everything works on whole DataFrames (one row per school x school year x assessment x cell),
because the same code materialises all of Flanders at import time. No SQL, no Streamlit.

Notation (docs/statistics.md): for school s, cell c, year t: mean ȳ, pupils n, SES group G.

- Published means keep the test organiser's convention: `similar_mean` / `flanders_mean` are
  pupil-weighted over the group *including* the school (or the organiser's own figure when an
  aggregate import gave one).
- The test uses the group *without* the school: d_st = ȳ_st − ȳ_(G∖s),t, so a large school is
  not compared partly with itself.
- σ²_w,t, the pooled within-school variance of the cell, is Σ(n−1)s² / Σ(n−1) over the schools
  that report an SD. An aggregate row without an SD *borrows* σ_w,t (it never counts as zero
  spread: that was the bug that made flanders_sd collapse to the spread of school means).
- SD_t, the Flanders pupil SD of that year's form, pools within and between schools; it is
  the yardstick of "veel" and of the standardised differences.
- Schools without context data for a year have no SES group, hence no similar group: they
  count for Flanders and never for each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_model.statistics.panel import with_codes
from data_model.vocabulary import CELL_KEYS as _CELL_KEYS
from data_model.vocabulary import FLANDERS, SIMILAR

CELL_KEYS = list(_CELL_KEYS)


def _group_of(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense group numbers 0..g-1 of an integer key per row, and g."""
    codes, uniques = pd.factorize(key, sort=False)
    return codes, len(uniques)


def cell_year_groups(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """The cell x school year group of every row (the unit of every comparison and of the
    expected-score regressions), numbered 0..g-1 in order of first appearance, and g."""
    year = frame["year"].to_numpy(np.int64)
    cell = frame["cell_code"].to_numpy(np.int64)
    span = int(year.max() - year.min()) + 1 if len(year) else 1
    return _group_of(cell * span + (year - (year.min() if len(year) else 0)))


def _sums(group: np.ndarray, size: int, counted: np.ndarray, **values: np.ndarray) -> dict:
    """Per group: the number of counted rows and the sum of each value over them."""
    g = group[counted]
    out = {"count": np.bincount(g, minlength=size).astype(float)}
    for name, v in values.items():
        out[name] = np.bincount(g, weights=np.asarray(v, dtype=float)[counted], minlength=size)
    # A group without a counted row has no sums (NaN, as a left merge would give).
    empty = out["count"] == 0
    for name in values:
        out[name] = np.where(empty, np.nan, out[name])
    return out


def _counted(frame: pd.DataFrame) -> np.ndarray:
    n = frame["n_pupils"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        return (n > 0) & np.isfinite(frame["score_mean"].to_numpy(float))


def _level(frame: pd.DataFrame) -> np.ndarray:
    """0 = total, 1 = learning area, 2 = domain: cells of a level have a like spread."""
    area = frame["learning_area"].notna().to_numpy()
    return np.where(frame["domain"].notna().to_numpy(), 2, np.where(area, 1, 0))


def level_within_sd(frame: pd.DataFrame) -> np.ndarray:
    """Per row: the pooled within-school SD of its level (total, learning area, domain) in
    its school year over every assessment of `frame`, else over all years; NaN when no row
    of the level reports an SD. The last resort of a cell without any SD (a results file
    without the SD column). materialize.py computes the same in SQL over all cells, because
    it judges a few cells at a time."""
    n = frame["n_pupils"].to_numpy(float)
    sd = frame["score_sd"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        has_sd = np.isfinite(sd) & (n > 1) & _counted(frame)
    level = _level(frame)
    year = frame["year"].to_numpy(np.int64)
    ss = np.where(has_sd, (n - 1) * sd**2, 0.0)
    df = np.where(has_sd, n - 1, 0.0)
    out = np.full(len(frame), np.nan)
    for key in (level * 10_000 + year - year.min() if len(year) else level, level):
        g, size = _group_of(np.asarray(key, dtype=np.int64))
        s_ss = np.bincount(g, weights=ss, minlength=size)
        s_df = np.bincount(g, weights=df, minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(s_df > 0, s_ss / s_df, np.nan)[g]
        out = np.where(np.isfinite(out), out, np.sqrt(var))
    return out


def _within_var(
    frame: pd.DataFrame, group: np.ndarray, size: int, ssw: np.ndarray, dfw: np.ndarray
) -> np.ndarray:
    """σ²_w per cell x year group: its own rows with an SD; else the same cell's other
    years (the same test content); else the level's pooled SD (`level_sd`, see
    level_within_sd). A row without SD borrows it: it never counts as zero spread."""
    with np.errstate(invalid="ignore", divide="ignore"):
        var_w = np.where(dfw > 0, ssw / dfw, np.nan)
    if np.isfinite(var_w).all():
        return var_w
    cell = pd.factorize(frame["cell_code"].to_numpy(np.int64))[0]
    group_cell = np.zeros(size, dtype=np.int64)
    group_cell[group] = cell
    n_cells = int(cell.max()) + 1
    c_ss = np.bincount(group_cell, weights=np.nan_to_num(ssw), minlength=n_cells)
    c_df = np.bincount(group_cell, weights=np.nan_to_num(dfw), minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_var = np.where(c_df > 0, c_ss / c_df, np.nan)[group_cell]
    level_sd = (
        frame["level_sd"].to_numpy(float, na_value=np.nan)
        if "level_sd" in frame
        else level_within_sd(frame)
    )
    ok = np.isfinite(level_sd)
    lvl_sum = np.bincount(group[ok], weights=level_sd[ok] ** 2, minlength=size)
    lvl_cnt = np.bincount(group[ok], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        level_var = np.where(lvl_cnt > 0, lvl_sum / lvl_cnt, np.nan)
    return np.where(np.isfinite(var_w), var_w, np.where(np.isfinite(cell_var), cell_var, level_var))


def _pooled_stats(frame: pd.DataFrame, group: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per cell x year group: pupils, mean, pooled within-school SD and Flanders pupil SD."""
    n = frame["n_pupils"].to_numpy(float)
    mean = frame["score_mean"].to_numpy(float)
    sd = frame["score_sd"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        has_sd = np.isfinite(sd) & (n > 1)
    s = _sums(
        group,
        size,
        _counted(frame),
        n=n,
        sum=n * mean,
        ssw=np.where(has_sd, (n - 1) * sd**2, 0.0),
        dfw=np.where(has_sd, n - 1, 0.0),
        n_nosd=np.where(has_sd, 0.0, np.clip(n - 1, 0, None)),
        sq=n * mean**2,
    )
    total_n = s["n"]
    var_w = _within_var(frame, group, size, s["ssw"], s["dfw"])
    with np.errstate(invalid="ignore", divide="ignore"):
        group_mean = s["sum"] / total_n
        # Rows without SD contribute (n−1)·σ²_w: borrowed, never zero.
        ss_within = s["ssw"] + s["n_nosd"] * var_w
        ss_between = np.clip(s["sq"] - total_n * group_mean**2, 0, None)
        var_t = (ss_within + ss_between) / np.where(total_n > 1, total_n - 1, np.nan)
    return {
        "flanders_n": total_n,
        "flanders_mean_own": group_mean,
        "sd_within": np.sqrt(var_w),
        "sd_pupils": np.sqrt(var_t),
        "_sum": s["sum"],
        "_count": s["count"],
    }


def add_comparisons(cells: pd.DataFrame, comparison: str = SIMILAR) -> pd.DataFrame:
    """Add the published comparison means and the test difference with its variance.

    Expects one row per school x cell x year with n_pupils, score_mean, score_sd, ses_group and
    optionally given_similar_mean / given_flanders_mean (means the organiser published for
    aggregate-only imports: they win for the published mean, because the organiser sees every
    participating school; the leave-one-out mean is then derived from them), and the integer
    keys of panel.CODE_COLUMNS (made from the text keys when missing).

    Adds: similar_mean, flanders_mean, diff_similar, diff_flanders (published, school included),
    flanders_sd (= SD_t), sd_within (σ_w,t), test_diff (d_st, leave-one-out, against the
    `comparison` group), test_var (v_st = σ²_w/n + σ²_w/N_(G∖s)).
    """
    out = with_codes(cells)
    group, size = cell_year_groups(out)
    stats = _pooled_stats(out, group, size)
    n = out["n_pupils"].to_numpy(float)
    mean = out["score_mean"].to_numpy(float)
    ses = out["ses_group"].to_numpy(float, na_value=np.nan)
    has_group = np.isfinite(ses)
    counted = _counted(out)
    # Flanders: the cell x year group; similar schools: that group x SES group.
    fl_n, fl_sum = stats["flanders_n"][group], stats["_sum"][group]
    ses_key = np.where(has_group, ses, -1).astype(np.int64)
    span = int(ses_key.max()) + 2 if len(ses_key) else 2  # SES groups and 'none'
    sim_group, sim_size = _group_of(group.astype(np.int64) * span + ses_key + 1)
    sim = _sums(sim_group, sim_size, counted & has_group, n=n, sum=n * mean)
    sim_n = np.where(has_group, sim["n"][sim_group], np.nan)
    sim_sum = np.where(has_group, sim["sum"][sim_group], np.nan)
    own = n * mean
    with np.errstate(invalid="ignore", divide="ignore"):
        flanders_mean = fl_sum / fl_n
        similar_mean = np.where(has_group, sim_sum / sim_n, np.nan)
    given = {
        col: out[col].to_numpy(float, na_value=np.nan) if col in out.columns else None
        for col in ("given_similar_mean", "given_flanders_mean")
    }
    if given["given_similar_mean"] is not None:
        g = given["given_similar_mean"]
        similar_mean = np.where(np.isfinite(g), g, similar_mean)
    if given["given_flanders_mean"] is not None:
        g = given["given_flanders_mean"]
        flanders_mean = np.where(np.isfinite(g), g, flanders_mean)
    similar_mean = np.where(has_group, similar_mean, np.nan)
    # Leave-one-out: take the school's own pupils out of the group mean.
    if comparison == FLANDERS:
        group_n, group_sum, published = fl_n, fl_sum, given["given_flanders_mean"]
    else:
        group_n, group_sum, published = sim_n, sim_sum, given["given_similar_mean"]
    rest_n = group_n - np.where(counted, n, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rest_mean = (group_sum - np.where(counted, own, 0.0)) / rest_n
        rest_mean = np.where(rest_n > 0, rest_mean, np.nan)
    # A mean the organiser published covers every participating school, far more than we may
    # hold: it is the comparison as published (one school weighs little in it) and, like a
    # large group, its own sampling variance is negligible.
    if published is not None:
        use = np.isfinite(published) & (has_group | (comparison == FLANDERS))
        rest_mean = np.where(use, published, rest_mean)
        rest_n = np.where(use, np.inf, rest_n)
    var_w = stats["sd_within"][group] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        test_var = var_w / n + var_w / rest_n
    added = pd.DataFrame(
        dict(
            flanders_n=fl_n,
            sd_within=stats["sd_within"][group],
            flanders_mean=flanders_mean,
            similar_mean=similar_mean,
            diff_similar=mean - similar_mean,
            diff_flanders=mean - flanders_mean,
            test_diff=mean - rest_mean,
            test_var=test_var,
            flanders_sd=stats["sd_pupils"][group],
        ),
        index=out.index,
    )
    return pd.concat([out.drop(columns=[c for c in added if c in out]), added], axis=1)
