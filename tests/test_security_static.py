"""Static checks over the whole repository (hardening).

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
# Functions reviewed by hand: they interpolate only module constants (column lists,
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


# ------------------------------------------------------------------ data text on a page
# Streamlit renders Markdown (and its directives) in these calls: their text arguments, and
# the `help` / `label` keywords, may hold data only through ui.safe_text.
MARKDOWN_CALLS = {
    "markdown", "write", "title", "header", "subheader", "caption", "info", "success",
    "warning", "error", "toast", "metric", "expander", "popover", "button",
    "form_submit_button", "download_button", "link_button", "page_link", "checkbox", "toggle",
    "radio", "selectbox", "multiselect", "text_input", "text_area", "number_input",
    "date_input", "time_input", "slider", "select_slider", "file_uploader",
    "segmented_control", "pills", "color_picker", "tabs", "status", "table",
}  # fmt: skip
MARKDOWN_KEYWORDS = {"body", "label", "help"}
# Options are Markdown in these widgets (a selectbox or multiselect shows them as typed).
MARKDOWN_OPTIONS = {"radio", "segmented_control", "pills"}
ESCAPERS = {"md", "md_block", "md_join", "md_frame", "md_columns", "md_record"}
# Functions whose result is Markdown that is safe by construction, reviewed by hand: they
# escape data themselves, or only format numbers and configuration (rules.toml, vocabulary).
SAFE_PRODUCERS = {
    "status_badge": "symbol and label from rules.toml",
    "trend_text": "symbol and label from rules.toml",
    "area_status_lines": "escapes the learning area with md()",
    "changes_since_last_year": "ui.year_changes: escapes the learning area with md()",
    "note_markdown": "ui.conversation: every note field through md()/md_block()",
    "note_meta": "ui.conversation: author names through md()",
    "user_message": "ui.errors: fixed Dutch text and a reference",
    "format_number": "a number", "format_pct": "a number", "format_signed": "a number",
    "format_count": "a number or '< 5'", "len": "a number", "int": "a number",
    "_role_short": "role labels (constants)",
    "status_meanings": "texts from rules.toml",
    "class_caption": "ui.class_level: rules.toml numbers and fixed Dutch text",
    "colour_meaning": "texts.explain: rules.toml only", "much_size": "rules.toml only",
    "comparison_label": "rules.toml only", "level_label": "a percentage",
    "trend_meanings": "texts.legend: rules.toml only",
    "previous_school_year": "arithmetic on a normalised school year",
    "highlights": "texts.explain: called on md_columns(...) (checked below)",
    "why_colour": "texts.explain: called on md_record(...) (checked below)",
    "trend_verdict": "texts.trend_words: numbers and labels from rules.toml only",
    "latest_sentence": "texts.trend_words: numbers only",
    "funnel_sentence": "texts.explain: stored codes, numbers and rules.toml labels",
    "matrix_markdown": "ui.overview: school and area names through md(), cells from rules.toml",
    "legend_markdown": "ui.overview: rules.toml labels and symbols only",
    "details_markdown": "ui.overview: area names through md(), numbers, rules.toml labels",
    "overview_markdown": "ui.round: school and area names through md(), state labels, counts",
    "compact_status_line": "ui.round: area names through md(), numbers, rules.toml symbols",
    "state_badge": "ui.round: vocabulary labels and a date",
    "last_year_summary": "ui.round: note step labels (vocabulary) and counts",
    "round_highlights": "ui.round: highlights() on md_columns(...)",
    "format_date": "a date", "format_timestamp": "a date and time",
    "ses_group_label": "texts.legend: a group number and fixed Dutch words",
    "trend_levels": "texts.legend: percentages from rules.toml",
    "near_size": "texts.legend: a number from rules.toml",
    "judged_span": "texts.legend: a count of school years and numbers",
    "judged_number": "texts.legend: a number",
    "chance_sentence": "texts.legend: counts, numbers and rules.toml labels",
    "colour_levels": "texts.legend: percentages from rules.toml",
    "descriptive_level": "texts.legend: a percentage from rules.toml",
}  # fmt: skip
# Names and attributes that never hold imported or typed text, reviewed by hand.
TRUSTED = {
    "rules": "data_model/rules.toml (configuration, not data)",
    "year": "a school year, normalised to 2024-2025 by the importer",
    "latest": "a school year (as above)",
    "school_year": "a school year (as above)",
    "conf": "a number formatted from rules.toml",
    "words": "texts.trend_words.COMPARISONS (constants)",
    "modes": "constants in app_pages/trends.py",
    "notes": "data_model.state.notes constants (STEPS, SOURCES, ...)",
    "briefing": "data_model.reading.briefing constants (questions)",
    "support_queries": "constants of data_model.reading.support",
    "access": "role labels (constants)",
    "LIMITS": "a constant", "TOTAL_LABEL": "a constant", "STEP_TABS": "constants",
    "intro": "constants in app_pages/start.py", "label": "a constant label in ui.conversation",
    "n": "a count", "number": "a count", "outside": "a count", "n_schools": "a count",
    "prefix": "a count in bold", "more": "a count", "meanings": "constants",
    "viewer.role_label": "a role label (constant)", "style": "rules.toml styles",
    "message": "ui.conversation flash: fixed Dutch texts", "done": "fixed Dutch texts",
    "reference": "ui.errors reference", "title_md": "Markdown by contract (name ends in _md)",
    "heading_md": "Markdown by contract", "summary": "database summary: school years",
    "trend_words": "trend_text() or a constant", "ses_choice": "a number",
    "sd": "a number", "lead": "briefing constants", "prompt": "briefing constants",
    "q": "briefing.GUIDING_QUESTIONS constants", "kind": "a constant",
    "fmt": "data_model.imports.formats: import format constants",
    "level": "a heading level (a number)", "path": "ui/bootstrap: only its file name is shown",
}  # fmt: skip
# Columns that never hold imported text: normalised school years, constant labels.
TRUSTED_KEYS = ("'school_year'", "'dimension_label'", "'level'")
# Names trusted in one file only.
TRUSTED_IN = {
    ("ui/conversation.py", "help"): "pdf_download_button: callers pass fixed Dutch text",
    ("ui/progress_row.py", "heading"): "latest_cohort_lines: test names through md(), years",
    ("ui/progress_row.py", "lines"): "latest_cohort_lines: areas through md(), numbers, badges",
    ("ui/conversation.py", "field"): "data_model.state.note_steps: declared questions, choices",
    ("app_pages/zorg.py", "missing"): "chart_or_notice: callers pass fixed Dutch text",
    ("ui/components.py", "page"): "school_page: callers pass their page's fixed name",
    ("app_pages/zorg.py", "caption"): "chart_or_notice: callers pass fixed Dutch text",
    ("app_pages/datagesprek.py", "spec"): "data_model.state.note_steps: declared step texts",
    ("ui/user_admin.py", "flash"): "messages built with md() before they are stored",
    ("ui/user_admin.py", "result"): "import counts",
    ("ui/bootstrap.py", "p"): "rules.toml validation messages (configuration, not data)",
    ("app_pages/gegevens.py", "failed"): "imports.jobs: fixed Dutch text with a reference",
    ("app_pages/gegevens.py", "note"): "FORMATS[...].notes: format constants",
    ("app_pages/uitleg.py", "years"): "rules.status_years (configuration)",
    ("app_pages/uitleg.py", "close_label"): "a status label from rules.toml",
    ("app_pages/uitleg.py", "unsure_label"): "a status label from rules.toml",
    ("app_pages/gegevens.py", "column"): "mapping editor: a column of FORMATS (constants)",
    ("app_pages/start.py", "wait"): "years_waiting_for_context: a school year and a count",
    ("ui/components.py", "this_year"): "a tile line: format_number() and a count",
    ("ui/grid.py", "labels"): "pick_number: two fixed Dutch labels of the number shown",
    ("ui/grid.py", "options"): "pick_years: two labels built from counts of school years",
    # Names are followed per module, not per function: the funnel's `levels` (percentages)
    # shares its name with a query result the page never prints.
    ("app_pages/vergelijken.py", "levels"): "funnel levels: percentages from rules.toml",
}
PASS_THROUGH = {"str", "list", "reversed", "sorted", "short", "_role_short"}


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


class _Scope:
    """Assignments per name in one module, to follow a name to the value it was given."""

    def __init__(self, tree: ast.AST, rel_path: str = "") -> None:
        self.rel_path = rel_path
        self.values: dict[str, list[ast.AST]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value)
            elif isinstance(node, ast.For | ast.comprehension):
                self._bind(node.target, ast.Subscript(node.iter, ast.Constant(0)))

    def _bind(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.values.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Tuple):
            for element in target.elts:  # unpacking: judged by the whole value
                self._bind(element, value)


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node)


def _parts(node: ast.AST) -> list[ast.AST] | None:
    """The sub-expressions a composite expression's text is made of (None: not composite)."""
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod):
        return [node.left, node.right]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.List | ast.Tuple):
        return list(node.elts)
    if isinstance(node, ast.ListComp | ast.GeneratorExp):
        return [node.elt]
    return None


