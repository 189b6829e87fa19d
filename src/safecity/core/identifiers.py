"""Vietnamese identifiers: citizen ID numbers and licence plates, one implementation for the
records search, imports and the camera plate reads.

Citizen ID (CCCD, thẻ căn cước), 12 digits — Decree 137/2015/ND-CP, Art. 13:
  digits 1–3  province where the birth was registered (Circular 07/2016/TT-BCA: the 63 codes
              of the provinces before the 2025 merger; cards keep them);
  digit 4     century and gender: 1900s male 0 / female 1, 2000s 2/3, 2100s 4/5, 2200s 6/7,
              2300s 8/9;
  digits 5–6  the last two digits of the birth year;
  digits 7–12 random.
The old identity card number (CMND) has 9 digits; its prefix rules changed over the years,
so only the shape is checked.

Licence plates — Circulars 36/2010, 15/2014, 24/2023/TT-BCA; the details below are
*unconfirmed* where marked. A plate is stored as a compact key (upper-case letters and digits,
Đ→D) and shown in its display form:
  car          ``51F-123.45`` (older ``51F-1234``)      locality, series letter, 4–5 digits
  motorbike    ``59-X1 123.45`` (older ``59-X1 1234``)  series letter + digit
  under 50 cc  ``59-AA 123.45``                         two series letters
  special      ``51LD-123.45``, ``29-MĐ1 123.45``, ``51R-123.45`` (LD, DA, KT, MK, MĐ, TĐ, HC, R)
  diplomatic   ``80-NG-123-45`` (NG, QT, NN, CV: 3-digit country code + number; *unconfirmed*)
  temporary    ``T51-123.45`` (*unconfirmed*)
Cameras misread look-alike characters. The grammar fixes each position's class (the locality
and the number are digits, the series is letters), so ``5IF12345`` reads as ``51F12345``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from safecity.core.phones import to_e164
from safecity.core.text import clean

__all__ = [
    "CCCD_PROVINCE_CODES",
    "HCMC_LOCALITY_CODES",
    "CitizenId",
    "Plate",
    "PlateKind",
    "cccd_normalise",
    "cccd_parse",
    "cccd_problems",
    "lookalike_key",
    "old_id_is_valid",
    "phone_e164",
    "plate_key",
    "plate_parse",
    "plate_parse_key",
    "plate_readings",
    "plates_look_alike",
]

# --- Citizen ID ---------------------------------------------------------------------------------

# Circular 07/2016/TT-BCA, Annex: the 63 provinces' codes (HCMC 079, Hà Nội 001, Hải Phòng 031,
# Đà Nẵng 048). Cards issued before the 2025 merger keep their code; the merged provinces kept
# one of their old codes, so this list stays complete.
CCCD_PROVINCE_CODES = frozenset(
    f"{code:03d}"
    for code in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35,
        36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70,
        72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )
)  # fmt: skip
_SEPARATORS = re.compile(r"[\s.\-_/]+")


@dataclass(frozen=True)
class CitizenId:
    number: str
    province_code: int
    birth_year: int
    gender: str  # "male" | "female"


def cccd_normalise(text: str) -> str:
    """Digits as typed, without the spaces, dots and dashes people put in: "079 085 001 234"."""
    return _SEPARATORS.sub("", clean(text))


def cccd_parse(text: str) -> CitizenId | None:
    """The parts of a well-formed CCCD, or ``None`` (wrong length, not digits, unknown
    province)."""
    number = cccd_normalise(text)
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return None
    if number[:3] not in CCCD_PROVINCE_CODES:
        return None
    code = int(number[3])
    return CitizenId(
        number=number,
        province_code=int(number[:3]),
        birth_year=1900 + 100 * (code // 2) + int(number[4:6]),
        gender="male" if code % 2 == 0 else "female",
    )


def cccd_problems(
    text: str,
    *,
    birth_year: int | None = None,
    birth_date: date | None = None,
    gender: str = "",
    today: date | None = None,
) -> list[str]:
    """What is wrong with a CCCD, as stable codes (empty: nothing). Digits 4–6 are checked
    against the stated birth year (or date) and gender when they are given:
    ``format`` (not 12 digits), ``province`` (unknown province code), ``future`` (a birth
    year after today), ``birth_year``, ``gender``."""
    number = cccd_normalise(text)
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return ["format"]
    parsed = cccd_parse(number)
    if parsed is None:
        return ["province"]
    problems = []
    if parsed.birth_year > (today or date.today()).year:  # noqa: DTZ011 - a calendar year
        problems.append("future")
    year = birth_date.year if birth_date is not None else birth_year
    if year is not None and year != parsed.birth_year:
        problems.append("birth_year")
    if gender in {"male", "female"} and gender != parsed.gender:
        problems.append("gender")
    return problems


def old_id_is_valid(text: str) -> bool:
    """The old identity card (CMND): nine digits."""
    number = cccd_normalise(text)
    return len(number) == 9 and number.isascii() and number.isdigit()


def phone_e164(text: str) -> str | None:
    """A phone number in any common spelling, as E.164 (``core.phones``), or ``None``."""
    return to_e164(text)


# --- Licence plates -----------------------------------------------------------------------------

# Locality codes of Ho Chi Minh City (41, 50–59; *unconfirmed* after the 2025 merger, which
# also brought Bình Dương's 61 and Bà Rịa–Vũng Tàu's 72 under the city).
HCMC_LOCALITY_CODES = frozenset({41, *range(50, 60)})


class PlateKind(StrEnum):
    CAR = "car"
    MOTORBIKE = "motorbike"
    UNDER_50CC = "under_50cc"
    SPECIAL = "special"
    DIPLOMATIC = "diplomatic"
    TEMPORARY = "temporary"


# Special series (compact key spelling: Đ is D). LD: foreign-invested enterprises; DA:
# investment projects; KT: military enterprises; MK: tractors; MĐ: electric motorbikes; TĐ:
# vehicles built in Vietnam; HC: vehicles limited to some routes; R: trailers.
SPECIAL_SERIES = frozenset({"LD", "DA", "KT", "MK", "MD", "TD", "HC"})
DIPLOMATIC_SERIES = frozenset({"NG", "QT", "NN", "CV"})
_SHOWN_WITH_D_STROKE = {"MD": "MĐ", "TD": "TĐ"}

# Look-alike classes (frigate #23441; one open VMS's free substitutions). In a digit position a
# letter reads as its digit; in a series position a digit, or a letter plates do not use, reads
# as the series letter of its class (I, O and Q are not series letters: 1/I → L, 0/O/Q → D).
LOOKALIKE_CLASSES = ("0ODQ", "8B", "1IL", "5S", "2Z", "6G")
_AS_DIGIT = {ch: cls[0] for cls in LOOKALIKE_CLASSES for ch in cls[1:]}
_AS_LETTER = {
    **{"0": "D", "O": "D", "Q": "D", "1": "L", "I": "L"},
    **{"8": "B", "5": "S", "2": "Z", "6": "G"},
}
# Series letters: the Latin alphabet without I, J, O, Q, W (*unconfirmed*: I, O and Q would be
# confused with digits; J and W are not Vietnamese letters).
SERIES_LETTERS = frozenset("ABCDEFGHKLMNPRSTUVXYZ")
_CLASS_OF = {ch: cls[0] for cls in LOOKALIKE_CLASSES for ch in cls}
_PLATE_CHARS = re.compile(r"[^A-Z0-9]")
_PLATE_ETH = str.maketrans({"Đ": "D", "Ð": "D"})


# ASCII text (what cameras send) needs no Unicode cleaning: upper case, then drop the rest.
_ASCII_NOT_PLATE = {i: None for i in range(128) if not chr(i).isalnum()}


def plate_key(text: str) -> str:
    """The compact key as typed: upper case, letters and digits only, Đ→D. No look-alike
    resolution (see ``plate_parse``)."""
    if text.isascii():
        # The usual separators removed plainly; anything else left takes the table.
        key = text.upper().replace("-", "").replace(".", "").replace(" ", "")
        return key if key.isalnum() or not key else key.translate(_ASCII_NOT_PLATE)
    return _PLATE_CHARS.sub("", clean(text).upper().translate(_PLATE_ETH))


def lookalike_key(text: str) -> str:
    """A key under which plates differing only by look-alike characters are equal:
    ``lookalike_key("51F-123.45") == lookalike_key("5IF I23.4S")``."""
    return "".join(_CLASS_OF.get(ch, ch) for ch in plate_key(text))


def plates_look_alike(a: str, b: str) -> bool:
    return bool(plate_key(a)) and lookalike_key(a) == lookalike_key(b)


class Plate(NamedTuple):
    """One reading of a plate (a named tuple: cameras make one per plate they see, and a tuple
    is made several times faster than a frozen dataclass)."""

    key: str  # compact, look-alikes resolved: "51F12345"
    display: str  # "51F-123.45"
    kind: PlateKind
    locality: int
    series: str  # "F", "X1", "AA", "LD", "MD1", "NG"
    number: str  # "12345"
    substitutions: int  # characters read as their look-alike to fit the grammar

    @property
    def is_hcmc(self) -> bool:
        return self.locality in HCMC_LOCALITY_CODES


# Slot patterns, in order of preference when one reading fits several (fewest look-alike
# substitutions first, then this order): D a digit, A a letter, T the letter T.
_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("DDADDDDD", "car"),  # 51F12345 (car, 5 digits) — also an old motorbike 51F1 2345
    ("DDADDDD", "car"),  # 51F1234
    ("DDADDDDDD", "bike"),  # 59X112345
    ("DDAADDDDD", "two"),  # 59AA12345, 51LD12345, 80NG12345
    ("DDAADDDD", "two"),  # 59AA1234
    ("DDAADDDDDD", "two_digit"),  # 29MD112345
    ("TDDDDDDD", "temporary"),  # T5112345
    ("TDDDDDD", "temporary"),  # T511234
)


# Per key length, the templates of that length with a pattern matching a key that fits with no
# substitution: most plates are read right, and this is the camera feed's hot path.
_SLOT_CLASS = {"D": "[0-9]", "A": "[" + "".join(sorted(SERIES_LETTERS)) + "]", "T": "T"}
_BY_LENGTH: dict[int, list[tuple[re.Pattern[str], str]]] = {}
for _pattern, _shape in _TEMPLATES:
    _BY_LENGTH.setdefault(len(_pattern), []).append(
        (re.compile("".join(_SLOT_CLASS[slot] for slot in _pattern)), _shape)
    )


# For each template: a pattern that a key fits when every character is of its slot's class
# or a look-alike of it, and the slices of the key to read as digits or as series letters.
_TO_DIGIT = str.maketrans(_AS_DIGIT)
_TO_LETTER = str.maketrans(_AS_LETTER)
_LOOSE_CLASS = {
    "D": "[0-9" + "".join(sorted(_AS_DIGIT)) + "]",
    "A": "[" + "".join(sorted(SERIES_LETTERS | set(_AS_LETTER))) + "]",
    "T": "T",
}
_TABLE = {"D": _TO_DIGIT, "A": _TO_LETTER, "T": None}


def _runs(pattern: str) -> tuple[tuple[int, int, dict[int, str] | None], ...]:
    runs: list[tuple[int, int, dict[int, str] | None]] = []
    start = 0
    for end in range(1, len(pattern) + 1):
        if end == len(pattern) or pattern[end] != pattern[start]:
            runs.append((start, end, _TABLE[pattern[start]]))
            start = end
    return tuple(runs)


_LOOSE = {
    pattern: (re.compile("".join(_LOOSE_CLASS[slot] for slot in pattern)), _runs(pattern))
    for pattern, _shape in _TEMPLATES
}


def _fit(key: str, pattern: str) -> tuple[str, int] | None:
    """``key`` read through ``pattern``, and how many characters were look-alikes."""
    loose, runs = _LOOSE[pattern]
    if loose.fullmatch(key) is None:
        return None
    fitted = "".join(key[a:b].translate(table) if table else key[a:b] for a, b, table in runs)
    return fitted, sum(map(str.__ne__, key, fitted))


# Per key length, the templates of that length in order of preference: (order, pattern, shape).
_TEMPLATES_BY_LENGTH: dict[int, list[tuple[int, str, str]]] = {}
for _order, (_pattern, _shape) in enumerate(_TEMPLATES):
    _TEMPLATES_BY_LENGTH.setdefault(len(_pattern), []).append((_order, _pattern, _shape))


def _fits(key: str) -> list[tuple[int, int, str, str]]:
    """Each template ``key`` fits, as (substitutions, order, fitted key, shape), best first."""
    fits = []
    for order, pattern, shape in _TEMPLATES_BY_LENGTH.get(len(key), ()):
        fitted = _fit(key, pattern)
        if fitted is not None:
            fits.append((fitted[1], order, fitted[0], shape))
    fits.sort()
    return fits


def _grouped(number: str) -> str:
    """Five digits are shown "123.45"; four as they are."""
    return f"{number[:3]}.{number[3:]}" if len(number) == 5 else number


def _shown(series: str) -> str:
    return _SHOWN_WITH_D_STROKE.get(series[:2], series[:2]) + series[2:]


# A named tuple made by ``tuple.__new__`` (one C call) rather than by its own ``__new__`` (a
# Python function): a camera feed builds one per read.
_new_plate = tuple.__new__


def _reading(key: str, shape: str, substitutions: int) -> Plate | None:
    if shape == "temporary":
        number = key[3:]
        return _new_plate(Plate, (
            key, f"T{key[1:3]}-{_grouped(number)}", PlateKind.TEMPORARY, int(key[1:3]), "T",
            number, substitutions,
        ))  # fmt: skip
    locality = int(key[:2])
    if locality < 10:
        return None  # locality codes run from 10 upward (*unconfirmed* upper bound: 99)
    if shape == "car":
        series, number = key[2], key[3:]
        kind = PlateKind.SPECIAL if series == "R" else PlateKind.CAR
        display = f"{key[:3]}-{_grouped(number)}"
    elif shape == "bike":
        series, number = key[2:4], key[4:]
        kind = PlateKind.MOTORBIKE
        display = f"{key[:2]}-{series} {_grouped(number)}"
    elif shape == "two":
        series, number = key[2:4], key[4:]
        if series in DIPLOMATIC_SERIES:
            if len(number) != 5:
                return None
            kind = PlateKind.DIPLOMATIC
            display = f"{key[:2]}-{series}-{number[:3]}-{number[3:]}"
        elif series in SPECIAL_SERIES:
            kind = PlateKind.SPECIAL
            display = f"{key[:2]}{_shown(series)}-{_grouped(number)}"
        else:
            kind = PlateKind.UNDER_50CC
            display = f"{key[:2]}-{series} {_grouped(number)}"
    else:  # "two_digit"
        series, number = key[2:5], key[5:]
        kind = PlateKind.SPECIAL if series[:2] in SPECIAL_SERIES else PlateKind.MOTORBIKE
        display = f"{key[:2]}-{_shown(series)} {_grouped(number)}"
    return _new_plate(Plate, (key, display, kind, locality, series, number, substitutions))


def plate_readings(text: str) -> list[Plate]:
    """Every reading of ``text`` that fits the plate grammar, the likeliest first (fewest
    look-alike substitutions, then the more common shape). A camera's watchlist matcher can
    try them all; the records search takes the first."""
    found: dict[str, Plate] = {}
    for substitutions, _order, fitted, shape in _fits(plate_key(text)):
        if fitted not in found:
            plate = _reading(fitted, shape, substitutions)
            if plate is not None:
                found[fitted] = plate
    return list(found.values())


def plate_parse(text: str) -> Plate | None:
    """The likeliest reading of a plate typed or read in any spelling ("51f 12345",
    "51F-123.45", "5IF12345"), or ``None`` when nothing fits the grammar."""
    return plate_parse_key(plate_key(text))


def plate_parse_key(key: str) -> Plate | None:
    """``plate_parse`` of a compact key (``plate_key``'s result), for callers that have it."""
    # A reading with no substitution ranks first, templates in order (as in ``plate_readings``).
    for exact, shape in _BY_LENGTH.get(len(key), ()):
        if exact.fullmatch(key):
            plate = _reading(key, shape, 0)
            if plate is not None:
                return plate
    # Otherwise the best fit, read only until one gives a plate.
    for substitutions, _order, fitted, shape in _fits(key):
        plate = _reading(fitted, shape, substitutions)
        if plate is not None:
            return plate
    return None
