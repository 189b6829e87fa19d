"""Tracking codes are read over the phone: ten characters of an alphabet without look-alikes,
every character as likely as any other, never predictable."""

from __future__ import annotations

from collections import Counter

from safecity.incidents.models import _CODE_ALPHABET, new_tracking_code


def test_a_code_is_ten_characters_of_the_alphabet_without_look_alikes() -> None:
    codes = [new_tracking_code() for _ in range(500)]

    assert all(len(code) == 10 for code in codes)
    assert set("".join(codes)) <= set(_CODE_ALPHABET)
    assert not set("".join(codes)) & set("01OIL")
    assert len(set(codes)) == 500


def test_every_character_is_about_as_likely_as_any_other() -> None:
    counts = Counter("".join(new_tracking_code() for _ in range(6200)))  # 2,000 per character

    assert set(counts) == set(_CODE_ALPHABET)
    assert max(counts.values()) < 2300 and min(counts.values()) > 1700
