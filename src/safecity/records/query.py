"""What was typed in the search box: a CCCD, an old ID, a phone, a plate, a case number, a name
(with a birth year), or several of these at once when it is ambiguous ("901234567" is both an
old ID card number and a mobile number without its 0) — every reading is tried."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from safecity.core.identifiers import Plate, cccd_normalise, cccd_parse, phone_e164, plate_readings
from safecity.core.text import clean
from safecity.records.keys import name_fold, name_key, number_key, tokens

_YEAR = re.compile(r"^(19|20)\d\d$")
_PHONE_CHARS = re.compile(r"^[+\d\s().\-]+$")
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    cccd: str = ""
    old_id: str = ""
    phone: str = ""  # E.164
    plates: tuple[Plate, ...] = ()
    code: str = ""  # letters and digits, upper case: a case, chassis or engine number
    name: str = ""  # the words that are not identifiers or the year
    birth_year: int | None = None
    name_key: str = ""
    name_fold: str = ""
    words: tuple[str, ...] = field(default=())  # folded name words

    @property
    def has_identifier(self) -> bool:
        return bool(self.cccd or self.old_id or self.phone or self.plates or self.code)


def parse(text: str) -> ParsedQuery:
    text = clean(text)[:200]
    if not text:
        return ParsedQuery(text="")
    digits = cccd_normalise(text)
    only_digits = digits.isascii() and digits.isdigit()
    cccd = digits if only_digits and len(digits) == 12 and cccd_parse(digits) else ""
    old_id = digits if only_digits and len(digits) == 9 else ""
    phone = ""
    if _PHONE_CHARS.match(text) and sum(ch.isdigit() for ch in text) >= 8:
        phone = phone_e164(text) or ""
    has_digit = any(ch.isdigit() for ch in text)
    has_letter = any(ch.isalpha() for ch in text)
    plates: tuple[Plate, ...] = ()
    if has_digit and has_letter:
        plates = tuple(plate_readings(text)[:3])
    code = number_key(text) if has_digit and len(number_key(text)) >= 4 else ""

    words = text.split(" ")
    years = [int(w) for w in words if _YEAR.match(w) and MIN_YEAR <= int(w) <= MAX_YEAR]
    name_words = [w for w in words if not any(ch.isdigit() for ch in w)]
    if plates:
        # "51 F 123.45": the lone series letter is part of the plate, not a name.
        name_words = [w for w in name_words if len(w) > 1]
    name = " ".join(name_words)
    folded = name_fold(name) if name else ""
    folded_words = tuple(tokens(folded))
    return ParsedQuery(
        text=text,
        cccd=cccd,
        old_id=old_id,
        phone=phone,
        plates=plates,
        code=code,
        name=name if folded_words else "",
        birth_year=years[0] if len(years) == 1 else None,
        name_key=name_key(name) if folded_words else "",
        name_fold=" ".join(folded_words),
        words=folded_words,
    )
