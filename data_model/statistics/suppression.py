"""Small-group suppression of counts (privacy): one rule, used by every reader of counts."""

from __future__ import annotations

import pandas as pd


def mask_small_counts(
    df: pd.DataFrame,
    count_col: str,
    group_cols: list[str],
    minimum: int,
    linked: pd.Series | None = None,
    share_cols: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Blank counts of 1..minimum-1 pupils (a group that small is never shown).

    Rows where `linked` is true add up to a known total within their group (the phases of the
    support continuum, the KOALA categories of a year). There, a single blanked count could be
    recovered by subtraction, so the next smallest count of that group is blanked as well
    (secondary suppression). Zero is shown: it describes no pupil. Adds a bool column `masked`;
    `count_col` and `share_cols` become NA where masked.
    """
    out = df.copy()
    counts = pd.to_numeric(out[count_col], errors="coerce")
    masked = (counts > 0) & (counts < minimum)
    linked = pd.Series(True, index=out.index) if linked is None else linked.reindex(out.index)
    linked = linked.fillna(False).astype(bool)
    if (masked & linked).any():  # vectorised: this runs on every page view
        group = out.groupby(group_cols, dropna=False, sort=False).ngroup()
        per_group = (masked & linked).groupby(group).transform("sum")
        candidates = linked & ~masked & (counts > 0) & (per_group == 1)
        if candidates.any():
            masked.loc[counts[candidates].groupby(group[candidates]).idxmin().to_numpy()] = True
    out["masked"] = masked.to_numpy()
    # pandas-stubs reject pd.NA as `other` of Series.where; pandas documents it for Int64.
    out[count_col] = counts.astype("Int64").where(~masked, pd.NA)  # type: ignore[call-overload]
    for col in share_cols:
        out[col] = out[col].where(~masked)
    return out


def mask_support_counts(
    df: pd.DataFrame, minimum: int, share_cols: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Support rows (v_support): counts of 1..minimum-1 masked per school year, with secondary
    suppression inside the continuum, whose phases add up to a known total."""
    return mask_small_counts(
        df,
        "n_pupils",
        ["school_year"],
        minimum,
        linked=df["measure_kind"] == "continuum",
        share_cols=share_cols,
    )
