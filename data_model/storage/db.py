"""The data folder: immutable analytic snapshots, the pointer to the current one, the state.

Layout of a data folder (`SCHOOLFOTO_DATA`, default `sample_data/`)::

    snapshots/snapshot-000007.duckdb   immutable DuckDB files, the last few kept for rollback
    current.duckdb -> snapshots/…      symlink: the published snapshot (the data contract)
    state.sqlite                       notes, users, audit/import log, jobs (state.py)
    write.lock                         serialises snapshot builders across processes

Readers (the app, the CLIs, `duckdb -readonly current.duckdb`, a notebook) open snapshots
`read_only`: DuckDB takes a shared lock, so any number of processes read at once and nobody
ever writes to a published file. `Database.write()` is the one write path of an import: it
copies the current snapshot to a hidden file beside it, runs the caller's transaction on the
copy, validates the result, and publishes it by renaming it into place and swapping the
`current.duckdb` symlink (both atomic on POSIX). Open readers keep the file they opened;
`cursor()` notices the new pointer on its next call and opens the new snapshot.

One `Database` per process (the app keeps it in `st.cache_resource`); `cursor()` returns a
`Cursor`: a DuckDB cursor on one snapshot that also carries the state store (`cursor.state`),
so a script run that keeps its cursor reads one snapshot from start to end.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from data_model.settings import setting
from data_model.storage.connection import Sql, one
from data_model.storage.snapshot_schema import (
    SCHEMA_PATH,
    SCHEMA_VERSION,
    DataError,
    SchemaError,
    create_schema,
    get_meta,
    is_sample,
    migrate,
    missing_columns,
    schema_version,
    set_meta,
    validate_snapshot,
)
from data_model.storage.state_store import SYSTEM_USER_ID, StateError, StateStore

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_PATH = REPO_ROOT / "sample_data"
SNAPSHOTS = "snapshots"
CURRENT = "current.duckdb"
OPEN_SNAPSHOTS = 3  # handles kept open: the current one and those script runs may still use
_PREFIX = "snapshot-"
# DuckDB's own memory (buffer pool, temp tables, uncommitted rows) in the process that builds
# a snapshot. Without a limit DuckDB keeps every page it touched and a Flanders pupil import
# peaked at 2 GB; with `save_progress` and 300 MB the whole process peaks at 0.87 GB (400 MB:
# 0.94 GB, not faster since pupil_results lost its key index; 250 MB: 0.5 s slower).
# bench/import_bench.py, README "Prestaties". Readers are not limited. The default and the
# setting that overrides it (a DuckDB size: 1GB, 600MB) are SCHOOLFOTO_WRITER_MEMORY in
# data_model/settings.py.


def writer_memory() -> str:
    """The DuckDB memory limit of a snapshot build (SCHOOLFOTO_WRITER_MEMORY or the default)."""
    return setting("SCHOOLFOTO_WRITER_MEMORY")


__all__ = [
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "SYSTEM_USER_ID",
    "BuildCancelled",
    "DataError",
    "Database",
    "SchemaError",
    "StateError",
    "create_schema",
    "get_meta",
    "is_sample",
    "migrate",
    "missing_columns",
    "save_progress",
    "schema_version",
    "set_meta",
    "validate_snapshot",
    "writer_memory",
]


class BuildCancelled(Exception):
    """`Database.write(cancel=...)` stopped copying because the caller set `cancel`."""


def configured_path() -> Path:
    """The data folder the app uses: $SCHOOLFOTO_DATA, else the bundled sample folder.

    $SCHOOLFOTO_DB (one DuckDB file, the layout before snapshots) is refused with a message
    that says how to convert: silently ignoring it would show the sample data instead.
    """
    if setting("SCHOOLFOTO_DB"):
        raise DataError(
            "SCHOOLFOTO_DB wordt niet meer gebruikt: Schoolfoto leest nu een gegevensmap "
            "(SCHOOLFOTO_DATA) met snapshots en een toestandsdatabank. Zet een bestaande "
            "databank om met `python -m data_model.storage migrate OUD.duckdb --data MAP` en "
            "zet SCHOOLFOTO_DATA=MAP."
        )
    value = setting("SCHOOLFOTO_DATA")
    return Path(value) if value else DEFAULT_DATA_PATH


def state_url() -> str | None:
    """$SCHOOLFOTO_STATE_URL (PostgreSQL for several app servers), else SQLite in the folder."""
    return setting("SCHOOLFOTO_STATE_URL") or None


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    path: Path
    published_at: str | None
    parent: str | None
    built_from: list[dict[str, Any]]
    current: bool
    size_mb: float


class Cursor:
    """A DuckDB cursor on one snapshot, plus the state store (`.state`) and `.snapshot_id`.

    The `Connection` of `storage/connection.py`: its SQL methods are DuckDB's own, passed on
    explicitly so the contract is typed. Anything else of DuckDB's API (`df`, `fetchone`,
    `description`, …) still reaches the cursor through `__getattr__`, untyped.
    """

    __slots__ = ("_duck", "snapshot_id", "state")

    def __init__(self, duck: duckdb.DuckDBPyConnection, state: StateStore, snapshot_id: str):
        self._duck = duck
        self.state = state
        self.snapshot_id = snapshot_id

    def execute(self, query: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        return self._duck.execute(query, parameters)

    def executemany(self, query: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        return self._duck.executemany(query, parameters)

    def register(self, view_name: str, python_object: object) -> duckdb.DuckDBPyConnection:
        return self._duck.register(view_name, python_object)

    def unregister(self, view_name: str) -> duckdb.DuckDBPyConnection:
        return self._duck.unregister(view_name)

    def close(self) -> None:
        self._duck.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._duck, name)


_COPY_PIECE = 64 * 1024**2


def _copy_snapshot(source: Path, target: Path, cancel: threading.Event | None) -> None:
    """Copy a snapshot file in pieces, so a build whose caller gave up (the file it was to
    hold was refused) stops within one piece instead of copying a gigabyte for nothing."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        done = 0
        while done < size:
            if cancel is not None and cancel.is_set():
                raise BuildCancelled
            sent = os.sendfile(dst.fileno(), src.fileno(), done, min(_COPY_PIECE, size - done))
            if sent == 0:
                raise OSError("the snapshot file ended while it was copied")
            done += sent


