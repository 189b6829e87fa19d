"""Vietnamese text: one normal form for storage and two keys for matching.

- ``clean`` is what we store: NFC, Ð (U+00D0, Icelandic eth) read as Đ (U+0110), runs of
  whitespace collapsed. Names arrive from many sources; stray double spaces are common (the
  ``vietnam-provinces`` package has "Phường  Rạch Dừa").
- ``match_key`` compares words the way a Vietnamese reader does: case-insensitive and with the
  tone mark moved to one agreed place, so "hoà" and "hòa", "thuỷ" and "thủy" are the same.
- ``fold`` drops every diacritic (đ→d explicitly: đ has no Unicode decomposition) for searches
  typed without accents, as many SMS messages and hurried searches are.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_VOWELS = set("aeiouy")
_MODIFIED = {"ă", "â", "ê", "ô", "ơ", "ư"}
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_ETH = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def clean(text: str, *, multiline: bool = False) -> str:
    """The stored form: NFC, Đ not Ð, single spaces, no leading or trailing space.

    ``multiline`` keeps line breaks (a description's paragraphs) and collapses the rest.
    """
    text = unicodedata.normalize("NFC", text).translate(_ETH)
    if multiline:
        lines = (_WHITESPACE.sub(" ", line).strip() for line in text.splitlines())
        return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
    return _WHITESPACE.sub(" ", text).strip()


def _base(char: str) -> str:
    """The unaccented Latin letter under a Vietnamese vowel (ư → u, ă → a)."""
    return unicodedata.normalize("NFD", char)[0].lower()


def _tone_index(letters: list[str]) -> int | None:
    """Where the tone mark goes in one syllable, in the modern ("hoà", "thuỷ") placement."""
    vowels = [i for i, ch in enumerate(letters) if _base(ch) in _VOWELS]
    if not vowels:
        return None
    lowered = "".join(_base(ch) for ch in letters)
    start = vowels[0]
    # "qu" and "gi" open a syllable as consonants when another vowel follows.
    if lowered[:2] in {"qu", "gi"} and start == 1 and len(vowels) > 1:
        vowels = vowels[1:]
    # Only the first contiguous run of vowels is the nucleus.
    run = [vowels[0]]
    for i in vowels[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            break
    modified = [i for i in run if unicodedata.normalize("NFC", letters[i]).lower() in _MODIFIED]
    if modified:
        return modified[-1]  # ươ → ơ, uô → ô, iê → ê
    if len(run) == 1:
        return run[0]
    if len(run) >= 3:
        return run[1]  # oai, uyu, oay → the middle vowel
    has_final = run[-1] < len(letters) - 1
    pair = "".join(_base(letters[i]) for i in run)
    if has_final or pair in {"oa", "oe", "uy"}:
        return run[1]
    return run[0]


def _retone_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) != 1:
        return word  # no tone, or not a Vietnamese syllable: leave it alone
    untoned = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    letters = list(untoned)
    index = _tone_index(letters)
    if index is None:
        return word
    letters[index] = unicodedata.normalize("NFC", letters[index] + tones[0])
    return "".join(letters)


def normalize_tone_placement(text: str) -> str:
    """Move each syllable's tone mark to the modern place: hòa → hoà, thủy → thuỷ."""
    return _WORD.sub(lambda m: _retone_word(m.group(0)), clean(text))


def match_key(text: str) -> str:
    """Case- and tone-placement-insensitive key; keeps the diacritics that change meaning."""
    return unicodedata.normalize("NFC", normalize_tone_placement(text).casefold())


def fold(text: str) -> str:
    """Diacritic-free, case-folded: "Đặng Thị Hoà" → "dang thi hoa"."""
    decomposed = unicodedata.normalize("NFD", clean(text).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
