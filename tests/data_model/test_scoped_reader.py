"""One scoped reader per request: scope checked once, each result read once."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.statements import CountingConnection, summary
from data_model.exports.conversation_pdf import build_conversation_pdf
from data_model.reading import briefing, queries, scope
from data_model.reading.access import AccessDenied, allowed_school_ids


def _school_and_year(con, viewer) -> tuple[str, str]:
    school_id = allowed_school_ids(con, viewer)[0]
    years = queries.school_years(con, viewer, school_id)
    return school_id, years[-1]


def test_pdf_build_checks_scope_once_and_reads_each_result_once(con, viewers):
    anker = viewers["anker"]
    school_id, year = _school_and_year(con, anker)
    n_assessments = len(queries.assessments_for_school(con, anker, school_id))
    counting = CountingConnection(con)
    build_conversation_pdf(counting, anker, school_id, year)
    counts = summary(counting.statements)
    assert counts["scope_checks"] == 1
    assert counts["school_results"] == n_assessments


def test_a_request_hands_out_copies(con, viewers):
    director = viewers["directeur"]
    school_id = allowed_school_ids(con, director)[0]
    with scope.request(con, director):
        first = queries.school_results(con, director, school_id, "ovsg6")
        first["score_mean"] = -1.0  # a caller changing its frame ...
        again = queries.school_results(con, director, school_id, "ovsg6")
    assert not (again["score_mean"] == -1.0).any()  # ... never changes what others get
    assert isinstance(again, pd.DataFrame) and len(again) == len(first)


def test_a_request_belongs_to_one_viewer(con, viewers):
    director, anker = viewers["directeur"], viewers["anker"]
    outside = next(s for s in allowed_school_ids(con, anker) if s not in
                   allowed_school_ids(con, director))  # fmt: skip
    with scope.request(con, anker):
        briefing.school_name(con, anker, outside)
        # Another viewer inside the same request gets a request (and a scope) of its own.
        with pytest.raises(AccessDenied):
            briefing.school_name(con, director, outside)
