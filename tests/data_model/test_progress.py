"""Learning gain (v_school_progress) on a sample that runs to 2025-2026: the grade-4 pupils of
2023-2024 (Vlaamse toetsen) followed to grade 6 (Vlaamse toetsen and OVSG-toets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_model.rules import load_rules
from data_model.sample import SampleSpec, generate
from data_model.statistics.progress import judge
from data_model.storage.db import Database
from data_model.vocabulary import STATUSES, TRENDS

CONTRACT = ["school_id", "from_year", "to_year", "from_assessment", "to_assessment",
            "learning_area", "n_linked", "pct_linked", "progress_estimate", "ci_low", "ci_high",
            "status", "trend", "suppressed"]  # fmt: skip
MINIMUM = load_rules().min_group_size


@pytest.fixture(scope="module")
def cur(tmp_path_factory: pytest.TempPathFactory):
    folder = generate(tmp_path_factory.mktemp("progress") / "data",
                      SampleSpec(schools=40, years=3, seed=7, last_year=2025))  # fmt: skip
    db = Database(folder)
    yield db.cursor()
    db.close()


def test_view_answers_the_contract(cur) -> None:
    df = cur.execute("SELECT * FROM v_school_progress").df()
    assert list(df.columns[: len(CONTRACT)]) == CONTRACT
    assert set(df["to_assessment"]) == {"vt6", "ovsg6"} and set(df["from_assessment"]) == {"vt4"}
    assert set(df["from_year"]) == {"2023-2024"} and set(df["to_year"]) == {"2025-2026"}
    assert set(df["status"]) <= set(STATUSES) and set(df["trend"]) <= set(TRENDS)
    shown = df[~df["suppressed"]]
    assert (shown["n_linked"] >= MINIMUM).all()
    assert ((shown["pct_linked"] > 0) & (shown["pct_linked"] <= 100)).all()
    assert (shown["pct_linked"] < 100).any()  # movers are not linked
    assert df.loc[df["suppressed"], ["n_linked", "progress_estimate", "ci_low"]].isna().all().all()
    judged = shown.dropna(subset=["progress_estimate"])
    assert len(judged) > 0 and (judged["ci_low"] <= judged["progress_estimate"]).all()
    assert set(shown["learning_area"].dropna()) == {"Nederlands", "Wiskunde"}  # no Frans in 4


def test_progress_is_the_mean_residual_of_the_linked_pupils(cur) -> None:
    pupils = cur.execute(
        """
        SELECT p.pupil_key, p.school_id, r.assessment_id, avg(r.score) AS score
        FROM pupils p JOIN pupil_results r USING (pupil_id)
        WHERE r.assessment_id IN ('vt4', 'vt6') AND p.pupil_key IS NOT NULL
          AND ((r.assessment_id = 'vt4' AND p.school_year = '2023-2024')
               OR (r.assessment_id = 'vt6' AND p.school_year = '2025-2026'))
        GROUP BY ALL
        """
    ).df()
    wide = pupils.pivot_table(index=["pupil_key", "school_id"], columns="assessment_id",
                              values="score").dropna().reset_index()  # fmt: skip
    slope, intercept = np.polyfit(wide["vt4"], wide["vt6"], 1)
    wide["resid"] = wide["vt6"] - (intercept + slope * wide["vt4"])
    expected = wide.groupby("school_id")["resid"].agg(["mean", "count"])
    stored = cur.execute(
        "SELECT school_id, year_progress, n_linked FROM v_school_progress "
        "WHERE to_assessment = 'vt6' AND learning_area IS NULL AND NOT suppressed"
    ).df()
    assert len(stored) > 10
    for row in stored.itertuples():
        assert row.n_linked == expected.at[row.school_id, "count"]
        assert row.year_progress == pytest.approx(expected.at[row.school_id, "mean"], abs=1e-9)


def test_a_clear_gain_gets_a_colour_and_none_gets_none() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for s in range(300):
        effect = 10.0 if s < 90 else 0.0  # about 1.1 SD of the grade-6 scale
        n = 25
        rows.append((f"{s:06d}", 2025, "~totaal~", n, n, effect + rng.normal(0, 9 / np.sqrt(n))))
    frame = pd.DataFrame(rows, columns=["school_id", "year", "learning_area", "n_linked",
                                        "n_pupils_to", "d"])  # fmt: skip
    frame = frame.assign(pct_linked=100.0, v=81 / frame["n_linked"], flanders_sd=9.0,
                         suppressed=False)  # fmt: skip
    judged = judge(frame, "vt4", "vt6", load_rules())
    coloured = judged["status"].isin(["higher", "much_higher", "lower", "much_lower"])
    assert coloured[:90].mean() > 0.5
    assert coloured[90:].mean() < 0.05
    assert (judged.loc[:89, "progress_estimate"] > 0).all()
