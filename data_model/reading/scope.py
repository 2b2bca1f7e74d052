"""One scoped reader per request: access is checked once, results are read once.

A *request* is one unit of work for one viewer: a page rerun, a PDF build, a CLI export. Inside
it, the viewer's allowed school ids are computed once (`access.allowed_school_ids`, the agreed
interface with the state store) and every read function checks its school against that list
instead of asking the database again. A result a request needs twice (the PDF sheet and the
briefing both read the school's results) is read once and handed out as a copy.

Read functions declare what they need with a decorator, and the decorators keep a registry
(`READS`) that the access tests walk, so a new read is covered without editing a test:

- `@school_read`: the function's third parameter is a `school_id`; a school outside the
  viewer's scope raises AccessDenied before the function runs;
- `@scope_read`: the function lists data of the schools in scope; it passes
  `allowed_ids(con, viewer)` to its SQL as a parameter list (`SCOPE_FILTER`);
- `@admin_read`: user management, the audit log, the import history: the beheerder only
  (`access.require_admin`), never memoised (the same page writes them).

Consent-only results (the Vlaamse toetsen, `catalogue.CONSENT_ASSESSMENTS`) are withheld here
too, for every decorated read: an anker or a regional team sees them only for schools whose
director granted it (`access.withheld_school_ids`). A read asked for such an assessment of a
withheld school is refused; a scope read asked for one runs with the withheld schools taken out
of its scope; and any frame a read returns loses the consent-only rows of withheld schools.

`guidance=True` adds the guidance-role check (`access.require_guidance`); `memo=False` is for
reads of state that a form in the same request may change (notes).

Without an open request (a test, a notebook) every decorated call opens its own, so a call
alone behaves exactly as inside a page. Requests live in a ContextVar: one per thread, which
is one per Streamlit script run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, ParamSpec, TypeVar, cast, overload

import pandas as pd

from data_model.reading import access
from data_model.reading.access import AccessDenied, Viewer
from data_model.storage.catalogue import CONSENT_ASSESSMENTS
from data_model.storage.connection import Connection

P = ParamSpec("P")
R = TypeVar("R")

# The scope filter of every analytic query: the parameter is the list from `allowed_ids`.
SCOPE_FILTER = "SELECT unnest(?::VARCHAR[])"

SCHOOL_DENIED = "U hebt geen toegang tot deze school. Kies een school uit uw eigen lijst."
CONSENT_DENIED = (
    "Deze school deelt de resultaten van de Vlaamse toetsen niet met de begeleiding: "
    "alleen de directeur kan dat toestaan."
)
# Columns that name an assessment in a read's result (the consent filter looks at them).
_ASSESSMENT_COLUMNS = ("assessment_id", "from_assessment", "to_assessment")


@dataclass(frozen=True)
class Read:
    """A registered read function: what it needs decides which access tests it gets."""

    name: str  # module path below data_model, e.g. "reading.queries.school_results"
    kind: Literal["school", "scope", "admin"]
    guidance: bool
    fn: Callable[..., Any]
    staff: bool = False  # class groups and pupils: the school's own staff only


READS: dict[str, Read] = {}


@dataclass
class Request:
    con: Connection
    viewer: Viewer
    _allowed: list[str] | None = None
    _allowed_set: frozenset[str] = frozenset()
    _withheld: frozenset[str] | None = None
    _narrowed: bool = False  # inside a read of a consent-only assessment
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def _scope(self) -> list[str]:
        if self._allowed is None:
            self._allowed = access.allowed_school_ids(self.con, self.viewer)
            self._allowed_set = frozenset(self._allowed)
        return self._allowed

    def allowed(self) -> list[str]:
        if self._narrowed:
            withheld = self.withheld()
            return [s for s in self._scope() if s not in withheld]
        return self._scope()

    def withheld(self) -> frozenset[str]:
        """Schools in scope whose consent-only results this viewer may not see."""
        if self._withheld is None:
            self._withheld = access.withheld_school_ids(self.con, self.viewer, self._scope())
        return self._withheld

    @contextmanager
    def narrowed(self) -> Iterator[None]:
        """The scope without the withheld schools, for a read of a consent-only assessment."""
        before = self._narrowed
        self._narrowed = True
        try:
            yield
        finally:
            self._narrowed = before

    def require_school(self, school_id: str) -> None:
        self._scope()
        if str(school_id) not in self._allowed_set:
            raise AccessDenied(SCHOOL_DENIED)
        if self._narrowed and str(school_id) in self.withheld():
            raise AccessDenied(CONSENT_DENIED)

    def once(self, key: tuple[Any, ...], compute: Callable[[], R]) -> R:
        key = (self._narrowed, *key)  # a narrowed read must never serve an unnarrowed one
        try:
            hit = key in self._memo
        except TypeError:  # an unhashable argument: not memoised
            return compute()
        if not hit:
            self._memo[key] = compute()
        return cast("R", _copy(self._memo[key]))


def _copy(value: Any) -> Any:
    # Callers may add columns to a frame they got: never hand out the memoised object itself.
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, list):
        return list(value)
    return value


def _asks_consent_assessment(args: tuple[Any, ...], kw: dict[str, Any]) -> bool:
    return any(
        isinstance(value, str) and value in CONSENT_ASSESSMENTS for value in (*args, *kw.values())
    )


def _without_withheld(result: R, withheld: frozenset[str], school_id: str | None = None) -> R:
    """`result` without the consent-only rows of withheld schools (frames only: other results
    of consent-only data are refused or narrowed before the read runs)."""
    if not withheld or not isinstance(result, pd.DataFrame) or result.empty:
        return result
    cols = [c for c in _ASSESSMENT_COLUMNS if c in result.columns]
    if not cols:
        return result
    consent = result[cols].isin(CONSENT_ASSESSMENTS).any(axis=1)
    if "school_id" in result.columns:
        drop = consent & result["school_id"].astype(str).isin(withheld)
    elif school_id in withheld:
        drop = consent
    else:
        return result
    if not drop.any():
        return result
    kept = result.loc[~drop.to_numpy()]
    if isinstance(result.index, pd.RangeIndex):
        kept = kept.reset_index(drop=True)
    return kept


@contextmanager
def _consent_scope(req: Request, args: tuple[Any, ...], kw: dict[str, Any]) -> Iterator[None]:
    if _asks_consent_assessment(args, kw) and req.withheld():
        with req.narrowed():
            yield
    else:
        yield


_current: ContextVar[Request | None] = ContextVar("schoolfoto_request", default=None)


@contextmanager
def request(con: Connection, viewer: Viewer) -> Iterator[Request]:
    """Open a request for `viewer` (or join the open one of the same viewer)."""
    open_request = _current.get()
    if open_request is not None and open_request.viewer == viewer:
        yield open_request
        return
    token = _current.set(Request(con, viewer))
    try:
        yield _current.get()  # type: ignore[misc]  # just set above: never None here
    finally:
        _current.reset(token)


def allowed_ids(con: Connection, viewer: Viewer) -> list[str]:
    """The viewer's allowed school ids, computed once per request."""
    with request(con, viewer) as req:
        return req.allowed()


