"""Notes of the data conversation (datagesprek): observations, hypotheses, sources,
priorities and actions, stored per school, school year and scope.

Notes live in the state store (storage/state.py: SQLite or PostgreSQL), not in the analytic
snapshot: every write is one state transaction (never waiting for an import) and keeps a
full edit history in `note_history`. Concurrent editing is detected with the `version`
column: an update or delete states the version it edited; if someone saved in between, the
write is refused with `NoteConflict` (a clear Dutch message, and the newer note attached) so
nobody silently overwrites a colleague. Deleting is soft (`deleted_at`) and can be undone.

Scope is enforced here, not in the page: only viewers with access to the school read or
write its notes, and the anker's own preparation (scope "voorbereiding") never reaches a
directeur.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from data_model.reading.access import AccessDenied, Viewer, allowed_school_ids, require_school
from data_model.storage.db import Cursor, Database
from data_model.storage.state import Session

SCOPE_CONVERSATION = "datagesprek"
SCOPE_PREPARATION = "voorbereiding"  # the anker's own preparation: internal
SCOPES = (SCOPE_CONVERSATION, SCOPE_PREPARATION)
INTERNAL_SCOPES = frozenset({SCOPE_PREPARATION})

STEPS = ("observation", "hypothesis", "source", "priority", "action", "note")
STEP_LABELS = {
    "observation": "Wat valt op",
    "hypothesis": "Hypothesen",
    "source": "Bronnen",
    "priority": "Prioriteiten",
    "action": "Acties",
    "note": "Notitie",
}
SOURCES = ("Datawijzer", "Vlaamse toetsen", "KOALA", "Eigen observatie", "Andere")
VERDICTS = ("bevestigd", "deels bevestigd", "niet bevestigd", "nog na te gaan")
REFLECTION_CATEGORIES = (
    "nieuw initiatief opstarten",
    "versterken",
    "afbouwen-stoppen",
    "verder aanpakken",
)
REVIEW_STATUSES = ("gerealiseerd", "gedeeltelijk gerealiseerd", "niet gerealiseerd", "loopt nog")
OBSERVATION_STATES = ("aanvaard", "verworpen")
OBSERVATION_ORIGINS = ("suggestie", "eigen")

# Required text fields per step (other fields are optional or checked below).
_REQUIRED = {
    "observation": ("text",),
    "hypothesis": ("text",),
    "source": ("source", "finding"),
    "priority": ("text",),
    "action": ("what", "owner", "due", "indicator", "category"),
    "note": ("text",),
}
_FIELD_LABELS = {
    "text": "tekst",
    "source": "bron",
    "finding": "wat u vond",
    "what": "actie",
    "owner": "eigenaar",
    "due": "datum",
    "indicator": "succesindicator",
    "category": "reflectiecategorie",
}
MAX_TEXT = 4000


class NoteError(ValueError):
    """A note with missing or invalid fields (message in Dutch, for the user)."""


class NoteConflict(RuntimeError):
    """Someone else saved the note after the version this edit started from."""

    def __init__(self, message: str, current: Note | None) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class Note:
    note_id: int
    school_id: str
    school_year: str
    scope: str
    step: str
    body: dict[str, Any] = field(hash=False)
    author_id: str
    author_name: str
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None = None
    editor_name: str | None = None  # who saved the current version

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def get(self, key: str, default: Any = "") -> Any:
        return self.body.get(key, default)


# ------------------------------------------------------------------------ helpers


def previous_school_year(school_year: str) -> str:
    """'2024-2025' -> '2023-2024'."""
    start = int(school_year[:4])
    return f"{start - 1}-{start}"


def format_timestamp(value: datetime | None) -> str:
    """'22/11/2026 om 14:05' (nl-BE)."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value:%d/%m/%Y} om {value:%H:%M}"


def format_due(value: str | None) -> str:
    """An ISO date from a body as 30/06/2026; anything else as it is."""
    if not value:
        return "–"
    try:
        return f"{date.fromisoformat(str(value)):%d/%m/%Y}"
    except ValueError:
        return str(value)


def _check_scope(viewer: Viewer, scope: str) -> None:
    if scope not in SCOPES:
        raise NoteError(f"Onbekend notitietype '{scope}'.")
    if scope in INTERNAL_SCOPES and not viewer.sees_guidance:
        raise AccessDenied("De voorbereiding van het anker is niet zichtbaar voor scholen.")


