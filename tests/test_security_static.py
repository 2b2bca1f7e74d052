"""Static checks over the whole repository (issue 6, hardening).

- No SQL built with f-strings, `%` or `.format` in .py files outside tests. A string is
  "SQL" when it contains SELECT/INSERT/UPDATE/DELETE/CREATE/WITH as a keyword. An
  allow-listed identifier (e.g. one of our own table names) may be interpolated when the line
  says so with a `# sql-identifier-ok` comment.
- `unsafe_allow_html=True` and `st.html` only with a literal string: never with data in it.
- The upload limit in .streamlit/config.toml is set, and importers refuse larger files.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

SQL_UPPER = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH)\b")
SQL_LOWER = re.compile(
    r"\bselect\b.*\bfrom\b|\binsert\s+into\b|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b"
    r"|\bcreate\s+(or\s+replace\s+)?(table|view|index|sequence)\b|\bwith\s+\w+\s+as\s*\(",
    re.IGNORECASE | re.DOTALL,
)
ALLOW_MARK = "sql-identifier-ok"
# A comment (Python `#` or SQL `--`) on the statement that says why the interpolation is safe.
ALLOW_COMMENT = re.compile(
    r"(#|--).*(sql-identifier-ok|allow-?listed|not (from )?input|never from input|constant)",
    re.IGNORECASE,
)
# Functions reviewed by hand (issue 6): they interpolate only module constants (column lists,
# table names, SCOPE_SQL), never input. A new function that builds SQL text must either use
# the marker comment or be reviewed and added here with its reason.
REVIEWED = {
    (
        "data_model/statistics/expected.py",
        "_sums_sql",
    ): "predictor expressions from the PREDICTORS constant",
    (
        "data_model/imports/importer.py",
        "_replace_rows",
    ): "table/column names from the module's constants",
    ("data_model/imports/importer.py", "_write_pupils"): "column lists PUPIL_COLUMNS etc.",
    ("data_model/reading/subgroups.py", "_groups_sql"): "dimension expressions from DIMENSIONS",
}
SKIP_DIRS = {"tests", ".git", ".venv", "node_modules", "__pycache__", ".ruff_cache"}


def _skipped(part: str) -> bool:
    # Hidden folders (.git, .ci-venv, ...), virtual environments and installed packages are
    # not our code; CI creates .ci-venv inside the clone.
    return part in SKIP_DIRS or part.startswith(".") or "venv" in part or part == "site-packages"


def _python_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if not any(_skipped(part) for part in rel.parts[:-1]):
            yield path


def test_file_walk_skips_environments():
    files = {p.relative_to(ROOT).as_posix() for p in _python_files()}
    assert "app.py" in files and "data_model/reading/access.py" in files
    assert not any("site-packages" in f or f.startswith((".", "tests/")) for f in files)


def _looks_like_sql(text: str) -> bool:
    return bool(SQL_UPPER.search(text) or SQL_LOWER.search(text))


def _constant_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "{}".join(v.value if isinstance(v, ast.Constant) else "" for v in node.values)
    return None


def _enclosing_function(tree: ast.AST, line: int) -> str | None:
    best: tuple[int, str] | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end and (best is None or end - node.lineno < best[0]):
                best = (end - node.lineno, node.name)
    return best[1] if best else None


def _statement_spans(tree: ast.AST) -> dict[int, tuple[int, int]]:
    """id(node) -> (first, last) line of the smallest statement holding it."""
    spans: dict[int, tuple[int, int]] = {}
    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.stmt):
            continue
        span = (stmt.lineno, stmt.end_lineno or stmt.lineno)
        for node in ast.walk(stmt):
            old = spans.get(id(node))
            if old is None or span[1] - span[0] < old[1] - old[0]:
                spans[id(node)] = span
    return spans


def _only_constants(node: ast.AST) -> bool:
    """Every interpolated value is an UPPER_CASE module constant such as SCOPE_SQL."""
    if not isinstance(node, ast.JoinedStr):
        return False
    values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    return all(isinstance(v, ast.Name) and v.id.isupper() for v in values)


def string_built_sql(source: str, rel_path: str = "") -> list[int]:
    """Line numbers where SQL text is built with an f-string, % or .format.

    Allowed: interpolating UPPER_CASE constants only, a statement (or the line above it) whose
    comment says why (`sql-identifier-ok`, "allow-listed", "not input", "constant"), or a
    function reviewed by hand (REVIEWED).
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    spans = _statement_spans(tree)
    hits: list[int] = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.JoinedStr) and any(
            isinstance(v, ast.FormattedValue) for v in node.values
        ):
            text = _constant_text(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            text = _constant_text(node.left)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        ):
            text = _constant_text(node.func.value)
        if not text or not _looks_like_sql(text) or _only_constants(node):
            continue
        first, last = spans.get(id(node), (node.lineno, node.end_lineno or node.lineno))
        context = "\n".join(lines[max(0, first - 2) : last])
        if (rel_path, _enclosing_function(tree, node.lineno)) in REVIEWED:
            continue
        if ALLOW_COMMENT.search(context):
            continue
        hits.append(node.lineno)
    return sorted(set(hits))


