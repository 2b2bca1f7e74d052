"""Scope and privacy in the data layer, for every read function of every data_model module.

Read functions declare their access with a decorator of data_model/reading/scope.py
(`@school_read`, `@scope_read`, `@admin_read`); the tests below run over that registry, so a
read added later is covered without editing this file. `test_every_read_is_declared` makes
sure no public `(con, viewer, ...)` function escapes the registry.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import pandas as pd
import pytest

import data_model
from data_model.reading import access, queries, scope, subgroups
from data_model.reading.access import AccessDenied, Viewer
from data_model.rules import load_rules
from data_model.vocabulary import NEED_TIERS

GUIDANCE_COLUMNS = {"tier", "goal_code", "core_task", "anker_id", "units", "hours"}
# Helpers with a (con, viewer) signature that are not reads: they *are* the access check.
NOT_READS = {
    "reading.access.allowed_school_ids",
    "reading.access.require_learning_gain",
    "reading.access.require_school",
    "reading.access.require_school_staff",
    "reading.access.withheld_school_ids",
    "reading.scope.allowed_ids",
    "reading.scope.require_school",
    "reading.scope.request",
}


def _public_viewer_functions() -> Iterator[tuple[str, Callable]]:
    for info in pkgutil.walk_packages(data_model.__path__, prefix="data_model."):
        if info.ispkg or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)  # importing registers its reads
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["con", "viewer"]:
                yield f"{info.name.removeprefix('data_model.')}.{name}", fn


PUBLIC = dict(_public_viewer_functions())
READS = {name: read.fn for name, read in scope.READS.items()}
SCHOOL_READS = {name: r.fn for name, r in scope.READS.items() if r.kind == "school"}
ADMIN_READS = {name: r.fn for name, r in scope.READS.items() if r.kind == "admin"}


def test_every_read_is_declared():
    undeclared = set(PUBLIC) - set(READS) - NOT_READS
    assert not undeclared, f"read functions without @school_read/@scope_read: {undeclared}"
    assert "reading.queries.school_results" in SCHOOL_READS
    assert "reading.queries.schools_in_scope" in READS
    assert "state.users.list_users" in ADMIN_READS


def _note_of(con, school_ids: list[str] | None) -> int:
    """A note of one of these schools (any note when None): the sample has notes."""
    if school_ids is None:
        return con.state.execute("SELECT min(note_id) FROM notes").fetchone()[0]
    marks = ", ".join("?" * len(school_ids))
    row = con.state.execute(
        f"SELECT min(note_id) FROM notes WHERE school_id IN ({marks})", school_ids
    ).fetchone()
    assert row[0] is not None, f"the sample has no note of {school_ids}"
    return row[0]


def _args(
    con, fn: Callable, school_id: str | None, viewer: Viewer | None = None
) -> dict[str, object]:
    """Plausible arguments by parameter name: of `school_id` when given, else of the
    viewer's own schools. A read with a required parameter this does not know fails: add
    its name here, a read that is not walked is a hole in the access tests."""
    latest = con.execute("SELECT max(school_year) FROM school_result").fetchone()[0]
    own = (
        [school_id] if school_id else access.allowed_school_ids(con, viewer)[:1] if viewer else None
    )
    known = {
        "school_id": school_id,
        "assessment_id": "ovsg6",
        "to_assessment": "vt6",
        "numbers": ["1", "2"],
        "school_year": latest,
        "scope": "schoolfoto",
        "limit": 50,
        "school_ids": own,
        "note_id": lambda: _note_of(
            con, [school_id] if school_id else access.allowed_school_ids(con, viewer)
        ),
        "user_id": viewer.user_id if viewer else "bestaat-niet",
    }
    out: dict[str, object] = {}
    for name, p in list(inspect.signature(fn).parameters.items())[2:]:
        if name in known and (name == "school_id" or p.default is inspect.Parameter.empty):
            value = known[name]
            out[name] = value() if callable(value) else value
        elif p.default is inspect.Parameter.empty:
            pytest.fail(f"no plausible argument for '{name}' of {fn.__qualname__}: add it to _args")
    return out


def _outside(con, viewer: Viewer) -> str:
    allowed = set(access.allowed_school_ids(con, viewer))
    everything = [r[0] for r in con.execute("SELECT school_id FROM schools ORDER BY 1").fetchall()]
    return next(s for s in everything if s not in allowed)


def _text(value: object) -> str:
    if isinstance(value, pd.DataFrame):
        return value.to_csv()
    if isinstance(value, dict | list | tuple):
        return repr(value)
    if hasattr(value, "__dict__"):
        return repr(value.__dict__)
    return repr(value)


@pytest.mark.parametrize("name", sorted(SCHOOL_READS))
@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_school_outside_scope_is_refused(con, viewers, role, name):
    viewer = viewers[role]
    fn = SCHOOL_READS[name]
    kwargs = _args(con, fn, _outside(con, viewer))
    try:
        result = fn(con, viewer, **kwargs)
    except AccessDenied:
        return
    # Not raising is acceptable only when nothing of the other school comes back.
    assert isinstance(result, pd.DataFrame | list | tuple) and len(result) == 0, (
        f"{name} returned data of a school outside the scope of {role}"
    )


@pytest.mark.parametrize("name", sorted(READS))
def test_guidance_never_reaches_a_director(con, viewers, name):
    viewer = viewers["directeur"]
    fn = READS[name]
    own = access.allowed_school_ids(con, viewer)[0]
    kwargs = _args(con, fn, own, viewer)
    try:
        result = fn(con, viewer, **kwargs)
    except AccessDenied:
        return
    if isinstance(result, pd.DataFrame):
        assert not GUIDANCE_COLUMNS & set(result.columns), f"{name}: {list(result.columns)}"
    text = _text(result).lower()
    for tier in NEED_TIERS:
        assert tier not in text, f"{name} shows the guidance tier '{tier}' to a director"


@pytest.mark.parametrize("name", sorted(ADMIN_READS))
@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_admin_reads_refuse_everyone_else(con, viewers, role, name):
    kwargs = _args(con, ADMIN_READS[name], None, viewers[role])
    with pytest.raises(AccessDenied):
        ADMIN_READS[name](con, viewers[role], **kwargs)


@pytest.mark.parametrize("name", sorted(set(READS) - set(SCHOOL_READS) - set(ADMIN_READS)))
@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam", "beheerder"])
def test_lists_only_hold_schools_in_scope(con, viewers, role, name):
    viewer = viewers[role]
    fn = READS[name]
    kwargs = _args(con, fn, None, viewer)
    try:
        result = fn(con, viewer, **kwargs)
    except AccessDenied:
        return
    if isinstance(result, pd.DataFrame) and "school_id" in result.columns:
        allowed = set(access.allowed_school_ids(con, viewer))
        assert set(result["school_id"].dropna()) <= allowed, name


NOTE_READS = {
    name: fn for name, fn in READS.items() if "note_id" in inspect.signature(fn).parameters
}


@pytest.mark.parametrize("name", sorted(NOTE_READS))
@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_a_note_outside_scope_is_refused(con, viewers, role, name):
    """A read by note id checks the note's school: a guessed id of another school's note
    is refused, one of the viewer's own schools is read."""
    viewer = viewers[role]
    allowed = access.allowed_school_ids(con, viewer)
    outside = [
        r[0]
        for r in con.state.execute("SELECT DISTINCT school_id FROM notes").fetchall()
        if r[0] not in allowed
    ]
    kwargs = _args(con, NOTE_READS[name], None, viewer)
    with pytest.raises(AccessDenied):
        NOTE_READS[name](con, viewer, **{**kwargs, "note_id": _note_of(con, outside)})