def _trusted_name(text: str, scope: _Scope) -> bool:
    base = text.split("[")[0].split(".")[0]
    if base.isupper():  # a module constant
        return True
    return (scope.rel_path, base) in TRUSTED_IN or text in TRUSTED or base in TRUSTED


def _safe_call(node: ast.Call, scope: _Scope, depth: int) -> bool:
    name = _callee(node)
    if name in ESCAPERS or name in SAFE_PRODUCERS:
        return True
    if name in (
        "join",
        "lower",
        "upper",
        "strip",
        "format",
        "split",
        "items",
        "values",
    ) and isinstance(
        node.func, ast.Attribute
    ):  # "sep".join(items) / text.lower(): safe when the parts are
        return all(_safe(a, scope, depth + 1) for a in [node.func.value, *node.args])
    if name in PASS_THROUGH:
        return all(_safe(a, scope, depth + 1) for a in node.args)
    return _trusted_name(_dotted(node.func), scope)


def _safe(node: ast.AST | None, scope: _Scope, depth: int = 0) -> bool:
    """True if `node` can only produce text that is literal, escaped or reviewed."""
    if node is None or depth > 12:
        return node is None
    if isinstance(node, ast.Constant) or any(key in _dotted(node) for key in TRUSTED_KEYS):
        return True
    parts = _parts(node)
    if parts is not None:
        return all(_safe(p, scope, depth + 1) for p in parts)
    if isinstance(node, ast.Call):
        return _safe_call(node, scope, depth)
    if isinstance(node, ast.Subscript):
        return _trusted_name(_dotted(node), scope) or _safe(node.value, scope, depth + 1)
    if isinstance(node, ast.Attribute):
        return _trusted_name(_dotted(node), scope) or node.attr.isupper()
    if isinstance(node, ast.Name):
        if _trusted_name(node.id, scope) or node.id.endswith("_md") or node.id.isupper():
            return True
        values = scope.values.get(node.id)
        return bool(values) and all(_safe(v, scope, depth + 1) for v in values)
    return False


