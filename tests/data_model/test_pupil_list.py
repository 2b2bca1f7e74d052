"""The director's pupil list: codes that last over the years, the earlier result of a linked
pupil, and the school's own numbers matched in memory from a file chosen again."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_model.imports import importer
from data_model.imports.own_numbers import read_pupil_numbers
from data_model.imports.reader import ReadError
from data_model.reading import pupils
from data_model.reading.access import system_viewer, viewer_for_user_id
from data_model.storage.db import Database
from tests.data_model.importer_files import csv_bytes, xlsx_bytes
from tests.data_model.test_pupil_key import NUMBERS, VT_HEADER, _vt_file


@pytest.fixture
def db(writable_db: Path):
    database = Database(writable_db)
    yield database
    database.close()


def test_list_links_grade_six_to_grade_four_and_matches_own_numbers(db: Database) -> None:
    admin = system_viewer(db.cursor())
    school = (
        db.cursor()
        .execute(
            "SELECT min(school_id) FROM schools WHERE school_id IN (SELECT school_id FROM pupils)"
        )
        .fetchone()[0]
    )
    four = _vt_file(school, "2025-2026", "vt4", ["4A", "4A", "4B", "4B", "4B", "4A"])
    report = importer.import_file(db, admin, "vt4.xlsx", four, "pupils")
    assert report.ok, report.problems
    # Two years on: five of the six pupils, and a newcomer (a mover: not linked).
    rows = [[n, school, "2027-2028", "vt6", "6A", 60, "ja", 70] for n in NUMBERS[:5]]
    rows.append(["20239999", school, "2027-2028", "vt6", "6A", 55, "nee", 50])
    six = xlsx_bytes(VT_HEADER, rows)
    assert importer.import_file(db, admin, "vt6.xlsx", six, "pupils").ok
    cur = db.cursor()
    director_id = cur.state.execute(
        "SELECT u.user_id FROM users u JOIN user_schools s USING (user_id) "
        "WHERE u.role = 'directeur' AND s.school_id = ?",
        [school],
    ).fetchone()[0]
    director = viewer_for_user_id(cur, director_id)
    listing = pupils.pupil_list(cur, director, school, "vt6", "2027-2028")
    assert len(listing) == 6 and set(listing["class_group"]) == {"6A"}
    linked = listing[listing["earlier_test"].notna()]
    assert len(linked) == 5 and set(linked["earlier_year"]) == {"2025-2026"}
    assert set(linked["earlier_test"]) == {"vt4"}
    earlier = pupils.pupil_list(cur, director, school, "vt4", "2025-2026")
    assert set(linked["code"]) <= set(earlier["code"])  # the same code, two years apart
    assert listing["code"].str.fullmatch(r"LL-[A-Z2-9]{6}").all()
    # The school's own numbers, from a file chosen again (one of another school ignored).
    own = csv_bytes(["leerlingnummer", "instellingsnummer"],
                    [[n, school] for n in NUMBERS] + [["999", "000001"]])  # fmt: skip
    found = read_pupil_numbers("eigen.csv", own, school)
    assert found == NUMBERS
    matched = pupils.match_numbers(cur, director, school, found)
    assert set(matched.values()) == set(NUMBERS) and set(listing["code"]) - set(matched) != set()
    assert set(matched) >= set(linked["code"])


def test_own_file_without_pupil_numbers_is_refused_in_dutch() -> None:
    with pytest.raises(ReadError, match="leerling_id"):
        read_pupil_numbers("x.csv", csv_bytes(["naam"], [["An"]]), "012345")
