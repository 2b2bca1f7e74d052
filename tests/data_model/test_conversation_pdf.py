"""The PDF conversation sheet: generated, parsed back with pypdf, checked for content."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from data_model.exports.conversation_pdf import build_conversation_pdf, find_unicode_font
from data_model.reading.access import AccessDenied, allowed_school_ids, system_viewer
from data_model.rules import load_rules
from data_model.state import notes
from data_model.storage.db import Database
from tests.conftest import copy_data

YEAR = "2024-2025"


def _text(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, sample_db: Path):
    """A copy of the sample with a whole conversation for one school, and its PDF."""
    path = tmp_path_factory.mktemp("pdf") / "schoolfoto.duckdb"
    copy_data(sample_db, path)
    db = Database(path)
    cur = db.cursor()
    anker = system_viewer(cur)
    school = cur.state.execute(
        "SELECT min(school_id) FROM user_schools WHERE user_id LIKE 'dir-%'"
    ).fetchone()[0]
    obs = notes.create_note(
        db, anker, school, YEAR, "observation", {"text": "Lezen ligt duidelijk lager."}
    )
    hyp = notes.create_note(
        db, anker, school, YEAR, "hypothesis",
        {"text": "Te weinig tijd voor begrijpend lezen.", "observation_id": obs.note_id},
    )  # fmt: skip
    notes.create_note(
        db, anker, school, YEAR, "source",
        {"hypothesis_id": hyp.note_id, "source": "Eigen observatie",
         "finding": "Leesles duurt 25 minuten.", "verdict": "bevestigd"},
    )  # fmt: skip
    notes.create_note(db, anker, school, YEAR, "priority", {"text": "Begrijpend lezen eerst."})
    notes.create_note(
        db, anker, school, YEAR, "action",
        {"what": "Leesplan met authentieke teksten", "owner": "Juf Els", "due": "2025-12-19",
         "indicator": "Lezen zoals verwacht", "category": "versterken"},
    )  # fmt: skip
    notes.create_note(
        db, anker, school, "2023-2024", "action",
        {"what": "Rekenhoek afbouwen", "owner": "Directie", "due": "2024-03-31",
         "indicator": "Uren", "category": "afbouwen-stoppen"},
    )  # fmt: skip
    notes.create_note(
        db, anker, school, YEAR, "note", {"text": "GEHEIM-INTERN"}, scope=notes.SCOPE_PREPARATION
    )
    pdf = build_conversation_pdf(cur, anker, school, YEAR)
    yield db, school, pdf
    db.close()


def test_the_sheet_holds_the_whole_conversation(filled) -> None:
    db, school, pdf = filled
    assert pdf.startswith(b"%PDF-")
    pages, text = _text(pdf)
    assert 2 <= pages <= 6
    name = db.cursor().execute("SELECT name FROM schools WHERE school_id = ?", [school]).fetchone()
    for expected in [
        f"Datagesprek · {name[0]}",
        f"Instellingsnummer {school}",
        "Doen we de goede dingen? Doen we de dingen goed? Hoe weten we dat? Vinden anderen dat "
        "ook? Wat doen we met die kennis?",
        "1. Wat valt op?",
        "Lezen ligt duidelijk lager.",
        "2. Hypothesen",
        "Te weinig tijd voor begrijpend lezen.",
        "Eigen observatie: Leesles duurt 25 minuten. → bevestigd",
        "Begrijpend lezen eerst.",
        "Leesplan met authentieke teksten",
        "Juf Els",
        "19/12/2025",
        "Acties van vorig jaar (2023-2024)",
        "Rekenhoek afbouwen",
        "nog niet besproken",
        "Schoolfoto: OVSG-toets 6de leerjaar",
        "Leergebied / domein",
        "Vragen voor het gesprek",
        "Zorgcontinuüm 2024-2025",
    ]:
        assert expected in text, expected
    # Black-and-white readable: every status symbol is explained in the printed legend.
    assert (
        "▲▲ veel hoger · ▲ hoger · ● zoals verwacht · ? nog onduidelijk · ▼ lager · ▼▼ veel lager"
        in text
    )


def test_the_sheet_never_carries_internal_data(filled) -> None:
    _, _, pdf = filled
    _, text = _text(pdf)
    assert "GEHEIM-INTERN" not in text
    assert "Begeleidingsnood" not in text and "begeleidingseenheden" not in text
    for tier in ("basisaanbod", "verhoogde nood", "grote nood"):
        assert tier not in text


def test_suppressed_cells_print_no_value(con, sample_db: Path) -> None:
    row = con.execute(
        "SELECT school_id, school_year FROM school_result WHERE suppressed "
        "AND assessment_id = 'ovsg6' ORDER BY school_year DESC, school_id LIMIT 1"
    ).fetchone()
    # The sample is generated with suppressed cells: without one this test would test nothing.
    assert row is not None, "the sample has no suppressed cell"
    pdf = build_conversation_pdf(con, system_viewer(con), row[0], row[1])
    _, text = _text(pdf)
    assert f"< {load_rules().min_group_size}" in text


def test_without_a_unicode_font_symbols_become_ascii(con) -> None:
    viewer = system_viewer(con)
    school = allowed_school_ids(con, viewer)[0]
    pdf = build_conversation_pdf(con, viewer, school, YEAR, font_dirs=())
    _, text = _text(pdf)
    assert (
        "++ veel hoger | + hoger | = zoals verwacht | ? nog onduidelijk | - lager | -- veel lager"
        in text
    )
    assert "▲" not in text and "Zorgcontinuüm" in text  # latin-1 letters stay


def test_a_director_cannot_print_another_school(con, viewers) -> None:
    director = viewers["directeur"]
    other = con.execute(
        "SELECT min(school_id) FROM schools WHERE school_id NOT IN (SELECT unnest(?))",
        [allowed_school_ids(con, director)],
    ).fetchone()[0]
    with pytest.raises(AccessDenied):
        build_conversation_pdf(con, director, other, YEAR)


def test_dejavu_is_found_on_debian() -> None:
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists():
        pytest.skip("fonts-dejavu-core not installed")
    fonts = find_unicode_font()
    assert fonts is not None and fonts[""].name == "DejaVuSans.ttf"
    assert find_unicode_font(["/nonexistent"]) is None