def _markdown_args(node: ast.Call) -> list[ast.AST]:
    """The arguments of a Streamlit call that it renders as Markdown."""
    name = _callee(node)
    args: list[ast.AST] = list(node.args[:1])  # (a metric's value is text, not Markdown)
    if name in MARKDOWN_OPTIONS and len(node.args) > 1:
        args.append(node.args[1])
    for keyword in node.keywords:
        if keyword.arg in MARKDOWN_KEYWORDS:
            args.append(keyword.value)
        elif keyword.arg == "format_func" and name in MARKDOWN_OPTIONS:
            value = keyword.value
            args.append(value.body if isinstance(value, ast.Lambda) else value)
    return args


def markdown_offenders(source: str, rel_path: str = "") -> list[tuple[int, str]]:
    """(line, expression) for every non-literal reaching a Markdown call without ui.safe_text."""
    tree = ast.parse(source)
    scope = _Scope(tree, rel_path)
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        # st.x(...) / container.x(...) only, not a local function of that name
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in MARKDOWN_CALLS:
            continue
        for arg in _markdown_args(node):
            if node.func.attr == "table":  # every cell is Markdown: a literal dict or md_frame
                safe = isinstance(arg, ast.Dict) or (
                    isinstance(arg, ast.Call) and _callee(arg) == "md_frame"
                )
            else:
                safe = _safe(arg, scope)
            if not safe:
                out.append((node.lineno, ast.unparse(arg)[:80]))
    return sorted(set(out))


