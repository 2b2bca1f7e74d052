"""A computed frame goes only into a snapshot table's own columns: identifiers are
allow-listed against the database's catalogue, never taken as given."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from data_model.storage.frames import insert_frame


def test_known_table_and_columns_are_written_anything_else_is_refused() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE cells (school_id VARCHAR, n INTEGER)")
    frame = pd.DataFrame({"school_id": ["012345"], "n": [7]})
    assert insert_frame(con, "cells", frame, ["school_id", "n"]) == 1
    assert con.execute("SELECT * FROM cells").fetchall() == [("012345", 7)]
    for table, columns in (("cells; DROP TABLE cells", ["n"]), ("cells", ["n) --"])):
        with pytest.raises(ValueError):
            insert_frame(con, table, frame.rename(columns={"n": columns[0]}), columns)
    assert con.execute("SELECT count(*) FROM cells").fetchone() == (1,)
