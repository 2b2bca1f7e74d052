"""Who sees the Vlaamse toetsen is the school's choice.

The director grants or withdraws the support service's access to the school-level results
(default: not granted); an anker or a regional team sees them only for schools that granted
it, through every read and export; every change is in the audit log; the school's own
director and the beheerder always see them. Walks every registered read, as the other access
tests do, so a new read is covered without editing this file.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import data_model
from data_model.exports.school_xlsx import build_school_xlsx
from data_model.reading import access, queries, scope
from data_model.reading.access import AccessDenied, Viewer
from data_model.state import audit, sharing
from data_model.storage.catalogue import ASSESSMENTS, CONSENT_ASSESSMENTS
from data_model.storage.db import Database
from data_model.vocabulary import ANKER, BEHEERDER, DIRECTEUR, REGIOTEAM
from tests.conftest import copy_data

for _info in pkgutil.walk_packages(data_model.__path__, prefix="data_model."):
    if not _info.ispkg and not _info.name.endswith("__main__"):
        importlib.import_module(_info.name)  # importing a module registers its reads
VT_NAMES = [a.name for a in ASSESSMENTS if a.shared_by_consent]


def _user(con, role: str, school_id: str) -> Viewer:
    """An active user of `role` whose scope holds `school_id`."""
    rows = con.state.execute(
        "SELECT user_id FROM users WHERE active AND role = ? ORDER BY user_id", [role]
    ).fetchall()
    for (user_id,) in rows:
        viewer = access.viewer_for_user_id(con, user_id)
        if viewer and school_id in access.allowed_school_ids(con, viewer):
            return viewer
    raise AssertionError(f"no {role} for {school_id}")


@contextmanager
def _world(folder: Path) -> Iterator[tuple[Database, str, str]]:
    """`folder` with one school with Vlaamse toetsen that has withdrawn its consent and
    another that has granted it."""
    db = Database(folder)
    con = db.cursor()
    with_vt = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT school_id FROM school_result WHERE assessment_id = 'vt4' "
            "AND NOT suppressed ORDER BY 1"
        ).fetchall()
    ]
    withheld, shared = with_vt[0], with_vt[1]
    with db.state.transaction() as cur:  # the demo's own choices: start from "never decided"
        cur.execute("DELETE FROM result_sharing")
    for school, granted in ((withheld, False), (shared, True)):
        director = _user(con, DIRECTEUR, school)
        # Through the director's own call: the default is withdrawn, so grant first to
        # exercise a withdrawal as well.
        sharing.set_result_sharing(db, director, school, True)
        sharing.set_result_sharing(db, director, school, granted)
    try:
        yield db, withheld, shared
    finally:
        db.close()


@pytest.fixture
def world(writable_db: Path) -> Iterator[tuple[Database, str, str]]:
    """A private world for tests that change the choice."""
    with _world(writable_db) as made:
        yield made


@pytest.fixture(scope="module")
def read_world(
    pristine_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, str, str]]:
    """One world for the tests that only read (the walk of every read): built once."""
    with _world(copy_data(pristine_db, tmp_path_factory.mktemp("consent") / "data")) as made:
        yield made


def _vt_rows(result: object, school_id: str, of_one_school: bool) -> int:
    """Rows of consent-only results of `school_id` in a read's result. A scope read's rows
    without a school (Flanders-wide variance components) are nobody's results."""
    if not isinstance(result, pd.DataFrame) or result.empty:
        return 0
    cols = [c for c in ("assessment_id", "from_assessment", "to_assessment") if c in result]
    if not cols:
        return 0
    mask = result[cols].isin(CONSENT_ASSESSMENTS).any(axis=1)
    if "school_id" in result:
        mask &= result["school_id"].astype(str) == school_id
    elif not of_one_school:
        return 0
    return int(mask.sum())


def _call(fn, con, viewer, school_id: str, assessment: str):
    kwargs = {}
    latest = con.execute("SELECT max(school_year) FROM school_result").fetchone()[0]
    known = {"school_id": school_id, "assessment_id": assessment, "school_year": latest}
    for name, p in list(inspect.signature(fn).parameters.items())[2:]:
        if name in known and (name == "school_id" or p.default is inspect.Parameter.empty):
            kwargs[name] = known[name]
        elif name == "to_assessment" and p.default is inspect.Parameter.empty:
            kwargs[name] = assessment
        elif p.default is inspect.Parameter.empty:
            return None
    return fn(con, viewer, **kwargs)


