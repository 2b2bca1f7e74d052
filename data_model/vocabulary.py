"""The domain vocabulary: every code the product stores or compares, with its Dutch label.

One home for each list. Pages, charts, sentences, exports, the importer, the schema's CHECK
constraints (tested against this module in tests/data_model/test_vocabulary.py) and the tests
read these tuples; nothing else spells a status, a trend, a phase, a tier, a role or a note step.

What is *configurable* (thresholds, the palette, the status and trend labels a region may want
to word differently) lives in `rules.toml` and is loaded by `data_model.rules`; the codes those
labels belong to are fixed here, because the stored data and the public views use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

_V = TypeVar("_V")


def _labelled(codes: tuple[str, ...], values: tuple[_V, ...]) -> Mapping[str, _V]:
    """A read-only map from each code to its value, in the order of the codes: one value for
    every code, so a code added without its label fails on import, not on a page."""
    return MappingProxyType(dict(zip(codes, values, strict=True)))


# --------------------------------------------------------------------------- result statuses

MUCH_HIGHER = "much_higher"
HIGHER = "higher"
AS_EXPECTED = "as_expected"  # the whole interval within ± as_expected_margin: close to the peers
UNCERTAIN = "uncertain"  # the interval holds 0 and reaches beyond the margin: cannot tell
LOWER = "lower"
MUCH_LOWER = "much_lower"
TOO_FEW = "too_few"
STATUSES = (MUCH_HIGHER, HIGHER, AS_EXPECTED, UNCERTAIN, LOWER, MUCH_LOWER, TOO_FEW)
# The direction of a status (+1 above the comparison group, -1 below, 0 neither): the one place
# that says which statuses are "higher" and which "lower".
STATUS_SIGN = _labelled(STATUSES, (1, 1, 0, 0, -1, -1, 0))
STATUS_MUCH = frozenset({MUCH_HIGHER, MUCH_LOWER})
COLOURED_STATUSES = frozenset({MUCH_HIGHER, HIGHER, LOWER, MUCH_LOWER})
# The two greys of a judged cell: both say "no clear difference", but only AS_EXPECTED says the
# school is demonstrably close to its peers; UNCERTAIN says the data cannot tell yet.
GREY_STATUSES = frozenset({AS_EXPECTED, UNCERTAIN})

# --------------------------------------------------------------------------- trends

RISING = "rising"
NO_CLEAR_TREND = "no_clear_trend"
FALLING = "falling"
TOO_SHORT = "too_short"
TRENDS = (RISING, NO_CLEAR_TREND, FALLING, TOO_SHORT)
TREND_SIGN = _labelled(TRENDS, (1, 0, -1, 0))

# --------------------------------------------------------------------------- comparison groups

SIMILAR = "similar"
FLANDERS = "flanders"
COMPARISONS = (SIMILAR, FLANDERS)
# How a sentence names the comparison group ("hoger dan bij vergelijkbare scholen").
COMPARISON_LABELS = MappingProxyType({SIMILAR: "vergelijkbare scholen", FLANDERS: "Vlaanderen"})
# With a preposition, as a sentence needs it: "dan bij vergelijkbare scholen", "dan in Vlaanderen".
COMPARISON_PHRASES = MappingProxyType(
    {SIMILAR: "bij vergelijkbare scholen", FLANDERS: "in Vlaanderen"}
)

# --------------------------------------------------------------------------- support continuum

BREDE_BASISZORG = "brede basiszorg"
VERHOOGDE_ZORG = "verhoogde zorg"
UITBREIDING_VAN_ZORG = "uitbreiding van zorg"
IAC = "IAC"  # individueel aangepast curriculum
SUPPORT_PHASES = (BREDE_BASISZORG, VERHOOGDE_ZORG, UITBREIDING_VAN_ZORG, IAC)
CLB_TRAJECT = "CLB-traject"
ZITTENBLIJVEN = "zittenblijven"
SUPPORT_INDICATORS = (CLB_TRAJECT, ZITTENBLIJVEN)
SUPPORT_INDICATOR_LABELS = _labelled(SUPPORT_INDICATORS, ("CLB-trajecten", "Zittenblijven"))
SUPPORT_MEASURE_KINDS = ("continuum", "indicator")
KOALA_CATEGORIES = ("groen", "oranje", "rood")
KOALA_LABELS = _labelled(
    KOALA_CATEGORIES,
    (
        "groen: geen extra ondersteuning",
        "oranje: extra taalondersteuning",
        "rood: intensief taaltraject",
    ),
)

# --------------------------------------------------------------------------- guidance

NEED_TIERS = ("basisaanbod", "verhoogde nood", "grote nood")
CORE_TASKS = ("KT1", "KT2", "KT3", "BI1", "BI2", "BI3", "BI4")
GUIDANCE_FORMS = ("individueel", "lerend netwerk")
HALF_DAY_HOURS = 3.5  # one begeleidingseenheid per half day

# --------------------------------------------------------------------------- roles

ROLES = DIRECTEUR, ANKER, REGIOTEAM, BEHEERDER = ("directeur", "anker", "regioteam", "beheerder")
ROLE_LABELS = _labelled(
    ROLES, ("Directeur", "Anker (pedagogisch begeleider)", "Regioteam", "Beheerder")
)
# Roles that see guidance contacts and need tiers (internal data of the support service).
GUIDANCE_ROLES = frozenset({ANKER, REGIOTEAM, BEHEERDER})
# Roles that see other schools by name (directors see them only as anonymous points).
NAMED_SCHOOL_ROLES = frozenset({ANKER, REGIOTEAM, BEHEERDER})
# Roles of the school's own staff: the only ones that see class groups and pupils (results of
# pupils or pupil groups are never shared outside the school).
SCHOOL_STAFF_ROLES = frozenset({DIRECTEUR})
# Roles outside the school that see its Vlaamse toetsen results only when the school consents
# (the director grants it; the beheerder keeps every result, it runs the imports).
CONSENT_ROLES = frozenset({ANKER, REGIOTEAM})
# Roles that see a school's learning gain: it follows the school's own pupils from grade 4 to
# grade 6, so it goes no further than the school and its own anker (with the school's consent,
# as the Vlaamse toetsen it rests on); a regional team compares schools, not pupils' paths.
LEARNING_GAIN_ROLES = frozenset({DIRECTEUR, ANKER, BEHEERDER})

# --------------------------------------------------------------------------- data conversation

STEP_OBSERVATION = "observation"
STEP_HYPOTHESIS = "hypothesis"
STEP_SOURCE = "source"
STEP_PRIORITY = "priority"
STEP_ACTION = "action"
STEP_NOTE = "note"  # a free note (the anker's preparation)
NOTE_STEPS = (
    STEP_OBSERVATION,
    STEP_HYPOTHESIS,
    STEP_SOURCE,
    STEP_PRIORITY,
    STEP_ACTION,
    STEP_NOTE,
)
NOTE_STEP_LABELS = _labelled(
    NOTE_STEPS, ("Wat valt op", "Hypothesen", "Bronnen", "Prioriteiten", "Acties", "Notitie")
)
# The body field of a source note that names the source: spelled like the step, so it has its
# own name here (what the fields of each step are: data_model/state/note_steps.py).
FIELD_SOURCE = "source"
# The fields a note body may hold, with their Dutch names (messages, exports).
NOTE_FIELD_LABELS = MappingProxyType(
    {
        "text": "tekst",
        FIELD_SOURCE: "bron",
        "finding": "wat u vond",
        "verdict": "oordeel",
        "what": "actie",
        "owner": "eigenaar",
        "due": "datum",
        "indicator": "succesindicator",
        "category": "reflectiecategorie",
        "review": "opvolging",
        "review_comment": "toelichting bij de opvolging",
        "links": "gekoppeld aan",
        "state": "status",
        "origin": "herkomst",
    }
)
NOTE_SCOPE_CONVERSATION = "datagesprek"
NOTE_SCOPE_PREPARATION = "voorbereiding"  # the anker's own preparation: internal
NOTE_SCOPES = (NOTE_SCOPE_CONVERSATION, NOTE_SCOPE_PREPARATION)
NOTE_SOURCES = ("Datawijzer", "Vlaamse toetsen", "KOALA", "Eigen observatie", "Andere")
NOTE_VERDICTS = ("bevestigd", "deels bevestigd", "niet bevestigd", "nog na te gaan")
REFLECTION_CATEGORIES = (
    "nieuw initiatief opstarten",
    "versterken",
    "afbouwen-stoppen",
    "verder aanpakken",
)
REVIEW_DONE = "gerealiseerd"  # an action reviewed as done is no longer open
REVIEW_STATUSES = (REVIEW_DONE, "gedeeltelijk gerealiseerd", "niet gerealiseerd", "loopt nog")
OBSERVATION_STATES = OBSERVATION_ACCEPTED, OBSERVATION_DISMISSED = ("aanvaard", "verworpen")
OBSERVATION_ORIGINS = ORIGIN_SUGGESTION, ORIGIN_OWN = ("suggestie", "eigen")

# Where the anker's conversation with a school stands (the round): one state per school and
# school year, changed in one click and kept with who changed it when.
ROUND_STATES = ROUND_TO_PREPARE, ROUND_PREPARED, ROUND_HELD, ROUND_FOLLOW_UP = (
    "to_prepare",
    "prepared",
    "held",
    "follow_up",
)
ROUND_STATE_LABELS = _labelled(
    ROUND_STATES, ("Voor te bereiden", "Voorbereid", "Gesprek gehouden", "Opvolging nodig")
)
# States that carry a date: the day the conversation was held, the day the follow-up is due.
ROUND_DATED_STATES = frozenset({ROUND_HELD, ROUND_FOLLOW_UP})

# --------------------------------------------------------------------------- pupils

GENDERS = ("jongen", "meisje", "x")

# --------------------------------------------------------------------------- cells

# Columns that identify one cell of the school photo (one comparison).
CELL_KEYS = ("school_year", "assessment_id", "learning_area", "domain")
TOTAL_LABEL = "Totaal"
