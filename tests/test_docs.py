"""The README says what the code does: its settings table and its data-contract table are
compared with the code and with a real snapshot, so neither can drift."""

from __future__ import annotations

import re

import duckdb

from data_model.settings import SETTINGS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _first_cells(lines: list[str]) -> list[str]:
    """The backticked names in the first cell of each table row ('`a`, `b`' -> a, b)."""
    names: list[str] = []
    for line in lines:
        first = line.split("|")[1]
        names += re.findall(r"`([^`]+)`", first)
    return names


def _table_after(marker: str) -> list[str]:
    """The rows of the first Markdown table after the line starting with `marker`."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(marker))
    rows: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return [r for r in rows[2:]]  # without the header and its rule


def test_the_readme_lists_exactly_the_declared_settings():
    documented = [n for n in _first_cells(_table_after("## Configuration")) if n.isupper()]
    assert sorted(documented) == sorted(SETTINGS), "README 'Configuration' and settings.py differ"


def test_the_contract_table_matches_the_view(con: duckdb.DuckDBPyConnection):
    documented = _first_cells(_table_after("`v_school_result`:"))
    actual = [r[0] for r in con.execute("DESCRIBE v_school_result").fetchall()]
    assert documented == actual