NON_ADMIN_READS = {n: r for n, r in scope.READS.items() if r.kind != "admin"}


@pytest.mark.parametrize("name", sorted(NON_ADMIN_READS))
@pytest.mark.parametrize("role", [ANKER, REGIOTEAM])
@pytest.mark.parametrize("assessment", sorted(CONSENT_ASSESSMENTS) + ["ovsg6"])
def test_no_read_shows_a_withheld_schools_vlaamse_toetsen(read_world, role, name, assessment):
    db, withheld, _ = read_world
    con = db.cursor()
    viewer = _user(con, role, withheld)
    read = NON_ADMIN_READS[name]
    try:
        result = _call(read.fn, con, viewer, withheld, assessment)
    except AccessDenied:
        return
    assert _vt_rows(result, withheld, read.kind == "school") == 0, (
        f"{name} shows {withheld}'s {assessment} to {role}"
    )
    if isinstance(result, bytes | str):
        for vt in VT_NAMES:
            assert vt.encode() not in (result if isinstance(result, bytes) else result.encode())


@pytest.mark.parametrize("role", [ANKER, REGIOTEAM])
def test_the_support_service_sees_the_vlaamse_toetsen_of_a_school_that_shares(read_world, role):
    db, withheld, shared = read_world
    con = db.cursor()
    viewer = _user(con, role, shared)
    tests = set(queries.assessments_for_school(con, viewer, shared)["assessment_id"])
    assert "vt4" in tests
    assert not queries.school_results(con, viewer, shared, "vt4").empty
    viewer = _user(con, role, withheld)
    tests = set(queries.assessments_for_school(con, viewer, withheld)["assessment_id"])
    assert tests and not tests & CONSENT_ASSESSMENTS  # the OVSG-toets is still there
    with pytest.raises(AccessDenied, match="alleen de directeur"):
        queries.school_results(con, viewer, withheld, "vt4")


@pytest.mark.parametrize("role", [DIRECTEUR, BEHEERDER])
def test_the_school_itself_and_the_beheerder_always_see_them(read_world, role):
    db, withheld, _ = read_world
    con = db.cursor()
    viewer = _user(con, role, withheld)
    assert not queries.school_results(con, viewer, withheld, "vt4").empty


def test_the_excel_photo_of_a_withheld_school_has_no_vlaamse_toetsen(read_world):
    db, withheld, shared = read_world
    con = db.cursor()
    for school, expected in ((withheld, False), (shared, True)):
        viewer = _user(con, ANKER, school)
        book = openpyxl.load_workbook(io.BytesIO(build_school_xlsx(con, viewer, school)))
        text = " ".join(
            str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
        )
        assert ("Vlaamse toetsen" in text) is expected, school


def test_only_the_director_decides_and_every_change_is_logged(world):
    db, withheld, _ = world
    con = db.cursor()
    for role in (ANKER, REGIOTEAM, BEHEERDER):
        with pytest.raises(AccessDenied):
            sharing.set_result_sharing(db, _user(con, role, withheld), withheld, True)
    director = _user(con, DIRECTEUR, withheld)
    other = next(s for s in access.allowed_school_ids(con, _user(con, ANKER, withheld)))
    if other not in access.allowed_school_ids(con, director):
        with pytest.raises(AccessDenied):
            sharing.set_result_sharing(db, director, other, True)
    assert sharing.result_sharing(con, director, withheld).granted is False
    assert sharing.set_result_sharing(db, director, withheld, False) is False  # no change
    assert sharing.set_result_sharing(db, director, withheld, True) is True
    state = sharing.result_sharing(db.cursor(), director, withheld)
    assert state.granted and state.changed_by == director.name
    log = audit.audit_entries(db.cursor(), _user(con, BEHEERDER, withheld), school_id=withheld)
    lines = log[log["action"] == audit.SHARING]["detail"].tolist()
    # newest first: granted again (here), withdrawn and granted (the fixture); the no-op
    # wrote nothing
    assert lines == [sharing.GRANTED_DETAIL, sharing.WITHDRAWN_DETAIL, sharing.GRANTED_DETAIL]


def test_a_never_decided_school_is_not_shared(world):
    db, _, _ = world
    con = db.cursor()
    with db.state.transaction() as cur:
        cur.execute("DELETE FROM result_sharing")
    anker = _user(con, ANKER, access.allowed_school_ids(con, _user(con, ANKER, world[1]))[0])
    scope_ids = access.allowed_school_ids(con, anker)
    assert access.withheld_school_ids(con, anker, scope_ids) == frozenset(scope_ids)
