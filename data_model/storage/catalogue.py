"""The default catalogue of assessments, learning areas and domains.

Learning areas and domains are data (the `domains` table), not code: this list only seeds a
new database. A beheerder can add a domain by importing it; nothing else in the code names a
domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data_model.storage.connection import Sql


@dataclass(frozen=True)
class Assessment:
    assessment_id: str
    name: str
    grade: int
    score_label: str
    goal_label: str | None
    areas: tuple[tuple[str, tuple[str, ...]], ...]
    # The school decides who outside it sees its school-level results (the Vlaamse toetsen:
    # the government's rule is that a school's results are its own to share).
    shared_by_consent: bool = False


ASSESSMENTS: tuple[Assessment, ...] = (
    Assessment(
        "ovsg6",
        "OVSG-toets 6de leerjaar",
        6,
        "% juist",
        "% leerlingen dat de leerplandoelen bereikt",
        (
            ("Nederlands", ("Lezen", "Luisteren", "Spelling", "Taalbeschouwing")),
            (
                "Wiskunde",
                (
                    "Getallenkennis",
                    "Bewerkingen",
                    "Meten en metend rekenen",
                    "Meetkunde",
                    "Probleemoplossend rekenen",
                ),
            ),
            ("Wereldoriëntatie", ("Wetenschappen en techniek", "Mens en maatschappij")),
            ("Frans", ("Lezen", "Luisteren")),
        ),
    ),
    Assessment(
        "vt4",
        "Vlaamse toetsen 4de leerjaar",
        4,
        "vaardigheidsscore (schaal 0-100)",
        "% leerlingen dat de minimumdoelen bereikt",
        (
            ("Nederlands", ("Lezen", "Luisteren")),
            ("Wiskunde", ("Getallen", "Bewerkingen", "Meten en metend rekenen", "Meetkunde")),
        ),
        shared_by_consent=True,
    ),
    Assessment(
        "vt6",
        "Vlaamse toetsen 6de leerjaar",
        6,
        "vaardigheidsscore (schaal 0-100)",
        "% leerlingen dat de minimumdoelen bereikt",
        (
            ("Nederlands", ("Lezen", "Luisteren")),
            ("Wiskunde", ("Getallen", "Bewerkingen", "Meten en metend rekenen", "Meetkunde")),
            ("Frans", ("Lezen", "Luisteren")),
        ),
        shared_by_consent=True,
    ),
)

# Assessments whose school-level results an anker or a regional team sees only with the
# school's consent (data_model/state/sharing.py).
CONSENT_ASSESSMENTS = frozenset(a.assessment_id for a in ASSESSMENTS if a.shared_by_consent)


def catalogue_rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(assessment rows, domain rows) in table column order."""
    assessments, domains = [], []
    for a_order, a in enumerate(ASSESSMENTS, start=1):
        assessments.append((a.assessment_id, a.name, a.grade, a.score_label, a.goal_label, a_order))
        for area_order, (area, area_domains) in enumerate(a.areas, start=1):
            for d_order, domain in enumerate(area_domains, start=1):
                domains.append((a.assessment_id, area, domain, area_order, d_order))
    return assessments, domains


def seed_catalogue(con: Sql) -> None:
    """Insert the default assessments and domains that are not there yet."""
    assessments, domains = catalogue_rows()
    con.executemany(
        "INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", assessments
    )
    con.executemany("INSERT INTO domains VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", domains)
