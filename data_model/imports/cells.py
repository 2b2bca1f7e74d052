"""How one cell value is read: the parsers the specs in `formats.py` refer to, and the checks
every text cell passes first (README "Importformaten"; docs/architecture.md, "Hostile
input and output").

A parser is a plain callable `value -> parsed value` that raises `CellError` with a Dutch
message saying what was expected; `sheet_parse.py` applies it to the *distinct* values of a column
(not to every cell), so a 70,000-row column with a few thousand different values costs a few
thousand calls. Before any parser runs, `screen` refuses what must never reach the database:
Excel error values, formulas (also behind a leading space or tab), control and bidi characters,
text longer than a column allows and, in free-text columns, a leading `+`, `-` or `@` (Excel
would run those as formulas when the value is exported and opened again).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable

from data_model.exports.output_cells import starts_like_formula
from data_model.texts.formatting import school_year
from data_model.vocabulary import (
    BREDE_BASISZORG,
    CLB_TRAJECT,
    CORE_TASKS,
    GUIDANCE_FORMS,
    IAC,
    SUPPORT_INDICATORS,
    UITBREIDING_VAN_ZORG,
    VERHOOGDE_ZORG,
    ZITTENBLIJVEN,
)
from data_model.vocabulary import SUPPORT_PHASES as SUPPORT_CONTINUUM

MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell; nothing longer is a real value
MAX_COUNT = 100_000  # pupils in one row: the largest Flemish school has a few thousand
SUPPRESSED_MARKERS = {"<5", "< 5", "minder dan 5", "-", "–"}
PHASE_ALIASES = {
    "fase0": BREDE_BASISZORG,
    "fase1": VERHOOGDE_ZORG,
    "fase2": UITBREIDING_VAN_ZORG,
    "leersteun": UITBREIDING_VAN_ZORG,
    "fase3": IAC,
    "individueelaangepastcurriculum": IAC,
    "clb": CLB_TRAJECT,
    "clbtrajecten": CLB_TRAJECT,
    "zittenblijvers": ZITTENBLIJVEN,
}
GOAL_CODE_RE = re.compile(r"(NO|BAO)( BI)? [0-9]+(\.[0-9]+)*")

# Every error value Excel can show, the newer dynamic-array and data-type ones included.
EXCEL_ERROR_RE = re.compile(r"#(?:[A-Z0-9_/]+[!?]|N/A|GETTING_DATA)")
# Characters that reorder or hide text (a right-to-left override turns "6pm.exe" around).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# A bidi control or a control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F),
# found in C: a character loop in Python cost more than the rest of a pupil file's checks.
_HIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")
# Only ASCII digits: Python's float() and \d also accept fullwidth and Arabic-Indic digits.
_NUMBER_RE = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")

Parser = Callable[[object], object]


class CellError(ValueError):
    """A cell value that cannot be used; the message is Dutch and says what was expected."""


def normalize_header(text: object) -> str:
    """Lower case, accents removed, '%' read as 'pct', only letters and digits kept."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text).replace("%", " pct "))
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", value)


normalize_value = normalize_header  # labels (toets, leergebied, fase) match the same way


