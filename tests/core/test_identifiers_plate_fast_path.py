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
    for text in [*_samples(), " 51f\\t123.45 ", "59—X1"]:
        assert plate_key(text) == _slow_key(text), text


def test_the_likeliest_reading_is_the_first_of_all_readings() -> None:
    for text in _samples():
        readings = plate_readings(text)
        assert plate_parse(text) == (readings[0] if readings else None), text