def _file_text(data: bytes) -> str:
    """The text a person reads in a downloaded file: a PDF, an Excel workbook, or a zip of
    PDFs (every file of it)."""
    import io
    import zipfile

    from openpyxl import load_workbook
    from pypdf import PdfReader

    if data.startswith(b"%PDF"):
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    archive = zipfile.ZipFile(io.BytesIO(data))
    if any(n.startswith("xl/") for n in archive.namelist()):
        book = load_workbook(io.BytesIO(data))
        return " ".join(str(c) for ws in book for row in ws.values for c in row if c is not None)
    return "\n".join(n + "\n" + _file_text(archive.read(n)) for n in archive.namelist())


FILE_READS = {
    name: fn
    for name, fn in READS.items()
    if name.startswith("exports.") and name not in SCHOOL_READS
}


@pytest.mark.parametrize("name", sorted(FILE_READS))
@pytest.mark.parametrize("role", ["directeur", "anker", "regioteam"])
def test_files_over_the_scope_hold_no_other_school(con, viewers, role, name):
    """A download over the viewer's schools (region overview, all sheets of the round) names
    no school outside the scope, and a list that holds one is refused before anything is made."""
    viewer = viewers[role]
    fn = FILE_READS[name]
    allowed = access.allowed_school_ids(con, viewer)
    latest = con.execute("SELECT max(school_year) FROM school_result").fetchone()[0]
    known = {"assessment_id": "ovsg6", "school_year": latest, "school_ids": allowed[:2]}
    required = [
        p.name
        for p in list(inspect.signature(fn).parameters.values())[2:]
        if p.default is inspect.Parameter.empty
    ]
    assert set(required) <= set(known), f"no plausible arguments for {name}: add them to known"
    kwargs = {k: known[k] for k in required}
    if "school_ids" in kwargs:
        with pytest.raises(AccessDenied):
            fn(con, viewer, **{**kwargs, "school_ids": [allowed[0], _outside(con, viewer)]})
    text = _file_text(fn(con, viewer, **kwargs))
    others = con.execute("SELECT school_id, name FROM schools").fetchall()
    names = {n for sid, n in others if sid not in allowed}
    mine = {n for sid, n in others if sid in allowed}
    leaked = [n for n in names if n in text and not any(n in m for m in mine)]
    assert not leaked, f"{name} shows {leaked[:3]} to a {role}"
    assert any(n in text for n in mine)