def show(value: object, limit: int | None = None) -> str:
    """A cell value as the user typed it, for the report (cut at `limit` characters)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "WAAR" if value else "ONWAAR"  # how Dutch Excel shows a logical cell
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        text = str(int(value))
    elif isinstance(value, dt.date):  # also datetime
        text = value.strftime("%d/%m/%Y")
    else:
        text = str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return text


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def screen(value: object, max_length: int, free_text: bool) -> str | None:
    """The Dutch message why a non-blank cell must be refused before parsing, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip(" \u00a0")
    if EXCEL_ERROR_RE.fullmatch(text):
        return "Deze cel bevat een Excel-fout. Verwacht: een waarde."
    if text.lstrip(" \t\r\n").startswith("=") and len(text.lstrip(" \t\r\n")) > 1:
        return (
            "Deze cel bevat een formule. Verwacht: een waarde. Kopieer de kolom en plak ze "
            "als waarden (Plakken speciaal > Waarden)."
        )
    if len(value) > max_length:
        return (
            f"Te lang: {len(value):_} tekens. Verwacht: hoogstens {max_length:_} tekens.".replace(
                "_", "."
            )
        )
    found = _HIDDEN_RE.search(value)  # the first one decides, as a user reads the cell
    if found is not None:
        char = found.group()
        if char in BIDI_CONTROLS:
            return (
                f"Deze cel bevat een onzichtbaar teken dat de leesrichting omkeert "
                f"({_describe(char)}). Verwacht: gewone tekst."
            )
        return (
            f"Deze cel bevat een stuurteken ({_describe(char)}, bv. een tab of een harde "
            "regeleinde). Verwacht: tekst op één regel zonder stuurtekens."
        )
    if free_text and starts_like_formula(text):
        first = text.lstrip()[:1]
        return (
            f"Deze tekst begint met '{first}': Excel leest zo'n waarde als formule. Verwacht: "
            "tekst die met een letter of cijfer begint."
        )
    return None


# --------------------------------------------------------------------------- parsers


def parse_text(value: object) -> str:
    return show(value).strip()


