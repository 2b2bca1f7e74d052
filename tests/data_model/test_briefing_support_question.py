"""The support question of the Voorbereiding survives masked small phases."""

from __future__ import annotations

import pandas as pd

from data_model.reading.briefing import suggested_questions
from data_model.statistics.suppression import mask_small_counts

PHASES = ("brede basiszorg", "verhoogde zorg", "uitbreiding van zorg", "IAC")


def _support(year: str, counts: tuple[int, ...]) -> pd.DataFrame:
    total = sum(counts)
    return pd.DataFrame(
        {
            "school_year": year,
            "phase": PHASES,
            "measure_kind": "continuum",
            "n_pupils": counts,
            "total": total,
            "pct": [100 * n / total for n in counts],
        }
    )


def _questions(support: pd.DataFrame) -> list[str]:
    masked = mask_small_counts(support, "n_pupils", ["school_year"], 5, share_cols=("pct",))
    empty = pd.DataFrame(columns=["learning_area", "assessment_name", "domain", "status", "trend"])
    return suggested_questions(empty, [], masked, pd.DataFrame(), "2024-2025")


def test_rise_in_extra_support_is_computed_from_basiszorg_not_from_masked_phases():
    # 2023-2024: 90 basiszorg, 6 verhoogd, 3 + 1 masked -> extra share 10 %, not 6 %.
    # 2024-2025: 80 basiszorg, 15 verhoogd, 4 + 1 masked -> extra share 20 %.
    support = pd.concat(
        [_support("2023-2024", (90, 6, 3, 1)), _support("2024-2025", (80, 15, 4, 1))]
    )
    questions = _questions(support)
    assert questions == [
        "Meer leerlingen krijgen verhoogde zorg of uitbreiding van zorg dan vorig jaar "
        "(10,0 % → 20,0 %): hoe vangt het team dat op in de klas?"
    ]


def test_no_question_when_the_combined_group_is_below_the_privacy_minimum():
    support = pd.concat(
        [_support("2023-2024", (60, 1, 0, 0)), _support("2024-2025", (50, 3, 1, 0))]
    )
    assert _questions(support) == []
