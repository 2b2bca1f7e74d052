"""Excel/CSV -> checked frames -> one transaction. The short orchestration.
(README, "Importformaten")

1. check (`check_file`): open the file within limits (`reader`), pick the sheet and header,
   parse every column (`sheet_parse`), check against what the database knows (`spec.prepare`).
   This part handles untrusted bytes, so the Gegevens page and the CLI run it in a worker
   process with memory and time limits (`worker.check_in_worker`); tests call it directly.
2. write (`Database.write()`, entered while step 1 runs, so the snapshot is copied in the
   meantime): `spec.write` compares and replaces the rows the file covers, the import is
   logged, and `school_result` is recomputed with the school years the file touches (only
   when something changed and the kind affects results).
Nothing is written unless the whole file is valid. `Database.write()` builds the next
snapshot and publishes it atomically; a refused or unchanged file publishes nothing and is
logged in the state store's import log only (`audit.record_import`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from data_model.imports.check_step import Checked, check_file
from data_model.imports.formats import FORMATS, FileFormat
from data_model.imports.report import ImportRejected, ImportReport, count_text, file_problem
from data_model.imports.row_checks import Catalogue, Context, Frames
from data_model.imports.writing import drop_temp_tables
from data_model.reading.access import AccessDenied, Viewer
from data_model.reading.scope import admin_read
from data_model.state import audit
from data_model.statistics.materialize import refresh_school_results
from data_model.storage.connection import Connection
from data_model.storage.db import (
    SYSTEM_USER_ID,
    BuildCancelled,
    Database,
    save_progress,
    writer_memory,
)

Progress = Callable[[float, str], None]
__all__ = ["Checked", "check_file", "import_file", "import_history"]


def touched_years(frames: Frames) -> list[str]:
    years: set[str] = set()
    for frame in frames.values():
        if "school_year" in frame:
            years.update(str(y) for y in frame["school_year"].dropna().unique())
    return sorted(years)


def _summary(fmt: FileFormat, frames: Frames, added: int, replaced: int, unchanged: bool) -> str:
    frame = next(iter(frames.values()))
    years = touched_years(frames)
    schools = frame["school_id"].nunique() if "school_id" in frame else 0
    scope = f"{schools} {'school' if schools == 1 else 'scholen'}, schooljaar " + ", ".join(years)
    if unchanged:
        return f"{fmt.label}: niets gewijzigd ({scope}); deze gegevens stonden al in de databank."
    return f"{fmt.label}: {added} rijen toegevoegd, {replaced} oude rijen vervangen ({scope})."


def _log(
    con: Connection,
    viewer: Viewer,
    report: ImportReport,
    outcome: str,
    message: str,
    import_id: int | None = None,
) -> int:
    if import_id is None:
        import_id = con.execute("SELECT nextval('import_seq')").fetchall()[0][0]
    return con.execute(
        "INSERT INTO import_log (import_id, user_id, file_name, sha256, kind, rows_added, "
        "rows_replaced, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING import_id",
        [import_id, viewer.user_id, report.file_name[:200], report.sha256, report.kind,
         report.rows_added, report.rows_replaced, outcome, message],
    ).fetchall()[0][0]  # fmt: skip


def missing_context(con: Connection, frames: Frames) -> list[str]:
    """A warning per school year of a results or pupil file whose schools have no context
    data that year: the file is imported (order does not matter), but the comparison with
    similar schools, and so the colours, need the context file of that year."""
    frame = next(iter(frames.values()))
    if "school_id" not in frame or "school_year" not in frame:
        return []
    pairs = frame[["school_id", "school_year"]].drop_duplicates()
    warnings = []
    for year, group in pairs.groupby("school_year", sort=True):
        schools = sorted(str(s) for s in group["school_id"].unique())
        have = con.execute(
            "SELECT count(DISTINCT school_id) FROM school_context "
            "WHERE school_year = ? AND list_contains(?, school_id)",
            [str(year), schools],
        ).fetchall()[0][0]
        missing = len(schools) - have
        if missing:
            which = "de school" if len(schools) == 1 else (
                f"alle {len(schools)} scholen" if missing == len(schools)
                else f"{missing} van de {len(schools)} scholen"
            )  # fmt: skip
            warnings.append(
                f"Het bestand '{FORMATS['schools'].label}' voor schooljaar {year} ontbreekt "
                f"voor {which} uit dit bestand. De resultaten staan in de databank; de "
                "vergelijking met gelijkaardige scholen en dus de kleuren volgen zodra u dat "
                "bestand inleest."
            )
    return warnings


class _Unchanged(Exception):
    """Raised inside Database.write() when the file changes nothing: no snapshot is published."""


def _repeat_of_last_import(db: Database, report: ImportReport, fmt: FileFormat) -> str | None:
    """The summary when these bytes are the last data import the current snapshot was built
    from: its rows are in the database as they were, so the file is not read again."""
    last = (
        db.cursor()
        .execute(
            "SELECT sha256, kind, imported_at FROM import_log "
            "WHERE outcome IN ('gelukt', 'ongewijzigd') AND list_contains(?, kind) "
            "ORDER BY import_id DESC LIMIT 1",
            [list(FORMATS)],
        )
        .fetchall()
    )
    if not last or last[0][:2] != (report.sha256, fmt.kind):
        return None
    return (
        f"{fmt.label}: niets gewijzigd; dit bestand werd al ingelezen op "
        f"{last[0][2]:%d/%m/%Y %H:%M} en sindsdien is niets anders ingelezen."
    )


@contextmanager
def _cancelled_as(pending: Future[Checked]) -> Iterator[None]:
    """A build stopped because the check failed raises what the check raised."""
    try:
        yield
    except BuildCancelled:
        pending.result()  # raises the check's ImportRejected (or its crash)
        raise


Checker = Callable[..., Checked]  # check_file or worker.check_in_worker


def import_file(
    db: Database,
    viewer: Viewer,
    file_name: str,
    data: bytes,
    kind: str,
    progress: Progress | None = None,
    checker: Checker | None = None,
    fractions: bool | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Validate and import one file; never raises for bad input (see report.problems).

    `checker` runs step 1; the page and the CLI pass `worker.check_in_worker` so untrusted
    bytes are parsed in a limited process. Default: in this process (tests, notebooks).
    `fractions`: the user's answer to the question a short column of fractions raises;
    `mapping`: the file's own header per column key (a saved column mapping)."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder kan gegevens inlezen.")
    if kind not in FORMATS:
        raise ValueError(f"unknown kind {kind!r}")
    say = progress or (lambda frac, msg: None)
    fmt = FORMATS[kind]
    file_name = Path(file_name).name
    report = ImportReport(file_name, kind, hashlib.sha256(data).hexdigest(), ok=False)
    try:
        repeat = _repeat_of_last_import(db, report, fmt)
        if repeat is not None:
            raise _Unchanged(repeat)
        catalogue = Catalogue.load(db.cursor(), SYSTEM_USER_ID)
        refused = threading.Event()
        with ThreadPoolExecutor(1, thread_name_prefix="import-check") as pool:
            pending = pool.submit(checker or check_file, file_name, data, fmt, catalogue, say,
                                  fractions=fractions, mapping=mapping)  # fmt: skip
            pending.add_done_callback(lambda f: refused.set() if f.exception() else None)
            # While the file is checked (in the worker), write() copies the current snapshot:
            # the copy costs no waiting, a refused file stops it, and a refused or unchanged
            # file publishes nothing.
            with _cancelled_as(pending), db.write(cancel=refused) as con:
                checked = pending.result()
                report.ignored_columns, report.notes = checked.ignored, checked.notes
                ctx = Context(file_name, checked.sheet, catalogue, checked.headers)
                say(0.55, "Schrijven gestart")
                import_id = con.execute("SELECT nextval('import_seq')").fetchall()[0][0]
                added, replaced, same = fmt.write(con, checked.frames, ctx, import_id)
                if same:  # the rows are in the database as they are: publish nothing
                    raise _Unchanged(_summary(fmt, checked.frames, 0, 0, True))
                report.rows_added, report.rows_replaced = added, replaced
                if fmt.affects_results and fmt.kind != "schools":
                    report.warnings = missing_context(con, checked.frames)
                report.summary = _summary(fmt, checked.frames, added, replaced, same)
                report.import_id = _log(con, viewer, report, "gelukt", report.summary, import_id)
                drop_temp_tables(con)
                if fmt.affects_results:
                    say(0.75, "Vergelijkingen, kleuren en trends herberekenen")
                    # Only the pupil-level aggregates of the years a pupil file touches are
                    # rebuilt; the statistics that depend on every school and year are
                    # recomputed.
                    years = touched_years(checked.frames) if fmt.pupil_level else []
                    del checked  # the file's rows are written: free them before the recompute
                    save_progress(con)
                    refresh_school_results(con, school_years=years)
                say(0.95, "Nieuwe versie van de gegevens publiceren")
        report.ok = True
        say(1.0, "Klaar")
        return report
    except _Unchanged as exc:
        report.ok = report.unchanged = True
        report.summary = str(exc)
        # Nothing was published; the attempt goes to the state store's import log.
        report.import_id = audit.record_import(
            db, viewer, report.file_name, report.sha256, report.kind, "ongewijzigd", report.summary
        )
        say(1.0, "Klaar")
        return report
    except ImportRejected as exc:
        report.problems = exc.problems
    except duckdb.OutOfMemoryException:  # the server's limit, not the file's fault
        report.server_problem = True
        report.problems = [
            file_problem(file_name,
                         "Het verwerken van dit bestand had meer geheugen nodig dan het inlezen "
                         f"mag gebruiken ({writer_memory()}). Er is niets gewijzigd. Een "
                         "beheerder kan die grens verhogen (instelling SCHOOLFOTO_WRITER_MEMORY, "
                         "bv. 1GB) en het bestand opnieuw inlezen.")
        ]  # fmt: skip
    except duckdb.Error as exc:  # a constraint we did not foresee: still the input's fault
        report.problems = [
            file_problem(file_name,
                         f"De databank weigerde de gegevens ({type(exc).__name__}). Er is niets "
                         "gewijzigd. Controleer het bestand of contacteer de beheerder.")
        ]  # fmt: skip
    except Exception as exc:  # a bug, not the file: still logged, then raised
        audit.record_import(db, viewer, report.file_name, report.sha256, report.kind, "fout",
                            f"{type(exc).__name__}: {exc}"[:2000])  # fmt: skip
        raise
    first = report.problems[0].as_text() if report.problems else ""
    # Nothing was published; the refusal goes to the state store's import log (no snapshot).
    report.import_id = audit.record_import(
        db, viewer, report.file_name, report.sha256, report.kind, "geweigerd",
        f"{count_text(len(report.problems))}. {first}"[:2000],
    )  # fmt: skip
    say(1.0, "Geweigerd")
    return report


@admin_read
def import_history(con: Connection, viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """The latest imports, newest first (beheerder only)."""
    if not viewer.is_admin:
        raise AccessDenied("Alleen een beheerder ziet de importgeschiedenis.")
    history = audit.import_log(con, limit).rename(
        columns={"imported_at": "tijdstip", "user_name": "door", "file_name": "bestand",
                 "kind": "soort", "outcome": "resultaat", "rows_added": "toegevoegd",
                 "rows_replaced": "vervangen", "message": "toelichting"}
    )[["tijdstip", "door", "bestand", "soort", "resultaat", "toegevoegd", "vervangen",
       "toelichting", "sha256"]]  # fmt: skip
    history["soort"] = history["soort"].map(lambda k: FORMATS[k].label if k in FORMATS else k)
    return history
