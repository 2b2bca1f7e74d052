"""The steps of the data conversation, declared once: what a note of each step holds, how the
form asks for it, what is required, which step it links to, and what the app's note card,
the PDF conversation sheet and the Excel notes sheet show of it.

Read by the form (`ui.conversation`), the store (`state.notes`: required fields, link
targets), the PDF (`exports.conversation_pdf`: sections, bullets) and the Excel
(`exports.school_xlsx`: one line per note). A step added here is asked, stored and printed
everywhere without touching those modules; `tests/data_model/test_note_steps.py` checks it.
The codes and the Dutch step labels stay in `data_model.vocabulary`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from data_model.vocabulary import (
    FIELD_SOURCE,
    NOTE_FIELD_LABELS,
    NOTE_SOURCES,
    NOTE_STEP_LABELS,
    NOTE_VERDICTS,
    OBSERVATION_DISMISSED,
    REFLECTION_CATEGORIES,
    STEP_ACTION,
    STEP_HYPOTHESIS,
    STEP_NOTE,
    STEP_OBSERVATION,
    STEP_PRIORITY,
    STEP_SOURCE,
)

# How the form asks for a field.
AREA = "area"  # several lines of text
LINE = "line"  # one line of text
SELECT = "select"  # one of `choices`, in a drop-down
RADIO = "radio"  # one of `choices`, all visible
DATE = "date"  # a day (stored as an ISO date)

TEXT = "text"  # the text field of most steps, and what a linked note is known by


@dataclass(frozen=True)
class Field:
    key: str  # the key in the note body
    question: str  # the form's label
    kind: str = AREA
    required: bool = True
    choices: tuple[str, ...] = ()
    preset: int = 0  # which choice a new note starts with
    beside: bool = False  # on one row with the next field (two columns)

    @property
    def name(self) -> str:
        """The Dutch name of the field in messages ("Vul nog in: eigenaar")."""
        return NOTE_FIELD_LABELS.get(self.key, self.key)


@dataclass(frozen=True)
class Link:
    """A note of this step may point at a note of an earlier step."""

    key: str  # the body field holding the linked note's id
    step: str  # the step it points at
    question: str  # the form's label
    suffix: str  # the widget key's suffix (kept stable: tests and browser sessions use it)
    card: str  # how the note card names the linked note ("Hypothese: …")
    sheet: str | None = None  # how the PDF names it ("bij: …"); None: the PDF leaves it out


@dataclass(frozen=True)
class Part:
    """One piece of what a note says: a field's value with the words around it."""

    key: str
    before: str = ""
    after: str = ""
    strong: bool = False  # bold on the note card
    emphasis: bool = False  # italic on the note card
    only: str | None = None  # shown only when the field holds this value


@dataclass(frozen=True)
class Column:
    """A column of a table of notes in the PDF: its heading, the body field, its width."""

    heading: str
    key: str
    width: int  # mm; a table's widths add up to the printable width of A4 (190 mm)


@dataclass(frozen=True)
class Step:
    code: str
    fields: tuple[Field, ...]
    # The note card in the app (Markdown, every value escaped), and one line of text in a file
    # (PDF bullet, Excel "Inhoud"); by default the text of a step that asks one text.
    card: tuple[Part, ...] = (Part(TEXT),)
    line: tuple[Part, ...] = (Part(TEXT),)
    link: Link | None = None
    lead: str = ""  # the guiding question that leads this step
    prompt: str = ""  # what the team is asked to do in it
    sheet: str | None = None  # the PDF section's heading; None: not a section of its own
    sheet_blank_lines: int = 3  # lines to write on when the step has no notes yet
    sheet_table: tuple[Column, ...] = ()  # the PDF prints a table of these, not bullets
    sheet_owner: tuple[Part, ...] = ()  # the Excel "Eigenaar en datum" column
    add_title: str = ""  # the heading of the form that adds a note of this step
    numbered: bool = True  # the page numbers the notes (the team refers to "hypothese 2")
    title: str = ""  # the step's Dutch name, when the vocabulary has none (NOTE_STEP_LABELS)

    @property
    def label(self) -> str:
        return self.title or NOTE_STEP_LABELS[self.code]


def _text_step(code: str, question: str, **kwargs: Any) -> Step:
    """A step that asks one text (most do)."""
    return Step(code, (Field(TEXT, question),), **kwargs)


