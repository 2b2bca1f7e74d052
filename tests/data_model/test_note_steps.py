"""The note steps are declared once (data_model/state/note_steps.py): a step added there is
asked by the form, accepted by the store and printed in the PDF sheet and the Excel notes."""

from __future__ import annotations

import io
from pathlib import Path
from types import MappingProxyType
from typing import Any

import openpyxl
import pytest

import ui.conversation as conversation
from data_model import vocabulary
from data_model.exports.conversation_pdf import build_conversation_pdf
from data_model.exports.school_xlsx import build_school_xlsx
from data_model.reading.access import system_viewer
from data_model.state import note_steps, notes
from data_model.storage.db import Database

pypdf = pytest.importorskip("pypdf")
YEAR = "2024-2025"
LOOKBACK = note_steps.Step(
    "lookback",
    (
        note_steps.Field("text", "Wat leerden we van vorig jaar?"),
        note_steps.Field("owner", "Wie vertelt het?", note_steps.LINE, required=False),
    ),
    card=(note_steps.Part("text", strong=True),),
    line=(note_steps.Part("text"), note_steps.Part("owner", " (", ")")),
    link=note_steps.Link(
        "priority_id", vocabulary.STEP_PRIORITY, "Bij welke prioriteit?", "prio", "Prioriteit",
        "prioriteit",
    ),
    lead="Wat leerden we?",
    prompt="Wat werkte, wat niet?",
    sheet="6. Terugblik",
    title="Terugblik",
)  # fmt: skip


@pytest.fixture
def with_lookback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        note_steps, "STEPS", MappingProxyType({**note_steps.STEPS, LOOKBACK.code: LOOKBACK})
    )


def test_the_spec_has_every_vocabulary_step_in_order():
    assert tuple(note_steps.STEPS) == vocabulary.NOTE_STEPS
    for spec in note_steps.STEPS.values():
        assert spec.label == vocabulary.NOTE_STEP_LABELS[spec.code]
        if spec.link:
            assert spec.link.step in note_steps.STEPS
            assert list(note_steps.STEPS).index(spec.link.step) < list(note_steps.STEPS).index(
                spec.code
            ), "a note links back to an earlier step"


class _Form:
    """Stands in for Streamlit: records which widget asked for what."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def _widget(self, kind: str):
        def ask(label: str, *args: Any, key: str, **kwargs: Any) -> Any:
            self.asked.append((kind, label, key))
            return args[0][-1] if kind == "selectbox" else f"antwoord op {label}"

        return ask

    def __getattr__(self, name: str):
        return self._widget(name)

    def columns(self, n: int) -> list[_Form]:
        return [self] * n


def test_a_new_step_is_asked_stored_and_printed(
    with_lookback: None, writable_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The form: the link and every field of the spec, with the spec's questions and keys.
    form = _Form()
    monkeypatch.setattr(conversation, "st", form)
    body = conversation.step_fields("lookback", "k", {}, {vocabulary.STEP_PRIORITY: {7: "Lezen"}})
    assert form.asked == [
        ("selectbox", "Bij welke prioriteit?", "k-prio"),
        ("text_area", "Wat leerden we van vorig jaar?", "k-text"),
        ("text_input", "Wie vertelt het?", "k-owner"),
    ]
    assert body == {
        "priority_id": 7,
        "text": "antwoord op Wat leerden we van vorig jaar?",
        "owner": "antwoord op Wie vertelt het?",
    }

    db = Database(writable_db)
    try:
        cur = db.cursor()
        admin = system_viewer(cur)
        school = cur.execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
        # The store: the spec's required fields, and the step is known.
        with pytest.raises(notes.NoteError, match="Vul nog in: tekst"):
            notes.create_note(db, admin, school, YEAR, "lookback", {"owner": "Juf An"})
        priority = notes.create_note(
            db, admin, school, YEAR, vocabulary.STEP_PRIORITY, {"text": "Begrijpend lezen"}
        )
        note = notes.create_note(
            db, admin, school, YEAR, "lookback",
            {"text": "Het leesplan werkte", "owner": "Juf An", "priority_id": priority.note_id},
        )  # fmt: skip
        # The card in the app.
        card = conversation.note_markdown(note, notes.link_choices([priority, note]))
        assert card.startswith("**Het leesplan werkte**") and "Prioriteit: Begrijpend" in card
        # The PDF: its own section, the note's line and the note it links to.
        reader = pypdf.PdfReader(io.BytesIO(build_conversation_pdf(cur, admin, school, YEAR)))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert "6. Terugblik" in text and "Wat leerden we? Wat werkte, wat niet?" in text
        assert "Het leesplan werkte (Juf An) (prioriteit: Begrijpend lezen)" in text
        # The Excel notes sheet: the step's name and the note's line.
        wb = openpyxl.load_workbook(io.BytesIO(build_school_xlsx(cur, admin, school)))
        rows = list(wb["Notities"].iter_rows(values_only=True))
        assert ("Terugblik", "Het leesplan werkte (Juf An)") in [r[1:3] for r in rows]
    finally:
        db.close()
