"""The repository explains itself: no comment, docstring or document points at a work item
the reader cannot open, and every module path the README and docs/ name exists.

A reference to a work item ("see the ticket number so-and-so", "as in the earlier session")
tells a later reader nothing: the reason belongs in the text itself. A path in the docs that
no longer exists sends the reader to the wrong place after a move.
"""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

# A numbered issue, or a numbered working session; neither can be looked up from the code.
WORK_ITEM = re.compile(
    r"\b[Ii]ssues? #?[0-9]+\b|"
    r"\b(?:[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]ifth|[Ss]ixth|[Ll]ast|[Pp]revious) session\b"
)
# A project module written with its top folder, e.g. `data_model/state/users.py`; a path
# inside tests/ (tests/data_model/...) is matched from its own top folder only.
MODULE_PATH = re.compile(r"(?<![\w/.-])(?:data_model|ui|app_pages|bench|tests)/[\w/]*\.py\b")


def _tracked(*patterns: str) -> list[str]:
    """Tracked files matching the git pathspecs, relative to the repository root."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return [p for p in out.split("\0") if p and (ROOT / p).is_file()]


def test_no_reference_to_a_work_item():
    files = _tracked("*.py", "*.md", "*.toml", "*.sql")
    assert files, "git ls-files found nothing: not run from a checkout?"
    found = [
        f"{path}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(
            (ROOT / path).read_text(encoding="utf-8", errors="replace").splitlines(), 1
        )
        if WORK_ITEM.search(line)
    ]
    assert not found, "say why instead of naming a work item:\n" + "\n".join(found)


def test_every_module_path_in_the_docs_exists():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {
        (doc.relative_to(ROOT).as_posix(), path)
        for doc in docs
        for path in MODULE_PATH.findall(doc.read_text(encoding="utf-8"))
    }
    assert len(named) > 10, "the pattern no longer finds the docs' module paths"
    missing = sorted(f"{doc}: {path}" for doc, path in named if not (ROOT / path).is_file())
    assert not missing, "paths in the docs that do not exist:\n" + "\n".join(missing)
