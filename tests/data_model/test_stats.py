"""Statistics of docs/statistics.md on cases small enough to compute by hand.

Expectations are derived from load_rules() (never literals of a threshold), so a change of
rules.toml changes what is expected, not whether the test makes sense.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from data_model.rules import load_rules
from data_model.statistics import variance
from data_model.statistics.groups import add_comparisons
from data_model.statistics.materialize import judge_cells
from data_model.statistics.panel import Panel
from data_model.statistics.status import classify, pooled_estimates, z_value
from data_model.statistics.suppression import mask_small_counts
from data_model.statistics.trend import trend_codes, weighted_slopes

RULES = load_rules()


def _cells(rows: list[tuple], year: str = "2024-2025") -> pd.DataFrame:
    """rows: (school_id, n, mean, sd, ses_group)."""
    return pd.DataFrame(
        {
            "school_id": [r[0] for r in rows],
            "school_year": year,
            "assessment_id": "ovsg6",
            "learning_area": "Wiskunde",
            "domain": None,
            "n_pupils": [r[1] for r in rows],
            "score_mean": [r[2] for r in rows],
            "score_sd": [r[3] for r in rows],
            "ses_group": pd.array([r[4] for r in rows], dtype="Int64"),
        }
    )


def test_pooled_sd_over_all_pupils_and_within_schools():
    # School A: pupils 1 and 3 (mean 2, sd √2); school B: pupils 5 and 7 (mean 6, sd √2).
    out = add_comparisons(_cells([("A", 2, 2.0, 2**0.5, 1), ("B", 2, 6.0, 2**0.5, 1)])).iloc[0]
    assert out["flanders_n"] == 4
    assert out["flanders_mean"] == pytest.approx(4.0)
    assert out["flanders_sd"] == pytest.approx(math.sqrt(20 / 3))  # all four pupils
    assert out["sd_within"] == pytest.approx(math.sqrt(2))  # pooled within the schools


def test_an_aggregate_without_sd_borrows_the_within_school_sd_instead_of_zero():
    # The old bug: a missing SD counted as zero spread, so flanders_sd collapsed.
    with_sd = _cells([("A", 20, 60.0, 10.0, 1), ("B", 20, 70.0, 10.0, 1)])
    without = with_sd.assign(score_sd=[10.0, np.nan])
    a = add_comparisons(with_sd).iloc[0]
    b = add_comparisons(without).iloc[0]
    assert b["sd_within"] == pytest.approx(10.0)
    assert b["flanders_sd"] == pytest.approx(a["flanders_sd"])


def test_the_test_leaves_the_school_out_and_the_published_mean_keeps_it():
    cells = _cells(
        [("S0", 25, 70.0, 10.0, 3), ("S1", 75, 65.0, 10.0, 3), ("S2", 50, 60.0, 10.0, 4)]
    )
    out = add_comparisons(cells).set_index("school_id")
    assert out.loc["S0", "similar_mean"] == pytest.approx((25 * 70 + 75 * 65) / 100)
    assert out.loc["S0", "test_diff"] == pytest.approx(70 - 65)
    # v = σ²_w/n + σ²_w/N(G∖s), σ_w = 10 here.
    assert out.loc["S0", "test_var"] == pytest.approx(100 / 25 + 100 / 75)
    # Alone in its SES group: no comparison for the test.
    assert math.isnan(out.loc["S2", "test_diff"])


def test_schools_without_context_are_never_compared_with_each_other():
    cells = _cells(
        [("A", 30, 80.0, 10.0, None), ("B", 30, 50.0, 10.0, None), ("C", 30, 65.0, 10.0, 2),
         ("D", 30, 66.0, 10.0, 2)]
    )  # fmt: skip
    out = add_comparisons(cells).set_index("school_id")
    for school in ("A", "B"):
        assert math.isnan(out.loc[school, "similar_mean"])
        assert math.isnan(out.loc[school, "test_diff"])
    # They still count for Flanders.
    assert out.loc["A", "flanders_mean"] == pytest.approx((80 + 50 + 65 + 66) / 4)


def test_classify_needs_the_whole_interval_beyond_the_threshold():
    large, margin = RULES.large_effect_size, RULES.as_expected_margin
    low = np.array([0.01, large + 0.01, -margin + 0.01, -margin - 0.01, -large - 0.2, np.nan])
    high = np.array([large + 0.5, large + 0.4, margin - 0.01, 0.05, -large - 0.01, 1.0])
    assert classify(low, high, large, margin).tolist() == [
        "higher",  # the point estimate may be large, the interval's low end is not
        "much_higher",
        "as_expected",  # holds 0 and lies within ± the margin: demonstrably close
        "uncertain",  # holds 0 but reaches beyond the margin: the data cannot tell
        "much_lower",
        "too_few",
    ]


def test_pooled_status_by_hand():
    # Three years, standardised differences 0.3, 0.1, 0.2, sampling variances 0.02 each,
    # class variance 0.01, between-school variance 0.04.
    z = np.array([[0.3, 0.1, 0.2]])
    q = np.full((1, 3), 0.02)
    out = pooled_estimates(z, q, np.array([[0.01]]), np.array([[0.04]]), RULES.status_years)
    w = 1 / (0.02 + 0.01)
    dbar, V = 0.2, 1 / (3 * w)
    lam = 0.04 / (0.04 + V)
    assert out["theta"][0, 2] == pytest.approx(lam * dbar)
    assert out["se"][0, 2] == pytest.approx(math.sqrt(lam * V))
    assert out["k"][0, 2] == 3 and out["first"][0, 2] == 0
    # A year that is not usable itself gets no colour, whatever the years before.
    z[0, 2] = np.nan
    assert np.isnan(
        pooled_estimates(z, q, np.array([[0.01]]), np.array([[0.04]]), 3)["theta"][0, 2]
    )


def test_a_school_that_skipped_years_is_judged_on_its_latest_three_years_with_data():
    # Years 0..5; the school skipped years 3 and 4: the colour of year 5 pools 5, 2 and 1.
    z = np.array([[0.5, 0.3, 0.1, np.nan, np.nan, 0.2]])
    q = np.full((1, 6), 0.02)
    n = np.array([[20.0, 21.0, 22.0, np.nan, np.nan, 25.0]])
    args = (np.array([[0.01]]), np.array([[0.04]]), 3)
    out = pooled_estimates(z, q, *args, span=5, n=n)
    assert out["k"][0, 5] == 3 and out["first"][0, 5] == 1
    assert out["n"][0, 5] == 21 + 22 + 25
    assert out["dbar"][0, 5] == pytest.approx(0.2)
    # Without the span (the old window) year 5 stood alone.
    assert pooled_estimates(z, q, *args)["k"][0, 5] == 1


def test_a_school_with_a_wider_spread_gets_a_wider_interval():
    from data_model.statistics.groups import own_spread

    # Four schools, eight years each, pooled SD 10; school A's pupils differ 1.5x as much.
    rows = [
        (s, f"{2017 + y}-{2018 + y}", 25, 60.0, sd)
        for s, sd in (("A", 15.0), ("B", 10.0), ("C", 10.0), ("D", 10.0))
        for y in range(8)
    ]
    cells = pd.DataFrame(
        rows, columns=["school_id", "school_year", "n_pupils", "score_mean", "score_sd"]
    ).assign(assessment_id="ovsg6", learning_area=None, domain=None, ses_group=1.0)
    out = add_comparisons(cells)  # the pooled spread for everyone (the default)
    var_w = out["sd_within"].to_numpy() ** 2
    f = own_spread(out, var_w, 50.0)
    a = out["school_id"].to_numpy() == "A"
    df = 8 * 24
    expected_a = (df * 225 / var_w[a][0] + 50) / (df + 50)
    assert f[a] == pytest.approx(expected_a)
    assert f[a][0] > 1.5 and f[~a].max() < 1
    with_own = add_comparisons(cells, prior_df=50.0)
    assert (with_own["test_var"][a] > out["test_var"][a]).all()
    # No SD anywhere: the pooled value (f = 1).
    assert np.allclose(own_spread(out.assign(score_sd=np.nan), var_w, 50.0), 1.0)


def test_the_comparison_follows_the_ses_index_without_jumping_at_a_group_boundary():
    # 41 schools; the mean rises 0.1 point per index point; groups split at index 50.
    index = np.linspace(30, 70, 41)
    cells = pd.DataFrame(
        {
            "school_id": [f"{i:06d}" for i in range(41)],
            "school_year": "2024-2025",
            "assessment_id": "ovsg6",
            "learning_area": None,
            "domain": None,
            "n_pupils": 20,
            "score_mean": 60 + 0.1 * (index - 50),
            "score_sd": 10.0,
            "ses_group": np.where(index < 50, 1.0, 2.0),
            "ses_index": index,
        }
    )
    by_group = add_comparisons(cells)
    by_index = add_comparisons(cells, min_model_schools=20)
    # Every school does exactly what its index predicts: no difference with the model...
    assert np.allclose(by_index["test_diff"], 0, atol=1e-9)
    # ...while the group mean puts the schools at a group's edges 1 point off.
    assert by_group["test_diff"].abs().max() > 0.9
    # The published similar mean stays the group's.
    assert np.allclose(by_group["similar_mean"], by_index["similar_mean"])
    # Too few other schools with an index: the group mean.
    few = add_comparisons(cells, min_model_schools=100)
    assert np.allclose(few["test_diff"], by_group["test_diff"])


def test_weighted_slope_by_hand_is_a_z_test_with_known_variance():
    z = np.array([[0.0, 0.2, 0.1, 0.3]])
    q = np.full((1, 4), 0.01)
    out = weighted_slopes(z, q, np.array([[0.01]]), RULES.trend_max_years, RULES.trend_min_years)
    w = 1 / 0.02
    # x 0..3, x̄ 1.5, Σ(x−x̄)² = 5: slope 0.4/5 (as OLS), SE = (w·5)^(-1/2).
    assert out["b"][0, 3] == pytest.approx(0.08)
    assert out["se"][0, 3] == pytest.approx((w * 5) ** -0.5)
    assert out["k"][0, 3] == 4
    assert np.isnan(out["b"][0, 1])  # two points: too short
    crit = z_value(1 - RULES.trend_alpha)
    b = np.array([crit * 0.1 + 1e-6, -crit * 0.1 - 1e-6, 0.0, np.nan])
    se = np.array([0.1, 0.1, 0.1, 0.1])
    assert trend_codes(b, se, crit).tolist() == ["rising", "falling", "no_clear_trend", "too_short"]


def test_variance_components_recover_the_truth_of_a_simulation():
    rng = np.random.default_rng(7)
    schools, years = 400, 8
    sigma_c, tau, q = 0.15, 0.3, 0.02
    theta = rng.normal(0, tau, (schools, 1))
    z = (
        theta
        + rng.normal(0, sigma_c, (schools, years))
        + rng.normal(0, math.sqrt(q), (schools, years))
    )
    rows = pd.DataFrame(
        {
            "school_id": np.repeat([f"S{i}" for i in range(schools)], years),
            "school_year": np.tile([f"{2015 + t}-{2016 + t}" for t in range(years)], schools),
            "assessment_id": "ovsg6",
            "learning_area": "Wiskunde",
            "domain": None,
        }
    )
    panel = Panel.of(rows)
    comp = variance.estimate(panel, panel.matrix(z.reshape(-1)), np.full(z.shape, q), RULES)
    assert comp.class_estimated[0]
    assert math.sqrt(comp.class_var[0]) == pytest.approx(sigma_c, abs=0.02)
    assert math.sqrt(comp.between_var[0]) == pytest.approx(tau, abs=0.04)


def _series_cells(diffs: list[float], n: int = 25, sd: float = 10.0) -> pd.DataFrame:
    """One school S0 in SES group 1 against a large group with mean 60, over the years."""
    frames = []
    for i, d in enumerate(diffs):
        year = f"{2018 + i}-{2019 + i}"
        frames.append(_cells([("S0", n, 60.0 + d, sd, 1), ("BIG", 5000, 60.0, sd, 1)], year))
    return pd.concat(frames, ignore_index=True)


def test_privacy_minimum_blanks_every_measure():
    cells = _series_cells([0.0, 0.0, 0.0], n=RULES.min_group_size - 1)
    out, _ = judge_cells(cells, RULES)
    row = out[out["school_id"] == "S0"].iloc[-1]
    assert row["suppressed"] and row["status"] == "too_few" and row["trend"] == "too_short"
    for col in ("score_mean", "score_sd", "diff_similar", "ci_low", "ci_high", "year_diff",
                "status_estimate", "trend_slope"):  # fmt: skip
        assert pd.isna(row[col]), col


def test_below_the_colour_minimum_no_colour_but_the_score_stays():
    out, _ = judge_cells(_series_cells([5.0, 5.0, 5.0], n=RULES.min_colour_size - 1), RULES)
    row = out[out["school_id"] == "S0"].iloc[-1]
    assert row["status"] == "too_few" and not row["suppressed"]
    assert row["score_mean"] == pytest.approx(65.0)


def test_small_counts_are_masked_with_secondary_suppression():
    df = pd.DataFrame(
        {
            "year": ["a"] * 4 + ["b"] * 3 + ["c"] * 2,
            "phase": ["p0", "p1", "p2", "p3", "p0", "p1", "p2", "CLB", "zit"],
            "n": [300, 40, 12, 2, 200, 3, 4, 20, 3],
            "linked": [True] * 7 + [False, False],
        }
    )
    out = mask_small_counts(df, "n", ["year"], 5, linked=df["linked"])
    shown = out["n"].astype(object).where(~out["masked"], "< 5").tolist()
    assert shown == [
        300, 40, "< 5", "< 5",  # 2 is masked, and 12 too: else 2 = total - the rest
        200, "< 5", "< 5",  # two small ones already protect each other
        20, "< 5",  # independent indicators: only the small one
    ]  # fmt: skip


def _groups(n1: int, m1: float, n2: int, m2: float, sd: float = 8.0) -> pd.DataFrame:
    """Sums of two groups of one dimension with means m1, m2 and SD sd (n, s, ss)."""
    rows = []
    for grp, n, m in (("niet Nederlands", n1, m1), ("Nederlands", n2, m2)):
        rows.append(("home_language", grp, n, n * m, (n - 1) * sd**2 + n * m**2))
    return pd.DataFrame(rows, columns=["dimension", "grp", "n", "s", "ss"])


def test_a_subgroup_gap_is_tested_against_the_flanders_gap():
    from data_model.reading.subgroups import summarise_groups

    flanders = _groups(20_000, 58.0, 60_000, 62.0)  # Flanders gap: −4
    # The school's gap is −4 as well: large, but no different from Flanders.
    same = summarise_groups(_groups(40, 56.0, 60, 60.0), flanders).set_index("group")
    assert same.loc["niet Nederlands", "gap_vs_flanders"] == pytest.approx(0.0)
    assert same.loc["niet Nederlands", "gap_status"] == "as_expected"
    # A gap of −12 is clearly larger than in Flanders.
    wider = summarise_groups(_groups(40, 50.0, 60, 62.0), flanders).set_index("group")
    assert wider.loc["niet Nederlands", "gap_vs_flanders"] == pytest.approx(-8.0)
    assert wider.loc["niet Nederlands", "gap_status"] == "lower"
    assert wider.loc["Nederlands", "gap_status"] == "higher"


def _vt4_statuses(con) -> pd.Series:
    return (
        con.execute(
            "SELECT school_id, school_year, coalesce(learning_area, '') AS area, "
            "coalesce(domain, '') AS domain, status FROM v_school_result "
            "WHERE assessment_id = 'vt4'"
        )
        .df()
        .set_index(["school_id", "school_year", "area", "domain"])["status"]
        .astype(str)
        .sort_index()
    )


def test_a_results_file_without_sds_colours_like_the_same_file_with_them(writable_db):
    # The whole vt4 file again, through the importer, without the optional SD column: no cell
    # of vt4 has an SD any more, so every row borrows the pooled within-school SD of its
    # level that year (groups.level_within_sd), never "too few pupils".
    from data_model.imports import importer
    from data_model.reading.access import system_viewer
    from data_model.storage.db import Database
    from tests.data_model.importer_files import RESULT_HEADER, csv_bytes

    db = Database(writable_db)
    try:
        con = db.cursor()
        before = _vt4_statuses(con)
        rows = con.execute(
            "SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils, "
            "score_mean, similar_mean, flanders_mean, pct_goal_reached "
            "FROM school_results_aggregate WHERE assessment_id = 'vt4'"
        ).fetchall()
        header = [h for h in RESULT_HEADER if h != "standaardafwijking_school"]
        assert len(header) == len(rows[0])
        report = importer.import_file(
            db, system_viewer(con), "vt4.csv", csv_bytes(header, rows), "results"
        )
        assert report.ok, report.problems
        con = db.cursor()
        assert con.execute(
            "SELECT count(*) FROM school_results_aggregate "
            "WHERE assessment_id = 'vt4' AND score_sd IS NOT NULL"
        ).fetchone() == (0,)
        after = _vt4_statuses(con)
    finally:
        db.close()
    assert before.index.equals(after.index)
    assert (after[before != "too_few"] != "too_few").all()
    assert (before == after).mean() >= 0.97
    shares = pd.concat(
        [before.value_counts(normalize=True), after.value_counts(normalize=True)], axis=1
    ).fillna(0)
    assert (shares.iloc[:, 0] - shares.iloc[:, 1]).abs().max() <= 0.02


def test_the_flanders_gap_is_the_gap_within_schools_not_between_them():
    from data_model.reading.subgroups import flanders_gaps

    # Two schools, each with a gap of −2 inside, but the second (with most of the group)
    # scores 10 lower for everyone: over all pupils the gap is 59 − 69 = −10.
    rows = []
    for school, (n1, m1, n2, m2) in {"A": (10, 68.0, 90, 70.0), "B": (90, 58.0, 10, 60.0)}.items():
        rows.append(("home_language", school, "niet Nederlands", n1, n1 * m1))
        rows.append(("home_language", school, "Nederlands", n2, n2 * m2))
    sums = pd.DataFrame(rows, columns=["dimension", "school_id", "grp", "n", "s"])
    within = flanders_gaps(sums)
    overall = flanders_gaps(sums.drop(columns="school_id").groupby(
        ["dimension", "grp"], as_index=False).sum())  # fmt: skip
    assert within[("home_language", "niet Nederlands")] == pytest.approx(-2.0)
    assert overall[("home_language", "niet Nederlands")] == pytest.approx(-10.0)


def test_the_gaps_of_a_cell_are_tested_together():
    from data_model.reading.subgroups import summarise_groups

    flanders = _groups(20_000, 58.0, 60_000, 62.0)
    one = summarise_groups(_groups(40, 56.0, 60, 62.0), flanders).set_index("group")
    # A gap of −6 against −4: alone it is tested at subgroup_confidence...
    alone = one.loc["niet Nederlands"]
    level = RULES.subgroup_confidence
    half = (alone["gap_ci_high"] - alone["gap_ci_low"]) / 2
    se = (alone["diff_ci_high"] - alone["diff_ci_low"]) / 2 / z_value(RULES.descriptive_confidence)
    assert half / se == pytest.approx(z_value(level), rel=0.05)
    assert alone["gap_text"].startswith("Geen duidelijk verschil")
    # ...and with a second dimension in the cell, each at 1 − (1 − level) / 2: wider.
    two = pd.concat([_groups(40, 56.0, 60, 62.0), _groups(50, 60.0, 50, 60.0).assign(
        dimension="gender", grp=["jongens", "meisjes"])])  # fmt: skip
    fl_two = pd.concat([flanders, _groups(40_000, 60.0, 40_000, 60.0).assign(
        dimension="gender", grp=["jongens", "meisjes"])])  # fmt: skip
    both = summarise_groups(two, fl_two).set_index("group").loc["niet Nederlands"]
    assert both["gap_ci_high"] - both["gap_ci_low"] > 2 * half


def test_chance_colours_and_arrows_of_a_school_like_its_peers():
    from data_model.statistics.chance import colour_probability, expected_chance

    # θ/s is N(0, λ) for a null school: with λ = 1 a colour comes at the test's own level,
    # with shrinkage much less often.
    assert colour_probability(np.array([1.0]), np.array([1.96]))[0] == pytest.approx(0.05, 1e-3)
    half = 2 * (1 - NormalDist().cdf(1.96 / math.sqrt(0.5)))
    assert colour_probability(np.array([0.5]), np.array([1.96]))[0] == pytest.approx(half)
    rows = pd.DataFrame(
        {
            "status": ["higher", "as_expected", "too_few"],
            "reliability": [1.0, 0.5, np.nan],
            "z_crit": [1.96, 1.96, 1.96],
            "trend": ["rising", "too_short", "no_clear_trend"],
            "domain": [None, "Meetkunde", "Getallen"],
        }
    )
    said = expected_chance(rows, RULES)
    assert said.colours == pytest.approx(0.05 + half, 1e-3)
    assert said.arrows == pytest.approx(RULES.trend_alpha + RULES.trend_domain_alpha)
    assert (said.cells, said.trend_cells) == (2, 2)
