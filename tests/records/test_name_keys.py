"""Names as the search compares them: the same name whatever its case, tone placement, Ð/Đ or
Unicode form; the given name is the last word; the search document carries the filter words."""

from __future__ import annotations

import unicodedata

import pytest

from safecity.records.keys import name_fold, name_key, number_key, person_keys, within_one_edit
from safecity.records.query import parse


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Đặng Thị Hoà", "ĐẶNG THỊ HÒA"),  # case, tone placement
        ("Trần Thị Thuỷ", "trần thị thủy"),
        ("Đỗ Văn Đức", "\u00d0ỗ Văn \u00d0ức"),  # Icelandic eth typed for Đ
        ("Nguyễn Văn An", unicodedata.normalize("NFD", "Nguyễn Văn An")),
        ("Nguyễn  Văn   An", " Nguyễn Văn An "),
    ],
)
def test_it_gives_one_key_to_one_name_however_typed(one: str, other: str) -> None:
    assert name_key(one) == name_key(other)


def test_it_keeps_diacritics_that_change_the_name_in_the_exact_key() -> None:
    assert name_key("Phạm Văn Hùng") != name_key("Phạm Văn Hưng")
    assert name_fold("Phạm Văn Hùng") == name_fold("Phạm Văn Hưng") == "pham van hung"


def test_it_folds_d_stroke_to_d() -> None:
    assert name_fold("Đặng Thị Hoà") == "dang thi hoa"


def test_it_takes_the_last_word_as_the_given_name() -> None:
    keys = person_keys("Nguyễn Thị Thanh Hoà", birth_year=1985, gender="female", ward_codes=[26734])

    assert (keys.given_key, keys.given_fold) == ("hoà", "hoa")
    assert keys.search_doc == "nguyen thi thanh hoa y1985 w26734 g2"


def test_it_puts_aliases_in_the_search_document() -> None:
    assert person_keys("Lâm Văn Tèo", ["Út Tèo"]).search_doc == "lam van teo ut teo"


def test_it_reads_a_name_and_a_birth_year_from_one_query() -> None:
    parsed = parse("Hùng 1985")

    assert (parsed.name, parsed.birth_year, parsed.words) == ("Hùng", 1985, ("hung",))
    assert (parsed.cccd, parsed.phone, parsed.plates) == ("", "", ())


def test_it_reads_identifiers_from_a_query() -> None:
    assert parse("079 090 001 111").cccd == "079090001111"
    assert parse("0901 234 567").phone == "+84901234567"
    assert parse("51F-123.45").plates[0].key == "51F12345"
    assert parse("51F-123.45").name == ""  # the plate's letters are not a name
    assert parse("VA-2025/0012").code == "VA20250012"
    assert number_key("va 2025/0012") == "VA20250012"


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("hung", "hunh", True),  # substitution
        ("nguyen", "ngyuen", True),  # two neighbours swapped
        ("an", "anh", True),  # insertion
        ("huynh", "hung", False),  # two edits
        ("an", "an", True),
    ],
)
def test_it_knows_what_one_typo_is(a: str, b: str, near: bool) -> None:
    assert within_one_edit(a, b) is near
