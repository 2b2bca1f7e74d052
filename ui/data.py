"""Cached access to the data layer for pages.

One `Database` per process and data folder (`st.cache_resource`). Every full script run pins
the snapshot that is current when it starts (`pin_snapshot()`, called by app.py): `cursor()`
then returns cursors on that one snapshot, so a page never mixes two snapshots even if an
import publishes halfway through the run; the next run (a click, a rerun) reads the new one.
Pick-up is therefore immediate on the next interaction, in every app process, without a
restart: checking the pointer is one readlink per run.

Query results are cached with `st.cache_data(ttl=...)` keyed on the snapshot id, the viewer
and the viewer's allowed school ids (computed once per run from the state store): a cached
result can never be served to someone with another scope, nor survive a new snapshot or a
changed assignment made in another app process. Notes and other state are read directly
(they change without a new snapshot). After a write in this process, call `clear_caches()`.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from data_model.reading import access, queries
from data_model.storage.db import Cursor, Database, DataError, configured_path

CACHE_TTL_SECONDS = 600
_PIN = "_snapshot_pin"
_RUN = "_script_run"
_SCOPE = "_scope_memo"


@st.cache_resource(show_spinner=False)
def get_database(path: str) -> Database:
    return Database(path)


def db_path() -> str:
    return str(configured_path())


def database() -> Database:
    return get_database(db_path())


def pin_snapshot() -> str:
    """Start of a script run: read the published snapshot once and keep it for this run."""
    sid = database().current_snapshot()
    st.session_state[_PIN] = sid
    st.session_state[_RUN] = uuid.uuid4().hex
    return sid


def snapshot_id() -> str:
    """The snapshot of this script run (pinned by app.py; pinned now if called first)."""
    return st.session_state.get(_PIN) or pin_snapshot()


def cursor() -> Cursor:
    try:
        return database().cursor(snapshot_id())
    except DataError:  # the pinned snapshot was pruned meanwhile: move to the current one
        return database().cursor(pin_snapshot())


def _scope(viewer: access.Viewer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Once per script run: the schools in scope, and those whose Vlaamse toetsen the viewer
    # may not see (a director's grant must show on the anker's next rerun, not after the TTL).
    key = (st.session_state.get(_RUN), snapshot_id(), viewer)
    memo = st.session_state.get(_SCOPE)
    if memo is None or memo[0] != key:
        con = cursor()
        scope = access.allowed_school_ids(con, viewer)
        withheld = access.withheld_school_ids(con, viewer, scope)
        memo = (key, (tuple(scope), tuple(sorted(withheld))))
        st.session_state[_SCOPE] = memo
    return memo[1]


def allowed_ids(viewer: access.Viewer) -> tuple[str, ...]:
    """`access.allowed_school_ids` for this viewer, computed once per script run."""
    return _scope(viewer)[0]


def withheld_ids(viewer: access.Viewer) -> tuple[str, ...]:
    """Schools in scope that do not share their Vlaamse toetsen with this viewer."""
    return _scope(viewer)[1]


def _resolve(module: str, name: str) -> Callable[..., Any]:
    # Only read functions of the data layer can be called through the cache.
    if not module.startswith("data_model."):
        raise ValueError(f"{module}.{name} is not a data_model function")
    return getattr(importlib.import_module(module), name)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _cached_query(
    path: str,
    snapshot: str,
    scope: tuple[tuple[str, ...], tuple[str, ...]],
    module: str,
    name: str,
    viewer: access.Viewer,
    args: tuple,
) -> Any:
    return _resolve(module, name)(get_database(path).cursor(snapshot), viewer, *args)


def query(fn: Callable[..., Any], viewer: access.Viewer, *args: Any) -> Any:
    """Run `fn(cursor, viewer, *args)` cached per snapshot, scope, function, viewer, arguments.

    `fn` is a read function of data_model (first parameters: cursor, Viewer); the cache key
    uses its module and name, so pages pass the function itself: `query(queries.x, viewer)`.
    """
    scope = _scope(viewer)
    return _cached_query(
        db_path(), cursor().snapshot_id, scope, fn.__module__, fn.__qualname__, viewer, args
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _summary(path: str, snapshot: str) -> dict[str, object]:
    return queries.database_summary(get_database(path).cursor(snapshot))


def database_summary(path: str | None = None) -> dict[str, object]:
    return _summary(path or db_path(), cursor().snapshot_id)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _demo_users(path: str, snapshot: str) -> Any:
    return access.demo_users(get_database(path).cursor(snapshot))


def demo_users() -> Any:
    """The demo picker's users with their scope, cached per snapshot: working out the scope of
    every demo user took ~210 statements on each rerun (bench.statements)."""
    return _demo_users(db_path(), cursor().snapshot_id)


def clear_caches() -> None:
    """After an import or a saved note: every cached query result is stale."""
    st.cache_data.clear()
