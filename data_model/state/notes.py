"""Notes of the data conversation (datagesprek): observations, hypotheses, sources,
priorities and actions, stored per school, school year and scope.

Notes live in the state store (storage/state_store.py: SQLite or PostgreSQL), not in the analytic
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from data_model.reading.access import AccessDenied, Viewer
from data_model.reading.scope import allowed_ids, require_school, school_read, scope_read
from data_model.state import note_steps
from data_model.storage.connection import Connection, one
from data_model.storage.db import Database
from data_model.storage.state_store import Session
from data_model.texts.formatting import format_date, format_timestamp, previous_school_year
from data_model.vocabulary import (
    FIELD_SOURCE,
    NOTE_FIELD_LABELS,
    OBSERVATION_ACCEPTED,
    OBSERVATION_STATES,
    ORIGIN_OWN,
    REFLECTION_CATEGORIES,
    REVIEW_DONE,
    REVIEW_STATUSES,
    STEP_ACTION,
    STEP_OBSERVATION,
    STEP_SOURCE,
)
from data_model.vocabulary import NOTE_SCOPE_CONVERSATION as SCOPE_CONVERSATION
from data_model.vocabulary import NOTE_SCOPE_PREPARATION as SCOPE_PREPARATION
from data_model.vocabulary import NOTE_SCOPES as SCOPES
from data_model.vocabulary import NOTE_SOURCES as SOURCES
from data_model.vocabulary import NOTE_VERDICTS as VERDICTS

# The codes and lists of a note live in data_model.vocabulary; these names are this module's API.
INTERNAL_SCOPES = frozenset({SCOPE_PREPARATION})

MAX_TEXT = 4000
# The form instance a note was submitted from (ui.conversation): makes a double submit
# idempotent. Stored in the body, so no backend needs a new column.
SUBMIT_TOKEN_KEY = "submit_token"
# The same note (author, school, year, step, every field) saved again within this time is the
# same note saved twice, not a second note: see `_same_submission`.
REPEAT_WINDOW = timedelta(minutes=10)


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


format_due = format_date  # an ISO date from a body as 30/06/2026; other text as it is


def _check_scope(viewer: Viewer, scope: str) -> None:
    if scope not in SCOPES:
        raise NoteError(f"Onbekend notitietype '{scope}'.")
    if scope in INTERNAL_SCOPES and not viewer.sees_guidance:
        raise AccessDenied("De voorbereiding van het anker is niet zichtbaar voor scholen.")


def _check_source(clean: dict[str, Any]) -> None:
    if clean[FIELD_SOURCE] not in SOURCES:
        raise NoteError(f"Kies een bron uit de lijst ({', '.join(SOURCES)}).")
    if clean.get("verdict") and clean["verdict"] not in VERDICTS:
        raise NoteError(f"Kies een besluit uit de lijst ({', '.join(VERDICTS)}).")


def _check_action(clean: dict[str, Any]) -> None:
    if clean["category"] not in REFLECTION_CATEGORIES:
        raise NoteError("Kies een reflectiecategorie: " + ", ".join(REFLECTION_CATEGORIES) + ".")
    try:
        date.fromisoformat(str(clean["due"]))
    except ValueError:
        raise NoteError("Geef de datum als dag/maand/jaar.") from None
    review = clean.get("review")
    if review and review.get("status") not in REVIEW_STATUSES:
        raise NoteError("Kies hoe ver de actie staat: " + ", ".join(REVIEW_STATUSES) + ".")


def _check_observation(clean: dict[str, Any]) -> None:
    if clean.get("state", OBSERVATION_ACCEPTED) not in OBSERVATION_STATES:
        raise NoteError("Een vaststelling is aanvaard of verworpen.")
    clean.setdefault("state", OBSERVATION_ACCEPTED)
    clean.setdefault("origin", ORIGIN_OWN)


# Step-specific checks after the required fields (the other steps have none).
_STEP_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    STEP_SOURCE: _check_source,
    STEP_ACTION: _check_action,
    STEP_OBSERVATION: _check_observation,
}


def validate_body(step: str, body: dict[str, Any]) -> dict[str, Any]:
    """A cleaned copy of the body (stripped text), or NoteError naming what is missing."""
    if step not in note_steps.STEPS:
        raise NoteError(f"Onbekende stap '{step}'.")
    clean: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_TEXT:
                raise NoteError(
                    f"Het veld '{NOTE_FIELD_LABELS.get(key, key)}' is te lang "
                    f"(maximaal {MAX_TEXT} tekens)."
                )
        elif isinstance(value, date):
            value = value.isoformat()
        clean[key] = value
    missing = [f.name for f in note_steps.STEPS[step].fields if f.required and not clean.get(f.key)]
    if missing:
        raise NoteError(f"Vul nog in: {', '.join(missing)}.")
    check = _STEP_CHECKS.get(step)
    if check is not None:
        check(clean)
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


def _note(row: tuple[Any, ...]) -> Note:
    values = list(row)
    values[5] = json.loads(values[5])
    return Note(*values)


def _fetch(con: Session | Connection, note_id: int) -> Note | None:
    con = getattr(con, "state", con)
    row = con.execute(_NOTE_SELECT + " WHERE n.note_id = ?", [int(note_id)]).fetchone()
    return _note(row) if row else None


def _load_for(
    con: Connection, viewer: Viewer, note_id: int, session: Session | None = None
) -> Note:
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


def accepted_observations(found: list[Note]) -> list[Note]:
    """The observations the team accepted (a suggestion it did not keep is not one)."""
    return [
        n
        for n in found
        if n.step == STEP_OBSERVATION and n.get("state") == OBSERVATION_ACCEPTED and not n.deleted
    ]


def link_choices(found: list[Note]) -> dict[str, dict[int, str]]:
    """Per step that other notes link to: the live notes a link may point at, by id, with
    their text (for the form's drop-downs and for naming a linked note on a card or sheet).
    Only accepted observations: a dismissed suggestion is not something to explain."""
    live = [n for n in found if not n.deleted]
    choices: dict[str, dict[int, str]] = {}
    for target in note_steps.link_targets():
        pool = accepted_observations(live) if target == STEP_OBSERVATION else live
        choices[target] = {n.note_id: n.body[note_steps.TEXT] for n in pool if n.step == target}
    return choices


# ------------------------------------------------------------------------ reads


@school_read(memo=False)  # notes change within a request
def list_notes(
    con: Connection,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    scope: str = SCOPE_CONVERSATION,
    step: str | None = None,
    include_deleted: bool = False,
) -> list[Note]:
    """The notes of one school, year and scope, oldest first (the order they were written)."""
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


@scope_read(memo=False)  # the note's school is checked in _load_for
def get_note(con: Connection, viewer: Viewer, note_id: int) -> Note:
    return _load_for(con, viewer, note_id)


@scope_read(memo=False)  # the note's school is checked in _load_for
def note_history(con: Connection, viewer: Viewer, note_id: int) -> pd.DataFrame:
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


@school_read(memo=False)  # notes change within a request
def previous_actions(
    con: Connection, viewer: Viewer, school_id: str, school_year: str
) -> list[Note]:
    """Last school year's actions, to review next to this year's results."""
    return list_notes(
        con, viewer, school_id, previous_school_year(school_year), SCOPE_CONVERSATION, STEP_ACTION
    )


@school_read(memo=False)  # notes change within a request
def school_actions(con: Connection, viewer: Viewer, school_id: str) -> list[Note]:
    """Every action of the school's conversations, of every school year, oldest first (the
    Trends timeline marks when each was decided and reviewed)."""
    rows = con.state.execute(
        _NOTE_SELECT
        + """
        WHERE n.school_id = ? AND n.scope = ? AND n.step = ? AND n.deleted_at IS NULL
        ORDER BY n.school_year, n.created_at, n.note_id
        """,
        [school_id, SCOPE_CONVERSATION, STEP_ACTION],
    ).fetchall()
    return [_note(r) for r in rows]


@school_read(memo=False)  # notes change within a request
def open_actions(con: Connection, viewer: Viewer, school_id: str, school_year: str) -> list[Note]:
    """Last year's actions that are not reviewed as done (for the anker's preparation)."""
    return [
        a
        for a in previous_actions(con, viewer, school_id, school_year)
        if (a.get("review") or {}).get("status") != REVIEW_DONE
    ]


@scope_read(memo=False)  # notes change within a request
def open_action_counts(con: Connection, viewer: Viewer) -> dict[tuple[str, str], int]:
    """Per (school, school year): actions not reviewed as done, for the viewer's schools."""
    allowed = set(allowed_ids(con, viewer))
    rows = con.state.execute(
        "SELECT school_id, school_year, body FROM notes "
        "WHERE scope = ? AND step = ? AND deleted_at IS NULL",
        [SCOPE_CONVERSATION, STEP_ACTION],
    ).fetchall()
    counts: dict[tuple[str, str], int] = {}
    for school_id, school_year, body in rows:
        status = (json.loads(body).get("review") or {}).get("status")
        if school_id in allowed and status != REVIEW_DONE:
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
    submit_token: str | None = None,
) -> Note:
    """Store a new note. With `submit_token` (one per form instance, see ui.conversation) the
    write is idempotent: a double click or a rerun that submits the same form with the same
    content again returns the note stored the first time instead of a duplicate."""
    clean = validate_body(step, body)
    if submit_token:
        clean[SUBMIT_TOKEN_KEY] = str(submit_token)
    _check_scope(viewer, scope)
    text = _dump(clean)
    now = datetime.now()
    require_school(db.cursor(), viewer, school_id)
    # BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL: two submits of one note (one
    # form, or a second tab) cannot both pass the check below and both insert. The lock is per
    # author, school, year and step (what `_same_submission` compares), not per form token.
    with db.state.transaction() as cur:
        cur.lock(f"note-submit:{viewer.user_id}:{school_id}:{school_year}:{scope}:{step}")
        earlier = _same_submission(cur, viewer, school_id, school_year, scope, step, clean)
        if earlier is not None:
            return earlier
        note_id = one(
            cur.execute(
                """
                INSERT INTO notes (school_id, school_year, scope, step, body, author_id,
                                   created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING note_id
                """,
                [school_id, school_year, scope, step, text, viewer.user_id, now, now],
            )
        )[0]
        _history(cur, note_id, 1, text, viewer.user_id, "create")
        note = _fetch(cur, note_id)
    assert note is not None
    return note


