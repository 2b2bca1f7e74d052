"""Writing a checked file inside the caller's `Database.write()` transaction.

A file replaces what it covers: the rows of the same table for the key combinations it brings
(`ReplaceRows.scope`), so a corrected file for a year replaces that year and re-importing the
same file changes nothing (then nothing is written and nothing recomputed).

Every writer compares before it writes and returns (0, 0, True) when the file changes
nothing; the importer then throws the build away, so nothing is published.

Table and column names come from the specs (constants, never input) and are checked against
an allow-list shape before they go into SQL text; values travel as registered frames or parameters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from data_model.imports.report import ImportRejected
from data_model.imports.row_checks import Context, Frames
from data_model.rules import load_rules
from data_model.storage.connection import Connection

# The worker process imports the specs (formats.py) and so this module, but never writes:
# DuckDB, the statistics and the pupil key are imported where a write needs them, which keeps
# the worker's start (a good part of a small file's checking time) short.
if TYPE_CHECKING:
    pass

Outcome = tuple[int, int, bool]  # rows added, rows replaced, unchanged
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_SQL_TYPE = re.compile(r"[A-Z]+(\(\d+(, ?\d+)?\))?")


def _checked(names: Sequence[str], types: Sequence[str] = ()) -> None:
    if not all(_IDENTIFIER.fullmatch(n) for n in names) or not all(
        _SQL_TYPE.fullmatch(t) for t in types
    ):
        raise ValueError(f"unexpected identifier in {names!r}")


def _load_temp(con: Connection, temp: str, columns: dict[str, str], frame: pd.DataFrame) -> None:
    _checked([temp, *columns], list(columns.values()))
    casts = ", ".join("CAST(" + c + " AS " + t + ") AS " + c for c, t in columns.items())
    con.register("_imp_frame", frame[list(columns)])
    con.execute("CREATE OR REPLACE TEMP TABLE " + temp + " AS SELECT " + casts + " FROM _imp_frame")
    con.unregister("_imp_frame")


def _difference_sql(existing: str, columns: str, temp: str, reverse: bool = False) -> str:
    """Count of rows in `existing` not in temp table `temp` (or the other way round)."""
    new = "SELECT " + columns + " FROM " + temp
    first, second = (new, existing) if reverse else (existing, new)
    return "SELECT count(*) FROM (" + first + " EXCEPT ALL " + second + ")"


def _matched_sql(existing: str, temp: str, key: list[str], values: list[str]) -> str:
    """(pairs of a row of `existing` and an equal row of temp table `temp`, distinct `key`s
    of `temp` among them). Both equal to the row count of each side means the same multiset:
    N distinct keys make every new row matched and unique on the key, so an old row matches
    at most one, and N pairs then match each old row exactly once, to a different new row.
    A join on the key: EXCEPT ALL numbers every duplicate, which cost a 910,000-row pupil
    file most of its compare time."""
    _checked([temp, *key, *values])
    on = " AND ".join(["o." + c + " = n." + c for c in key]
                      + ["o." + c + " IS NOT DISTINCT FROM n." + c for c in values])  # fmt: skip
    keys = ", ".join("n." + c for c in key)
    return (
        "SELECT count(*), count(DISTINCT (" + keys + ")) FROM (" + existing + ") o JOIN "
        + temp + " n ON " + on
    )  # fmt: skip


@dataclass(frozen=True)
class ReplaceRows:
    """Replace `table`'s rows for the `scope` combinations in the file's frame `frame`."""

    table: str
    columns: dict[str, str]  # column -> SQL type
    scope: tuple[str, ...]
    frame: str = "rows"
    with_import_id: bool = False

    def __call__(
        self,
        con: Connection,
        frames: Frames,
        ctx: Context,
        import_id: int,
    ) -> Outcome:
        return replace_rows(con, self.table, self.columns, list(self.scope), frames[self.frame],
                            {"import_id": import_id} if self.with_import_id else None)  # fmt: skip


def replace_rows(
    con: Connection,
    table: str,
    columns: dict[str, str],
    keys: list[str],
    new: pd.DataFrame,
    extra: dict[str, object] | None = None,
) -> Outcome:
    extra = extra or {}
    _checked([table, *columns, *keys, *extra])
    _load_temp(con, "_imp_rows", columns, new)
    col_list = ", ".join(columns)
    key_list = ", ".join(keys)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _imp_keys AS SELECT DISTINCT " + key_list + " FROM _imp_rows"
    )
    match = " AND ".join("t." + k + " = k." + k for k in keys)
    existing = (
        "SELECT " + col_list + " FROM " + table + " t "
        "WHERE EXISTS (SELECT 1 FROM _imp_keys k WHERE " + match + ")"
    )
    gone = con.execute(_difference_sql(existing, col_list, "_imp_rows")).fetchall()[0][0]
    added = con.execute(_difference_sql(existing, col_list, "_imp_rows", True)).fetchall()[0][0]
    if gone == 0 and added == 0:
        return 0, 0, True
    replaced = con.execute(
        "DELETE FROM " + table + " t USING _imp_keys k WHERE " + match
    ).fetchall()[0][0]
    extra_cols = "".join(", " + c for c in extra)
    extra_vals = "".join(", ?" for _ in extra)
    con.execute(
        "INSERT INTO " + table + " (" + col_list + extra_cols + ") "
        "SELECT " + col_list + extra_vals + " FROM _imp_rows",
        list(extra.values()),
    )
    return len(new), int(replaced), False


AGGREGATE_COLUMNS = {
    "school_id": "TEXT", "school_year": "TEXT", "assessment_id": "TEXT",
    "learning_area": "TEXT", "domain": "TEXT", "n_pupils": "INTEGER", "score_mean": "DOUBLE",
    "score_sd": "DOUBLE", "pct_goal_reached": "DOUBLE", "similar_mean": "DOUBLE",
    "flanders_mean": "DOUBLE",
}  # fmt: skip
CONTEXT_COLUMNS = {
    "school_id": "TEXT", "school_year": "TEXT", "n_pupils": "INTEGER",
    "pct_home_language_not_dutch": "DOUBLE", "pct_mother_low_education": "DOUBLE",
    "pct_school_allowance": "DOUBLE", "pct_neighbourhood": "DOUBLE", "ses_index": "DOUBLE",
    "ses_group": "INTEGER",
}  # fmt: skip
SCHOOL_COLUMNS = {
    "school_id": "TEXT", "name": "TEXT", "municipality": "TEXT", "region_id": "TEXT",
    "community_id": "TEXT",
}  # fmt: skip
SUPPORT_COLUMNS = {
    "school_id": "TEXT", "school_year": "TEXT", "phase": "TEXT", "measure_kind": "TEXT",
    "n_pupils": "INTEGER",
}  # fmt: skip
GUIDANCE_COLUMNS = {
    "contact_id": "TEXT", "school_id": "TEXT", "school_year": "TEXT", "contact_date": "DATE",
    "anker_id": "TEXT", "goal_code": "TEXT", "core_task": "TEXT", "form": "TEXT",
    "hours": "DOUBLE", "units": "INTEGER",
}  # fmt: skip
PUPIL_COLUMNS = {
    "pupil_id": "TEXT", "school_id": "TEXT", "school_year": "TEXT", "grade": "INTEGER",
    "gender": "TEXT", "home_language_dutch": "BOOLEAN", "mother_low_education": "BOOLEAN",
    "school_allowance": "BOOLEAN", "neighbourhood_low": "BOOLEAN", "support_phase": "TEXT",
    "pupil_key": "TEXT", "class_group": "TEXT",
}  # fmt: skip
PUPIL_RESULT_COLUMNS = {
    "pupil_id": "TEXT", "assessment_id": "TEXT", "learning_area": "TEXT", "domain": "TEXT",
    "score": "DOUBLE", "goal_reached": "BOOLEAN",
}  # fmt: skip
_RESULT_KEY = ["pupil_id", "assessment_id", "learning_area", "domain"]
_RESULT_VALUES = [c for c in PUPIL_RESULT_COLUMNS if c not in _RESULT_KEY]


def write_pupils(
    con: Connection,
    frames: Frames,
    ctx: Context,
    import_id: int,
) -> Outcome:
    """A pupil file replaces the pupils (and their results of this assessment) of the schools,
    school years and grades it covers."""
    pupils, results = _keyed(con, frames["pupils"], frames["results"])
    aid = str(results["assessment_id"].iloc[0]) if len(results) else ""
    _load_temp(con, "_imp_pupils", PUPIL_COLUMNS, pupils)
    _load_temp(con, "_imp_results", PUPIL_RESULT_COLUMNS, results)
    # The OVSG-toets file of grade 6 may come without the lesgroep the Vlaamse toetsen file of
    # the same pupils brought: a blank keeps the stored class group.
    con.execute(
        "UPDATE _imp_pupils i SET class_group = p.class_group FROM pupils p "
        "WHERE i.class_group IS NULL AND p.pupil_id = i.pupil_id"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _imp_scope AS
        SELECT p.pupil_id FROM pupils p
        SEMI JOIN (SELECT DISTINCT school_id, school_year, grade FROM _imp_pupils) k
          ON k.school_id = p.school_id AND k.school_year = p.school_year AND k.grade = p.grade
        """
    )
    p_cols = ", ".join(PUPIL_COLUMNS)
    r_cols = ", ".join(PUPIL_RESULT_COLUMNS)
    old_p = "SELECT " + p_cols + " FROM pupils SEMI JOIN _imp_scope USING (pupil_id)"
    old_r = (
        "SELECT " + r_cols + " FROM pupil_results SEMI JOIN _imp_scope USING (pupil_id) "
        "WHERE assessment_id = ?"
    )
    # Cheap first: different row counts mean changed; only equal counts need the full compare.
    counts = con.execute(
        "SELECT (SELECT count(*) FROM (" + old_p + ")), (SELECT count(*) FROM (" + old_r + "))",
        [aid],
    ).fetchall()[0]
    same = (
        counts == (len(pupils), len(results))
        and con.execute(_difference_sql(old_p, p_cols, "_imp_pupils")).fetchall()[0][0] == 0
        and con.execute(
            _matched_sql(old_r, "_imp_results", _RESULT_KEY, _RESULT_VALUES), [aid]
        ).fetchall()[0]
        == (len(results), len(results))
    )  # equal counts and nothing old missing from the new: the same multiset
    if same:
        return 0, 0, True
    replaced = con.execute(
        "DELETE FROM pupil_results WHERE assessment_id = ? "
        "AND pupil_id IN (SELECT pupil_id FROM _imp_scope)",
        [aid],
    ).fetchall()[0][0]
    # Pupils with results of another assessment stay unless the file brings them again.
    con.execute(
        """
        DELETE FROM pupils WHERE pupil_id IN (SELECT pupil_id FROM _imp_scope)
          AND (pupil_id IN (SELECT pupil_id FROM _imp_pupils)
               OR NOT EXISTS (SELECT 1 FROM pupil_results r WHERE r.pupil_id = pupils.pupil_id))
        """
    )
    con.execute("INSERT INTO pupils (" + p_cols + ") SELECT " + p_cols + " FROM _imp_pupils")
    con.execute(
        "INSERT INTO pupil_results (" + r_cols + ") SELECT " + r_cols + " FROM _imp_results"
    )
    _refuse_double_results(con, aid, len(results))
    pairs = pupils[["school_id", "school_year"]].drop_duplicates().itertuples(index=False)
    from data_model.statistics.classes import refresh_class_results
    from data_model.statistics.progress import refresh_school_progress

    refresh_class_results(con, [tuple(p) for p in pairs])
    refresh_school_progress(con)
    return len(results), int(replaced), False


