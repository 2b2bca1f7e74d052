"""Fixtures of the importer tests (bad input, hostile files): one writable copy of the sample
data per test module, its beheerder and two schools' results of the next school year."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from data_model.reading.access import Viewer, system_viewer
from data_model.storage.db import Database
from tests.conftest import copy_data
from tests.data_model.importer_files import next_year_results


@pytest.fixture(scope="module")
def import_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A module's own copy: its refused imports must leave exactly this data unchanged."""
    database = Database(copy_data(sample_db, tmp_path_factory.mktemp("imports") / "data"))
    yield database
    database.close()


@pytest.fixture(scope="module")
def admin(import_db: Database) -> Viewer:
    return system_viewer(import_db.cursor())


@pytest.fixture(scope="module")
def base(import_db: Database) -> list[list[object]]:
    """Valid result rows for two schools in the school year after the sample data."""
    return next_year_results(import_db.cursor(), n_schools=2)
