"""All conversation sheets of the round in one download: a zip with one PDF per school.

Why a zip of separate PDFs and not one PDF with a bookmark per school: each sheet goes to
its own school team (it is made to be shared with that school, `conversation_pdf`), so the
anker forwards or prints one file per school without cutting a combined PDF apart, and a
sheet can never travel to another school by accident as pages of a shared file. The zip
needs nothing beyond the standard library, and every file keeps the name and page numbering
of the sheet downloaded from a school's own page.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence

from data_model.exports.conversation_pdf import build_conversation_pdf
from data_model.reading import queries
from data_model.reading.access import AccessDenied, Viewer
from data_model.reading.scope import require_school, scope_read
from data_model.storage.connection import Connection

Progress = Callable[[int, int, str], None]  # (sheets done, sheets in all, school name)
_UNSAFE = re.compile(r"[^\w\- ]+")


def sheet_file_name(name: str, school_id: str, school_year: str) -> str:
    """A file name every system accepts: letters, digits, spaces and dashes only."""
    clean = " ".join(_UNSAFE.sub(" ", name).split())[:60] or "school"
    return f"datagesprek {clean} {school_id} {school_year}.pdf"


@scope_read(memo=False)  # every sheet reads notes, which change within a run
def build_round_sheets(
    con: Connection,
    viewer: Viewer,
    school_ids: Sequence[str],
    school_year: str,
    progress: Progress | None = None,
) -> bytes:
    """A zip with the conversation sheet (PDF) of each school, in the order given.

    Every school is checked against the viewer's scope before the first sheet is made, so a
    list with one school outside it makes nothing (AccessDenied) instead of half a zip.
    """
    if not school_ids:
        raise AccessDenied("Kies minstens één school.")
    for school_id in school_ids:
        require_school(con, viewer, school_id)
    names = queries.schools_in_scope(con, viewer).set_index("school_id")["name"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        # Stored, not deflated: a PDF is compressed already; deflating it again costs time.
        for done, school_id in enumerate(school_ids):
            name = str(names.get(school_id, school_id))
            if progress is not None:
                progress(done, len(school_ids), name)
            pdf = build_conversation_pdf(con, viewer, school_id, school_year)
            archive.writestr(sheet_file_name(name, school_id, school_year), pdf)
    if progress is not None:
        progress(len(school_ids), len(school_ids), "")
    return buffer.getvalue()
