"""``plate_parse`` and ``plate_key`` take shortcuts for what cameras send most (ASCII text that
fits a plate shape as it is); the shortcuts give exactly what the full grammar gives."""

from __future__ import annotations

import random

from safecity.core.identifiers import (
    _PLATE_CHARS,
    SERIES_LETTERS,
    plate_key,
    plate_parse,
    plate_readings,
)
from safecity.core.text import clean


def _slow_key(text: str) -> str:
    return _PLATE_CHARS.sub("", clean(text).upper().translate({ord("Đ"): "D", ord("Ð"): "D"}))


def _samples() -> list[str]:
    rng = random.Random(7)
    letters = sorted(SERIES_LETTERS)
    noise = "0O1IL5S8B2Z6GQD -.T"
    out = [
        "51F-123.45",
        "59-X1 123.45",
        "51LD-123.45",
        "80-NG-123-45",
        "T51-123.45",
        "29-MĐ1 123.45",
    ]
    for _ in range(3000):
        shape = rng.choice(["car", "bike", "two", "temp", "noise"])
        loc = f"{rng.randint(10, 99)}"
        if shape == "car":
            text = f"{loc}{rng.choice(letters)}{rng.randint(1000, 99999)}"
        elif shape == "bike":
            text = f"{loc}{rng.choice(letters)}{rng.randint(1, 9)}{rng.randint(1000, 99999)}"
        elif shape == "two":
            text = f"{loc}{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1000, 99999)}"
        elif shape == "temp":
            text = f"T{loc}{rng.randint(1000, 99999)}"
        else:
            text = "".join(
                rng.choice(noise + "ABCXYZ0123456789") for _ in range(rng.randint(0, 11))
            )
        # Misread a character now and then.
        if text and rng.random() < 0.3:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(noise) + text[i + 1 :]
        out.append(text.lower() if rng.random() < 0.1 else text)
    return out


def test_the_ascii_key_is_the_key_the_full_cleaning_gives() -> None:
    for text in [*_samples(), " 51f\\t123.45 ", "59—X1", "51F_123/45", "51F#123.45", "--", ""]:
        assert plate_key(text) == _slow_key(text), text


def test_the_likeliest_reading_is_the_first_of_all_readings() -> None:
    for text in _samples():
        readings = plate_readings(text)
        assert plate_parse(text) == (readings[0] if readings else None), text


def _fit_char_by_char(key: str, pattern: str) -> tuple[str, int] | None:
    """The grammar's rule for one template, one character at a time (the reference)."""
    from safecity.core.identifiers import _AS_DIGIT, _AS_LETTER

    out, substitutions = [], 0
    for ch, slot in zip(key, pattern, strict=True):
        if slot == "D" and ch.isdigit() or slot == "A" and ch in SERIES_LETTERS:
            out.append(ch)
        elif slot == "D" and ch in _AS_DIGIT:
            out.append(_AS_DIGIT[ch])
            substitutions += 1
        elif slot == "A" and ch in _AS_LETTER:
            out.append(_AS_LETTER[ch])
            substitutions += 1
        elif slot == "T" and ch == "T":
            out.append(ch)
        else:
            return None
    return "".join(out), substitutions


def test_fitting_a_template_slice_by_slice_agrees_with_the_rule_character_by_character() -> None:
    from safecity.core.identifiers import _TEMPLATES, _fit

    rng = random.Random(11)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    fitted = 0
    for _ in range(20_000):
        pattern, _shape = rng.choice(_TEMPLATES)
        # Half the keys are plates with look-alikes mixed in, half anything of that length.
        key = "".join(
            rng.choice("0ODQ8B1IL5S2Z6GT" if rng.random() < 0.5 else alphabet) for _ in pattern
        )
        expected = _fit_char_by_char(key, pattern)
        assert _fit(key, pattern) == expected, (key, pattern)
        fitted += expected is not None
    assert fitted > 1000  # the keys that fit were exercised, not only refusals