def parse_school_id(value: object) -> str:
    """A 6-digit instellingsnummer. A number of 1 to 6 digits lost its leading zeros in Excel
    (002014 shows as 2014), in a number cell or in the CSV Excel wrote from it: it is padded
    back (sheet_parse reports how often). Text must be digits (spaces allowed); a dot is
    refused: 1987.8 and 0.1.9.8.7.8 are not school numbers."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 1_000_000:
            return f"{int(value):06d}"
    else:
        text = show(value).strip().replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"[0-9]{1,6}", text) and int(text) > 0:
            return text.zfill(6)
    raise CellError("geen geldig instellingsnummer. Verwacht: 6 cijfers, bv. 012345.")


def parse_school_year(value: object) -> str:
    """'2024-2025', '2024-25', '2024/2025' or the test year 2025 -> '2024-2025'."""
    text = show(value).strip().replace(" ", "").replace("/", "-").replace("–", "-")
    m = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2}|[0-9]{4}))?", text)
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
        if not _NUMBER_RE.fullmatch(text):
            raise CellError("geen getal")
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise CellError("geen getal")
    return number


def _count(value: object) -> int:
    try:
        number = parse_number(value)
    except CellError:
        raise CellError("geen aantal. Verwacht: een geheel getal, 0 of meer.") from None
    if number < 0 or not number.is_integer():
        raise CellError("geen aantal. Verwacht: een geheel getal, 0 of meer.")
    if number > MAX_COUNT:
        limit = f"{MAX_COUNT:_}".replace("_", ".")
        raise CellError(f"te groot aantal. Verwacht: een geheel getal van 0 tot {limit}.")
    return int(number)


def parse_count(value: object) -> int:
    return _count(value)


def parse_n_or_suppressed(value: object) -> int | None:
    """A pupil count, or '< 5' / '-' for a result the test organiser did not publish."""
    if show(value).strip().lower() in SUPPRESSED_MARKERS:
        return None
    return _count(value)


def _between(value: object, low: float, high: float, expected: str) -> float:
    try:
        number = parse_number(value)
    except CellError:
        raise CellError(f"geen getal. Verwacht: {expected}.") from None
    if not low <= number <= high:
        raise CellError(f"ligt buiten {low:g}–{high:g}. Verwacht: {expected}.")
    return number


def parse_score(value: object) -> float:
    """0 to 100 (a mean score or a percentage)."""
    return _between(value, 0, 100, "een getal van 0 tot 100, bv. 63,5")


def parse_pct(value: object) -> float:
    """A percentage 0 to 100; a cell formatted as % in Excel is scaled before this runs."""
    return _between(value, 0, 100, "een getal van 0 tot 100, bv. 63,5")


def parse_sd(value: object) -> float:
    return _between(value, 0, 100, "een standaardafwijking, bv. 11,8")


def parse_hours(value: object) -> float:
    return _between(value, 0, 24, "een aantal uren, bv. 3,5")


def _integer_between(low: int, high: int) -> Parser:
    def parse(value: object) -> int:
        try:
            number = parse_number(value)
        except CellError:
            number = math.nan
        if not (number.is_integer() and low <= number <= high):
            raise CellError(f"geen geheel getal van {low} tot {high}. Verwacht: bv. {low + 1}.")
        return int(number)

    return parse


parse_units = _integer_between(0, 100)
parse_grade = _integer_between(1, 8)
parse_ses = _integer_between(1, 5)


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
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 30_000 <= value <= 80_000:  # an Excel serial date in a cell without date format
            day = dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    else:
        text = show(value).strip()
        for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
            try:
                day = dt.datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
    if day is None or not 2000 <= day.year <= 2099:
        raise CellError("geen geldige datum. Verwacht: dd/mm/jjjj, bv. 15/10/2024.")
    return day


def parse_gender(value: object) -> str:
    mapped = {"jongen": "jongen", "j": "jongen", "m": "jongen", "meisje": "meisje",
              "v": "meisje", "x": "x"}.get(normalize_value(value))  # fmt: skip
    if mapped is None:
        raise CellError("onbekend geslacht. Verwacht: jongen, meisje of x.")
    return mapped


_PHASE_NAMES = {normalize_value(p): f"fase {i}" for i, p in enumerate(SUPPORT_CONTINUUM)}
_PHASE_NAMES.update({f"fase{i}": f"fase {i}" for i in range(4)})


def parse_phase(value: object) -> str:
    """A pupil's support phase: 'fase 0' to 'fase 3' (or the continuum's names)."""
    text = normalize_value(show(value))
    if re.fullmatch(r"[0-3]", text):
        text = "fase" + text
    if text not in _PHASE_NAMES:
        raise CellError("onbekende zorgfase. Verwacht: fase 0, fase 1, fase 2 of fase 3.")
    return _PHASE_NAMES[text]


_KNOWN_PHASES = {normalize_value(p): p for p in SUPPORT_CONTINUUM + SUPPORT_INDICATORS}


def parse_phase_or_indicator(value: object) -> str:
    text = normalize_value(value)
    name = _KNOWN_PHASES.get(text) or PHASE_ALIASES.get(text)
    if name is None:
        raise CellError(
            "onbekende fase. Verwacht: brede basiszorg, verhoogde zorg, uitbreiding van "
            "zorg, IAC, CLB-traject of zittenblijven."
        )
    return name


def parse_goal_code(value: object) -> str:
    text = re.sub(r"\s+", " ", show(value).strip().upper())
    text = re.sub(r"^(NO|BAO)(?=[0-9])", r"\1 ", text)
    if not GOAL_CODE_RE.fullmatch(text):
        raise CellError("geen geldige doelcode. Verwacht: bv. NO 1.3, BAO 2.1 of BAO BI 3.1.")
    return text


def parse_core_task(value: object) -> str:
    text = show(value).strip().upper().replace(" ", "")
    if text not in CORE_TASKS:
        raise CellError("onbekende kerntaak. Verwacht: KT1, KT2, KT3, BI1, BI2, BI3 of BI4.")
    return text


def parse_form(value: object) -> str:
    text = re.sub(r"\s+", " ", show(value).strip().lower())
    if text not in GUIDANCE_FORMS:
        raise CellError("onbekende vorm. Verwacht: individueel of lerend netwerk.")
    return text


PERCENT_PARSERS = frozenset({parse_score, parse_pct})  # a %-formatted cell is scaled x100
