"""The anker's round: every school in scope with where its conversation stands and what the
anker needs to prepare it (the Ronde page, app_pages/ronde.py).

Pure reads through the scoped readers: results come from `queries`, notes from
`state.notes`, the conversation state from `state.rounds`. Internal: the round and the
anker's own preparation notes never reach a directeur (`guidance=True`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_model.reading import queries
from data_model.reading.access import Viewer
from data_model.reading.scope import school_read, scope_read
from data_model.state import notes, rounds
from data_model.storage.connection import Connection
from data_model.texts.formatting import previous_school_year
from data_model.vocabulary import (
    NOTE_SCOPE_PREPARATION,
    OBSERVATION_DISMISSED,
    STEP_ACTION,
    STEP_HYPOTHESIS,
    STEP_OBSERVATION,
    STEP_PRIORITY,
)

# The assessment whose sentences the round shows: the one Start's brief is about.
ROUND_ASSESSMENT = "ovsg6"
# Last year's conversation, in the order of its steps (sources are checked, not discussed).
LAST_YEAR_STEPS = (STEP_OBSERVATION, STEP_HYPOTHESIS, STEP_PRIORITY, STEP_ACTION)


@dataclass
class RoundSchool:
    """What the anker reads before one school's conversation."""

    school_id: str
    school_year: str
    results: pd.DataFrame  # the school's results of ROUND_ASSESSMENT up to the school year
    last_year: dict[str, list[notes.Note]] = field(default_factory=dict)  # per step
    preparation: list[notes.Note] = field(default_factory=list)  # internal, this year

    @property
    def previous_year(self) -> str:
        return previous_school_year(self.school_year)


@scope_read(guidance=True, memo=False)  # holds the state a click may just have changed
def round_overview(con: Connection, viewer: Viewer, school_year: str) -> pd.DataFrame:
    """One row per school in scope, by name (never ranked): the conversation state of the
    school year with its date and who set it, and how many of last year's actions are open."""
    schools = queries.schools_in_scope(con, viewer)
    states = rounds.round_states(con, viewer, school_year).set_index("school_id")
    out = schools[["school_id", "name", "community_id", "community_name"]].join(
        states, on="school_id"
    )
    open_by = notes.open_action_counts(con, viewer)
    last = previous_school_year(school_year)
    out["open_actions"] = [int(open_by.get((s, last), 0)) for s in out["school_id"]]
    return out.sort_values(["name", "school_id"]).reset_index(drop=True)


@school_read(guidance=True, memo=False)  # notes a form in the same run may have changed
def round_school(con: Connection, viewer: Viewer, school_id: str, school_year: str) -> RoundSchool:
    """Results, last year's conversation and this year's internal preparation of one school."""
    results = queries.school_results(con, viewer, school_id, ROUND_ASSESSMENT)
    results = results[results["school_year"] <= school_year].reset_index(drop=True)
    previous = notes.list_notes(con, viewer, school_id, previous_school_year(school_year))
    last_year = {
        step: [
            n
            for n in previous
            if n.step == step
            and (step != STEP_OBSERVATION or n.get("state") != OBSERVATION_DISMISSED)
        ]
        for step in LAST_YEAR_STEPS
    }
    preparation = notes.list_notes(
        con, viewer, school_id, school_year, scope=NOTE_SCOPE_PREPARATION
    )
    return RoundSchool(school_id, school_year, results, last_year, preparation)
