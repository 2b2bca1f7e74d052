"""Small-group suppression holds in every page output, including chart data and tooltips.

Canary test: on a private copy of the sample database, every measure of every suppressed
row of one school is overwritten with an impossible value (a score of 97.531, a difference
of -77.7, ...) while the row stays `suppressed`. The data layer must blank them again, so no
page may ever show one of those values, in text, tables, chart datasets or tooltips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data_model.reading import access
from tests.conftest import ROOT, OpenedData
from tests.pages.access_helpers import CANARY_TEXT, oidc_app, output_text, plant_canaries
from ui.navigation import visible_pages

# Pages whose query does not re-apply access.scrub_suppressed after its SQL (they rely on the
# materialised NULLs alone). Reported to the page's owner; remove the entry once fixed.
KNOWN_GAPS: dict[str, str] = {}


@pytest.fixture
def canary_db(writable_db: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    school_id = plant_canaries(writable_db)
    monkeypatch.setenv("SCHOOLFOTO_DATA", str(writable_db))
    monkeypatch.setenv("SCHOOLFOTO_AUTH", "oidc")
    monkeypatch.chdir(ROOT)
    return writable_db, school_id


def test_canaries_are_in_the_table(canary_db):
    path, school_id = canary_db
    con = OpenedData(path)
    try:
        n = con.execute(
            "SELECT count(*) FROM school_result WHERE suppressed AND school_id = ? "
            "AND score_mean = 97.531",
            [school_id],
        ).fetchone()[0]
    finally:
        con.close()
    assert n > 0


@pytest.mark.parametrize("who", ["director", "beheerder"])
def test_no_page_shows_a_suppressed_value(canary_db, who):
    path, school_id = canary_db
    con = OpenedData(path)
    try:
        if who == "director":
            user_id = con.state.execute(
                "SELECT min(user_id) FROM user_schools WHERE school_id = ? AND user_id LIKE 'dir-%'",
                [school_id],
            ).fetchone()[0]
        else:
            user_id = "beheerder"
        viewer = access.viewer_for_user_id(con, user_id)
    finally:
        con.close()
    pages = visible_pages(viewer)
    assert len(pages) >= 3
    problems, gaps = [], set()
    for spec in pages:
        at = oidc_app(viewer, school=school_id)
        at.run()
        if not spec.default:
            at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, [e.value for e in at.exception])
        text = output_text(at)
        for m in CANARY_TEXT.finditer(text):
            if spec.path in KNOWN_GAPS:
                gaps.add(spec.path)
                continue
            problems.append(f"{spec.title}: …{text[max(0, m.start() - 80) : m.end() + 10]}…")
    assert problems == [], "suppressed values shown:\n" + "\n".join(problems[:10])
    if gaps:
        pytest.xfail("; ".join(KNOWN_GAPS[g] for g in sorted(gaps)))
