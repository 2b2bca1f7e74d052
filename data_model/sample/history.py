"""Last year's data conversation for a few sample schools.

So that the review step of Datagesprek ("Hoe ver staan de acties van vorig jaar?") and the
Notities sheet of the Excel photo show something on a first start, a few demo schools get
the notes of a conversation held the year before the latest one: what stood out (taken from
that year's own results), a hypothesis, a source, a priority and two open actions. Everything
is written through the notes API (`data_model.state.notes`), as the app writes it, by the
school's director and its anker. Deterministic: the same schools and texts for a seed.
"""

from __future__ import annotations

from data_model.reading import queries
from data_model.reading.access import Viewer, viewer_for_user_id
from data_model.state import notes
from data_model.storage.connection import Connection
from data_model.storage.db import Database, get_meta
from data_model.texts.explain import highlights
from data_model.vocabulary import (
    DIRECTEUR,
    FIELD_SOURCE,
    STEP_ACTION,
    STEP_HYPOTHESIS,
    STEP_OBSERVATION,
    STEP_PRIORITY,
    STEP_SOURCE,
)

# The demo's own director school, and the first schools of the first anker.
MAX_SCHOOLS = 4

_HYPOTHESES = (
    "De nieuwe methode wordt nog niet in elke klas op dezelfde manier gebruikt.",
    "Er is weinig tijd voor herhaling in de tweede helft van het schooljaar.",
)
_ACTIONS = (
    {
        "what": "Klasoverstijgend overleg: afspraken over de aanpak per leerjaar",
        "owner": "Zorgcoördinator",
        "indicator": "Elke klas gebruikt dezelfde stappen; nagegaan bij klasbezoek in mei",
        "category": "versterken",
    },
    {
        "what": "Wekelijks herhalingsmoment in het 5de en 6de leerjaar",
        "owner": "Leerkrachten 3de graad",
        "indicator": "Herhalingsmoment in de weekplanning van elke klas",
        "category": "nieuw initiatief opstarten",
    },
)


def _schools(con: Connection) -> list[tuple[str, str, str]]:
    """(school_id, director user, anker user) of the schools that get a history: the demo's
    own director school first, then the first anker's schools; never a school that already
    has notes (a regenerated sample keeps the notes of the state store)."""
    default = get_meta(con, "demo_default_user") or ""
    rows = con.state.execute(
        "SELECT us.school_id, u.user_id, u.role FROM user_schools us "
        "JOIN users u ON u.user_id = us.user_id "
        "WHERE u.role IN ('directeur', 'anker') ORDER BY us.school_id, u.user_id"
    ).fetchall()
    noted = {r[0] for r in con.state.execute("SELECT DISTINCT school_id FROM notes").fetchall()}
    directors: dict[str, str] = {}
    ankers: dict[str, str] = {}
    for school_id, user_id, role in rows:
        (directors if role == DIRECTEUR else ankers).setdefault(school_id, user_id)
    first_anker = min(ankers.values(), default="")
    candidates = sorted(
        (s for s in directors if s in ankers and s not in noted),
        key=lambda s: (directors[s] != default, ankers[s] != first_anker, s),
    )
    return [(s, directors[s], ankers[s]) for s in candidates[:MAX_SCHOOLS]]


def _conversation(db: Database, director: Viewer, anker: Viewer, school_id: str) -> None:
    con = db.cursor()
    results = queries.school_results(con, director, school_id, "ovsg6")
    years = sorted(results["school_year"].unique())
    if len(years) < 2:
        return
    year = years[-2]  # last year's conversation, reviewed this year
    said = highlights(results[results["school_year"] <= year], max_domains=1)[:2]
    if not said:
        said = [f"In {year} ligt geen enkel leergebied duidelijk anders dan verwacht."]
    observations = [
        notes.create_note(
            db, director, school_id, year, STEP_OBSERVATION, {"text": s, "origin": "suggestie"}
        )
        for s in said
    ]
    hypothesis = notes.create_note(
        db,
        director,
        school_id,
        year,
        STEP_HYPOTHESIS,
        {"text": _HYPOTHESES[0], "observation_id": observations[0].note_id},
    )
    notes.create_note(
        db,
        anker,
        school_id,
        year,
        STEP_SOURCE,
        {
            FIELD_SOURCE: "Eigen observatie",
            "finding": "Bij klasbezoeken zagen we drie verschillende werkwijzen.",
            "verdict": "deels bevestigd",
            "hypothesis_id": hypothesis.note_id,
        },
    )
    priority = notes.create_note(
        db,
        director,
        school_id,
        year,
        STEP_PRIORITY,
        {"text": "Eén gedeelde aanpak in alle klassen", "hypothesis_id": hypothesis.note_id},
    )
    due = f"{year[5:]}-06-30"  # the end of that school year
    for action in _ACTIONS:
        notes.create_note(
            db,
            director,
            school_id,
            year,
            STEP_ACTION,
            {**action, "due": due, "priority_id": priority.note_id},
        )


def add_history(db: Database) -> None:
    """Write last year's conversation for a few sample schools (call after the results are
    computed and the demo users exist)."""
    con = db.cursor()
    for school_id, director_id, anker_id in _schools(con):
        director = viewer_for_user_id(con, director_id)
        anker = viewer_for_user_id(con, anker_id)
        if director is not None and anker is not None:
            _conversation(db, director, anker, school_id)
