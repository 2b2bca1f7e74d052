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
from functools import partial
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from data_model.reading.access import Viewer
from data_model.state import note_steps, notes
from data_model.storage.db import Database
from data_model.texts.formatting import format_timestamp
from data_model.vocabulary import NOTE_SCOPE_CONVERSATION, NOTE_STEP_LABELS, REVIEW_STATUSES
from ui.errors import log_exception
from ui.safe_text import md, md_block

FLASH_KEY = "datagesprek_flash"
FLASH_ERROR_KEY = "datagesprek_flash_error"
TOASTED_KEY = "datagesprek_flash_toasted"
NONE_CHOICE = 0  # "not linked" in the link selectboxes

Choices = dict[str, dict[int, str]]


def flash(message: str) -> None:
    """Show a confirmation after the rerun that follows a save."""
    st.session_state[FLASH_KEY] = message


def confirm_now(message: str) -> None:
    """Confirm a save at once, before the page reruns: a toast is sent to the browser the
    moment it is called, while the rerun that follows (the whole page, with its lists and
    counts) may take long on a busy server. The banner after the rerun stays (screen
    readers), without a second toast."""
    st.toast(message, icon=":material/check_circle:")
    st.session_state[TOASTED_KEY] = True


def flash_error(message: str) -> None:
    """Show a refusal after the rerun that follows a widget callback (which cannot draw)."""
    st.session_state[FLASH_ERROR_KEY] = message


def show_flash() -> None:
    problem = st.session_state.pop(FLASH_ERROR_KEY, None)
    if problem:
        st.error(md(problem), icon=":material/error:")
    message = st.session_state.pop(FLASH_KEY, None)
    toasted = st.session_state.pop(TOASTED_KEY, False)
    if message:
        # A toast is seen wherever the user scrolled to; the banner stays for screen readers.
        if not toasted:
            st.toast(message, icon=":material/check_circle:")
        st.success(message, icon=":material/check_circle:")