def validate_body(step: str, body: dict[str, Any]) -> dict[str, Any]:
    """A cleaned copy of the body (stripped text), or NoteError naming what is missing."""
    if step not in STEPS:
        raise NoteError(f"Onbekende stap '{step}'.")
    clean: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_TEXT:
                raise NoteError(
                    f"Het veld '{_FIELD_LABELS.get(key, key)}' is te lang "
                    f"(maximaal {MAX_TEXT} tekens)."
                )
        elif isinstance(value, date):
            value = value.isoformat()
        clean[key] = value
    missing = [k for k in _REQUIRED[step] if not clean.get(k)]
    if missing:
        names = ", ".join(_FIELD_LABELS.get(k, k) for k in missing)
        raise NoteError(f"Vul nog in: {names}.")
    if step == "source" and clean["source"] not in SOURCES:
        raise NoteError(f"Kies een bron uit de lijst ({', '.join(SOURCES)}).")
    if step == "source" and clean.get("verdict") and clean["verdict"] not in VERDICTS:
        raise NoteError(f"Kies een besluit uit de lijst ({', '.join(VERDICTS)}).")
    if step == "action":
        if clean["category"] not in REFLECTION_CATEGORIES:
            raise NoteError(
                "Kies een reflectiecategorie: " + ", ".join(REFLECTION_CATEGORIES) + "."
            )
        try:
            date.fromisoformat(str(clean["due"]))
        except ValueError:
            raise NoteError("Geef de datum als dag/maand/jaar.") from None
        review = clean.get("review")
        if review and review.get("status") not in REVIEW_STATUSES:
            raise NoteError("Kies hoe ver de actie staat: " + ", ".join(REVIEW_STATUSES) + ".")
    if step == "observation":
        if clean.get("state", "aanvaard") not in OBSERVATION_STATES:
            raise NoteError("Een vaststelling is aanvaard of verworpen.")
        clean.setdefault("state", "aanvaard")
        clean.setdefault("origin", "eigen")
    return clean


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


_NOTE_SELECT = """
    SELECT n.note_id, n.school_id, n.school_year, n.scope, n.step, n.body, n.author_id,
           coalesce(a.name, n.author_id) AS author_name, n.created_at, n.updated_at,
           n.version, n.deleted_at,
           (SELECT coalesce(max(e.name), max(h.author_id))
            FROM note_history h LEFT JOIN users e ON e.user_id = h.author_id
            WHERE h.note_id = n.note_id AND h.version = n.version) AS editor_name
    FROM notes n LEFT JOIN users a ON a.user_id = n.author_id
"""


def _note(row: tuple) -> Note:
    values = list(row)
    values[5] = json.loads(values[5])
    return Note(*values)


def _fetch(con: Session | Cursor, note_id: int) -> Note | None:
    con = getattr(con, "state", con)
    row = con.execute(_NOTE_SELECT + " WHERE n.note_id = ?", [int(note_id)]).fetchone()
    return _note(row) if row else None


def _load_for(con: Cursor, viewer: Viewer, note_id: int, session: Session | None = None) -> Note:
    note = _fetch(session or con, note_id)
    if note is None:
        raise NoteError("Deze notitie bestaat niet (meer).")
    require_school(con, viewer, note.school_id)
    _check_scope(viewer, note.scope)
    return note


def _history(con: Session, note_id: int, version: int, body: str, user: str, action: str) -> None:
    con.execute(
        "INSERT INTO note_history (note_id, version, body, author_id, changed_at, action) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [note_id, version, body, user, datetime.now(), action],
    )


# ------------------------------------------------------------------------ reads


def list_notes(
    con: Cursor,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    scope: str = SCOPE_CONVERSATION,
    step: str | None = None,
    include_deleted: bool = False,
) -> list[Note]:
    """The notes of one school, year and scope, oldest first (the order they were written)."""
    require_school(con, viewer, school_id)
    _check_scope(viewer, scope)
    rows = con.state.execute(
        _NOTE_SELECT
        + """
        WHERE n.school_id = ? AND n.school_year = ? AND n.scope = ?
          AND (CAST(? AS VARCHAR(40)) IS NULL OR n.step = ?)
          AND (? OR n.deleted_at IS NULL)
        ORDER BY n.created_at, n.note_id
        """,
        [school_id, school_year, scope, step, step, include_deleted],
    ).fetchall()
    return [_note(r) for r in rows]


def get_note(con: Cursor, viewer: Viewer, note_id: int) -> Note:
    return _load_for(con, viewer, note_id)


def note_history(con: Cursor, viewer: Viewer, note_id: int) -> pd.DataFrame:
    """Every saved version of a note, newest first, with who saved it and when."""
    _load_for(con, viewer, note_id)
    return con.state.execute(
        """
        SELECT h.version, h.action, coalesce(u.name, h.author_id) AS author_name,
               h.changed_at, h.body
        FROM note_history h LEFT JOIN users u ON u.user_id = h.author_id
        WHERE h.note_id = ? ORDER BY h.version DESC
        """,
        [int(note_id)],
    ).df()


def previous_actions(con: Cursor, viewer: Viewer, school_id: str, school_year: str) -> list[Note]:
    """Last school year's actions, to review next to this year's results."""
    return list_notes(
        con, viewer, school_id, previous_school_year(school_year), SCOPE_CONVERSATION, "action"
    )


def open_actions(con: Cursor, viewer: Viewer, school_id: str, school_year: str) -> list[Note]:
    """Last year's actions that are not reviewed as done (for the anker's preparation)."""
    return [
        a
        for a in previous_actions(con, viewer, school_id, school_year)
        if (a.get("review") or {}).get("status") != "gerealiseerd"
    ]


