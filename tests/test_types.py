"""The connection contract holds for the type checker: a read refuses a plain DuckDB connection.

mypy in CI (`.ci/run`) only proves the code uses connections correctly; this checks that the
contract itself still rejects the mistake it exists for (a plain connection has no state
store), so weakening `Connection` to `Any` fails here instead of silently passing CI.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

from tests.conftest import ROOT

PROBE = """
import duckdb
from data_model.reading import queries
from data_model.reading.access import Viewer
from data_model.storage.db import Database
from data_model.storage.snapshot_schema import set_meta

viewer = Viewer("u", "U", "u@x.be", "directeur")
plain = duckdb.connect()
queries.school_results(plain, viewer, "000001", "ovsg6")  # line 10: no state store
queries.school_results(Database("x").cursor(), viewer, "000001", "ovsg6")
set_meta(plain, "key", "value")  # SQL only: a plain connection is enough
"""


def test_a_read_refuses_a_plain_duckdb_connection(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    out, _, _ = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache"),
         "--no-error-summary", "--hide-error-context", str(probe)]
    )  # fmt: skip
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out
    assert ":10: error:" in errors[0] and '"Connection"' in errors[0], out
