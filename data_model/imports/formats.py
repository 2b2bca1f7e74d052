"""The five import formats (README, "Importformaten"): their columns and how one cell value is read.

Every column has a canonical Dutch header (what the templates and the README show) and a few
aliases; headers are matched after `normalize_header`, which ignores case, spaces,
underscores, punctuation and accents, so "Gemiddelde School", "gemiddelde_school" and
"GEMIDDELDE SCHOOL " are the same column. A cell parser returns the value or raises
`CellError` with a Dutch message that says what was expected; the importer adds file, sheet,
row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field

from data_model.texts.formatting import school_year
from data_model.vocabulary import CORE_TASKS, GUIDANCE_FORMS, SUPPORT_INDICATORS
from data_model.vocabulary import SUPPORT_PHASES as SUPPORT_CONTINUUM

# Limits (documented in README, "Importformaten"). A Flanders results file for one year has
# ~62,000 rows and a pupil file ~70,000, so these leave room without letting a runaway sheet
# (a million formatted empty rows, a pasted log) exhaust memory.
MAX_DATA_ROWS = 250_000
MAX_FILE_BYTES = 100 * 1024 * 1024
HEADER_SCAN_ROWS = 20  # title rows above the header are searched this deep

SUPPRESSED_MARKERS = {"<5", "< 5", "minder dan 5", "-", "–"}
PHASE_ALIASES = {
    "fase0": "brede basiszorg",
    "fase1": "verhoogde zorg",
    "fase2": "uitbreiding van zorg",
    "leersteun": "uitbreiding van zorg",
    "fase3": "IAC",
    "individueelaangepastcurriculum": "IAC",
    "clb": "CLB-traject",
    "clbtrajecten": "CLB-traject",
    "zittenblijvers": "zittenblijven",
}
GOAL_CODE_RE = re.compile(r"(NO|BAO)( BI)? \d+(\.\d+)*")


class CellError(ValueError):
    """A cell value that cannot be used; the message is Dutch and says what was expected."""


def normalize_header(text: object) -> str:
    """Lower case, accents removed, '%' read as 'pct', only letters and digits kept."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text).replace("%", " pct "))
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", value)


def normalize_value(text: object) -> str:
    """Like normalize_header: used to match labels (toets, leergebied, fase) case-free."""
    return normalize_header(text)


