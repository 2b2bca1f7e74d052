"""Where sample data may be written: the rules that keep `generate` off real data.

The sample generator publishes synthetic schools into a data folder. It may do so into a new
or empty folder, over earlier sample data, or (with --force) over anything; and the app may
make the bundled folder again when an older version of Schoolfoto left it unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from data_model.storage.connection import Sql
from data_model.storage.db import (
    CURRENT,
    SCHEMA_VERSION,
    DataError,
    is_sample,
    missing_columns,
    schema_version,
)

T = TypeVar("T")


def _read_current(out: Path, read: Callable[[Sql], T]) -> T | None:
    """`read` on the folder's current snapshot (read-only); None if it cannot be opened."""
    try:
        con = duckdb.connect(str(out / CURRENT), read_only=True)
    except duckdb.Error:
        return None
    try:
        return read(con)
    except duckdb.Error:
        return None
    finally:
        con.close()


def _stale(con: Sql) -> bool:
    return is_sample(con) and (schema_version(con) != SCHEMA_VERSION or bool(missing_columns(con)))


def stale_sample(out: Path) -> bool:
    """True when `out` holds sample data the app cannot open: a snapshot of an older version
    (missing columns) or a current snapshot that is gone. Only synthetic data is lost by
    generating it again; real data (is_sample false) is never called stale."""
    current = out / CURRENT
    if not current.is_symlink():
        return False
    return not current.exists() or bool(_read_current(out, _stale))


def check_target(out: Path, force: bool = False) -> None:
    """Refuse to publish sample data over anything that is not sample data (unless force)."""
    if out.suffix == ".duckdb" and not out.is_dir():
        raise DataError(
            f"--out is een gegevensmap (bv. sample_data), geen .duckdb-bestand: '{out.name}'."
        )
    if not out.exists() or force:
        return
    if not out.is_dir():
        raise DataError(f"'{out.name}' is een bestand, geen gegevensmap. Er is niets gewijzigd.")
    if (out / CURRENT).is_symlink():
        if not _read_current(out, is_sample):
            raise DataError(
                f"'{out.name}' bevat echte gegevens (geen voorbeelddata). Er is niets gewijzigd; "
                "gebruik --force om ze toch te vervangen."
            )
    elif any(out.iterdir()):
        raise DataError(
            f"'{out.name}' is geen lege map en geen Schoolfoto-gegevensmap. Er is niets "
            "gewijzigd; gebruik --force om er toch voorbeelddata in te zetten."
        )
