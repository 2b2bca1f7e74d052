"""Opening the data folder from a command: a Dutch message and exit code 2, never a traceback.

Every command (importer, export, users, storage) opens the folder through `open_data`: a
missing path is reported, never created; an old single-file database, a locked, newer or
damaged snapshot or an unreachable state store gives one line of Dutch and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data_model.storage.db import Database, DataError, configured_path
from data_model.storage.state_store import StateError


def add_data_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--data",
        "--db",
        dest="data",
        type=Path,
        required=required,
        default=None,
        help="gegevensmap met snapshots/ en state.sqlite (standaard: $SCHOOLFOTO_DATA of "
        "sample_data/)",
    )


def fail(message: str) -> SystemExit:
    print(message, file=sys.stderr)
    return SystemExit(2)


def open_data(path: Path | None, check: bool = True) -> Database:
    """The Database of `path` (or the configured folder); exits 2 with a message otherwise.

    check=False: do not open the current snapshot yet (`upgrade` of an older one)."""
    try:
        folder = path if path is not None else configured_path()
        if not folder.exists():
            raise fail(
                f"De gegevensmap '{folder.name}' bestaat niet. Controleer het pad; er is niets "
                "aangemaakt."
            )
        return Database(folder, check=check)
    except (DataError, StateError) as exc:
        raise fail(str(exc)) from None
