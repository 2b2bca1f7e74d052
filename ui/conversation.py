"""Streamlit building blocks for the Datagesprek: note cards, add/edit forms, review form.

The data layer (data_model.state.notes) validates, scopes and detects conflicting edits; this
module only lays out the fields of each step and shows its Dutch messages. Notes are read
fresh on every run (never through the query cache), so a colleague's save shows up at the
next interaction and no cache needs clearing after a write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from data_model.reading.access import Viewer
from data_model.state import notes
from data_model.storage.db import Database
from data_model.vocabulary import NOTE_STEP_LABELS
from ui.errors import log_exception
from ui.safe_text import md, md_block

FLASH_KEY = "datagesprek_flash"
FLASH_ERROR_KEY = "datagesprek_flash_error"
NONE_CHOICE = 0  # "not linked" in the link selectboxes

Choices = dict[str, dict[int, str]]


def flash(message: str) -> None:
    """Show a confirmation after the rerun that follows a save."""
    st.session_state[FLASH_KEY] = message


def flash_error(message: str) -> None:
    """Show a refusal after the rerun that follows a widget callback (which cannot draw)."""
    st.session_state[FLASH_ERROR_KEY] = message


def show_flash() -> None:
    problem = st.session_state.pop(FLASH_ERROR_KEY, None)
    if problem:
        st.error(md(problem), icon=":material/error:")
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        # A toast is seen wherever the user scrolled to; the banner stays for screen readers.
        st.toast(message, icon=":material/check_circle:")
        st.success(message, icon=":material/check_circle:")


def short(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def note_meta(note: notes.Note) -> str:
    """'Katrien Aerts · 22/11/2026 om 14:05' (+ who edited last, if someone else)."""
    meta = f"{md(note.author_name)} · {notes.format_timestamp(note.created_at)}"
    if note.version > 1:
        meta += (
            f" · gewijzigd door {md(note.editor_name or note.author_name)} "
            f"{notes.format_timestamp(note.updated_at)}"
        )
    return meta


def note_markdown(note: notes.Note, choices: Choices) -> str:
    """What a note says, in Markdown, with the note it links to; every field is data-escaped."""
    body = note.body
    if note.step == "hypothesis":
        linked = choices.get("observation", {}).get(body.get("observation_id") or 0)
        return md_block(body["text"]) + (f"  \n:gray[Bij: {md(short(linked))}]" if linked else "")
    if note.step == "source":
        verdict = f" → **{md(body['verdict'])}**" if body.get("verdict") else ""
        linked = choices.get("hypothesis", {}).get(body.get("hypothesis_id") or 0)
        return f"**{md(body['source'])}**: {md_block(body['finding'])}{verdict}" + (
            f"  \n:gray[Hypothese: {md(short(linked))}]" if linked else ""
        )
    if note.step == "priority":
        linked = choices.get("hypothesis", {}).get(body.get("hypothesis_id") or 0)
        return md_block(body["text"]) + (
            f"  \n:gray[Hypothese: {md(short(linked))}]" if linked else ""
        )
    if note.step == "action":
        linked = choices.get("priority", {}).get(body.get("priority_id") or 0)
        lines = [
            f"**{md(body['what'])}**",
            f"Eigenaar: {md(body['owner'])} · tegen {md(notes.format_due(body['due']))} · "
            f"*{md(body['category'])}*",
            f"Succesindicator: {md(body['indicator'])}",
        ]
        if linked:
            lines.append(f":gray[Prioriteit: {md(short(linked))}]")
        review = body.get("review")
        if review:
            lines.append(
                f":blue[Opvolging: **{md(review['status'])}**"
                + (f" – {md(review['comment'])}" if review.get("comment") else "")
                + "]"
            )
        return "  \n".join(lines)
    return md_block(body.get("text", ""))


# A new note links to the latest note of the step before it (the one being discussed), so
# notes do not end up unlinked by default; an edited note keeps the link it has (or none).
LATEST = -2
_LINK_FIELDS = {
    "hypothesis": ("observation_id",),
    "source": ("hypothesis_id",),
    "priority": ("hypothesis_id",),
    "action": ("priority_id",),
}


def _link_select(
    label: str, options: dict[int, str], key: str, default: int | None, optional: bool = True
) -> int | None:
    ids = ([NONE_CHOICE] if optional else []) + list(options)
    if not ids:
        return None
    labels = {NONE_CHOICE: "— (niet gekoppeld)", **{k: short(v) for k, v in options.items()}}
    if default == LATEST:
        default = list(options)[-1] if options else None
    index = ids.index(default) if default in ids else 0
    picked = st.selectbox(label, ids, index=index, format_func=labels.__getitem__, key=key)
    return None if picked == NONE_CHOICE else int(picked)


def step_fields(step: str, key: str, defaults: dict[str, Any], choices: Choices) -> dict[str, Any]:
    """The input widgets of one step (inside a form); returns the body they describe."""
    body: dict[str, Any] = {}
    if step in ("observation", "note"):
        label = "Wat valt op?" if step == "observation" else "Notitie"
        body["text"] = st.text_area(label, defaults.get("text", ""), key=f"{key}-text")
    elif step == "hypothesis":
        body["observation_id"] = _link_select(
            "Bij welke vaststelling?",
            choices.get("observation", {}),
            f"{key}-obs",
            defaults.get("observation_id", LATEST),
        )
        body["text"] = st.text_area(
            "Hypothese: wat zou dit kunnen verklaren?",
            defaults.get("text", ""),
            key=f"{key}-text",
        )
    elif step == "source":
        body["hypothesis_id"] = _link_select(
            "Welke hypothese toetst u?",
            choices.get("hypothesis", {}),
            f"{key}-hyp",
            defaults.get("hypothesis_id", LATEST),
        )
        c1, c2 = st.columns(2)
        source = defaults.get("source")
        body["source"] = c1.selectbox(
            "Bron",
            notes.SOURCES,
            index=notes.SOURCES.index(source) if source in notes.SOURCES else 0,
            key=f"{key}-source",
        )
        verdict = defaults.get("verdict")
        body["verdict"] = c2.selectbox(
            "Besluit",
            notes.VERDICTS,
            index=notes.VERDICTS.index(verdict) if verdict in notes.VERDICTS else 3,
            key=f"{key}-verdict",
        )
        body["finding"] = st.text_area(
            "Wat vonden we in die bron?", defaults.get("finding", ""), key=f"{key}-finding"
        )
    elif step == "priority":
        body["hypothesis_id"] = _link_select(
            "Vanuit welke hypothese?",
            choices.get("hypothesis", {}),
            f"{key}-hyp",
            defaults.get("hypothesis_id", LATEST),
        )
        body["text"] = st.text_area("Prioriteit", defaults.get("text", ""), key=f"{key}-text")
    elif step == "action":
        body["priority_id"] = _link_select(
            "Voor welke prioriteit?",
            choices.get("priority", {}),
            f"{key}-prio",
            defaults.get("priority_id", LATEST),
        )
        body["what"] = st.text_input(
            "Actie: wat doen we?", defaults.get("what", ""), key=f"{key}-what"
        )
        c1, c2 = st.columns(2)
        body["owner"] = c1.text_input(
            "Eigenaar (wie?)", defaults.get("owner", ""), key=f"{key}-owner"
        )
        try:
            due = date.fromisoformat(str(defaults.get("due")))
        except ValueError:
            due = date.today() + timedelta(days=120)
        body["due"] = c2.date_input("Tegen wanneer?", due, format="DD/MM/YYYY", key=f"{key}-due")
        body["indicator"] = st.text_input(
            "Succesindicator: waaraan zien we dat het gewerkt heeft?",
            defaults.get("indicator", ""),
            key=f"{key}-indicator",
        )
        category = defaults.get("category")
        body["category"] = st.radio(
            "Reflectiecategorie",
            notes.REFLECTION_CATEGORIES,
            index=notes.REFLECTION_CATEGORIES.index(category)
            if category in notes.REFLECTION_CATEGORIES
            else 0,
            horizontal=True,
            key=f"{key}-category",
        )
        if defaults.get("review"):
            body["review"] = defaults["review"]
    # Fields the form does not show (origin of a suggestion, its key) survive an edit.
    return {**{k: v for k, v in defaults.items() if k not in body}, **body}


def save(action: Callable[[], notes.Note], done: str) -> bool:
    """Run a write; show Dutch messages for invalid input, conflicts and missing access."""
    try:
        action()
    except notes.NoteConflict as conflict:
        st.error(md(conflict), icon=":material/sync_problem:")
        if conflict.current is not None and not conflict.current.deleted:
            st.info(
                "De versie die nu bewaard is:  \n" + note_markdown(conflict.current, {}),
                icon=":material/history:",
            )
        return False
    except (notes.NoteError, PermissionError) as problem:
        st.error(md(problem), icon=":material/error:")
        return False
    except Exception as exc:  # a save that did not happen always says so
        reference = log_exception(exc, "saving a note")
        st.error(
            "**Niet bewaard.** Er ging iets mis bij het opslaan; uw tekst staat nog in het "
            "formulier. Probeer opnieuw. Blijft het probleem, geef dan deze referentie door aan "
            f"de beheerder: **{reference}**.",
            icon=":material/error:",
        )
        return False
    flash(done)
    return True


def _form_generation(base: str) -> tuple[str, str]:
    """(widget key prefix, submit token) of the current instance of an add form.

    After a save the form gets a new generation: new widget keys, so the browser shows empty
    fields (deleting widget state does not clear what a form shows), and a new token, so the
    next note is a new note. The first generation keeps the plain key (tests and links).
    """
    state = st.session_state.setdefault(f"{base}#form", {"n": 0, "token": uuid.uuid4().hex})
    key = base if state["n"] == 0 else f"{base}~{state['n']}"
    return key, state["token"]


def _next_generation(base: str) -> None:
    state = st.session_state.get(f"{base}#form", {"n": 0})
    st.session_state[f"{base}#form"] = {"n": state["n"] + 1, "token": uuid.uuid4().hex}


def add_form(
    db: Database,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    step: str,
    choices: Choices,
    title: str,
    scope: str = notes.SCOPE_CONVERSATION,
    key: str = "",
) -> None:
    """A form that adds a note of this step; empty again after a successful save.

    A double click or a rerun submits the same token and content again: notes.create_note
    then returns the note it already stored, so a note is saved once. `key` tells
    forms of the same step apart when a page has one per school (the round).
    """
    base = f"add-{scope}-{step}" + (f"-{key}" if key else "")
    key, token = _form_generation(base)
    with st.form(key, clear_on_submit=False, border=True):
        st.markdown(f"**{md(title)}**")
        body = step_fields(step, key, {}, choices)
        submitted = st.form_submit_button("Bewaren", type="primary", icon=":material/save:")
    if submitted and save(
        lambda: notes.create_note(
            db, viewer, school_id, school_year, step, body, scope, submit_token=token
        ),
        "Bewaard.",
    ):
        _next_generation(base)
        st.rerun()


def _rerun_card() -> None:
    """Rerun only this card when it runs as a fragment (a click in the browser); in a full run
    of the page (AppTest, or the card's first render) Streamlit allows only a page rerun."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


@st.fragment
def note_card(
    db: Database, viewer: Viewer, note: notes.Note, choices: Choices, number: int | None = None
) -> None:
    """One note with who wrote it, and buttons to edit or delete it.

    A fragment: opening or cancelling the edit form reruns this card only; a save or a delete
    reruns the page (its counts and links change). Editing remembers the version the user
    started from (in the session), so a colleague's save in between is detected by the data
    layer instead of being overwritten.
    """
    edit_key = f"editing-{note.note_id}"
    with st.container(border=True):
        # Text and buttons in one row that sizes the buttons to their icons: a fixed column
        # for the buttons is a squeeze at 800 px and wasted width at 1280 px.
        row = st.container(horizontal=True, vertical_alignment="top")
        left = row.container(width="stretch")
        prefix = f"**{number}.** " if number is not None else ""
        left.markdown(prefix + note_markdown(note, choices))
        left.caption(note_meta(note))
        if edit_key not in st.session_state:
            buttons = row.container(horizontal=True, width="content", gap="small")
            if buttons.button(
                "", icon=":material/edit:", key=f"edit-{note.note_id}", help="Bewerken"
            ):
                st.session_state[edit_key] = note.version
                _rerun_card()
            if buttons.button(
                "", icon=":material/delete:", key=f"del-{note.note_id}", help="Verwijderen"
            ) and save(
                lambda: notes.delete_note(db, viewer, note.note_id, note.version),
                "Verwijderd. U vindt het terug onder 'Verwijderde notities'.",
            ):
                st.rerun()
            return
        started_from = int(st.session_state[edit_key])
        form_key = f"form-edit-{note.note_id}"
        with st.form(form_key, border=False):
            # An edit keeps the note's own link (or none): no default to the latest note.
            unlinked = dict.fromkeys(_LINK_FIELDS.get(note.step, ()))
            body = step_fields(note.step, form_key, {**unlinked, **note.body}, choices)
            c1, c2 = st.columns([1, 5])
            save_clicked = c1.form_submit_button("Bewaren", type="primary")
            cancel = c2.form_submit_button("Annuleren")
        if cancel:
            del st.session_state[edit_key]
            _rerun_card()
        if save_clicked:
            if save(
                lambda: notes.update_note(db, viewer, note.note_id, body, started_from),
                "Wijziging bewaard.",
            ):
                del st.session_state[edit_key]
                st.rerun()
            else:
                # The user has now seen the newer version: a second save is deliberate.
                st.session_state[edit_key] = note.version


def review_form(db: Database, viewer: Viewer, action: notes.Note) -> None:
    """How far did last year's action get? Stored on the action itself, with history."""
    review = action.get("review") or {}
    key = f"review-{action.note_id}"
    with st.form(key, border=False):
        # A radio on its own row, not a selectbox in a narrow column: beside the results
        # (half the page at 1024 px) a selectbox showed "loopt no…"; the radio's options wrap
        # onto a second line and every status stays readable, also on a projector.
        status = st.radio(
            "Hoe ver staat deze actie?",
            notes.REVIEW_STATUSES,
            index=notes.REVIEW_STATUSES.index(review["status"])
            if review.get("status") in notes.REVIEW_STATUSES
            else 3,
            horizontal=True,
            key=f"{key}-status",
        )
        comment = st.text_input(
            "Toelichting: wat zien we in de nieuwe resultaten?",
            review.get("comment", ""),
            key=f"{key}-comment",
        )
        saved = st.form_submit_button("Opvolging bewaren")
    if saved and save(
        lambda: notes.review_action(db, viewer, action.note_id, action.version, status, comment),
        "Opvolging bewaard.",
    ):
        st.rerun()


def deleted_list(db: Database, viewer: Viewer, deleted: list[notes.Note], choices: Choices) -> None:
    """Soft-deleted notes of this year, with a button to bring each one back."""
    if not deleted:
        return
    with st.expander(f"Verwijderde notities ({len(deleted)})"):
        for note in deleted:
            # A row that gives the button its whole label ("Terugzetten" was cut in a column).
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(
                f"*{NOTE_STEP_LABELS[note.step]}*: {short(note_markdown(note, choices), 140)}",
                width="stretch",
            )
            if row.button("Terugzetten", key=f"restore-{note.note_id}") and save(
                lambda note=note: notes.restore_note(db, viewer, note.note_id, note.version),
                "Teruggezet.",
            ):
                st.rerun()


def pdf_download_button(
    viewer: Viewer, school_id: str, year: str, label: str, help: str | None = None
) -> None:
    """Download button for the PDF conversation sheet; built on click and logged in the audit."""
    from data_model.exports.cells import failure_pdf
    from data_model.exports.conversation_pdf import build_conversation_pdf
    from ui.components import logged_export
    from ui.data import cursor

    st.download_button(
        label,
        data=logged_export(
            viewer,
            school_id,
            "PDF-gespreksblad",
            lambda: build_conversation_pdf(cursor(), viewer, school_id, year),
            failure=failure_pdf,  # a failed export says so in Dutch
        ),
        file_name=f"datagesprek-{school_id}-{year}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        help=help,
    )
