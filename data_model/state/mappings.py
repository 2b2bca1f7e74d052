"""Remembered column mappings: per source of import files ("OVSG-feedback 2025"), which of
the file's own columns holds each column of its kind (data_model.imports.mapping). Stored in
the state store's `column_mappings` table, so next year's file from the same source imports
in one click (Gegevens page) or with `--mapping NAME` (CLI). Only a beheerder saves or reads
them; a mapping never bypasses a check (see data_model.imports.mapping).
"""

from __future__ import annotations

import json
from datetime import datetime

from data_model.reading.access import AccessDenied, Viewer
from data_model.storage.db import Database

MAX_SOURCE_CHARS = 100


class MappingNotFound(LookupError):
    """No mapping with that name; the message is Dutch."""


def clean_source(source: str) -> str:
    """A source name as stored: one line, trimmed, at most MAX_SOURCE_CHARS characters."""
    return " ".join(source.split())[:MAX_SOURCE_CHARS]


def save_mapping(
    db: Database, viewer: Viewer, source: str, kind: str, mapping: dict[str, str]
) -> None:
    """Store (or replace) the mapping of `source`."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder bewaart een koppeling van kolommen.")
    name = clean_source(source)
    if not name:
        raise ValueError("Een koppeling heeft een naam nodig (de bron, bv. 'OVSG-feedback').")
    with db.state.transaction() as state:
        state.execute("DELETE FROM column_mappings WHERE source = ?", [name])
        state.execute(
            "INSERT INTO column_mappings (source, kind, mapping, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, kind, json.dumps(mapping, ensure_ascii=False), datetime.now(),
             viewer.user_id],
        )  # fmt: skip


def load_mapping(db: Database, viewer: Viewer, source: str) -> tuple[str, dict[str, str]]:
    """(kind, mapping) of a saved source, or MappingNotFound."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder gebruikt een koppeling van kolommen.")
    row = db.state.execute(
        "SELECT kind, mapping FROM column_mappings WHERE source = ?", [clean_source(source)]
    ).fetchone()
    if row is None:
        known = ", ".join(f"'{s}'" for s, _ in mapping_sources(db, viewer)) or "geen"
        raise MappingNotFound(
            f"Geen bewaarde koppeling met de naam '{clean_source(source)}'. Bewaarde "
            f"koppelingen: {known}."
        )
    return row[0], json.loads(row[1])


def mapping_sources(db: Database, viewer: Viewer, kind: str | None = None) -> list[tuple[str, str]]:
    """(source, kind) of every saved mapping (of one kind), by name."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder ziet de koppelingen van kolommen.")
    rows = db.state.execute("SELECT source, kind FROM column_mappings ORDER BY source").fetchall()
    return [(s, k) for s, k in rows if kind is None or k == kind]
