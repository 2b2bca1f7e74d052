"""SES-adjusted expected scores (statistics/expected.py), as stored, against statsmodels: the
pupil-level OLS on background, then the composition stage (WLS of the schools' differences on
their SES index, leave-one-out)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from data_model.rules import load_rules
from data_model.statistics.expected import PREDICTORS

PUPILS_SQL = """
SELECT p.school_id, r.pupil_id, r.learning_area, r.domain, r.score,
       CAST(NOT p.home_language_dutch AS DOUBLE) AS home_language_not_dutch,
       CAST(p.mother_low_education AS DOUBLE) AS mother_low_education,
       CAST(p.school_allowance AS DOUBLE) AS school_allowance,
       CAST(p.neighbourhood_low AS DOUBLE) AS neighbourhood_low
FROM pupil_results r JOIN pupils p USING (pupil_id)
WHERE p.school_year = ? AND r.assessment_id = ?
"""
NAMES = [name for name, _ in PREDICTORS]


def _pupil_scores(frame: pd.DataFrame, area: str | None, domain: str | None) -> pd.DataFrame:
    """One row per pupil with the score of the cell, as materialize.py defines it."""
    if domain is not None:
        sel = frame[(frame["learning_area"] == area) & (frame["domain"] == domain)]
    elif area is not None:
        sel = frame[frame["learning_area"] == area]
    else:
        sel = frame
    return sel.groupby(["school_id", "pupil_id", *NAMES], as_index=False)["score"].mean()


def _composition(
    con: duckdb.DuckDBPyConnection, reference: pd.DataFrame, shown: pd.Series, year: str
) -> pd.DataFrame:
    """The second stage of docs/statistics.md §7: each school's difference against what the
    other shown schools with an SES index show at its index (statsmodels WLS on 1, x, x²,
    x = (index − 50)/25, weights n), moved from the difference into the expected score."""
    index = con.execute(
        "SELECT school_id, ses_index FROM school_context WHERE school_year = ?", [year]
    ).df()
    ref = reference.join(index.set_index("school_id"))
    x = (ref["ses_index"].to_numpy(float) - 50) / 25
    X = np.column_stack([np.ones_like(x), x, x**2])
    fit_rows = shown.to_numpy() & np.isfinite(x)
    ref["composition"], ref["leverage"] = 0.0, 0.0
    for i in np.flatnonzero(np.isfinite(x)):
        others = fit_rows.copy()
        others[i] = False
        if others.sum() < load_rules().ses_model_min_schools:
            continue
        w = ref["n"].to_numpy(float)[others]
        fit = sm.WLS(ref["va"].to_numpy()[others], X[others], weights=w).fit()
        ref.iloc[i, ref.columns.get_loc("composition")] = float(fit.predict(X[i : i + 1])[0])
        inv = np.linalg.inv(X[others].T @ (w[:, None] * X[others]))
        ref.iloc[i, ref.columns.get_loc("leverage")] = float(X[i] @ inv @ X[i])
    return ref.assign(
        va=ref["va"] - ref["composition"], expected=ref["expected"] + ref["composition"]
    )


@pytest.fixture(scope="module")
def expected(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    # What the import path stored in the snapshot (refresh_school_expected).
    return (
        con.execute("SELECT * FROM school_expected").df(),
        con.execute("SELECT * FROM expected_model").df(),
    )


@pytest.mark.parametrize(
    ("year", "area", "domain"),
    [
        ("2024-2025", "Wiskunde", "Meetkunde"),
        ("2021-2022", "Nederlands", None),
        ("2019-2020", None, None),
    ],
)
def test_matches_statsmodels_ols(
    con: duckdb.DuckDBPyConnection,
    expected: tuple[pd.DataFrame, pd.DataFrame],
    year: str,
    area: str | None,
    domain: str | None,
) -> None:
    schools, model = expected
    pupils = _pupil_scores(con.execute(PUPILS_SQL, [year, "ovsg6"]).df(), area, domain)
    fit = sm.OLS(pupils["score"], sm.add_constant(pupils[NAMES])).fit()

    def same_cell(df: pd.DataFrame) -> pd.Series:
        a = df["learning_area"].isna() if area is None else df["learning_area"] == area
        d = df["domain"].isna() if domain is None else df["domain"] == domain
        return (df["school_year"] == year) & (df["assessment_id"] == "ovsg6") & a & d

    row = model[same_cell(model)].iloc[0]
    assert row["n_pupils"] == len(pupils)
    assert row["intercept"] == pytest.approx(fit.params["const"], abs=1e-8)
    for name in NAMES:
        assert row[f"coef_{name}"] == pytest.approx(fit.params[name], abs=1e-8)
    assert row["r_squared"] == pytest.approx(fit.rsquared, abs=1e-10)

    # Expected mean = mean fitted value of the school's pupils; the SES-corrected difference's
    # sampling variance uses the pooled within-school residual variance of the cell (as the
    # colours use σ²_w), plus the year-to-year class variance, which is the same for every
    # school of the cell: so half² − z²·σ²_w/n must be one constant.
    pupils = pupils.assign(fitted=fit.fittedvalues, resid=fit.resid)
    by_school = pupils.groupby("school_id")
    reference = pd.DataFrame(
        {
            "n": by_school.size(),
            "expected": by_school["fitted"].mean(),
            "va": by_school["resid"].mean(),
            "sd": by_school["resid"].std(ddof=1),
        }
    )
    ours = schools[same_cell(schools)].set_index("school_id").loc[reference.index]
    shown = reference["n"] >= load_rules().min_group_size
    assert (ours["suppressed"] == ~shown).all()
    reference = _composition(con, reference, shown, year)
    ref, got = reference[shown], ours[shown]
    np.testing.assert_allclose(got["expected_mean"], ref["expected"], atol=1e-8)
    np.testing.assert_allclose(got["value_added"], ref["va"], atol=1e-8)
    rules = load_rules()
    conf = rules.domain_confidence if domain is not None else rules.confidence
    z = sps.norm.ppf(0.5 + conf / 2)
    dof = (reference["n"] - 1).clip(lower=0)
    pooled = float((dof * reference["sd"].fillna(0) ** 2).sum() / dof.sum())
    coloured = ref["n"] >= rules.min_colour_size
    got, ref = got[coloured], ref[coloured]
    half = (got["va_year_ci_high"] - got["va_year_ci_low"]) / 2
    np.testing.assert_allclose(got["va_year_ci_low"] + half, got["value_added"], atol=1e-8)
    extra = half**2 - z**2 * pooled * (1 / ref["n"] + ref["leverage"])
    assert extra.min() >= -1e-8
    assert extra.max() - extra.min() == pytest.approx(0, abs=1e-6)
    assert got["observed_mean"].to_numpy() == pytest.approx(
        (ref["expected"] + ref["va"]).to_numpy(), abs=1e-8
    )


def test_small_groups_show_nothing(expected: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    schools, _ = expected
    small = schools[schools["n_pupils"] < load_rules().min_group_size]
    assert not small.empty  # the demo has cohorts under the privacy minimum
    assert small["suppressed"].all()
    measures = ["observed_mean", "expected_mean", "value_added", "va_ci_low", "va_ci_high",
                "va_estimate", "va_year_ci_low", "va_year_ci_high"]  # fmt: skip
    assert small[measures].isna().all().all()
    assert set(small["va_status"]) == {"too_few"}


def test_only_pupil_level_results_have_an_expected_score(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Schools that sent only the organiser's school averages of vt4 get no expected score.
    assert con.execute("SELECT count(*) FROM school_expected").fetchone()[0] > 0
    from_averages = con.execute(
        "SELECT count(*) FROM school_expected e SEMI JOIN school_results_aggregate a "
        "USING (school_id, school_year, assessment_id)"
    ).fetchone()[0]
    assert from_averages == 0
    missing = con.execute(
        """
        SELECT count(*) FROM school_result r
        LEFT JOIN school_expected e
          ON e.school_id = r.school_id AND e.school_year = r.school_year
         AND e.assessment_id = r.assessment_id
         AND e.learning_area IS NOT DISTINCT FROM r.learning_area
         AND e.domain IS NOT DISTINCT FROM r.domain
        WHERE r.source = 'pupils' AND e.school_id IS NULL
        """
    ).fetchone()[0]
    assert missing == 0