def _refuse_double_results(con: Connection, aid: str, expected: int) -> None:
    """pupil_results has no key index (schema.sql says why), so the key is checked here: after
    the sample is built this is the table's only writer. The file has one row per pupil and
    one column per domain, so its own rows are unique; the file's pupils must now hold
    exactly its rows for this assessment, no row left over from before. A leftover would be
    a bug or a hand-edited snapshot, not the file; it is refused the way the index refused it
    (a duckdb.Error, which the importer turns into "De databank weigerde de gegevens")."""
    stored = con.execute(
        "SELECT count(*) FROM pupil_results SEMI JOIN _imp_pupils USING (pupil_id) "
        "WHERE assessment_id = ?",
        [aid],
    ).fetchall()[0][0]  # fetchall: a pending result would block the next register()
    if stored != expected:
        import duckdb

        raise duckdb.ConstraintException(
            f"{stored - expected} pupil results of {aid} would be stored twice"
        )


def _keyed(
    con: Connection, pupils: pd.DataFrame, results: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file's pupil numbers replaced by their keyed hash (storage/pupil_key.py) before
    anything is stored: `pupil_key` lasts over the years, `pupil_id` is it plus the year. A
    number cannot clash with another school's (the school is in the hash) or with the same
    pupil's row of another year (the year is in the id)."""
    from data_model.storage.pupil_key import folder_of, load_secret, pupil_key, pupil_row_id

    secret = load_secret(folder_of(con))
    assert secret is not None  # created when missing
    keys = [
        pupil_key(secret, school, number)
        for school, number in zip(pupils["school_id"], pupils["pupil_id"], strict=True)
    ]
    ids = [pupil_row_id(k, y) for k, y in zip(keys, pupils["school_year"], strict=True)]
    renamed = dict(zip(pupils["pupil_id"], ids, strict=True))  # numbers are unique per file
    pupils = pupils.assign(pupil_id=ids, pupil_key=keys)
    if "class_group" not in pupils:
        pupils["class_group"] = None
    return pupils, results.assign(pupil_id=results["pupil_id"].map(renamed))


def _ses_groups(con: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """SES group per school year as the sample generator makes it: quintiles of the mean of
    the four indicators (1 = most disadvantaged), over every school with context that year
    (the file's rows replace the stored ones of the same school)."""
    pcts = ["pct_home_language_not_dutch", "pct_mother_low_education", "pct_school_allowance",
            "pct_neighbourhood"]  # fmt: skip
    frame = frame.copy()
    frame["ses_index"] = frame[pcts].astype(float).mean(axis=1)
    if "ses_group" in frame and frame["ses_group"].notna().all():
        return frame
    con.register("_imp_years", frame[["school_year"]].drop_duplicates())
    stored = con.execute(
        "SELECT school_id, school_year, ses_index FROM school_context "
        "WHERE school_year IN (SELECT school_year FROM _imp_years)"
    ).df()
    con.unregister("_imp_years")
    groups = load_rules().ses_groups
    result = []
    for year, rows in frame.groupby("school_year", sort=False):
        others = stored[
            (stored["school_year"] == year) & ~stored["school_id"].isin(rows["school_id"])
        ]
        index = pd.concat([rows["ses_index"], others["ses_index"]], ignore_index=True)
        ranks = index.rank(method="first", ascending=False).iloc[: len(rows)]
        group = (ranks / len(index) * groups).apply(math.ceil).clip(1, groups)
        result.append(pd.Series(group.to_numpy(dtype=int), index=rows.index))
    frame["ses_group"] = pd.concat(result)
    return frame  # fmt: skip


def write_schools(
    con: Connection,
    frames: Frames,
    ctx: Context,
    import_id: int,
) -> Outcome:
    """The register updates each school's name, municipality and region (latest year) and
    replaces the context rows of its schools and years."""
    frame = _ses_groups(con, frames["rows"])
    latest = frame.sort_values("school_year").drop_duplicates("school_id", keep="last")
    schools = latest[["school_id", "name", "municipality", "region_id"]].copy()
    schools["community_id"] = latest.get("community_id")
    # A new community is added even if nothing else changes; the importer then throws the
    # build away (a new community shows as a changed school row anyway).
    communities = schools.dropna(subset=["community_id"])[["community_id", "region_id"]]
    con.register("_imp_comm", communities.drop_duplicates("community_id"))
    con.execute(
        "INSERT INTO school_communities SELECT community_id, 'Scholengemeenschap ' || "
        "community_id, region_id FROM _imp_comm ON CONFLICT DO NOTHING"
    )
    con.unregister("_imp_comm")
    s_added, s_replaced, s_same = replace_rows(
        con, "schools", SCHOOL_COLUMNS, ["school_id"], schools
    )
    c_added, c_replaced, c_same = replace_rows(
        con, "school_context", CONTEXT_COLUMNS, ["school_id", "school_year"], frame,
    )  # fmt: skip
    return s_added + c_added, s_replaced + c_replaced, s_same and c_same


def write_guidance(
    con: Connection,
    frames: Frames,
    ctx: Context,
    import_id: int,
) -> Outcome:
    """Guidance contacts replace those of the same schools and school years; a contact_id
    that already belongs to another school or year is refused."""
    rows = frames["rows"]
    con.register("_imp_g", rows[["contact_id", "school_id", "school_year", "row_no"]])
    clash = con.execute(
        "SELECT i.row_no, g.contact_id FROM _imp_g i JOIN guidance_contacts g USING (contact_id) "
        "WHERE g.school_id <> i.school_id OR g.school_year <> i.school_year ORDER BY i.row_no"
    ).fetchall()
    con.unregister("_imp_g")
    if clash:
        raise ImportRejected([
            ctx.problem(int(row), "contact_id", cid,
                        "Dit contact_id bestaat al bij een andere school of in een ander "
                        "schooljaar. Verwacht: een uniek contact_id.")
            for row, cid in clash
        ])  # fmt: skip
    return replace_rows(con, "guidance_contacts", GUIDANCE_COLUMNS,
                        ["school_id", "school_year"], rows)  # fmt: skip


TEMP_TABLES = ("_imp_rows", "_imp_keys", "_imp_pupils", "_imp_results", "_imp_scope")


def drop_temp_tables(con: Connection) -> None:
    for temp in TEMP_TABLES:
        con.execute("DROP TABLE IF EXISTS " + temp)  # our own constant names
