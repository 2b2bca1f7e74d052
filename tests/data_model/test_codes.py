"""Guidance codes are shown with their meaning, never as bare jargon."""

from __future__ import annotations

from data_model.texts.codes import core_task_label, goal_code_label
from data_model.vocabulary import CORE_TASKS


def test_every_core_task_has_a_meaning():
    for code in CORE_TASKS:
        label = core_task_label(code)
        assert label.startswith(f"{code} (") and label.endswith(")"), label
    assert core_task_label("KT2") == "KT2 (kerntaak 2)"
    assert core_task_label("BI4") == "BI4 (begeleidingsinitiatief 4)"


def test_goal_codes_read_in_words():
    assert goal_code_label("BAO 2.1") == "BAO 2.1 (basisonderwijs, operationeel doel 2.1)"
    assert goal_code_label("BAO BI 3.1") == (
        "BAO BI 3.1 (basisonderwijs, begeleidingsinitiatief, operationeel doel 3.1)"
    )
    # A prefix without a known meaning is not guessed at; free text stays as it was written.
    assert goal_code_label("NO 1.3") == "NO 1.3 (operationeel doel 1.3)"
    assert goal_code_label("vrij tekst") == "vrij tekst"
