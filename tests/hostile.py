"""Hostile data for the security tests: a payload in every text field users fill.

`plant(db_path)` rewrites a copy of the sample database: school names and municipalities,
region and community names, user names, assessment names and labels, guidance contact
fields, and a note of every step (with every field, a review of last year's action and the
anker's preparation note) for the demo director's first school. The payload holds what the
held-out sweep used: a Markdown image and link to a stand-in attacker host, a `javascript:`
link, HTML, a Streamlit colour directive, a bare URL, formula starts and control characters.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from data_model.reading.access import viewer_for_user_id
from data_model.state import notes
from data_model.storage.db import Database, get_meta

ATTACKER = "evil.test"
PAYLOAD = (
    f"![x](http://{ATTACKER}/img.png) [Klik om opnieuw aan te melden](http://{ATTACKER}/login) "
    f"[js](javascript:alert(1)) <img src=http://{ATTACKER}/h.png><b>vet</b> "
    f":red-background[ROOD] :material/home: :smile: $x^2$ https://{ATTACKER}/bare "
    f"www.{ATTACKER} iemand@{ATTACKER}"
)
# Values that start like a formula (OWASP's list) and carry control characters (VT, ESC).
FORMULAS = (
    f'=HYPERLINK("http://{ATTACKER}/f","klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    f' =HYPERLINK("http://{ATTACKER}/s","klik")',  # behind a blank, as a refused file had it
    "\u00a0\x0b@SUM(1)",  # behind a no-break space and a control character
)
CONTROL = "\x0b\x1b"


def hostile(original: str, i: int = 0) -> str:
    """A field value: a formula start, the original text (still recognisable), the payload."""
    return f"{FORMULAS[i % len(FORMULAS)]} {original}{CONTROL} {PAYLOAD}"


def plant(db_path: Path) -> dict[str, str]:
    """Fill every text field of the database at `db_path` with hostile text; returns ids used.

    Control characters are planted too, although the importer refuses them now: a database
    written before that rule must still never break a page or an export.
    """
    db = Database(db_path)
    try:
        with db.write() as con:  # the analytic tables: one new snapshot
            for table, key, columns in (
                ("schools", "school_id", ("name", "municipality")),
                ("regions", "region_id", ("name",)),
                ("school_communities", "community_id", ("name",)),
                ("assessments", "assessment_id", ("name", "score_label")),
                ("guidance_contacts", "contact_id", ("goal_code", "core_task")),
            ):
                _plant_table(con, table, key, columns)
            director_id = get_meta(con, "demo_default_user")
        with db.state.transaction() as state:  # staff names live in the state store
            _plant_table(state, "users", "user_id", ("name",))
    finally:
        db.close()
    return _plant_notes(db_path, director_id)


def _plant_table(con: Any, table: str, key: str, columns: tuple[str, ...]) -> None:
    ids = [r[0] for r in con.execute(f"SELECT {key} FROM {table}").fetchall()]
    for i, row_id in enumerate(ids):
        for column in columns:
            (old,) = con.execute(
                f"SELECT {column} FROM {table} WHERE {key} = ?",
                [row_id],
            ).fetchone()
            con.execute(
                f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                [hostile(old, i), row_id],
            )


def _plant_notes(db_path: Path, director_id: str | None) -> dict[str, str]:
    db = Database(db_path)
    try:
        con = db.cursor()
        director = viewer_for_user_id(con, director_id) if director_id else None
        if director is None:
            row = con.state.execute(
                "SELECT user_id FROM users WHERE role = 'directeur' ORDER BY user_id"
            ).fetchone()
            director = viewer_for_user_id(con, row[0])
        school_id = con.state.execute(
            "SELECT school_id FROM user_schools WHERE user_id = ? ORDER BY school_id",
            [director.user_id],
        ).fetchone()[0]
        anker_id = con.state.execute(
            "SELECT u.user_id FROM users u JOIN user_schools s USING (user_id) "
            "WHERE u.role = 'anker' AND s.school_id = ? ORDER BY u.user_id",
            [school_id],
        ).fetchone()[0]
        anker = viewer_for_user_id(con, anker_id)
        years = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT school_year FROM v_school_result WHERE school_id = ? "
                "ORDER BY school_year",
                [school_id],
            ).fetchall()
        ]
        latest, previous = years[-1], years[-2]
        n = iter(range(100))

        def text() -> str:
            return hostile("notitie", next(n))

        for year in (previous, latest):
            obs = notes.create_note(db, director, school_id, year, "observation", {"text": text()})
            hyp = notes.create_note(
                db,
                director,
                school_id,
                year,
                "hypothesis",
                {"text": text(), "observation_id": obs.note_id},
            )
            notes.create_note(
                db,
                director,
                school_id,
                year,
                "source",
                {
                    "source": notes.SOURCES[0],
                    "verdict": notes.VERDICTS[0],
                    "finding": text(),
                    "hypothesis_id": hyp.note_id,
                },
            )
            prio = notes.create_note(
                db,
                director,
                school_id,
                year,
                "priority",
                {"text": text(), "hypothesis_id": hyp.note_id},
            )
            action = notes.create_note(
                db,
                director,
                school_id,
                year,
                "action",
                {
                    "what": text(),
                    "owner": text(),
                    "due": date(int(year[:4]) + 1, 6, 30),
                    "indicator": text(),
                    "category": notes.REFLECTION_CATEGORIES[0],
                    "priority_id": prio.note_id,
                },
            )
            if year == previous:
                notes.review_action(
                    db, director, action.note_id, action.version, notes.REVIEW_STATUSES[1], text()
                )
            deleted = notes.create_note(
                db, director, school_id, year, "observation", {"text": text()}
            )
            notes.delete_note(db, director, deleted.note_id, deleted.version)
            notes.create_note(
                db, anker, school_id, year, "note", {"text": text()}, notes.SCOPE_PREPARATION
            )
    finally:
        db.close()
    return {"school_id": school_id, "director": director.user_id, "anker": anker.user_id}


# ------------------------------------------------------------------ what counts as "live"
# The payload's constructs as Streamlit would render them: a link, an image, HTML, a colour
# directive, an icon, an emoji, a formula, an autolinked URL or address. Escaped text
# (ui.safe_text) has a backslash before each punctuation character and a word joiner after
# each colon and before each `@`, so none of these appear literally in it.
LIVE_CONSTRUCTS = (
    "![x](",
    f"](http://{ATTACKER}",
    "](javascript:",
    "<img",
    "<b>",
    ":red-background[",
    ":material/home:",
    ":smile:",
    "$x^2$",
    f"http://{ATTACKER}",
    f"https://{ATTACKER}",
    f"www.{ATTACKER}",
    f"iemand@{ATTACKER}",
)


_LIVE = [(c, re.compile(r"(?<!\\)" + re.escape(c))) for c in LIVE_CONSTRUCTS]


def live_markup(source: str) -> list[str]:
    """The payload constructs that are live (not escaped) in one Markdown source."""
    return [c for c, pattern in _LIVE if pattern.search(source)]


def original(value: str) -> str:
    """The original text inside a value written by `hostile()`."""
    head = value.split(CONTROL)[0]
    for formula in FORMULAS:
        if head.startswith(formula + " "):
            return head[len(formula) + 1 :]
    return head


def sweep_users(db_path: Path, school_id: str, director: str, anker: str) -> dict[str, str]:
    """role -> user id of a user of that role who sees `school_id` (the planted notes)."""
    db = Database(db_path)
    try:
        con = db.cursor()
        region = con.execute(
            "SELECT region_id FROM schools WHERE school_id = ?", [school_id]
        ).fetchone()[0]
        regioteam = con.state.execute(
            "SELECT user_id FROM users WHERE role = 'regioteam' AND region_id = ? ORDER BY 1",
            [region],
        ).fetchone()[0]
        admin = con.state.execute(
            "SELECT user_id FROM users WHERE role = 'beheerder' ORDER BY 1"
        ).fetchone()[0]
    finally:
        db.close()
    return {"directeur": director, "anker": anker, "regioteam": regioteam, "beheerder": admin}


def user_names(db_path: Path) -> dict[str, str]:
    """user id -> the original (readable) name of every user."""
    db = Database(db_path)
    try:
        rows = db.cursor().state.execute("SELECT user_id, name FROM users").fetchall()
    finally:
        db.close()
    return {uid: original(name) for uid, name in rows}
