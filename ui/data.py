"""Cached access to the data layer for pages.

One `Database` per process (`st.cache_resource`), a fresh cursor per call, and query results
cached per viewer with `st.cache_data(ttl=...)`. The viewer is part of the cache key, so a
cached result can never be served to someone with another scope. After any write, call
`clear_caches()`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import duckdb
import streamlit as st

from data_model.reading import access, queries
from data_model.storage.db import Database, configured_path

CACHE_TTL_SECONDS = 600


@st.cache_resource(show_spinner=False)
def get_database(path: str) -> Database:
    return Database(path)


def db_path() -> str:
    return str(configured_path())


def cursor() -> duckdb.DuckDBPyConnection:
    return get_database(db_path()).cursor()


def _resolve(module: str, name: str) -> Callable[..., Any]:
    # Only read functions of the data layer can be called through the cache.
    if not module.startswith("data_model."):
        raise ValueError(f"{module}.{name} is not a data_model function")
    return getattr(importlib.import_module(module), name)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _cached_query(path: str, module: str, name: str, viewer: access.Viewer, args: tuple) -> Any:
    return _resolve(module, name)(get_database(path).cursor(), viewer, *args)


def query(fn: Callable[..., Any], viewer: access.Viewer, *args: Any) -> Any:
    """Run `fn(cursor, viewer, *args)` cached per database, function, viewer and arguments.

    `fn` is a read function of data_model (first parameters: cursor, Viewer); the cache key
    uses its module and name, so pages pass the function itself: `query(queries.x, viewer)`.
    """
    return _cached_query(db_path(), fn.__module__, fn.__qualname__, viewer, tuple(args))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def database_summary(path: str) -> dict[str, object]:
    return queries.database_summary(get_database(path).cursor())


def clear_caches() -> None:
    """After an import or a saved note: every cached query result is stale."""
    st.cache_data.clear()
