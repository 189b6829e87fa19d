"""Vietnamese text: one stored form (``clean``), a matching key that ignores case and tone-mark
placement but keeps meaning (``match_key``), and an accent-free key for hurried searches
(``fold``)."""

from __future__ import annotations

import unicodedata

import pytest

from safecity.core.text import clean, fold, match_key, normalize_tone_placement


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- clean: the stored form ---------------------------------------------------------------------


def test_it_stores_text_in_nfc_whatever_form_it_arrives_in() -> None:
    decomposed = _nfd("Phường Bến Thành")
    assert decomposed != "Phường Bến Thành"  # the input really is decomposed

    cleaned = clean(decomposed)

    assert cleaned == "Phường Bến Thành"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_it_reads_the_icelandic_eth_as_the_vietnamese_d_with_stroke() -> None:
    assert clean("\u00d0\u1eb7ng Th\u1ecb Ho\u00e0") == "\u0110\u1eb7ng Thị Hoà"
    assert clean("\u00f0i") == "\u0111i"
    assert "\u00d0" not in clean("\u00d0\u00f0")


def test_it_collapses_runs_of_whitespace_and_trims_the_ends() -> None:
    assert clean("Phường  Rạch Dừa") == "Phường Rạch Dừa"
    assert clean(" \tPhường\u00a0\u00a0Rạch\n Dừa  ") == "Phường Rạch Dừa"


# --- match_key: how a Vietnamese reader compares words ------------------------------------------


@pytest.mark.parametrize(
    ("modern", "old"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("hoè", "hòe"),
        ("khoẻ", "khỏe"),
        ("tuỳ", "tùy"),
        ("Hoà Bình", "Hòa Bình"),
    ],
)
def test_it_matches_both_tone_mark_placements(modern: str, old: str) -> None:
    assert modern != old
    assert match_key(modern) == match_key(old)


def test_it_moves_the_tone_mark_to_the_modern_place() -> None:
    assert normalize_tone_placement("Hòa Thủy hòe") == "Hoà Thuỷ hoè"


def test_it_matches_regardless_of_case() -> None:
    assert match_key("HOÀ") == match_key("hòa") == match_key("Hoà")
    assert match_key("ĐẶNG THỊ HOÀ") == match_key("đặng thị hoà")


def test_it_matches_decomposed_input_and_messy_spacing() -> None:
    assert match_key(_nfd("Xuân  Hòa ")) == match_key("xuân hoà")
    assert match_key("\u00d0a Kao") == match_key("Đa Kao")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ma", "má"),  # ghost / mother
        ("ma", "mà"),
        ("mả", "mã"),  # grave / code
        ("bo", "bơ"),  # the vowel's own diacritic changes the word
        ("da", "đa"),
        ("hoà", "hoa"),
        ("Phường", "Phương"),
    ],
)
def test_it_keeps_words_apart_that_diacritics_tell_apart(one: str, other: str) -> None:
    assert match_key(one) != match_key(other)


# --- fold: no diacritics at all -----------------------------------------------------------------


def test_it_folds_a_full_name_to_plain_letters() -> None:
    assert fold("Đặng Thị Hoà") == "dang thi hoa"


def test_it_folds_d_with_stroke_which_has_no_decomposition() -> None:
    assert unicodedata.decomposition("đ") == ""  # why fold must map it by hand
    assert fold("đường") == "duong"
    assert fold("ĐƯỜNG") == "duong"
    assert fold("\u00d0\u1eb7ng") == "dang"


def test_it_folds_text_typed_without_diacritics_to_the_same_key() -> None:
    assert fold("Nguyen Van A") == "nguyen van a"
    assert fold("Nguyễn Văn A") == fold("Nguyen Van A")
    assert fold(_nfd("Nguyễn  Văn A")) == "nguyen van a"