def test_detector_catches_the_usual_ways():
    bad = (
        'a = f"SELECT * FROM t WHERE id = {x}"\n'
        'b = "DELETE FROM t WHERE id = %s" % x\n'
        'c = "select name from t where id = {}".format(x)\n'
        'd = f"""\n  WITH q AS (SELECT 1) SELECT * FROM q WHERE a = {x}\n"""\n'
    )
    assert string_built_sql(bad) == [1, 2, 3, 4]
    good = (
        'a = con.execute("SELECT * FROM t WHERE id = ?", [x])\n'
        'b = f"Schooljaar {year} met {n} leerlingen"\n'
        'c = f"INSERT INTO {table} SELECT * FROM _rows"  # sql-identifier-ok: own table\n'
        'd = "%d scholen" % n\n'
        'e = f"SELECT 1 FROM t WHERE s IN ({SCOPE_SQL})"\n'
        'f = con.execute(\n    f"DELETE FROM {name} WHERE a = ?"  # allow-listed: own tables\n)\n'
    )
    assert string_built_sql(good) == []


def test_no_string_built_sql_anywhere():
    offenders = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        for line in string_built_sql(path.read_text(encoding="utf-8"), rel):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], (
        "SQL built with f-strings/%/.format (use ? parameters, or mark an allow-listed "
        "identifier with '# sql-identifier-ok'): " + ", ".join(offenders)
    )


def _html_calls(source: str) -> list[tuple[int, bool]]:
    """(line, safe) for every call with unsafe_allow_html=True and every st.html(...)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        unsafe = any(
            k.arg == "unsafe_allow_html"
            and not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords
        )
        is_html = isinstance(node.func, ast.Attribute) and node.func.attr == "html"
        if unsafe or is_html:
            first = node.args[0] if node.args else None
            safe = isinstance(first, ast.Constant) and isinstance(first.value, str)
            out.append((node.lineno, safe))
    return out


def test_html_is_never_built_from_data():
    offenders = []
    for path in _python_files():
        for line, safe in _html_calls(path.read_text(encoding="utf-8")):
            if not safe:
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], "unsafe_allow_html / st.html with non-literal content: " + ", ".join(
        offenders
    )


def test_html_detector():
    src = (
        'st.markdown(f"<b>{name}</b>", unsafe_allow_html=True)\n'
        'st.markdown("<br>", unsafe_allow_html=True)\n'
        "st.html(body)\n"
        "st.markdown(text, unsafe_allow_html=False)\n"
    )
    assert _html_calls(src) == [(1, False), (2, True), (3, False)]


def test_upload_limit_is_configured():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limit_mb = config["server"]["maxUploadSize"]
    assert 1 <= limit_mb <= 200  # Streamlit's default is 200 MB; we keep it lower
    from data_model.state import users

    assert limit_mb * 1_000_000 >= users.MAX_SHEET_BYTES


def test_secrets_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored
    example = ROOT / ".streamlit" / "secrets.toml.example"
    assert example.exists()
    parsed = tomllib.loads(example.read_text(encoding="utf-8"))
    assert {"redirect_uri", "cookie_secret"} <= set(parsed["auth"])


def test_data_model_never_imports_streamlit():
    for path in sorted((ROOT / "data_model").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "streamlit" for n in names), path.name
