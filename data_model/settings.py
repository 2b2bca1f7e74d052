"""Every setting Schoolfoto reads from the environment, declared once: name, default, meaning.

Nothing else in the project reads `os.environ`; code asks `setting(NAME)`. The README's
configuration table lists exactly these settings (tests/test_docs.py compares them), so a new
setting is a line here and a row there. What decides colours and labels is not a setting but
a rule (`rules.toml`, read by data_model.rules).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # "" = absent
    meaning: str


_SETTINGS = (
    Setting("SCHOOLFOTO_DATA", "", "the data folder (snapshots, state); absent: sample_data/"),
    Setting("SCHOOLFOTO_STATE_URL", "", "the state store in PostgreSQL; absent: SQLite"),
    Setting("SCHOOLFOTO_KEEP_SNAPSHOTS", "5", "how many snapshots are kept for rollback"),
    Setting("SCHOOLFOTO_WRITER_MEMORY", "300MB", "DuckDB's memory limit while building"),
    Setting("SCHOOLFOTO_IMPORT_NICENESS", "10", "how far an import yields the CPU to users"),
    Setting("SCHOOLFOTO_AUTH", "", "demo or oidc; absent: demo on sample data, else oidc"),
    Setting("SCHOOLFOTO_OIDC_PROVIDER", "", "which [auth.NAME] of secrets.toml st.login uses"),
    Setting("SCHOOLFOTO_PDF_FONT_DIR", "", "a folder with DejaVu fonts for the PDF sheet"),
    Setting("SCHOOLFOTO_PUPIL_KEY", "", "the file holding the secret of the pupil key"),
    Setting("SCHOOLFOTO_ERRORS", "", "'raise': show tracebacks (development and tests only)"),
    Setting("SCHOOLFOTO_DB", "", "the old single-file layout: refused with how to convert"),
)
SETTINGS = MappingProxyType({s.name: s for s in _SETTINGS})


def setting(name: str) -> str:
    """The value of a declared setting (stripped), or its default when unset or blank."""
    declared = SETTINGS[name]  # KeyError: an undeclared setting is a bug, not a silent default
    value = os.environ.get(name, "").strip()
    return value or declared.default
