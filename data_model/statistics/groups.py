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

from data_model.vocabulary import CELL_KEYS as _CELL_KEYS
from data_model.vocabulary import FLANDERS, SIMILAR

CELL_KEYS = list(_CELL_KEYS)


def _text_keys(df: pd.DataFrame) -> pd.DataFrame:
    # Text keys that may be all-NULL (domain on learning-area rows) must keep one dtype on
    # both sides of a merge.
    for key in ("learning_area", "domain"):
        if key in df.columns:
            df[key] = df[key].astype(object).where(df[key].notna(), None)
    return df


def cell_year_stats(cells: pd.DataFrame) -> pd.DataFrame:
    """Per cell and year: pupils, mean, pooled within-school SD and Flanders pupil SD.

    Combining school aggregates this way gives exactly the mean and SD over all pupils, so the
    numbers are the same whether a school came in pupil by pupil or as an aggregate row.
    """
    df = cells[CELL_KEYS + ["n_pupils", "score_mean", "score_sd"]].copy()
    df = df[(df["n_pupils"] > 0) & df["score_mean"].notna()]
    n = df["n_pupils"].astype(float)
    has_sd = df["score_sd"].notna() & (n > 1)
    df["_sum"] = n * df["score_mean"]
    df["_ssw"] = ((n - 1) * df["score_sd"] ** 2).where(has_sd, 0.0)
    df["_dfw"] = (n - 1).where(has_sd, 0.0)
    df["_n_nosd"] = (n - 1).clip(lower=0).where(~has_sd, 0.0)
    df["_sq"] = n * df["score_mean"] ** 2
    g = df.groupby(CELL_KEYS, dropna=False, sort=False)
    out = g[["n_pupils", "_sum", "_ssw", "_dfw", "_n_nosd", "_sq"]].sum().reset_index()
    total_n = out["n_pupils"].astype(float)
    mean = out["_sum"] / total_n
    with np.errstate(invalid="ignore", divide="ignore"):
        var_w = (out["_ssw"] / out["_dfw"]).where(out["_dfw"] > 0)
        # Rows without SD contribute (n−1)·σ²_w: borrowed, never zero.
        ss_within = out["_ssw"] + out["_n_nosd"] * var_w
        ss_between = (out["_sq"] - total_n * mean**2).clip(lower=0)
        var_t = (ss_within + ss_between) / (total_n - 1).where(total_n > 1)
    return _text_keys(
        pd.DataFrame(
            {
                **{k: out[k] for k in CELL_KEYS},
                "flanders_n": out["n_pupils"].astype("int64"),
                "flanders_mean_own": mean,
                "sd_within": np.sqrt(var_w),
                "sd_pupils": np.sqrt(var_t),
            }
        )
    )


def _group_sums(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = cells[keys + ["n_pupils", "score_mean"]].copy()
    df = df[(df["n_pupils"] > 0) & df["score_mean"].notna()]
    df["_sum"] = df["n_pupils"].astype(float) * df["score_mean"]
    out = df.groupby(keys, dropna=False, sort=False)[["n_pupils", "_sum"]].sum().reset_index()
    return _text_keys(out.rename(columns={"n_pupils": "_gn", "_sum": "_gsum"}))


def add_comparisons(cells: pd.DataFrame, comparison: str = SIMILAR) -> pd.DataFrame:
    """Add the published comparison means and the test difference with its variance.

    Expects one row per school x CELL_KEYS with n_pupils, score_mean, score_sd, ses_group and
    optionally given_similar_mean / given_flanders_mean (means the organiser published for
    aggregate-only imports: they win for the published mean, because the organiser sees every
    participating school; the leave-one-out mean is then derived from them).

    Adds: similar_mean, flanders_mean, diff_similar, diff_flanders (published, school included),
    flanders_sd (= SD_t), sd_within (σ_w,t), test_diff (d_st, leave-one-out, against the
    `comparison` group), test_var (v_st = σ²_w/n + σ²_w/N_(G∖s)).
    """
    out = _text_keys(cells.copy())
    stats = cell_year_stats(out)
    out = out.merge(stats, on=CELL_KEYS, how="left")
    fl = _group_sums(out, CELL_KEYS)
    has_group = out["ses_group"].notna()
    sim = _group_sums(out[has_group], CELL_KEYS + ["ses_group"])
    out = out.merge(fl, on=CELL_KEYS, how="left")
    out = out.merge(
        sim.rename(columns={"_gn": "_sn", "_gsum": "_ssum"}),
        on=CELL_KEYS + ["ses_group"],
        how="left",
    )
    n = out["n_pupils"].astype(float)
    own = n * out["score_mean"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["flanders_mean"] = out["_gsum"] / out["_gn"]
        out["similar_mean"] = (out["_ssum"] / out["_sn"]).where(has_group)
    for given, ours in (
        ("given_similar_mean", "similar_mean"),
        ("given_flanders_mean", "flanders_mean"),
    ):
        if given in out.columns:
            out[ours] = out[given].where(out[given].notna(), out[ours])
    out.loc[~has_group, "similar_mean"] = np.nan
    out["diff_similar"] = out["score_mean"] - out["similar_mean"]
    out["diff_flanders"] = out["score_mean"] - out["flanders_mean"]
    # Leave-one-out: take the school's own pupils out of the group mean.
    if comparison == FLANDERS:
        group_n, group_mean, given = (
            out["_gn"].astype(float),
            out["_gsum"] / out["_gn"],
            "given_flanders_mean",
        )
    else:
        group_n, group_mean, given = (
            out["_sn"].astype(float),
            out["_ssum"] / out["_sn"],
            "given_similar_mean",
        )
    counted = out["score_mean"].notna() & (n > 0)
    rest_n = group_n - n.where(counted, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rest_mean = (group_n * group_mean - own.where(counted, 0.0)) / rest_n
        rest_mean = rest_mean.where(rest_n > 0)
    # A mean the organiser published covers every participating school, far more than we may
    # hold: it is the comparison as published (one school weighs little in it) and, like a
    # large group, its own sampling variance is negligible.
    if given in out.columns:
        published = out[given].notna() & (has_group | (comparison == FLANDERS))
        rest_mean = rest_mean.where(~published, out[given])
        rest_n = rest_n.where(~published, np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        var_w = out["sd_within"] ** 2
        out["test_diff"] = out["score_mean"] - rest_mean
        out["test_var"] = var_w / n + var_w / rest_n
    out["flanders_sd"] = out["sd_pupils"]
    return out.drop(columns=["_gn", "_gsum", "_sn", "_ssum", "flanders_mean_own", "sd_pupils"])
