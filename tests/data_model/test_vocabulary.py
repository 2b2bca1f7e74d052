"""The schema and the stored data speak the vocabulary of data_model/vocabulary.py.

Every `CHECK (column IN (...))` of the snapshot schema (schema.sql) and of the state store
(storage/state_store.py) must list exactly the codes of one vocabulary tuple, so a code added in
one place and not the other fails here; and every code the demo
database holds (statuses, trends, phases, roles, note steps) is a vocabulary code.
"""

from __future__ import annotations

import re

from data_model import vocabulary as v
from data_model.rules import load_rules
from data_model.storage import state_store as state
from data_model.storage.db import SCHEMA_PATH

# Column of a CHECK ... IN constraint -> the vocabulary tuple it must equal.
CHECKED = {
    "gender": v.GENDERS,
    "measure_kind": v.SUPPORT_MEASURE_KINDS,
    "form": v.GUIDANCE_FORMS,
    "tier": v.NEED_TIERS,
    "role": v.ROLES,  # the state store builds this CHECK from v.ROLES (storage/state_store.py)
    "round_state": v.ROUND_STATES,
}
_CHECK_IN = re.compile(r"CHECK \((\w+) IN \(([^)]*)\)\)")


def _checks() -> dict[str, tuple[str, ...]]:
    state_checks = [
        f"CHECK ({constraint.sqltext})"
        for table in state.metadata.tables.values()
        for constraint in table.constraints
        if hasattr(constraint, "sqltext")
    ]
    sql = "\n".join([SCHEMA_PATH.read_text(encoding="utf-8"), *state_checks])
    return {
        column: tuple(re.findall(r"'([^']*)'", values)) for column, values in _CHECK_IN.findall(sql)
    }


def test_every_check_constraint_lists_a_vocabulary_tuple():
    checks = _checks()
    assert set(checks) == set(CHECKED), "a CHECK IN list without a vocabulary home"
    for column, codes in checks.items():
        assert codes == CHECKED[column], column


def test_rules_label_every_status_and_trend():
    rules = load_rules()
    assert tuple(rules.statuses) == v.STATUSES
    assert set(rules.trend_labels) == set(rules.trend_symbols) == set(v.TRENDS)
    assert rules.colour_comparison in v.COMPARISONS
    assert set(v.STATUS_SIGN) == set(v.STATUSES) and set(v.TREND_SIGN) == set(v.TRENDS)


def test_stored_codes_are_vocabulary_codes(con):
    def values(sql: str, store: object = con) -> set[str]:
        return {r[0] for r in store.execute(sql).fetchall() if r[0] is not None}

    assert values("SELECT DISTINCT status FROM school_result") <= set(v.STATUSES)
    assert values("SELECT DISTINCT trend FROM school_result") <= set(v.TRENDS)
    assert values("SELECT DISTINCT va_status FROM school_expected") <= set(v.STATUSES)
    assert values("SELECT DISTINCT phase FROM support_counts") == set(
        v.SUPPORT_PHASES + v.SUPPORT_INDICATORS
    )
    assert values("SELECT DISTINCT core_task FROM guidance_contacts") <= set(v.CORE_TASKS)
    assert values("SELECT DISTINCT role FROM users", con.state) == set(v.ROLES)
    assert values("SELECT DISTINCT step FROM notes", con.state) <= set(v.NOTE_STEPS)
    assert values("SELECT DISTINCT scope FROM notes", con.state) <= set(v.NOTE_SCOPES)
    assert set(v.NOTE_STEP_LABELS) == set(v.NOTE_STEPS)
    assert set(v.KOALA_LABELS) == set(v.KOALA_CATEGORIES)