def open_action_counts(con: Cursor, viewer: Viewer) -> dict[tuple[str, str], int]:
    """Per (school, school year): actions not reviewed as done, for the viewer's schools."""
    allowed = set(allowed_school_ids(con, viewer))
    rows = con.state.execute(
        "SELECT school_id, school_year, body FROM notes "
        "WHERE scope = ? AND step = 'action' AND deleted_at IS NULL",
        [SCOPE_CONVERSATION],
    ).fetchall()
    counts: dict[tuple[str, str], int] = {}
    for school_id, school_year, body in rows:
        status = (json.loads(body).get("review") or {}).get("status")
        if school_id in allowed and status != "gerealiseerd":
            counts[(school_id, school_year)] = counts.get((school_id, school_year), 0) + 1
    return counts


# ------------------------------------------------------------------------ writes


def create_note(
    db: Database,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    step: str,
    body: dict[str, Any],
    scope: str = SCOPE_CONVERSATION,
) -> Note:
    clean = validate_body(step, body)
    _check_scope(viewer, scope)
    text = _dump(clean)
    now = datetime.now()
    require_school(db.cursor(), viewer, school_id)
    with db.state.transaction() as cur:
        note_id = cur.execute(
            """
            INSERT INTO notes (school_id, school_year, scope, step, body, author_id,
                               created_at, updated_at, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING note_id
            """,
            [school_id, school_year, scope, step, text, viewer.user_id, now, now],
        ).fetchone()[0]
        _history(cur, note_id, 1, text, viewer.user_id, "create")
        note = _fetch(cur, note_id)
    assert note is not None
    return note


def _conflict(current: Note) -> NoteConflict:
    who = current.editor_name or current.author_name
    if current.deleted:
        msg = (
            f"{who} heeft deze notitie intussen verwijderd ({format_timestamp(current.updated_at)}"
            "). Uw wijziging is niet bewaard."
        )
    else:
        msg = (
            f"{who} heeft deze notitie intussen gewijzigd ({format_timestamp(current.updated_at)})"
            ". Uw wijziging is niet bewaard, zodat er niets verloren gaat: bekijk de nieuwe "
            "versie en pas ze opnieuw aan."
        )
    return NoteConflict(msg, current)


def _change(
    db: Database,
    viewer: Viewer,
    note_id: int,
    expected_version: int,
    action: str,
    body: dict[str, Any] | None = None,
) -> Note:
    with db.state.transaction() as cur:
        current = _load_for(db.cursor(), viewer, note_id, cur)
        if current.version != int(expected_version):
            raise _conflict(current)
        if action == "update" and current.deleted:
            raise _conflict(current)
        text = _dump(validate_body(current.step, body)) if body is not None else None
        new_version = current.version + 1
        now = datetime.now()
        # `version = ?` in the WHERE makes the check and the write one step, even if a
        # writer ever bypassed the lock.
        updated = cur.execute(
            """
            UPDATE notes SET
                body = coalesce(CAST(? AS TEXT), body),
                version = ?,
                updated_at = ?,
                deleted_at = CASE CAST(? AS VARCHAR(10)) WHEN 'delete' THEN ?
                                    WHEN 'restore' THEN NULL ELSE deleted_at END
            WHERE note_id = ? AND version = ?
            RETURNING body
            """,
            [text, new_version, now, action, now, int(note_id), current.version],
        ).fetchone()
        if updated is None:  # another process saved between our read and this write
            raise _conflict(current)
        _history(cur, int(note_id), new_version, updated[0], viewer.user_id, action)
        note = _fetch(cur, note_id)
    assert note is not None
    return note


def update_note(
    db: Database, viewer: Viewer, note_id: int, body: dict[str, Any], expected_version: int
) -> Note:
    """Replace the body; refused with NoteConflict if the note changed since that version."""
    return _change(db, viewer, note_id, expected_version, "update", body)


def delete_note(db: Database, viewer: Viewer, note_id: int, expected_version: int) -> Note:
    """Soft delete: the note disappears from the lists, its history stays."""
    return _change(db, viewer, note_id, expected_version, "delete")


def restore_note(db: Database, viewer: Viewer, note_id: int, expected_version: int) -> Note:
    return _change(db, viewer, note_id, expected_version, "restore")


def review_action(
    db: Database,
    viewer: Viewer,
    note_id: int,
    expected_version: int,
    status: str,
    comment: str = "",
) -> Note:
    """Record how far last year's action got (stored in the action's body, so it has history)."""
    current = _load_for(db.cursor(), viewer, note_id)
    if current.step != "action":
        raise NoteError("Alleen een actie kan geëvalueerd worden.")
    body = dict(current.body)
    body["review"] = {
        "status": status,
        "comment": comment.strip(),
        "by": viewer.name,
        "at": datetime.now().isoformat(timespec="minutes"),
    }
    return update_note(db, viewer, note_id, body, expected_version)