# A built snapshot with at least this much free space, and more free than used, is rewritten
# compactly before it is published: every later build copies the whole file and five are
# kept. It happens once after a migration that dropped a big table or index (the key index
# of pupil_results was 1.0 GB of a 1.25 GB Flanders file); DuckDB reuses free blocks
# otherwise, so ordinary imports never trigger it.
_COMPACT_MIN_FREE_MB = 64


def _mostly_free(con: duckdb.DuckDBPyConnection) -> bool:
    block, total, free = one(
        con.execute("SELECT block_size, total_blocks, free_blocks FROM pragma_database_size()")
    )
    return bool(free * block >= _COMPACT_MIN_FREE_MB * 1024**2 and free * 2 >= total)


def _compacted(path: Path) -> Path:
    """A compact copy of the closed snapshot file `path` (same tables, views, sequences and
    constraints: DuckDB's COPY FROM DATABASE), or `path` itself when the copy fails: it is an
    optimisation, and the file is then published as it is."""
    compact = path.with_name(path.name + ".compact")  # a ".*.building*" name: cleaned if left
    try:
        out = duckdb.connect(str(compact), config={"memory_limit": writer_memory()})
        try:
            # ATTACH takes no parameters: the path (the data folder may be named anything) is
            # quoted as an SQL string literal, the catalogue name as an identifier.
            source = str(path).replace("'", "''")
            name = one(out.execute("SELECT current_database()"))[0].replace('"', '""')
            out.execute("ATTACH '" + source + "' AS _uncompacted (READ_ONLY)")
            out.execute('COPY FROM DATABASE _uncompacted TO "' + name + '"')
            out.execute("DETACH _uncompacted")
            validate_snapshot(out)
            out.execute("CHECKPOINT")
        finally:
            out.close()
    except (duckdb.Error, OSError, DataError):  # DataError: the copy did not validate
        compact.unlink(missing_ok=True)
        return path
    path.unlink()
    return compact


def save_progress(con: Sql) -> None:
    """Inside `Database.write()`: commit what is written so far into the building file.

    Committed rows can leave DuckDB's memory; rows of an open transaction cannot. The
    building file is private, so this changes nothing for readers: the snapshot is still
    published only when write() ends, and an error before that still publishes nothing (the
    file is deleted).
    """
    con.execute("COMMIT")
    con.execute("BEGIN TRANSACTION")


def _snapshot_name(number: int) -> str:
    return f"{_PREFIX}{number:06d}.duckdb"


def _snapshot_number(name: str) -> int:
    return int(name.removeprefix(_PREFIX).removesuffix(".duckdb"))