def short(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def note_meta(note: notes.Note) -> str:
    """'Katrien Aerts · 22/11/2026 om 14:05' (+ who edited last, if someone else)."""
    meta = f"{md(note.author_name)} · {format_timestamp(note.created_at)}"
    if note.version > 1:
        meta += (
            f" · gewijzigd door {md(note.editor_name or note.author_name)} "
            f"{format_timestamp(note.updated_at)}"
        )
    return meta


def _card_value(field: note_steps.Field, part: note_steps.Part, text: str) -> str:
    """One value of a note card: data text escaped (several lines kept), then bold or italic."""
    text = md_block(text) if field.kind == note_steps.AREA else md(text)
    if part.strong:
        return f"**{text}**"
    return f"*{text}*" if part.emphasis else text


def note_markdown(note: notes.Note, choices: Choices) -> str:
    """What a note says, in Markdown, with the note it links to; every field is data-escaped."""
    spec = note_steps.STEPS[note.step]
    lines = [note_steps.say(spec, spec.card, note.body, _card_value, notes.format_due)]
    link = spec.link
    linked = choices.get(link.step, {}).get(note.body.get(link.key) or 0) if link else None
    if link and linked:
        lines.append(f":gray[{link.card}: {md(short(linked))}]")
    review = note.body.get("review")
    if review:
        lines.append(
            f":blue[Opvolging: **{md(review['status'])}**"
            + (f" – {md(review['comment'])}" if review.get("comment") else "")
            + "]"
        )
    return "  \n".join(lines)


# A new note links to the latest note of the step before it (the one being discussed), so
# notes do not end up unlinked by default; an edited note keeps the link it has (or none).
LATEST = -2


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


def _field_input(where: Any, field: note_steps.Field, key: str, default: Any) -> Any:
    """The widget that asks for one field of a note, in `where` (the form or a column)."""
    widget_key = f"{key}-{field.key}"
    if field.kind in (note_steps.SELECT, note_steps.RADIO):
        index = field.choices.index(default) if default in field.choices else field.preset
        if field.kind == note_steps.SELECT:
            return where.selectbox(field.question, field.choices, index=index, key=widget_key)
        return where.radio(
            field.question, field.choices, index=index, horizontal=True, key=widget_key
        )
    if field.kind == note_steps.DATE:
        try:
            day = date.fromisoformat(str(default))
        except ValueError:
            day = date.today() + timedelta(days=120)
        return where.date_input(field.question, day, format="DD/MM/YYYY", key=widget_key)
    write = where.text_area if field.kind == note_steps.AREA else where.text_input
    return write(field.question, default or "", key=widget_key)


def step_fields(step: str, key: str, defaults: dict[str, Any], choices: Choices) -> dict[str, Any]:
    """The input widgets of one step (inside a form); returns the body they describe."""
    spec = note_steps.STEPS[step]
    body: dict[str, Any] = {}
    if spec.link:
        link = spec.link
        body[link.key] = _link_select(
            link.question,
            choices.get(link.step, {}),
            f"{key}-{link.suffix}",
            defaults.get(link.key, LATEST),
        )
    beside: Any = None  # the right-hand column, once a field asked for a row of two
    for field in spec.fields:
        where: Any = st
        if field.beside:
            where, beside = st.columns(2)
        elif beside is not None:
            where, beside = beside, None
        body[field.key] = _field_input(where, field, key, defaults.get(field.key))
    # Fields the form does not show (origin of a suggestion, its key, the review of an
    # action) survive an edit.
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


@st.fragment
def add_form(
    db: Database,
    viewer: Viewer,
    school_id: str,
    school_year: str,
    step: str,
    choices: Choices,
    title: str,
    scope: str = NOTE_SCOPE_CONVERSATION,
    key: str = "",
) -> None:
    """A form that adds a note of this step; empty again after a successful save.

    A double click or a rerun submits the same token and content again: notes.create_note
    then returns the note it already stored, so a note is saved once. `key` tells
    forms of the same step apart when a page has one per school (the round).

    A fragment: "Bewaren" reruns only this form, so the save and its
    answer ("Bewaard." or why not) do not wait for a rerun of the whole page; on a server
    busy with other sessions and an import, that rerun took long enough for users to click
    again. After a save the page reruns once, to show the note in its list."""
    base = f"add-{scope}-{step}" + (f"-{key}" if key else "")
    form_key, token = _form_generation(base)
    with st.form(form_key, clear_on_submit=False, border=True):
        st.markdown(f"**{md(title)}**")
        body = step_fields(step, form_key, {}, choices)
        submitted = st.form_submit_button("Bewaren", type="primary", icon=":material/save:")
    if submitted and save(
        lambda: notes.create_note(
            db, viewer, school_id, school_year, step, body, scope, submit_token=token
        ),
        "Bewaard.",
    ):
        confirm_now("Bewaard.")
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
            link = note_steps.STEPS[note.step].link
            unlinked = {link.key: None} if link else {}
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
            REVIEW_STATUSES,
            index=REVIEW_STATUSES.index(review["status"])
            if review.get("status") in REVIEW_STATUSES
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
                partial(notes.restore_note, db, viewer, note.note_id, note.version),
                "Teruggezet.",
            ):
                st.rerun()


def pdf_download_button(
    viewer: Viewer, school_id: str, year: str, label: str, help: str | None = None
) -> None:
    """Download button for the PDF conversation sheet; built on click and logged in the audit."""
    from data_model.exports.conversation_pdf import build_conversation_pdf
    from ui.components import export_button
    from ui.data import cursor

    export_button(
        label,
        viewer,
        school_id,
        "PDF-gespreksblad",
        lambda: build_conversation_pdf(cursor(), viewer, school_id, year),
        f"datagesprek-{school_id}-{year}.pdf",
        help=help,
    )