def require_school(con: Connection, viewer: Viewer, school_id: str) -> None:
    """AccessDenied unless the school is in the viewer's scope (checked once per request)."""
    with request(con, viewer) as req:
        req.require_school(school_id)


def _register(
    fn: Callable[..., Any],
    kind: Literal["school", "scope", "admin"],
    guidance: bool,
    staff: bool = False,
) -> None:
    name = f"{fn.__module__.removeprefix('data_model.')}.{fn.__qualname__}"
    READS[name] = Read(name, kind, guidance, fn, staff)


def _key(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    return (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))


@overload
def school_read(fn: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def school_read(
    *, guidance: bool = False, memo: bool = True, staff: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def school_read(
    fn: Callable[P, R] | None = None,
    *,
    guidance: bool = False,
    memo: bool = True,
    staff: bool = False,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a read of one school: `fn(con, viewer, school_id, ...)`. `staff=True`: class
    groups and pupils, for the school's own staff only (`access.require_school_staff`)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        call = cast("Callable[..., R]", fn)  # the read's own signature is kept for callers

        @functools.wraps(fn)
        def read(con: Connection, viewer: Viewer, school_id: str, *args: Any, **kw: Any) -> R:
            if guidance:
                access.require_guidance(viewer)
            if staff:
                access.require_school_staff(con, viewer)
            school_id = str(school_id)
            with request(con, viewer) as req, _consent_scope(req, args, kw):
                req.require_school(school_id)
                if not memo:
                    result = call(con, viewer, school_id, *args, **kw)
                else:
                    result = req.once(
                        _key(fn, (school_id, *args), kw),
                        lambda: call(con, viewer, school_id, *args, **kw),
                    )
                return _without_withheld(result, req.withheld(), school_id)

        _register(read, "school", guidance, staff)
        return cast("Callable[P, R]", read)

    return decorate(fn) if fn is not None else decorate


@overload
def scope_read(fn: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def scope_read(
    *, guidance: bool = False, memo: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def scope_read(
    fn: Callable[P, R] | None = None, *, guidance: bool = False, memo: bool = True
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a read over the viewer's schools: `fn(con, viewer, ...)`."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        call = cast("Callable[..., R]", fn)  # the read's own signature is kept for callers

        @functools.wraps(fn)
        def read(con: Connection, viewer: Viewer, *args: Any, **kw: Any) -> R:
            if guidance:
                access.require_guidance(viewer)
            with request(con, viewer) as req, _consent_scope(req, args, kw):
                if not memo:
                    result = call(con, viewer, *args, **kw)
                else:
                    result = req.once(_key(fn, args, kw), lambda: call(con, viewer, *args, **kw))
                return _without_withheld(result, req.withheld())

        _register(read, "scope", guidance)
        return cast("Callable[P, R]", read)

    return decorate(fn) if fn is not None else decorate


def admin_read(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a read for the beheerder only: `fn(con, viewer, ...)`."""
    call = cast("Callable[..., R]", fn)  # the read's own signature is kept for callers

    @functools.wraps(fn)
    def read(con: Connection, viewer: Viewer, *args: Any, **kw: Any) -> R:
        access.require_admin(viewer)
        return call(con, viewer, *args, **kw)

    _register(read, "admin", False)
    return cast("Callable[P, R]", read)
