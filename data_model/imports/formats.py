"""The import file kinds (README, "Importformaten"): one declarative spec per kind.

A spec (`FileFormat`) says everything about a kind: its columns (canonical Dutch header, the
aliases, the parser callable, whether it is required, may be blank, its maximum length), the
key that must be unique per row, how the parsed frame is checked against the database
(`prepare`), how it is written (`write`) and what a file of this kind replaces. The pipeline in
`importer.py` never branches on the kind: adding a sixth kind means adding one spec here (and,
if its table is new, its columns in `writing.py`).

Headers are matched after `normalize_header`, which ignores case, spaces, underscores,
punctuation and accents, so "Gemiddelde School", "gemiddelde_school" and "GEMIDDELDE SCHOOL "
are the same column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from data_model.imports.cells import (
    MAX_CELL_CHARS,
    PERCENT_PARSERS,
    Parser,
    normalize_header,
    parse_bool,
    parse_core_task,
    parse_count,
    parse_date,
    parse_form,
    parse_gender,
    parse_goal_code,
    parse_grade,
    parse_hours,
    parse_n_or_suppressed,
    parse_pct,
    parse_phase,
    parse_phase_or_indicator,
    parse_school_id,
    parse_school_year,
    parse_score,
    parse_sd,
    parse_ses,
    parse_text,
    parse_units,
)
from data_model.imports.report import Problem
from data_model.imports.row_checks import (
    Context,
    Frames,
    prepare_guidance,
    prepare_pupils,
    prepare_results,
    prepare_schools,
    prepare_support,
)
from data_model.imports.writing import (
    AGGREGATE_COLUMNS,
    SUPPORT_COLUMNS,
    Outcome,
    ReplaceRows,
    write_guidance,
    write_pupils,
    write_schools,
)
from data_model.vocabulary import VERHOOGDE_ZORG

if TYPE_CHECKING:  # the worker reads these specs but never opens a database
    from data_model.storage.connection import Connection

    # (con, frames, ctx, import_id) -> (added, replaced, unchanged); see imports/writing.py.
    Write = Callable[[Connection, Frames, Context, int], Outcome]

# A Flanders results file for one year has ~62,000 rows and a pupil file ~70,000, so this
# leaves room without letting a runaway sheet (a pasted log) exhaust memory.
MAX_DATA_ROWS = 250_000
HEADER_SCAN_ROWS = 20  # title rows above the header are searched this deep


@dataclass(frozen=True)
class Column:
    key: str  # internal name used by the checks and the writers
    header: str  # canonical Dutch header (templates, README)
    parse: Parser  # value -> parsed value, or CellError with a Dutch message
    required: bool = True  # the column must be present
    blank_ok: bool = False  # an empty cell is allowed (value None)
    aliases: tuple[str, ...] = ()
    description: str = ""
    example: object = None
    free_text: bool = False  # stored as typed: a leading + - @ is refused (formula injection)
    max_length: int = MAX_CELL_CHARS

    @property
    def match_names(self) -> set[str]:
        return {normalize_header(n) for n in (self.header, self.key, *self.aliases)}

    @property
    def percent(self) -> bool:
        """0-100 column: a cell formatted as % in Excel (0,185 shown as 18,5 %) is scaled."""
        return self.parse in PERCENT_PARSERS


Prepare = Callable[[pd.DataFrame, Context], tuple[Frames, list[Problem]]]


@dataclass(frozen=True)
class FileFormat:
    kind: str
    label: str  # Dutch name shown in the page and the CLI
    file_stem: str  # template file name
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # one row per key: duplicates are refused
    prepare: Prepare = field(kw_only=True)  # checks against the database -> frames to write
    write: Write = field(kw_only=True)  # inside Database.write(): (added, replaced, unchanged)
    replaces: str = field(kw_only=True)  # what a file of this kind replaces (Dutch)
    row_unit: str = field(kw_only=True)  # "one row per ..." (Dutch, for the template)
    domain_columns: bool = False  # pupils: one extra column per domain
    affects_results: bool = True  # school_result is recomputed after a change
    # Writes pupil rows: only then are the pupil-level aggregates (statistics/cache.py) of
    # the touched school years rebuilt; other kinds leave them as they are.
    pupil_level: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The template's data sheet when the label is longer than Excel's 31 characters for a
    # sheet name (Excel would cut it, and messages would quote the cut name).
    sheet_name: str = ""

    @property
    def sheet_title(self) -> str:
        return self.sheet_name or self.label

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


SCHOOL = Column(
    "school_id", "instellingsnummer", parse_school_id, aliases=("schoolnummer", "instellingsnr",
    "instelling", "school_id"), description="6 cijfers; 5 cijfers krijgen een voorloopnul",
    example="012345",
)  # fmt: skip
YEAR = Column(
    "school_year", "schooljaar", parse_school_year, aliases=("jaar", "toetsjaar", "school_year"),
    description="2024-2025, 2024-25 of het toetsjaar 2025", example="2024-2025",
)  # fmt: skip
ASSESSMENT = Column(
    "assessment", "toets", parse_text, aliases=("toetsnaam", "assessment", "assessment_id"),
    description="code of naam van de toets, bv. ovsg6 of OVSG-toets 6de leerjaar",
    example="ovsg6",
)  # fmt: skip

RESULTS = FileFormat(
    "results",
    "Resultaten per school (gemiddelden)",
    "sjabloon_resultaten",
    (
        SCHOOL,
        YEAR,
        ASSESSMENT,
        Column("learning_area", "leergebied", parse_text, blank_ok=True,
               aliases=("learning_area",), description="leeg = totaal van de toets",
               example="Wiskunde"),
        Column("domain", "domein", parse_text, blank_ok=True, aliases=("domain",),
               description="leeg = rij van het hele leergebied", example="Meetkunde"),
        Column("n_pupils", "aantal_leerlingen", parse_n_or_suppressed, blank_ok=True,
               aliases=("aantal", "n", "leerlingen", "n_leerlingen"),
               description="leerlingen met een score; '< 5' = niet gepubliceerd", example=24),
        Column("score_mean", "gemiddelde_school", parse_score, blank_ok=True,
               aliases=("schoolgemiddelde", "gemiddelde", "score_school"),
               description="0 tot 100", example=63.5),
        Column("similar_mean", "gemiddelde_vergelijkbare_scholen", parse_score, blank_ok=True,
               aliases=("vergelijkbare_scholen", "gemiddelde_vergelijkbaar"),
               description="0 tot 100; leeg = Schoolfoto berekent het", example=61.2),
        Column("flanders_mean", "gemiddelde_vlaanderen", parse_score, blank_ok=True,
               aliases=("vlaanderen", "vlaams_gemiddelde"),
               description="0 tot 100; leeg = Schoolfoto berekent het", example=62.0),
        Column("pct_goal_reached", "pct_doelen_behaald", parse_score, required=False,
               blank_ok=True, aliases=("doelen_behaald", "pct_doelen"),
               description="optioneel, 0 tot 100", example=78.0),
        Column("score_sd", "standaardafwijking_school", parse_sd, required=False, blank_ok=True,
               aliases=("standaardafwijking", "sd"),
               description="optioneel; leeg = de gewone spreiding binnen scholen",
               example=11.8),
    ),
    ("school_id", "school_year", "assessment_id", "learning_area", "domain"),
    prepare=prepare_results,
    write=ReplaceRows("school_results_aggregate", AGGREGATE_COLUMNS,
                      ("school_id", "school_year", "assessment_id"), with_import_id=True),
    replaces="de resultaten van dezelfde scholen, schooljaren en toetsen",
    row_unit="school, schooljaar, toets, leergebied en domein",
    sheet_name="Resultaten per school",
    notes=(
        "Een rij met een leeg domein is het resultaat van het hele leergebied; een rij met een "
        "leeg leergebied en een leeg domein is het totaal van de toets.",
        "Een rij met '< 5' (of leeg) bij aantal_leerlingen en lege gemiddelden betekent: te "
        "weinig leerlingen, niet gepubliceerd.",
        "Andere kolommen (bv. kleurcode en trend in de Excel-schoolfoto) worden genegeerd.",
    ),
)  # fmt: skip

PUPILS = FileFormat(
    "pupils",
    "Resultaten per leerling",
    "sjabloon_leerlingen",
    (
        Column("pupil_id", "leerling_id", parse_text, free_text=True, max_length=40,
               aliases=("leerling", "leerlingnummer", "pupil_id"),
               description="het leerlingnummer van de school, zoals in de eigen administratie "
               "(elk jaar hetzelfde); Schoolfoto bewaart alleen een versleutelde code",
               example="20170123"),
        SCHOOL,
        YEAR,
        ASSESSMENT,
        Column("grade", "leerjaar", parse_grade, required=False, blank_ok=True,
               description="optioneel; standaard het leerjaar van de toets", example=6),
        Column("gender", "geslacht", parse_gender, required=False, blank_ok=True,
               description="jongen, meisje of x", example="meisje"),
        Column("home_language_dutch", "thuistaal_nederlands", parse_bool, required=False,
               blank_ok=True, aliases=("thuistaal_nl",), description="ja/nee", example="ja"),
        Column("mother_low_education", "moeder_laagopgeleid", parse_bool, required=False,
               blank_ok=True, description="ja/nee", example="nee"),
        Column("school_allowance", "schooltoelage", parse_bool, required=False, blank_ok=True,
               description="ja/nee", example="nee"),
        Column("neighbourhood_low", "buurtindicator", parse_bool, required=False, blank_ok=True,
               aliases=("buurt_kansarm",), description="ja/nee", example="nee"),
        Column("support_phase", "zorgfase", parse_phase, required=False, blank_ok=True,
               description="fase 0, fase 1, fase 2 of fase 3", example="fase 0"),
        Column("class_group", "lesgroep", parse_text, required=False, blank_ok=True,
               free_text=True, max_length=40, aliases=("klas", "klasgroep", "class_group"),
               description="optioneel; de lesgroep zoals in het overzicht van de Vlaamse "
               "toetsen, bv. 6A", example="6A"),
    ),
    ("pupil_id",),
    prepare=prepare_pupils,
    write=write_pupils,
    replaces="de leerlingen en hun resultaten van dezelfde scholen, schooljaren en leerjaren",
    row_unit="leerling",
    domain_columns=True,
    pupil_level=True,
    notes=(
        "Daarna één kolom per domein met de score (0 tot 100), met als kolomnaam "
        "'leergebied - domein', bv. 'Wiskunde - Meetkunde'. Een lege cel = niet afgelegd.",
        "Optioneel per domein een kolom 'leergebied - domein doel behaald' met ja/nee.",
        "Eén toets per bestand: ovsg6 (OVSG-toets), vt4 of vt6 (Vlaamse toetsen 4de of 6de "
        "leerjaar, het Excel-overzicht per leerling met de lesgroep).",
        "Geen naam, geboortedatum of rijksregisternummer: die kolommen horen niet in het "
        "bestand. Het leerlingnummer wordt bij het inlezen vervangen door een versleutelde code "
        "die elk jaar dezelfde is, zodat dezelfde leerling van het 4de naar het 6de leerjaar "
        "gevolgd kan worden.",
    ),
)  # fmt: skip

SCHOOLS = FileFormat(
    "schools",
    "Scholen en context",
    "sjabloon_scholen",
    (
        SCHOOL,
        Column("name", "naam", parse_text, free_text=True, max_length=150, aliases=("schoolnaam",),
               example="GBS De Regenboog"),
        Column("municipality", "gemeente", parse_text, free_text=True, max_length=80,
               example="Lier"),
        Column("region", "regio", parse_text, max_length=100,
               description="code of naam van de regio",
               example="R1"),
        Column("community_id", "scholengemeenschap", parse_text, free_text=True, max_length=20,
               required=False, blank_ok=True,
               description="optioneel, code", example="SG11"),
        YEAR,
        Column("n_pupils", "aantal_leerlingen", parse_count, aliases=("leerlingen",),
               description="alle leerlingen van de school", example=214),
        Column("pct_home_language_not_dutch", "pct_thuistaal_niet_nederlands", parse_pct,
               description="0 tot 100", example=18.5),
        Column("pct_mother_low_education", "pct_moeder_laagopgeleid", parse_pct,
               description="0 tot 100", example=21.0),
        Column("pct_school_allowance", "pct_schooltoelage", parse_pct, description="0 tot 100",
               example=27.3),
        Column("pct_neighbourhood", "pct_buurtindicator", parse_pct, description="0 tot 100",
               example=24.1),
        Column("ses_group", "ses_groep", parse_ses, required=False, blank_ok=True,
               description="optioneel, 1 (veel kansarmoede) tot 5; leeg = Schoolfoto "
               "berekent de kwintielen per schooljaar", example=3),
    ),
    ("school_id", "school_year"),
    prepare=prepare_schools,
    write=write_schools,
    replaces="naam, gemeente en regio van de scholen en hun context in dezelfde schooljaren",
    row_unit="school en schooljaar",
)  # fmt: skip

SUPPORT = FileFormat(
    "support",
    "Zorg en leersteun",
    "sjabloon_zorg",
    (
        SCHOOL,
        YEAR,
        Column("phase", "fase", parse_phase_or_indicator, aliases=("zorgfase", "indicator"),
               description="brede basiszorg, verhoogde zorg, uitbreiding van zorg, IAC, "
               "CLB-traject of zittenblijven", example=VERHOOGDE_ZORG),
        Column("n_pupils", "aantal_leerlingen", parse_count, aliases=("aantal", "leerlingen"),
               example=31),
    ),
    ("school_id", "school_year", "phase"),
    affects_results=False,
    prepare=prepare_support,
    write=ReplaceRows("support_counts", SUPPORT_COLUMNS, ("school_id", "school_year")),
    replaces="de zorgcijfers van dezelfde scholen en schooljaren",
    row_unit="school, schooljaar en fase",
)  # fmt: skip

GUIDANCE = FileFormat(
    "guidance",
    "Begeleidingscontacten",
    "sjabloon_begeleiding",
    (
        Column("contact_id", "contact_id", parse_text, free_text=True, max_length=40,
               required=False, blank_ok=True,
               aliases=("contact", "registratie_id"),
               description="optioneel; leeg = Schoolfoto maakt een code", example="C2024-0001"),
        SCHOOL,
        Column("school_year", "schooljaar", parse_school_year, required=False, blank_ok=True,
               aliases=("jaar",), description="optioneel; leeg = afgeleid uit de datum",
               example="2024-2025"),
        Column("contact_date", "datum", parse_date, description="dd/mm/jjjj",
               example=dt.date(2024, 10, 15)),
        Column("anker", "anker", parse_text, max_length=254, aliases=("begeleider", "anker_id"),
               description="gebruikerscode of e-mailadres van het anker", example="anker-001"),
        Column("goal_code", "doelcode", parse_goal_code, aliases=("operationeel_doel", "doel"),
               description="bv. NO 1.3, BAO 2.1, BAO BI 3.1", example="BAO 2.1"),
        Column("core_task", "kerntaak", parse_core_task, description="KT1-KT3 of BI1-BI4",
               example="KT2"),
        Column("form", "vorm", parse_form, description="individueel of lerend netwerk",
               example="individueel"),
        Column("hours", "uren", parse_hours, description="0 tot 24", example=3.5),
        Column("units", "eenheden", parse_units, required=False, blank_ok=True,
               aliases=("begeleidingseenheden",),
               description="optioneel; leeg = één per halve dag (3,5 uur)", example=1),
    ),
    ("contact_id",),
    affects_results=False,
    prepare=prepare_guidance,
    write=write_guidance,
    replaces="de begeleidingscontacten van dezelfde scholen en schooljaren",
    row_unit="begeleidingscontact",
)  # fmt: skip

FORMATS: dict[str, FileFormat] = {f.kind: f for f in (RESULTS, PUPILS, SCHOOLS, SUPPORT, GUIDANCE)}