def test_scopes_per_role(con, viewers):
    n_schools = con.execute("SELECT count(*) FROM schools").fetchone()[0]
    director, anker = viewers["directeur"], viewers["anker"]
    region, admin = viewers["regioteam"], viewers["beheerder"]
    assert access.allowed_school_ids(con, director) == [
        r[0]
        for r in con.state.execute(
            "SELECT school_id FROM user_schools WHERE user_id = ? ORDER BY 1", [director.user_id]
        ).fetchall()
    ]
    assert 1 <= len(access.allowed_school_ids(con, anker)) <= 10
    in_region = con.execute(
        "SELECT school_id FROM schools WHERE region_id = ? ORDER BY 1", [region.region_id]
    ).fetchall()
    assert access.allowed_school_ids(con, region) == [r[0] for r in in_region]
    assert len(access.allowed_school_ids(con, admin)) == n_schools


def test_forged_viewer_gets_the_scope_of_its_user_id(con, viewers):
    director = viewers["directeur"]
    forged = Viewer(director.user_id, director.name, director.email, "beheerder")
    # Row scope follows the user id in the database, not what the Viewer object claims.
    assert access.allowed_school_ids(con, forged) == access.allowed_school_ids(con, director)
    unknown = Viewer("bestaat-niet", "X", "x@x.be", "beheerder")
    assert queries.schools_in_scope(con, unknown).empty
    with pytest.raises(AccessDenied):
        access.require_school(con, unknown, access.allowed_school_ids(con, director)[0])


def test_role_guards():
    d = Viewer("d", "D", "d@x.be", "directeur")
    a = Viewer("a", "A", "a@x.be", "anker")
    b = Viewer("b", "B", "b@x.be", "beheerder")
    with pytest.raises(AccessDenied):
        access.require_guidance(d)
    access.require_guidance(a)
    with pytest.raises(AccessDenied):
        access.require_admin(a)
    access.require_admin(b)


def test_school_results_never_carry_values_of_suppressed_rows(con, viewers):
    admin = viewers["beheerder"]
    school_id, assessment_id = con.execute(
        "SELECT school_id, assessment_id FROM school_result WHERE suppressed LIMIT 1"
    ).fetchone()
    df = queries.school_results(con, admin, school_id, assessment_id)
    hidden = df[df["suppressed"]]
    assert len(hidden) > 0
    for col in access.SUPPRESSED_MEASURES:
        if col in hidden.columns:
            assert hidden[col].isna().all(), col
    assert set(hidden["status"]) == {"too_few"}


def test_scrub_suppressed_blanks_measures_even_if_sql_forgot():
    df = pd.DataFrame(
        {"suppressed": [True, False], "n_pupils": [3, 20], "score_mean": [55.0, 60.0]}
    )
    out = access.scrub_suppressed(df)
    assert out["n_pupils"].isna().tolist() == [True, False]
    assert out["score_mean"].isna().tolist() == [True, False]
    assert df["n_pupils"].tolist() == [3, 20]  # the input is not changed


def test_subgroups_never_show_a_small_group_or_complement(con, viewers):
    admin = viewers["beheerder"]
    year = con.execute(
        "SELECT max(school_year) FROM pupils p JOIN pupil_results r USING (pupil_id)"
    ).fetchone()[0]
    shown = hidden = 0
    for school_id in access.allowed_school_ids(con, admin):
        df = subgroups.subgroup_results(con, admin, school_id, "ovsg6", year)
        visible = df[~df["hidden"].astype(bool)]
        minimum = load_rules().min_group_size
        assert (visible["n_pupils"] >= minimum).all(), school_id
        assert (visible["rest_n"] >= minimum).all(), school_id
        masked = df[df["hidden"].astype(bool)]
        assert masked[["n_pupils", "score_mean", "diff_rest"]].isna().all().all(), school_id
        shown, hidden = shown + len(visible), hidden + len(masked)
    assert shown > 0 and hidden > 0  # the sample has both cases


def test_demo_users_only_on_sample_data(con, writable_db):
    from data_model.storage.db import Database, set_meta

    assert len(access.demo_users(con)) > 0
    db = Database(writable_db)
    try:
        with db.write() as cur:
            set_meta(cur, "is_sample", "false")
        with pytest.raises(AccessDenied):
            access.demo_users(db.cursor())
    finally:
        db.close()


# Tables and columns that hold class groups or follow a pupil: results of pupils or pupil
# groups never leave the school.
CLASS_AND_PUPIL_DATA = ("class_result", "v_class_result", "class_group", "pupil_key")


def test_only_staff_reads_touch_class_groups_or_pupils():
    for name, read in scope.READS.items():
        source = inspect.getsource(inspect.unwrap(read.fn))
        if any(word in source for word in CLASS_AND_PUPIL_DATA):
            assert read.staff and read.kind == "school", f"{name} reads class or pupil data"
    assert any(read.staff for read in scope.READS.values())
