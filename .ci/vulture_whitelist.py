"""Names vulture reports as unused that are used: read by `vulture` in .ci/run (pyproject).

Each entry says why it stays. Dead code is removed, not listed here.
"""

# ruff: noqa
from data_model.state import notes
from data_model.statistics import chance
from data_model import vocabulary

_ = object()

# Attributes set on objects of libraries, read by the library (openpyxl, fpdf2, decimal).
_.font, _.alignment, _.border, _.number_format, _.freeze_panes, _.creator, _.data_type
_.orientation, _.paperSize, _.fitToWidth, _.fitToHeight  # openpyxl print setup (the glance layout)
_.fitToPage, _.horizontalCentered, _.print_title_rows
_.rounding  # decimal.localcontext
_.footer  # fpdf2 calls FPDF.footer() on every page

# The notes store's API: one note and its edit history (the audit trail the module promises).
notes.get_note, notes.note_history

# The vocabulary is complete on purpose: tests/data_model/test_vocabulary.py checks the schema's
# CHECK constraints against every list, also the ones no page needs to spell out.
vocabulary.COLOURED_STATUSES, vocabulary.TREND_SIGN, vocabulary.SUPPORT_MEASURE_KINDS
vocabulary.NEED_TIERS, vocabulary.NOTE_STEP_LABELS, vocabulary.OBSERVATION_ORIGINS
vocabulary.GENDERS, vocabulary.ROUND_PREPARED

# SQLAlchemy event listeners (registered by decorator, called by the engine) and the sqlite3
# connection attribute they set (storage/state_store.py).
_._connect, _._begin, _.isolation_level

# A note's author (the user id), part of the Note record the notes API returns and the state
# store's column; pages show author_name.
notes.Note.author_id

# How many cells with a trend verdict the expected chance arrows are over: part of the
# ChanceCounts record pages show beside the expected numbers.
chance.ChanceCounts.trend_cells