def _same_submission(
    cur: Session,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    scope: str,
    step: str,
    clean: dict[str, Any],
) -> Note | None:
    """The note this submission already stored, if any: the same form token and content (a
    double click, a rerun), or the same content by the same author, not deleted, stored less
    than REPEAT_WINDOW ago (a save that got no answer under load and was tried again from a
    reloaded page or another tab: a new form, so a new token, but the same note).

    Checked inside the state transaction (BEGIN IMMEDIATE on SQLite), so two concurrent submits
    of one form cannot both insert. Compared in Python, not with backend JSON functions, so
    it holds for any state store.
    """
    token = clean.get(SUBMIT_TOKEN_KEY)
    content = {k: v for k, v in clean.items() if k != SUBMIT_TOKEN_KEY}
    since = datetime.now() - REPEAT_WINDOW
    rows = cur.execute(
        "SELECT note_id, body, created_at, deleted_at FROM notes WHERE school_id = ? "
        "AND school_year = ? AND scope = ? AND step = ? AND author_id = ? ORDER BY note_id",
        [school_id, school_year, scope, step, viewer.user_id],
    ).fetchall()
    for note_id, body, created_at, deleted_at in rows:
        stored = json.loads(body)
        if token and stored == clean:
            return _fetch(cur, note_id)
        repeat = {k: v for k, v in stored.items() if k != SUBMIT_TOKEN_KEY} == content
        if repeat and deleted_at is None and created_at >= since:
            return _fetch(cur, note_id)
    return None


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
    if current.step != STEP_ACTION:
        raise NoteError("Alleen een actie kan geëvalueerd worden.")
    body = dict(current.body)
    body["review"] = {
        "status": status,
        "comment": comment.strip(),
        "by": viewer.name,
        "at": datetime.now().isoformat(timespec="minutes"),
    }
    return update_note(db, viewer, note_id, body, expected_version)
