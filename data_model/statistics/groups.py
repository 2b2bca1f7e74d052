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


def _sums(
    group: np.ndarray, size: int, counted: np.ndarray, **values: np.ndarray
) -> dict[str, np.ndarray]:
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
        counted: np.ndarray = (n > 0) & np.isfinite(frame["score_mean"].to_numpy(float))
    return counted


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


def own_spread(frame: pd.DataFrame, var_w: np.ndarray, prior_df: float) -> np.ndarray:
    """Per row: f, the school's own within-school variance relative to σ²_w,t, over all its
    school years of the cell, shrunk towards 1: f = (Σ df·s²/σ²_w + k) / (Σ df + k), df = n−1
    of the rows with an SD, k = prior_df. A school without any SD in the cell gets 1 (the
    pooled value); a school whose pupils differ 1.5x as much as usual gets close to 2.25.
    """
    n = frame["n_pupils"].to_numpy(float)
    sd = frame["score_sd"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(sd) & (n > 1) & np.isfinite(var_w) & (var_w > 0) & _counted(frame)
        ratio = np.where(ok, (n - 1) * sd**2 / var_w, 0.0)
    school = frame["school_code"].to_numpy(np.int64)
    cell = frame["cell_code"].to_numpy(np.int64)
    series, size = _group_of(school * (int(cell.max()) + 1 if len(cell) else 1) + cell)
    s_ratio = np.bincount(series, weights=ratio, minlength=size)
    s_df = np.bincount(series, weights=np.where(ok, n - 1, 0.0), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = (s_ratio + prior_df) / (s_df + prior_df)
    factor: np.ndarray = np.where(np.isfinite(f), f, 1.0)[series]
    return factor


def _index_terms(x: np.ndarray) -> np.ndarray:
    """1, index, index² (the index, 0-100, centred and scaled so the 3x3 systems are tame)."""
    xs = (x - 50.0) / 25.0
    return np.stack([np.ones_like(xs), xs, xs**2], axis=1)


def index_model(
    frame: pd.DataFrame, group: np.ndarray, size: int, use: np.ndarray, min_schools: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the leave-one-out expected mean of a school with its SES index, and its
    leverage h (the expected mean's sampling variance is σ²_w·h).

    Per cell x school year a pupil-weighted quadratic regression of school means on the SES
    index (school_context.ses_index) over the other schools (`use`: counted rows with a SES
    group and an index). Unlike the SES group's mean it does not jump when a school crosses
    a quintile boundary, and a school at the edge of a group is compared with schools like it,
    not with the group's middle. NaN where the school has no index or fewer than
    `min_schools` other schools have one (then the group mean is used).
    """
    nan = np.full(len(frame), np.nan)
    if "ses_index" not in frame.columns or not len(frame):
        return nan, nan
    x = frame["ses_index"].to_numpy(float, na_value=np.nan)
    ok = use & np.isfinite(x)
    X = _index_terms(np.where(np.isfinite(x), x, 50.0))
    w = np.where(ok, frame["n_pupils"].to_numpy(float), 0.0)
    y = np.where(ok, frame["score_mean"].to_numpy(float), 0.0)
    wxx = w[:, None, None] * X[:, :, None] * X[:, None, :]
    wxy = (w * y)[:, None] * X
    A = (
        np.stack(
            [
                np.bincount(group, weights=wxx[:, i, j], minlength=size)
                for i in range(3)
                for j in range(3)
            ],
            axis=1,
        ).reshape(size, 3, 3)[group]
        - wxx
    )
    b = np.stack([np.bincount(group, weights=wxy[:, i], minlength=size) for i in range(3)], axis=1)
    b = b[group] - wxy
    others = np.bincount(group, weights=ok.astype(float), minlength=size)[group] - ok
    fit = np.isfinite(x) & (others >= min_schools)
    pred, lev = nan.copy(), nan.copy()
    if fit.any():
        inv = np.linalg.pinv(A[fit])
        beta = np.einsum("mij,mj->mi", inv, b[fit])
        pred[fit] = np.einsum("mi,mi->m", X[fit], beta)
        lev[fit] = np.einsum("mi,mij,mj->m", X[fit], inv, X[fit])
    return pred, lev


def add_comparisons(
    cells: pd.DataFrame,
    comparison: str = SIMILAR,
    prior_df: float = np.inf,
    min_model_schools: int | None = None,
) -> pd.DataFrame:
    """Add the published comparison means and the test difference with its variance.

    Expects one row per school x cell x year with n_pupils, score_mean, score_sd, ses_group and
    optionally given_similar_mean / given_flanders_mean (means the organiser published for
    aggregate-only imports: they win for the published mean, because the organiser sees every
    participating school; the leave-one-out mean is then derived from them), and the integer
    keys of panel.CODE_COLUMNS (made from the text keys when missing).

    Adds: similar_mean, flanders_mean, diff_similar, diff_flanders (published, school included),
    flanders_sd (= SD_t), sd_within (σ_w,t), test_diff (d_st, leave-one-out, against the
    `comparison` group), test_var (v_st = f·σ²_w/n + σ²_w/N_(G∖s), f the school's own spread,
    own_spread with prior_df; the default infinity gives f = 1, the pooled spread). With
    min_model_schools (and a column ses_index) the similar comparison of the test is the
    expected mean of a school with the same SES index (index_model), where at least that many
    other schools have an index; N_(G∖s) is then 1/h.
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
    if comparison != FLANDERS and min_model_schools is not None:
        expected, leverage = index_model(out, group, size, counted & has_group, min_model_schools)
        modelled = np.isfinite(expected) & has_group
        rest_mean = np.where(modelled, expected, rest_mean)
        with np.errstate(divide="ignore"):
            rest_n = np.where(modelled, 1.0 / leverage, rest_n)
    # A mean the organiser published covers every participating school, far more than we may
    # hold: it is the comparison as published (one school weighs little in it) and, like a
    # large group, its own sampling variance is negligible.
    if published is not None:
        use = np.isfinite(published) & (has_group | (comparison == FLANDERS))
        rest_mean = np.where(use, published, rest_mean)
        rest_n = np.where(use, np.inf, rest_n)
    var_w = stats["sd_within"][group] ** 2
    spread = own_spread(out, var_w, prior_df)
    with np.errstate(invalid="ignore", divide="ignore"):
        test_var = var_w * spread / n + var_w / rest_n
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