def _duck_message(exc: BaseException) -> str:
    text = str(exc).lower()
    if "lock" in text:
        return (
            "De databank is vergrendeld door een ander programma. Sluit dat programma of "
            "probeer het zo dadelijk opnieuw."
        )
    return (
        "De databank is beschadigd of geen Schoolfoto-databank. Zet een vorige snapshot "
        "terug (`python -m data_model.storage rollback`) of contacteer de beheerder."
    )


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


class Database:
    """A data folder: read cursors on the current snapshot, the state store, and write()."""

    def __init__(
        self,
        folder: Path | str,
        *,
        create: bool = False,
        state: str | None = None,
        check: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.path = self.folder  # the name callers used when this was one file
        if self.folder.is_file():
            raise DataError(
                "Dit is een databank in het oude formaat (één .duckdb-bestand). Zet ze om "
                "met `python -m data_model.storage migrate OUD.duckdb --data MAP`."
            )
        if not (self.folder / CURRENT).is_symlink():
            if not create:
                raise DataError(
                    "De gegevensmap bestaat niet of bevat geen Schoolfoto-gegevens. "
                    "Controleer het pad (SCHOOLFOTO_DATA of --data)."
                )
            self._create_layout()
        self.state = StateStore.for_folder(self.folder, state or state_url())
        self._handles: dict[str, duckdb.DuckDBPyConnection] = {}
        self._lock = threading.RLock()
        self._writer: threading.local = threading.local()
        if check:  # fail now, with a message, if the current snapshot cannot be opened
            self.cursor()

    # ------------------------------------------------------------------ layout

    @property
    def snapshot_dir(self) -> Path:
        return self.folder / SNAPSHOTS

    def _create_layout(self) -> None:
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        first = self.snapshot_dir / _snapshot_name(1)
        building = self.snapshot_dir / ("." + first.name + ".building")
        building.unlink(missing_ok=True)
        con = duckdb.connect(str(building))
        try:
            create_schema(con)
            set_meta(con, "snapshot_id", first.stem)
            set_meta(con, "published_at", datetime.now().isoformat(timespec="seconds"))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(building, first)
        self._point_to(first.name)

    def _point_to(self, name: str) -> None:
        link = self.folder / CURRENT
        tmp = self.folder / f".{CURRENT}.{os.getpid()}.{threading.get_ident()}"
        tmp.unlink(missing_ok=True)
        os.symlink(Path(SNAPSHOTS) / name, tmp)
        os.replace(tmp, link)  # atomic: a reader sees the old or the new target, never none
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def current_snapshot(self) -> str:
        """The id of the published snapshot (cheap: one readlink)."""
        try:
            return Path(os.readlink(self.folder / CURRENT)).stem
        except OSError:
            raise DataError("De gegevensmap bevat geen gepubliceerde snapshot.") from None

    def snapshot_path(self, snapshot_id: str | None = None) -> Path:
        return self.snapshot_dir / f"{snapshot_id or self.current_snapshot()}.duckdb"

    # ------------------------------------------------------------------ reading

    def _handle(self, snapshot_id: str) -> duckdb.DuckDBPyConnection:
        with self._lock:
            con = self._handles.get(snapshot_id)
            if con is None:
                path = self.snapshot_path(snapshot_id)
                if not path.exists():
                    raise DataError("Deze snapshot bestaat niet (meer).")
                try:
                    con = duckdb.connect(str(path), read_only=True)
                    if schema_version(con) != SCHEMA_VERSION:
                        con.close()
                        raise SchemaError(
                            "De snapshot heeft een andere schemaversie dan deze versie van "
                            "Schoolfoto kent. Werk Schoolfoto bij of zet de snapshot om."
                        )
                    missing = missing_columns(con)
                    if missing:
                        con.close()
                        raise SchemaError(
                            "De gegevens zijn gemaakt door een oudere versie van Schoolfoto (er "
                            f"ontbreken {len(missing)} kolommen, bv. {missing[0]}). Een beheerder "
                            "zet ze om met: python -m data_model.storage upgrade --data MAP"
                        )
                except duckdb.Error as exc:
                    raise DataError(_duck_message(exc)) from None
                self._handles[snapshot_id] = con
                # Older handles are dropped, not closed: a script run that still holds a
                # cursor of one keeps it alive until it finishes (DuckDB refcounts).
                while len(self._handles) > OPEN_SNAPSHOTS:
                    self._handles.pop(next(iter(self._handles)))
            return con

    def cursor(self, snapshot_id: str | None = None) -> Cursor:
        """A cursor on `snapshot_id` or, by default, on the snapshot published right now."""
        sid = snapshot_id or self.current_snapshot()
        return Cursor(self._handle(sid).cursor(), self.state, sid)

    # ------------------------------------------------------------------ writing

    @contextmanager
    def write(self, cancel: threading.Event | None = None) -> Iterator[Cursor]:
        """Build the next snapshot in one transaction and publish it; nothing on error.

        Re-entrant in one thread (a nested write joins the outer build). Builders in other
        threads and processes wait for the folder's write lock; readers never wait.
        `cancel`: set by another thread while the snapshot is being copied, the build stops
        and raises BuildCancelled (the importer copies while its file is still checked).
        """
        outer = getattr(self._writer, "cursor", None)
        if outer is not None:
            yield outer
            return
        with self._lock, _file_lock(self.folder / "write.lock"):
            parent = self.current_snapshot()
            for stale in self.snapshot_dir.glob(".*.building*"):  # a crashed builder's file
                stale.unlink(missing_ok=True)
            number = max(_snapshot_number(p.name) for p in self.snapshot_dir.glob(_PREFIX + "*"))
            target = self.snapshot_dir / _snapshot_name(number + 1)
            building = self.snapshot_dir / ("." + target.name + ".building")
            job = self._job_start("snapshot", target.stem)
            try:
                _copy_snapshot(self.snapshot_path(parent), building, cancel)
                con = duckdb.connect(str(building), config={"memory_limit": writer_memory()})
            except BuildCancelled:
                building.unlink(missing_ok=True)
                self._job_end(job, "afgebroken", "")
                raise
            except (OSError, duckdb.Error) as exc:
                building.unlink(missing_ok=True)
                self._job_end(job, "mislukt", type(exc).__name__)
                raise DataError(_duck_message(exc)) from None
            try:
                migrate(con)
                before: int = one(
                    con.execute("SELECT coalesce(max(import_id), 0) FROM import_log")
                )[0]
                con.execute("BEGIN TRANSACTION")
                cursor = Cursor(con, self.state, target.stem)
                self._writer.cursor = cursor
                try:
                    yield cursor
                finally:
                    self._writer.cursor = None
                built_from = con.execute(
                    "SELECT file_name, sha256, imported_at, user_id, kind, import_id "
                    "FROM import_log WHERE import_id > ? ORDER BY import_id",
                    [before],
                ).fetchall()
                files = [
                    {"file_name": f, "sha256": h, "imported_at": str(t), "user_id": u, "kind": k}
                    for f, h, t, u, k, _ in built_from
                ]
                last = built_from[-1][5] if built_from else before
                set_meta(con, "snapshot_id", target.stem)
                set_meta(con, "parent_snapshot", parent)
                set_meta(con, "published_at", datetime.now().isoformat(timespec="seconds"))
                set_meta(con, "built_from", json.dumps(files, ensure_ascii=False))
                con.execute("COMMIT")
                validate_snapshot(con)
                con.execute("CHECKPOINT")
                sparse = _mostly_free(con)
            except BaseException as exc:
                con.close()
                building.unlink(missing_ok=True)
                self._job_end(job, "mislukt", type(exc).__name__)
                raise
            con.close()
            if sparse:
                building = _compacted(building)
            os.replace(building, target)
            self._point_to(target.name)
            self._job_end(job, "gepubliceerd", json.dumps(files, ensure_ascii=False)[:2000])
            self._record_imports(target.stem, (before, last))
            self.prune()

    def publish_file(self, built: Path, note: str = "") -> str:
        """Publish a complete snapshot file built elsewhere (sample data, a migration)."""
        with self._lock, _file_lock(self.folder / "write.lock"):
            con = duckdb.connect(str(built))
            try:
                migrate(con)
                number = max(
                    _snapshot_number(p.name) for p in self.snapshot_dir.glob(_PREFIX + "*")
                )
                target = self.snapshot_dir / _snapshot_name(number + 1)
                set_meta(con, "snapshot_id", target.stem)
                set_meta(con, "parent_snapshot", self.current_snapshot())
                set_meta(con, "published_at", datetime.now().isoformat(timespec="seconds"))
                set_meta(con, "built_from", json.dumps([{"file_name": note}] if note else []))
                validate_snapshot(con)
                con.execute("CHECKPOINT")
            except BaseException:
                con.close()
                built.unlink(missing_ok=True)
                raise
            con.close()
            os.replace(built, target)
            self._point_to(target.name)
            self.prune()
            return target.stem

    def _job_start(self, kind: str, snapshot_id: str) -> int | None:
        """A job row for a build; called holding write.lock, so a row still 'bezig' belongs
        to a build that was killed (the lock dies with its process): it is ended first."""
        try:
            self.state.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, detail = ? WHERE status = ?",
                ["afgebroken", datetime.now(),
                 "Het proces werd onderbroken (gestopt of zonder geheugen); er is niets "
                 "gepubliceerd.", "bezig"],
            )  # fmt: skip
            job: int = one(
                self.state.execute(
                    "INSERT INTO jobs (kind, status, started_at, snapshot_id) "
                    "VALUES (?, ?, ?, ?) RETURNING job_id",
                    [kind, "bezig", datetime.now(), snapshot_id],
                )
            )[0]
            return job
        except StateError:  # the job list is informative; a build does not depend on it
            return None

    def _job_end(self, job: int | None, status: str, detail: str) -> None:
        if job is None:
            return
        with suppress(StateError):
            self.state.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, detail = ? WHERE job_id = ?",
                [status, datetime.now(), detail, job],
            )

    def _record_imports(self, snapshot_id: str, import_ids: tuple[int, int]) -> None:
        """The imports this snapshot published join the state's import log (all attempts)."""
        con = duckdb.connect(str(self.snapshot_path(snapshot_id)), read_only=True)
        try:
            rows = con.execute(
                "SELECT imported_at, user_id, file_name, sha256, kind, rows_added, "
                "rows_replaced, outcome, message FROM import_log "
                "WHERE import_id > ? AND import_id <= ? ORDER BY import_id",
                list(import_ids),
            ).fetchall()
        finally:
            con.close()
        if rows:
            with self.state.transaction() as s:
                s.executemany(
                    "INSERT INTO import_log (imported_at, user_id, file_name, sha256, kind, "
                    "rows_added, rows_replaced, outcome, message, snapshot_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*r, snapshot_id) for r in rows],
                )

    # ------------------------------------------------------------------ history

    def snapshots(self) -> list[Snapshot]:
        """The kept snapshots, newest first."""
        current = self.current_snapshot()
        out = []
        for path in sorted(self.snapshot_dir.glob(_PREFIX + "*.duckdb"), reverse=True):
            meta: dict[str, str] = {}
            try:
                con = duckdb.connect(str(path), read_only=True)
                try:
                    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
                finally:
                    con.close()
            except duckdb.Error:
                meta = {}
            out.append(
                Snapshot(
                    path.stem, path, meta.get("published_at"), meta.get("parent_snapshot"),
                    json.loads(meta.get("built_from") or "[]"), path.stem == current,
                    path.stat().st_size / 1e6,
                )
            )  # fmt: skip
        return out

    def rollback(self, snapshot_id: str | None = None) -> str:
        """Point `current` back to an older kept snapshot (default: the one before)."""
        with self._lock, _file_lock(self.folder / "write.lock"):
            current = self.current_snapshot()
            kept = [s.snapshot_id for s in self.snapshots()]
            if snapshot_id is None:
                older = [s for s in kept if s < current]
                if not older:
                    raise DataError("Er is geen oudere snapshot om naar terug te keren.")
                snapshot_id = older[0]
            if snapshot_id not in kept:
                raise DataError(f"Snapshot {snapshot_id} bestaat niet (meer).")
            self._point_to(snapshot_id + ".duckdb")
            job = self._job_start("terugzetten", snapshot_id)
            self._job_end(job, "gepubliceerd", f"van {current} naar {snapshot_id}")
            return snapshot_id

    def prune(self, keep: int | None = None) -> list[str]:
        """Delete all but the newest `keep` snapshots (never the current one)."""
        keep = keep or int(setting("SCHOOLFOTO_KEEP_SNAPSHOTS"))
        current = self.current_snapshot()
        files = sorted(self.snapshot_dir.glob(_PREFIX + "*.duckdb"), reverse=True)
        removed = []
        for path in files[max(keep, 1) :]:
            if path.stem != current:
                # An open reader keeps its file (POSIX): deleting never disturbs it.
                path.unlink(missing_ok=True)
                removed.append(path.stem)
        return removed

    def close(self) -> None:
        with self._lock:
            for con in self._handles.values():
                con.close()
            self._handles.clear()
        self.state.close()
