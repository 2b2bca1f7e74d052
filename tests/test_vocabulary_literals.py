"""Every code is spelled once: in data_model/vocabulary.py.

A string literal equal to a role, note step, note scope, result status, trend, support phase
or round state anywhere else in data_model/, ui/ or app_pages/ fails here, so a second
spelling (and with it a second list that drifts from the first) cannot creep back in: use
the vocabulary's constant. Docstrings are prose and not checked.

A few literals are the same word by coincidence: a column or a user id that is not the code.
They are listed below with how many times they may occur and why; a new occurrence fails
like any other. SQL text is not a literal equal to a code (a code inside SQL is a `?`
parameter), and rules.toml is not Python, so neither needs an exception.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from data_model import vocabulary as v

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("data_model", "ui", "app_pages")
HOME = Path("data_model/vocabulary.py")
CODE_SETS = (
    v.ROLES,
    v.NOTE_STEPS,
    v.NOTE_SCOPES,
    v.STATUSES,
    v.TRENDS,
    v.SUPPORT_PHASES,
    v.SUPPORT_INDICATORS,
    v.ROUND_STATES,
)
CODES = frozenset(code for codes in CODE_SETS for code in codes)

# (file, literal) -> (how often, why it is not the code).
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {
    ("data_model/statistics/funnel.py", "lower"): (1, "the funnel's lower control limit column"),
    ("data_model/reading/comparisons.py", "lower"): (1, "the funnel's lower control limit"),
    ("ui/compare_charts.py", "lower"): (1, "the funnel's lower control limit"),
    ("data_model/storage/state_store.py", "action"): (
        2,
        "the audit log's and note history's column",
    ),
    ("data_model/storage/migrate.py", "action"): (2, "the same columns, copied by name"),
    ("ui/user_admin.py", "action"): (1, "the audit log's column"),
    ("data_model/storage/state_store.py", "source"): (1, "the import log's file-name column"),
    ("data_model/statistics/materialize.py", "source"): (1, "where a comparison mean came from"),
    ("data_model/imports/formats.py", "anker"): (2, "the guidance file's column 'anker'"),
    ("data_model/imports/row_checks.py", "anker"): (3, "the guidance file's column 'anker'"),
    ("data_model/sample/generator.py", "beheerder"): (1, "the demo beheerder's user id"),
    ("data_model/sample/generator.py", "anker"): (1, "the demo ankers' e-mail name"),
    ("app_pages/voorbereiding.py", "voorbereiding"): (1, "the page's layout key"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def code_literals(source: str) -> Counter[str]:
    """The string literals of a module that equal a vocabulary code (docstrings left out)."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    return Counter(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in CODES
        and id(node) not in prose
    )


def _found() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT)
            if name == HOME:
                continue
            for code, n in code_literals(path.read_text(encoding="utf-8")).items():
                found[(name.as_posix(), code)] += n
    return found


def test_codes_are_spelled_only_in_the_vocabulary():
    found = _found()
    extra = {
        f"{path}: {code!r} ×{n}"
        for (path, code), n in found.items()
        if n > ALLOWED.get((path, code), (0, ""))[0]
    }
    assert not extra, "use the constant of data_model/vocabulary.py instead of: " + ", ".join(
        sorted(extra)
    )


def test_allow_list_is_not_stale():
    found = _found()
    stale = [key for key, (n, _) in ALLOWED.items() if found[key] < n]
    assert not stale, f"these literals are gone: lower or drop their allowance: {stale}"


def test_the_check_sees_a_code_but_not_prose():
    source = '"""A trend is rising or falling."""\nx = "rising"\ny = f"{x} is rising"\n'
    assert code_literals(source) == Counter({"rising": 1})