def show(value: object) -> str:
    """A cell value as the user typed it, for the report."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):  # also datetime
        return value.strftime("%d/%m/%Y")
    return str(value)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


# --------------------------------------------------------------------------- cell parsers


def parse_school_id(value: object) -> str:
    text = show(value).strip().replace(" ", "").replace(".", "")
    if re.fullmatch(r"\d{5}", text):  # Excel dropped the leading zero
        text = "0" + text
    if not re.fullmatch(r"\d{6}", text):
        raise CellError("geen geldig instellingsnummer. Verwacht: 6 cijfers, bv. 012345.")
    return text


def parse_school_year(value: object) -> str:
    """'2024-2025', '2024-25', '2024/2025' or the test year 2025 -> '2024-2025'."""
    text = show(value).strip().replace(" ", "").replace("/", "-").replace("–", "-")
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}|\d{4}))?", text)
    if m:
        first = int(m.group(1))
        if m.group(2) is None:  # a test year: the test of June 2025 belongs to 2024-2025
            first -= 1
            second = first + 1
        elif len(m.group(2)) == 2:
            second = first // 100 * 100 + int(m.group(2))
            if second < first:
                second += 100
        else:
            second = int(m.group(2))
        if second == first + 1 and 2000 <= first <= 2098:
            return school_year(first)
    raise CellError("geen geldig schooljaar. Verwacht: 2024-2025, 2024-25 of het toetsjaar 2025.")


def parse_number(value: object) -> float:
    """A number from a number cell or from text with a decimal comma, spaces or a % sign."""
    if isinstance(value, bool):
        raise CellError("geen getal")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.removesuffix("%")
        if "," in text and "." in text:  # 1.234,5 (nl-BE thousands) or 1,234.5
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
            raise CellError("geen getal")
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise CellError("geen getal")
    return number


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_value(show(value))
    if text in {"ja", "j", "1", "waar", "true", "yes", "x"}:
        return True
    if text in {"nee", "n", "0", "onwaar", "false", "no"}:
        return False
    raise CellError("geen ja/nee-waarde. Verwacht: ja of nee.")


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and 30_000 <= value <= 80_000:  # Excel serial date
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = show(value).strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("geen geldige datum. Verwacht: dd/mm/jjjj, bv. 15/10/2024.")


# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class Column:
    key: str  # internal name used by the importer
    header: str  # canonical Dutch header (templates, README)
    parser: str  # school | year | text | count | score | pct | sd | bool | date | grade ...
    required: bool = True  # the column must be present
    blank_ok: bool = False  # an empty cell is allowed (value None)
    aliases: tuple[str, ...] = ()
    description: str = ""
    example: object = None

    @property
    def match_names(self) -> set[str]:
        return {normalize_header(n) for n in (self.header, self.key, *self.aliases)}


@dataclass(frozen=True)
class FileFormat:
    kind: str
    label: str  # Dutch name shown in the page and the CLI
    file_stem: str  # template file name
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # one row per key: duplicates are refused
    domain_columns: bool = False  # pupils: one extra column per domain
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


SCHOOL = Column(
    "school_id", "instellingsnummer", "school", aliases=("schoolnummer", "instellingsnr",
    "instelling", "school_id"), description="6 cijfers; 5 cijfers krijgen een voorloopnul",
    example="012345",
)  # fmt: skip
YEAR = Column(
    "school_year", "schooljaar", "year", aliases=("jaar", "toetsjaar", "school_year"),
    description="2024-2025, 2024-25 of het toetsjaar 2025", example="2024-2025",
)  # fmt: skip
ASSESSMENT = Column(
    "assessment", "toets", "text", aliases=("toetsnaam", "assessment", "assessment_id"),
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
        Column("learning_area", "leergebied", "text", blank_ok=True,
               aliases=("learning_area",), description="leeg = totaal van de toets",
               example="Wiskunde"),
        Column("domain", "domein", "text", blank_ok=True, aliases=("domain",),
               description="leeg = rij van het hele leergebied", example="Meetkunde"),
        Column("n_pupils", "aantal_leerlingen", "n_or_suppressed", blank_ok=True,
               aliases=("aantal", "n", "leerlingen", "n_leerlingen"),
               description="leerlingen met een score; '< 5' = niet gepubliceerd", example=24),
        Column("score_mean", "gemiddelde_school", "score", blank_ok=True,
               aliases=("schoolgemiddelde", "gemiddelde", "score_school"),
               description="0 tot 100", example=63.5),
        Column("similar_mean", "gemiddelde_vergelijkbare_scholen", "score", blank_ok=True,
               aliases=("vergelijkbare_scholen", "gemiddelde_vergelijkbaar"),
               description="0 tot 100; leeg = Schoolfoto berekent het", example=61.2),
        Column("flanders_mean", "gemiddelde_vlaanderen", "score", blank_ok=True,
               aliases=("vlaanderen", "vlaams_gemiddelde"),
               description="0 tot 100; leeg = Schoolfoto berekent het", example=62.0),
        Column("pct_goal_reached", "pct_doelen_behaald", "score", required=False,
               blank_ok=True, aliases=("doelen_behaald", "pct_doelen"),
               description="optioneel, 0 tot 100", example=78.0),
        Column("score_sd", "standaardafwijking_school", "sd", required=False, blank_ok=True,
               aliases=("standaardafwijking", "sd"),
               description="optioneel; leeg = de standaardafwijking van Vlaanderen",
               example=11.8),
    ),
    ("school_id", "school_year", "assessment_id", "learning_area", "domain"),
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
        Column("pupil_id", "leerling_id", "text", aliases=("leerling", "leerlingnummer",
               "pupil_id"), description="uniek per leerling en schooljaar", example="L0001"),
        SCHOOL,
        YEAR,
        ASSESSMENT,
        Column("grade", "leerjaar", "grade", required=False, blank_ok=True,
               description="optioneel; standaard het leerjaar van de toets", example=6),
        Column("gender", "geslacht", "gender", required=False, blank_ok=True,
               description="jongen, meisje of x", example="meisje"),
        Column("home_language_dutch", "thuistaal_nederlands", "bool", required=False,
               blank_ok=True, aliases=("thuistaal_nl",), description="ja/nee", example="ja"),
        Column("mother_low_education", "moeder_laagopgeleid", "bool", required=False,
               blank_ok=True, description="ja/nee", example="nee"),
        Column("school_allowance", "schooltoelage", "bool", required=False, blank_ok=True,
               description="ja/nee", example="nee"),
        Column("neighbourhood_low", "buurtindicator", "bool", required=False, blank_ok=True,
               aliases=("buurt_kansarm",), description="ja/nee", example="nee"),
        Column("support_phase", "zorgfase", "phase", required=False, blank_ok=True,
               description="fase 0, fase 1, fase 2 of fase 3", example="fase 0"),
    ),
    ("pupil_id",),
    domain_columns=True,
    notes=(
        "Daarna één kolom per domein met de score (0 tot 100), met als kolomnaam "
        "'leergebied - domein', bv. 'Wiskunde - Meetkunde'. Een lege cel = niet afgelegd.",
        "Optioneel per domein een kolom 'leergebied - domein doel behaald' met ja/nee.",
        "Eén toets per bestand.",
    ),
)  # fmt: skip

SCHOOLS = FileFormat(
    "schools",
    "Scholen en context",
    "sjabloon_scholen",
    (
        SCHOOL,
        Column("name", "naam", "text", aliases=("schoolnaam",), example="GBS De Regenboog"),
        Column("municipality", "gemeente", "text", example="Lier"),
        Column("region", "regio", "text", description="code of naam van de regio",
               example="R1"),
        Column("community_id", "scholengemeenschap", "text", required=False, blank_ok=True,
               description="optioneel, code", example="SG11"),
        YEAR,
        Column("n_pupils", "aantal_leerlingen", "count", aliases=("leerlingen",),
               description="alle leerlingen van de school", example=214),
        Column("pct_home_language_not_dutch", "pct_thuistaal_niet_nederlands", "pct",
               description="0 tot 100", example=18.5),
        Column("pct_mother_low_education", "pct_moeder_laagopgeleid", "pct",
               description="0 tot 100", example=21.0),
        Column("pct_school_allowance", "pct_schooltoelage", "pct", description="0 tot 100",
               example=27.3),
        Column("pct_neighbourhood", "pct_buurtindicator", "pct", description="0 tot 100",
               example=24.1),
        Column("ses_group", "ses_groep", "ses", required=False, blank_ok=True,
               description="optioneel, 1 (veel kansarmoede) tot 5; leeg = Schoolfoto "
               "berekent de kwintielen per schooljaar", example=3),
    ),
    ("school_id", "school_year"),
)  # fmt: skip

SUPPORT = FileFormat(
    "support",
    "Zorg en leersteun",
    "sjabloon_zorg",
    (
        SCHOOL,
        YEAR,
        Column("phase", "fase", "phase_or_indicator", aliases=("zorgfase", "indicator"),
               description="brede basiszorg, verhoogde zorg, uitbreiding van zorg, IAC, "
               "CLB-traject of zittenblijven", example="verhoogde zorg"),
        Column("n_pupils", "aantal_leerlingen", "count", aliases=("aantal", "leerlingen"),
               example=31),
    ),
    ("school_id", "school_year", "phase"),
)  # fmt: skip

GUIDANCE = FileFormat(
    "guidance",
    "Begeleidingscontacten",
    "sjabloon_begeleiding",
    (
        Column("contact_id", "contact_id", "text", required=False, blank_ok=True,
               aliases=("contact", "registratie_id"),
               description="optioneel; leeg = Schoolfoto maakt een code", example="C2024-0001"),
        SCHOOL,
        Column("school_year", "schooljaar", "year", required=False, blank_ok=True,
               aliases=("jaar",), description="optioneel; leeg = afgeleid uit de datum",
               example="2024-2025"),
        Column("contact_date", "datum", "date", description="dd/mm/jjjj",
               example=dt.date(2024, 10, 15)),
        Column("anker", "anker", "text", aliases=("begeleider", "anker_id"),
               description="gebruikerscode of e-mailadres van het anker", example="anker-001"),
        Column("goal_code", "doelcode", "goal_code", aliases=("operationeel_doel", "doel"),
               description="bv. NO 1.3, BAO 2.1, BAO BI 3.1", example="BAO 2.1"),
        Column("core_task", "kerntaak", "core_task", description="KT1-KT3 of BI1-BI4",
               example="KT2"),
        Column("form", "vorm", "form", description="individueel of lerend netwerk",
               example="individueel"),
        Column("hours", "uren", "hours", description="0 tot 24", example=3.5),
        Column("units", "eenheden", "units", required=False, blank_ok=True,
               aliases=("begeleidingseenheden",),
               description="optioneel; leeg = één per halve dag (3,5 uur)", example=1),
    ),
    ("contact_id",),
)  # fmt: skip

FORMATS: dict[str, FileFormat] = {f.kind: f for f in (RESULTS, PUPILS, SCHOOLS, SUPPORT, GUIDANCE)}


# One flat branch per parser name: over the complexity limit by design (issue 12: a table).
def parse_cell(parser: str, value: object) -> object:  # noqa: C901
    """Parse one non-blank cell with the named parser (see Column.parser)."""
    if parser == "school":
        return parse_school_id(value)
    if parser == "year":
        return parse_school_year(value)
    if parser == "text":
        return show(value).strip()
    if parser in ("count", "n_or_suppressed"):
        if parser == "n_or_suppressed" and show(value).strip().lower() in SUPPRESSED_MARKERS:
            return None
        try:
            number = parse_number(value)
        except CellError:
            raise CellError("geen aantal. Verwacht: een geheel getal, 0 of meer.") from None
        if number < 0 or not number.is_integer():
            raise CellError("geen aantal. Verwacht: een geheel getal, 0 of meer.")
        return int(number)
    if parser in ("score", "pct"):
        try:
            number = parse_number(value)
        except CellError:
            raise CellError("geen getal. Verwacht: een getal van 0 tot 100, bv. 63,5.") from None
        if not 0 <= number <= 100:
            raise CellError("ligt buiten 0–100. Verwacht: een getal van 0 tot 100, bv. 63,5.")
        return number
    if parser == "sd":
        try:
            number = parse_number(value)
        except CellError:
            raise CellError("geen getal. Verwacht: een standaardafwijking, bv. 11,8.") from None
        if not 0 <= number <= 100:
            raise CellError("ligt buiten 0–100. Verwacht: een standaardafwijking, bv. 11,8.")
        return number
    if parser == "hours":
        try:
            number = parse_number(value)
        except CellError:
            raise CellError("geen getal. Verwacht: een aantal uren, bv. 3,5.") from None
        if not 0 <= number <= 24:
            raise CellError("ligt buiten 0–24. Verwacht: een aantal uren, bv. 3,5.")
        return number
    if parser in ("units", "grade", "ses"):
        limits = {"units": (0, 100), "grade": (1, 8), "ses": (1, 5)}[parser]
        try:
            number = parse_number(value)
        except CellError:
            number = math.nan
        if not (number.is_integer() and limits[0] <= number <= limits[1]):
            raise CellError(
                f"geen geheel getal van {limits[0]} tot {limits[1]}. Verwacht: bv. {limits[0] + 1}."
            )
        return int(number)
    if parser == "bool":
        return parse_bool(value)
    if parser == "date":
        return parse_date(value)
    if parser == "gender":
        text = normalize_value(value)
        mapped = {"jongen": "jongen", "j": "jongen", "m": "jongen", "meisje": "meisje",
                  "v": "meisje", "x": "x"}.get(text)  # fmt: skip
        if mapped is None:
            raise CellError("onbekend geslacht. Verwacht: jongen, meisje of x.")
        return mapped
    if parser == "phase":
        text = normalize_value(value)
        if re.fullmatch(r"[0-3]", text):
            text = "fase" + text
        names = {normalize_value(p): f"fase {i}" for i, p in enumerate(SUPPORT_CONTINUUM)}
        names.update({f"fase{i}": f"fase {i}" for i in range(4)})
        if text not in names:
            raise CellError("onbekende zorgfase. Verwacht: fase 0, fase 1, fase 2 of fase 3.")
        return names[text]
    if parser == "phase_or_indicator":
        text = normalize_value(value)
        known = {normalize_value(p): p for p in SUPPORT_CONTINUUM + SUPPORT_INDICATORS}
        name = known.get(text) or PHASE_ALIASES.get(text)
        if name is None:
            raise CellError(
                "onbekende fase. Verwacht: brede basiszorg, verhoogde zorg, uitbreiding van "
                "zorg, IAC, CLB-traject of zittenblijven."
            )
        return name
    if parser == "goal_code":
        text = re.sub(r"\s+", " ", show(value).strip().upper())
        text = re.sub(r"^(NO|BAO)(?=\d)", r"\1 ", text)
        if not GOAL_CODE_RE.fullmatch(text):
            raise CellError("geen geldige doelcode. Verwacht: bv. NO 1.3, BAO 2.1 of BAO BI 3.1.")
        return text
    if parser == "core_task":
        text = show(value).strip().upper().replace(" ", "")
        if text not in CORE_TASKS:
            raise CellError("onbekende kerntaak. Verwacht: KT1, KT2, KT3, BI1, BI2, BI3 of BI4.")
        return text
    if parser == "form":
        text = show(value).strip().lower()
        text = re.sub(r"\s+", " ", text)
        if text not in GUIDANCE_FORMS:
            raise CellError("onbekende vorm. Verwacht: individueel of lerend netwerk.")
        return text
    raise ValueError(f"unknown parser {parser}")  # a programming error, not user input
