"""Shared by every kind's row check: the row, its errors, reading cells."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from time import monotonic
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.core.identifiers import cccd_normalise, cccd_parse, cccd_problems, phone_e164
from safecity.core.text import clean, fold
from safecity.records.models import Gender

_LIST_SPLIT = re.compile(r"\s*[|;]\s*")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
MIN_BIRTH_YEAR = 1900


class RowError(Exception):
    def __init__(self, code: str, message: str, column: str = "") -> None:
        self.code, self.message, self.column = code, message, column
        super().__init__(message)


@dataclass
class Row:
    line: int
    external_id: str
    fields: dict[str, Any]  # model fields
    data: dict[str, Any]  # what this source said (JSON), kept as the source record
    raw: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    match_keys: set[str] = field(default_factory=set)
    warnings: list[tuple[str, str]] = field(default_factory=list)


# Column names people use, folded, to the field they mean.
SYNONYMS = {
    "name": "full_name",
    "ho ten": "full_name",
    "ho va ten": "full_name",
    "so cccd": "cccd",
    "can cuoc": "cccd",
    "cmnd": "old_id",
    "ngay sinh": "birth_date",
    "dob": "birth_date",
    "gioi tinh": "gender",
    "sex": "gender",
    "permanent_ward_code": "ward_code",
    "phones": "phone",
    "so dien thoai": "phone",
    "bien so": "plate",
    "colour": "color",
    "mau": "color",
    "chassis_number": "chassis",
    "engine_number": "engine",
    "registration": "status",
    "registration_status": "status",
    "kind": "kind",
    "case_number": "number",
    "unit": "unit_code",
}


def _target(column: str, rename: dict[str, str]) -> str:
    name = column.strip()
    target = rename.get(name.lower()) or rename.get(name)
    if target is None:
        folded = fold(name).replace("_", " ") if name else ""
        target = SYNONYMS.get(folded, SYNONYMS.get(name.lower(), name.lower()))
    return target


_targets: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}


def rename_columns(raw: dict[str, Any], rename: dict[str, str]) -> dict[str, Any]:
    """The row with its columns named as the fields they fill (``--map`` first, then the
    usual Vietnamese and English names). The mapping of a header is worked out once."""
    key = tuple(sorted(rename.items()))
    targets = _targets.setdefault(key, {})
    out: dict[str, Any] = {}
    for column, value in raw.items():
        if column is None:
            continue  # a CSV line with more cells than the header has
        target = targets.get(column)
        if target is None:
            target = targets[column] = _target(str(column), rename)
        out[target] = value
    return out


def cell(row: dict[str, Any], column: str, max_length: int) -> str:
    value = row.get(column)
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        value = "|".join(str(v) for v in value)
    value = str(value)
    if value.isascii() and value.isprintable() and "  " not in value:
        text = value.strip()  # already what ``clean`` would make of it (most cells)
    else:
        text = clean(value).replace("\x00", "")
    if len(text) > max_length:
        message = _("%(column)s is longer than %(max)d characters.")
        raise RowError("too_long", message % {"column": column, "max": max_length}, column)
    return text


def cells(row: dict[str, Any], column: str, max_length: int) -> list[str]:
    text = cell(row, column, 2000)
    items = [clean(part) for part in _LIST_SPLIT.split(text) if clean(part)] if text else []
    for item in items:
        if len(item) > max_length:
            message = _("An item of %(column)s is too long.") % {"column": column}
            raise RowError("too_long", message, column)
    return items


def source_name(text: str) -> str:
    name = clean(text)
    if not name or len(name) > 80:
        raise ValueError("the source name must be 1 to 80 characters")
    return name


_this_year: list[float] = [0.0, 0.0]  # (checked at, year), checked once a minute


def _year_now() -> int:
    now = monotonic()
    if now - _this_year[0] > 60:
        _this_year[:] = [now, timezone.localdate().year]
    return int(_this_year[1])


def parse_birth(text: str) -> tuple[date | None, int | None]:
    """ "1985-03-02", "02/03/1985" (day first), or a year alone "1985"."""
    if not text:
        return None, None
    try:
        if len(text) == 4 and text.isdigit():
            year = int(text)
            birth = None
        elif m := _DMY.match(text):
            birth = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            year = birth.year
        else:
            birth = date.fromisoformat(text)
            year = birth.year
    except ValueError:
        raise RowError(
            "birth_date_format",
            _("birth_date must be YYYY-MM-DD, DD/MM/YYYY or a year."),
            "birth_date",
        ) from None
    if not MIN_BIRTH_YEAR <= year <= _year_now():
        message = _("Birth year %(year)d is not plausible.") % {"year": year}
        raise RowError("birth_date_range", message, "birth_date")
    return birth, year


_GENDERS = {
    "male": Gender.MALE,
    "m": Gender.MALE,
    "nam": Gender.MALE,
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "nu": Gender.FEMALE,
}


def parse_gender(text: str) -> str:
    if not text:
        return Gender.UNKNOWN
    value = _GENDERS.get(fold(text))
    if value is None:
        raise RowError("gender_unknown", _("gender must be male or female (nam/nữ)."), "gender")
    return str(value)


def ward_code(text: str, column: str, ward_codes: set[int]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) not in ward_codes:
        message = _("%(column)s %(code)s is not a ward code (2025).")
        raise RowError("ward_unknown", message % {"column": column, "code": text}, column)
    return int(text)


def checked_cccd(text: str, *, birth: date | None, year: int | None, gender: str) -> str:
    if not text:
        return ""
    problems = cccd_problems(text, birth_date=birth, birth_year=year, gender=gender)
    messages = {
        "format": _("The CCCD must be 12 digits."),
        "province": _("The CCCD starts with an unknown province code."),
        "future": _("The CCCD gives a birth year in the future."),
        "birth_year": _("Digits 4–6 of the CCCD do not match the birth year."),
        "gender": _("Digit 4 of the CCCD does not match the gender."),
    }
    if problems:
        raise RowError(f"cccd_{problems[0]}", messages[problems[0]], "cccd")
    return cccd_normalise(text)


_NATIONAL = re.compile(r"^0[35789]\d{8}$")  # mobile ranges (DOMAIN.md)
_SPACING = re.compile(r"[\s.\-]")
_valid_ranges: dict[str, bool] = {}


def e164(text: str) -> str | None:
    """``phone_e164``, with a short cut for the common case, a 10-digit mobile number:
    whether "0xyz…" is valid depends only on its first four digits (the metadata's patterns
    for Vietnamese numbers), so ``phonenumbers`` is asked once per range."""
    digits = _SPACING.sub("", text)
    if _NATIONAL.match(digits):
        valid = _valid_ranges.get(digits[:4])
        if valid is None:
            valid = _valid_ranges[digits[:4]] = phone_e164(digits) == f"+84{digits[1:]}"
        return f"+84{digits[1:]}" if valid else None
    return phone_e164(text)


def checked_phones(texts: Iterable[str], column: str) -> list[str]:
    numbers = []
    for text in texts:
        number = e164(text)
        if number is None:
            message = _("%(text)r is not a valid phone number.") % {"text": text}
            raise RowError("phone_invalid", message, column)
        if number not in numbers:
            numbers.append(number)
    return numbers


def given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in ("", None, [])}


def choice(text: str, table: dict[str, Any], column: str) -> str:
    if not text:
        return ""
    value = table.get(fold(text))
    if value is None:
        allowed = ", ".join(sorted({str(v) for v in table.values()}))
        message = _("%(column)s must be one of: %(allowed)s.")
        raise RowError(
            f"{column}_unknown", message % {"column": column, "allowed": allowed}, column
        )
    return str(value)


def owner_cccd(row: Row, text: str) -> None:
    if not text:
        return
    if cccd_parse(text) is None:
        message = _("owner_cccd %(text)r is not a CCCD; imported without owner.")
        row.warnings.append(("owner_cccd_format", message % {"text": text}))
        return
    row.extra["owner_cccd"] = cccd_normalise(text)
