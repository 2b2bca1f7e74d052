"""The database handle: schema creation, migration guard, one transaction per write."""

from __future__ import annotations

import pytest

from data_model.storage.db import Database, SchemaError, get_meta, is_sample


def test_new_database_has_schema_catalogue_and_is_not_sample(tmp_path):
    db = Database(tmp_path / "new.duckdb")
    con = db.cursor()
    assert get_meta(con, "schema_version") == "1"
    assert not is_sample(con)
    assert (
        con.execute("SELECT count(*) FROM domains WHERE assessment_id = 'ovsg6'").fetchone()[0]
        == 13
    )
    db.close()


def test_failed_write_leaves_nothing_behind(writable_db):
    db = Database(writable_db)
    before = db.cursor().execute("SELECT count(*) FROM schools").fetchone()[0]
    with pytest.raises(RuntimeError), db.write() as con:
        con.execute("DELETE FROM schools")
        raise RuntimeError("crash halfway")
    assert db.cursor().execute("SELECT count(*) FROM schools").fetchone()[0] == before
    db.close()


def test_newer_schema_is_refused(tmp_path):
    db = Database(tmp_path / "future.duckdb")
    db.cursor().execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(SchemaError, match="schemaversie 99"):
        Database(tmp_path / "future.duckdb")
