"""Errors without internals (docs/architecture.md, "Hostile input").

Nothing of an exception (its text, a traceback, a server path, a SQL statement) ever reaches
a page: `.streamlit/config.toml` sets `client.showErrorDetails = "none"` for whatever slips
through, and `guarded()` (around the whole app in app.py) shows a Dutch message with a short
reference instead. The details go to the server log under the same reference, so the
beheerder can find them ("SF-3F9A2C" in the log).

Streamlit's own control flow (st.stop, st.rerun, st.switch_page) raises BaseExceptions that
`except Exception` does not catch, so it passes through untouched.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from data_model.settings import setting

LOG = logging.getLogger("schoolfoto.errors")
# Tests set SCHOOLFOTO_ERRORS=raise (tests/conftest.py): the message is shown and the error is
# raised again, so a broken page still fails its test through AppTest's `at.exception`.
RAISE_ENV = "SCHOOLFOTO_ERRORS"

_DATABASE_WORDS = ("duckdb", "database", "catalog", "sqlite", "psycopg")


def new_reference() -> str:
    """A short reference a user can read out over the phone: 'SF-3F9A2C'."""
    return "SF-" + secrets.token_hex(3).upper()


def log_exception(exc: BaseException, context: str = "") -> str:
    """Log `exc` with its traceback under a new reference; return the reference."""
    reference = new_reference()
    LOG.error("[%s] %s", reference, context or "unhandled error", exc_info=exc)
    return reference


def is_database_error(exc: BaseException) -> bool:
    module = type(exc).__module__.split(".")[0].lower()
    return any(word in module for word in _DATABASE_WORDS)


def user_message(exc: BaseException, reference: str) -> str:
    """The Dutch message for a failure (Markdown, no data in it)."""
    if is_database_error(exc):
        return (
            "De databank van Schoolfoto kan nu niet gelezen worden. Probeer het over enkele "
            "minuten opnieuw. Blijft het probleem, geef dan deze referentie door aan de "
            f"beheerder: **{reference}** (de details staan in het serverlogboek)."
        )
    return (
        "Er ging iets mis bij het tonen van deze pagina. Probeer het opnieuw. Blijft het "
        f"probleem, geef dan deze referentie door aan de beheerder: **{reference}**."
    )


def show_exception(exc: BaseException, context: str = "") -> str:
    """Log `exc` and show the Dutch message with its reference; return the reference."""
    reference = log_exception(exc, context)
    st.error(user_message(exc, reference), icon=":material/error:")
    return reference


@contextmanager
def guarded(context: str = "page") -> Iterator[None]:
    """`with guarded(): ...` runs the block; an unexpected error becomes a Dutch message."""
    try:
        yield
    except Exception as exc:  # every other error: never its text on the page
        show_exception(exc, context)
        if setting(RAISE_ENV) == "raise":
            raise
        st.stop()


def safe_build(
    build: Callable[[], bytes], failure: Callable[[str], bytes] | None, context: str
) -> bytes:
    """Run a file builder; if it fails, log it and return `failure(reference)` (a file in the
    same format that says in Dutch that the export failed) instead of Streamlit's English
    "Failed to generate file for download"."""
    try:
        return build()
    except Exception as exc:
        reference = log_exception(exc, context)
        if failure is None:
            raise
        return failure(reference)
