"""The search keys every record carries, computed in one place for services, imports and the
search itself, so that what is stored and what is looked up are built the same way.

Names: ``core.text.match_key`` (case and tone placement ignored: "Hòa" = "Hoà"), ``fold`` (every
diacritic dropped, Đ→d: "Hoà" = "hoa"). Both are computed word by word and remembered, since a
city's names are made of a few thousand syllables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from safecity.core.identifiers import lookalike_key, plate_key, plate_parse
from safecity.core.text import clean, fold, match_key

_TOKEN = re.compile(r"\w+", re.UNICODE)
GENDER_TOKENS = {"male": "g1", "female": "g2"}


@lru_cache(maxsize=50_000)
def _word_key(word: str) -> str:
    return match_key(word)


@lru_cache(maxsize=50_000)
def _word_fold(word: str) -> str:
    return fold(word)


def name_key(text: str) -> str:
    """``match_key`` of a whole name, word by word (the same result, remembered)."""
    return " ".join(_word_key(w) for w in clean(text).split(" ") if w)


def name_fold(text: str) -> str:
    return " ".join(_word_fold(w) for w in clean(text).split(" ") if w)


def tokens(folded: str) -> list[str]:
    """The words of a folded text as the search backends see them (letters and digits)."""
    return _TOKEN.findall(folded)


def year_token(year: int) -> str:
    return f"y{year}"


def ward_token(code: int) -> str:
    return f"w{code}"


@dataclass(frozen=True)
class PersonKeys:
    name_key: str
    name_fold: str
    given_key: str
    given_fold: str
    search_doc: str


def person_keys(
    full_name: str,
    aliases: Iterable[str] = (),
    *,
    birth_year: int | None = None,
    gender: str = "",
    ward_codes: Iterable[int | None] = (),
) -> PersonKeys:
    """Keys of one person. ``search_doc`` holds the folded words of the name and the aliases,
    then filter tokens (``y1985`` birth year, ``w26734`` a ward, ``g1``/``g2`` gender) that
    letters-only names can never produce."""
    key = name_key(full_name)
    folded = name_fold(full_name)
    words = tokens(folded)
    for alias in aliases:
        words.extend(tokens(name_fold(alias)))
    if birth_year:
        words.append(year_token(birth_year))
    words.extend(ward_token(code) for code in sorted({c for c in ward_codes if c}))
    if gender in GENDER_TOKENS:
        words.append(GENDER_TOKENS[gender])
    key_words = key.split(" ")
    fold_words = folded.split(" ")
    return PersonKeys(
        name_key=key,
        name_fold=folded,
        given_key=key_words[-1][:40],
        given_fold=fold_words[-1][:40],
        search_doc=" ".join(words),
    )


def name_tokens(full_name: str, aliases: Iterable[str] = ()) -> list[str]:
    """The folded name words of a person, for the typo vocabulary."""
    words = tokens(name_fold(full_name))
    for alias in aliases:
        words.extend(tokens(name_fold(alias)))
    return [w for w in words if len(w) <= 40]


@dataclass(frozen=True)
class PlateKeys:
    display: str
    key: str
    lookalike: str
    kind: str


def plate_keys(text: str) -> PlateKeys | None:
    """A vehicle's plate keys, ``None`` when the text is no plate the grammar knows."""
    plate = plate_parse(text)
    if plate is None:
        return None
    return PlateKeys(
        display=plate.display,
        key=plate.key,
        lookalike=lookalike_key(plate.key),
        kind=str(plate.kind),
    )


def number_key(text: str) -> str:
    """A case (or chassis, engine) number's key: letters and digits, upper case, Đ→D."""
    return plate_key(text)


def within_one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance ≤ 1: one insertion, deletion, substitution or swap of
    two neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