STEPS: Mapping[str, Step] = MappingProxyType(
    {
        STEP_OBSERVATION: _text_step(
            STEP_OBSERVATION,
            "Wat valt op?",
            line=(Part(TEXT), Part("state", " (", ")", only=OBSERVATION_DISMISSED)),
            lead="Wat valt op?",
            add_title="Eigen vaststelling",
            prompt="Welke resultaten liggen duidelijk hoger of lager dan bij vergelijkbare "
            "scholen? Wat stijgt of daalt al enkele jaren? Herkennen we dat?",
        ),
        STEP_HYPOTHESIS: _text_step(
            STEP_HYPOTHESIS,
            "Hypothese: wat zou dit kunnen verklaren?",
            link=Link(
                "observation_id", STEP_OBSERVATION, "Bij welke vaststelling?", "obs", "Bij", "bij"
            ),
            lead="Doen we de goede dingen? Doen we de dingen goed?",
            prompt="Wat zou dit kunnen verklaren? Denk aan aanpak, tijd, materiaal, team, "
            "leerlingenpopulatie. Formuleer meerdere mogelijke verklaringen.",
            sheet="2. Hypothesen: wat zou dit kunnen verklaren?",
            add_title="Nieuwe hypothese",
        ),
        STEP_SOURCE: Step(
            STEP_SOURCE,
            (
                Field(FIELD_SOURCE, "Bron", SELECT, choices=NOTE_SOURCES, beside=True),
                Field("verdict", "Besluit", SELECT, False, NOTE_VERDICTS, preset=3),
                Field("finding", "Wat vonden we in die bron?"),
            ),
            card=(
                Part(FIELD_SOURCE, strong=True),
                Part("finding", ": "),
                Part("verdict", " → ", strong=True),
            ),
            line=(Part(FIELD_SOURCE), Part("finding", ": "), Part("verdict", " → ")),
            link=Link(
                "hypothesis_id",
                STEP_HYPOTHESIS,
                "Welke hypothese toetst u?",
                "hyp",
                "Hypothese",
                "hypothese",
            ),
            lead="Hoe weten we dat? Vinden anderen dat ook?",
            prompt="Welke andere bron bevestigt of ontkracht de hypothese: Datawijzer, Vlaamse "
            "toetsen, KOALA, eigen observaties in de klas, gesprekken met leerlingen of ouders?",
            sheet="3. Bronnen: klopt dat volgens andere bronnen?",
            add_title="Bron nagaan",
            numbered=False,
        ),
        STEP_PRIORITY: _text_step(
            STEP_PRIORITY,
            "Prioriteit",
            link=Link(
                "hypothesis_id", STEP_HYPOTHESIS, "Vanuit welke hypothese?", "hyp", "Hypothese"
            ),
            lead="Wat is het belangrijkst?",
            prompt="Welke bevestigde hypothesen pakken we eerst aan? Kies er weinig, en kies "
            "bewust.",
            sheet="4. Prioriteiten",
            add_title="Nieuwe prioriteit",
        ),
        STEP_ACTION: Step(
            STEP_ACTION,
            (
                Field("what", "Actie: wat doen we?", LINE),
                Field("owner", "Eigenaar (wie?)", LINE, beside=True),
                Field("due", "Tegen wanneer?", DATE),
                Field("indicator", "Succesindicator: waaraan zien we dat het gewerkt heeft?", LINE),
                Field("category", "Reflectiecategorie", RADIO, choices=REFLECTION_CATEGORIES),
            ),
            card=(
                Part("what", strong=True),
                Part("owner", "  \nEigenaar: "),
                Part("due", " · tegen "),
                Part("category", " · ", emphasis=True),
                Part("indicator", "  \nSuccesindicator: "),
            ),
            line=(
                Part("what"),
                Part("indicator", " (succesindicator: "),
                Part("category", "; ", ")"),
            ),
            link=Link("priority_id", STEP_PRIORITY, "Voor welke prioriteit?", "prio", "Prioriteit"),
            lead="Wat doen we met die kennis?",
            prompt="Wie doet wat tegen wanneer? Waaraan zien we volgend jaar dat het gewerkt "
            "heeft? Starten we iets nieuws, versterken we wat werkt, bouwen we iets af, of "
            "pakken we verder aan?",
            sheet="5. Acties",
            sheet_blank_lines=4,
            sheet_table=(
                Column("Actie", "what", 50),
                Column("Eigenaar", "owner", 32),
                Column("Tegen", "due", 20),
                Column("Succesindicator", "indicator", 46),
                Column("Categorie", "category", 32),
            ),
            add_title="Nieuwe actie",
            sheet_owner=(Part("owner"), Part("due", ", tegen ")),
        ),
        STEP_NOTE: _text_step(
            STEP_NOTE, "Notitie", add_title="Notitie voor uzelf of het regioteam"
        ),
    }
)


def link_targets() -> tuple[str, ...]:
    """The steps other notes link to, in the order of the conversation."""
    targets = {s.link.step for s in STEPS.values() if s.link}
    return tuple(code for code in STEPS if code in targets)


def say(
    step: Step,
    parts: tuple[Part, ...],
    body: Mapping[str, Any],
    value: Callable[[Field, Part, str], str] | None = None,
    day: Callable[[Any], str] | None = None,
) -> str:
    """The parts of a note as text. `value(field, part, text)` writes one value (escaping,
    bold), `day` turns a stored ISO date into a Dutch one. A part whose field is empty (or
    does not hold the value the part is `only` for) is left out."""
    fields = {f.key: f for f in step.fields}
    out = []
    for part in parts:
        raw = body.get(part.key)
        if not raw or (part.only is not None and raw != part.only):
            continue
        field = fields.get(part.key, Field(part.key, part.key, LINE))
        text = day(raw) if day is not None and field.kind == DATE else str(raw)
        if value is not None:
            text = value(field, part, text)
        out.append(f"{part.before}{text}{part.after}")
    return "".join(out)
