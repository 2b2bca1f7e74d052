"""The audit log: allow-listed actions, one line per event, beheerder-only reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_model.reading.access import AccessDenied
from data_model.state import audit
from data_model.storage.db import Database


@pytest.fixture
def db(writable_db: Path):
    database = Database(writable_db)
    yield database
    database.close()


def test_log_and_read_back(db, viewers):
    director, admin = viewers["directeur"], viewers["beheerder"]
    own = (
        db.cursor()
        .state.execute("SELECT school_id FROM user_schools WHERE user_id = ?", [director.user_id])
        .fetchone()[0]
    )
    audit.log_event(db, director, audit.VIEW, school_id=own, detail="Schoolfoto")
    audit.log_event(db, director, audit.EXPORT, school_id=own, detail="Excel-schoolfoto")
    entries = audit.audit_entries(db.cursor(), admin)
    assert entries[["user_id", "action", "school_id", "detail"]].values.tolist()[:2] == [
        [director.user_id, "exporteert", own, "Excel-schoolfoto"],
        [director.user_id, "bekijkt", own, "Schoolfoto"],
    ]
    assert entries["user_name"].iloc[0] == director.name
    assert entries["school_name"].notna().iloc[0]
    only_views = audit.audit_entries(db.cursor(), admin, action=audit.VIEW)
    assert set(only_views["action"]) == {"bekijkt"}


def test_imports_appear_in_the_audit_view(db, viewers):
    admin = viewers["beheerder"]
    with db.write() as con:  # in the new snapshot: copied to the state's log on publish
        con.execute(
            "INSERT INTO import_log (user_id, file_name, sha256, kind, rows_added, "
            "rows_replaced, outcome) VALUES (?, 'resultaten.xlsx', 'abc', 'results', 12, 0, "
            "'gelukt')",
            [admin.user_id],
        )
    entries = audit.audit_entries(db.cursor(), admin, action=audit.IMPORT)
    assert entries["detail"].tolist() == [
        "resultaten.xlsx (results): gelukt, 12 nieuw, 0 vervangen"
    ]


@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_only_the_beheerder_reads_the_log(db, viewers, role):
    with pytest.raises(AccessDenied):
        audit.audit_entries(db.cursor(), viewers[role])


def test_unknown_action_and_messy_input(db, viewers):
    director = viewers["directeur"]
    with pytest.raises(ValueError):
        audit.log_event(db, director, "downloadt leerlingenlijst")
    audit.log_event(db, director, audit.REFUSED, school_id="'; DROP TABLE users; --",
                    detail="regel1\nregel2 " + "x" * 500)  # fmt: skip
    row = (
        db.cursor()
        .state.execute("SELECT school_id, detail FROM audit_log WHERE action = 'geweigerd'")
        .fetchone()
    )
    assert row[0] == "(ongeldig)"
    assert row[1].startswith("regel1 regel2 x") and len(row[1]) == audit.MAX_DETAIL
    assert db.state.execute("SELECT count(*) FROM users").fetchone()[0] > 0