def _page_files() -> Iterator[Path]:
    for folder in ("app_pages", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name != "safe_text.py":
                yield path
    yield ROOT / "app.py"


def test_detector_finds_data_in_markdown():
    bad = (
        "st.title(f\"Schoolfoto · {school['name']}\")\n"
        "st.markdown(note.body['text'])\n"
        'st.caption("Gemeente: " + row.municipality)\n'
        'st.metric(row.learning_area, "3")\n'
        'st.selectbox("School", ids, help=f"Van {name}")\n'
        'st.segmented_control("Toets", ids, format_func=names.__getitem__)\n'
        "st.table(problems)\n"
        'for s in rows:\n    st.markdown(f"- {s}")\n'
    )
    assert sorted({line for line, _ in markdown_offenders(bad)}) == [1, 2, 3, 4, 5, 6, 7, 9]
    good = (
        "st.title(f\"Schoolfoto · {md(school['name'])}\")\n"
        "st.markdown(md_block(note.body['text']))\n"
        'st.caption(f"{len(rows)} scholen in {year}, minimum {rules.min_group_size}")\n'
        'st.selectbox("School", ids, format_func=names.__getitem__)\n'
        "st.table(md_frame(problems))\n"
        'for s in highlights(md_columns(results), rules):\n    st.markdown(f"- {s}")\n'
        'st.markdown("\\n".join(f"- {md(x)}" for x in items))\n'
    )
    assert markdown_offenders(good) == []


def test_no_data_reaches_markdown_without_escaping():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {expr}"
        for path in _page_files()
        for line, expr in markdown_offenders(
            path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()
        )
    ]
    assert offenders == [], (
        "data in a Markdown call without ui.safe_text.md() (or a reviewed name in TRUSTED / "
        "SAFE_PRODUCERS):\n" + "\n".join(offenders)
    )


def test_text_builders_get_escaped_names():
    """highlights()/why_colour() write Markdown around names: pages pass escaped copies."""
    for path in _page_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _callee(node) in ("highlights", "why_colour"):
                first = node.args[0]
                assert isinstance(first, ast.Call) and _callee(first) in (
                    "md_columns",
                    "md_record",
                ), f"{path.relative_to(ROOT)}:{node.lineno}"


# Every file the app offers comes from a builder that neutralises its cells (exports/output_cells.py),
# each opened with hostile data in tests/data_model/test_hostile_exports.py.
NEUTRALISED_BUILDERS = {
    "build_school_xlsx", "build_conversation_pdf", "csv_bytes", "build_template",
    "user_sheet_template", "build_region_pdf", "build_region_xlsx",
}  # fmt: skip
# Downloads whose bytes were built earlier in the same run, reviewed by hand: (file, name).
BUILT_BEFORE = {
    ("ui/round.py", "made"): "the zip of build_round_sheets (conversation PDFs), made on a click "
    "with a progress bar and kept in the session",
    ("ui/components.py", "build"): "export_button: the builder its callers pass, checked at "
    "each call like a download",
    ("ui/overview.py", "build"): "build_region_pdf and build_region_xlsx, one button each",
}


def _download_sources(source: str) -> list[tuple[int, set[str]]]:
    """(line, names called in its data) for every download_button call, and every
    export_button call (ui.components: its `build` is what the button downloads)."""
    out = []
    where = {"download_button": (1, "data"), "export_button": (4, "build")}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _callee(node) in where:
            index, keyword = where[_callee(node)]
            data = node.args[index] if len(node.args) > index else None
            data = next((k.value for k in node.keywords if k.arg == keyword), data)
            called = (
                {_callee(n) for n in ast.walk(data) if isinstance(n, ast.Call)} if data else set()
            )
            names = {
                n.attr if isinstance(n, ast.Attribute) else n.id
                for n in (ast.walk(data) if data else ())
                if isinstance(n, ast.Name | ast.Attribute)
            }
            out.append((node.lineno, called | names))
    return out


def test_every_download_is_built_by_a_neutralising_builder():
    seen, offenders = 0, []
    for path in _page_files():
        for line, called in _download_sources(path.read_text(encoding="utf-8")):
            seen += 1
            rel = str(path.relative_to(ROOT))
            reviewed = {name for file, name in BUILT_BEFORE if file == rel}
            if not called & (NEUTRALISED_BUILDERS | reviewed):
                offenders.append(f"{rel}:{line}")
    assert seen >= 4 and offenders == []


def test_the_dataframe_toolbar_download_is_off():
    """Its "Download as CSV" writes imported text verbatim (=HYPERLINK(...) from a name)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["showErrorDetails"] == "none"  # no traceback on a page
