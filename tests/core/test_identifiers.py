"""Vietnamese identifiers: the citizen ID's digits against the holder's birth year and gender,
the old 9-digit ID, phone numbers to E.164, and licence plates — compact key, display form,
kind, and look-alike characters read by their position in the grammar."""

from __future__ import annotations

from datetime import date

import pytest

from safecity.core.identifiers import (
    PlateKind,
    cccd_normalise,
    cccd_parse,
    cccd_problems,
    lookalike_key,
    old_id_is_valid,
    phone_e164,
    plate_key,
    plate_parse,
    plate_readings,
    plates_look_alike,
)

# --- CCCD -----------------------------------------------------------------------------------------


def test_it_reads_province_century_gender_and_birth_year_from_a_cccd() -> None:
    parsed = cccd_parse("079185001234")

    assert parsed is not None
    assert parsed.province_code == 79
    assert parsed.birth_year == 1985
    assert parsed.gender == "female"


@pytest.mark.parametrize(
    ("number", "year", "gender"),
    [
        ("001090000001", 1990, "male"),  # 1900s, male: 0
        ("031191000001", 1991, "female"),  # 1900s, female: 1
        ("048205000001", 2005, "male"),  # 2000s, male: 2
        ("079310000001", 2010, "female"),  # 2000s, female: 3
    ],
)
def test_it_reads_the_century_and_gender_digit(number: str, year: int, gender: str) -> None:
    parsed = cccd_parse(number)

    assert parsed is not None
    assert (parsed.birth_year, parsed.gender) == (year, gender)
    assert cccd_problems(number, birth_year=year, gender=gender) == []


def test_it_accepts_a_cccd_typed_with_spaces_and_dots() -> None:
    assert cccd_normalise(" 079.085 001-234 ") == "079085001234"
    assert cccd_problems("079 085 001 234", birth_date=date(1985, 3, 2), gender="male") == []


def test_it_flags_a_birth_year_that_the_cccd_contradicts() -> None:
    assert cccd_problems("079085001234", birth_date=date(1986, 3, 2)) == ["birth_year"]
    assert cccd_problems("079085001234", birth_year=1985) == []


def test_it_flags_a_gender_that_the_cccd_contradicts() -> None:
    assert cccd_problems("079085001234", birth_year=1985, gender="female") == ["gender"]
    assert cccd_problems("079085001234", birth_year=1985, gender="") == []


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("07908500123", "format"),  # 11 digits
        ("0790850012345", "format"),  # 13 digits
        ("07908500123A", "format"),
        ("003085001234", "province"),  # 003 is no province code
        ("099085001234", "province"),
        ("079299001234", "future"),  # born 2099
    ],
)
def test_it_refuses_a_malformed_cccd(number: str, problem: str) -> None:
    assert cccd_problems(number, today=date(2025, 7, 1))[:1] == [problem]


def test_it_checks_only_the_shape_of_an_old_id() -> None:
    assert old_id_is_valid("023 456 789")
    assert not old_id_is_valid("02345678")
    assert not old_id_is_valid("0234567890")
    assert not old_id_is_valid("02345678X")


# --- Phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["0901234567", "0901 234 567", "090-123-4567", "+84 90 123 4567", "84901234567"]
)
def test_it_reads_a_phone_in_any_common_spelling(typed: str) -> None:
    assert phone_e164(typed) == "+84901234567"


def test_it_refuses_a_number_that_is_not_a_phone() -> None:
    assert phone_e164("0901") is None
    assert phone_e164("hello") is None


# --- Plates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key", "display", "kind"),
    [
        ("51F-123.45", "51F12345", "51F-123.45", PlateKind.CAR),
        ("51f 12345", "51F12345", "51F-123.45", PlateKind.CAR),
        ("51F1234", "51F1234", "51F-1234", PlateKind.CAR),
        ("59-X1 123.45", "59X112345", "59-X1 123.45", PlateKind.MOTORBIKE),
        ("59x1.12345", "59X112345", "59-X1 123.45", PlateKind.MOTORBIKE),
        ("59-AA 123.45", "59AA12345", "59-AA 123.45", PlateKind.UNDER_50CC),
        ("51LD-123.45", "51LD12345", "51LD-123.45", PlateKind.SPECIAL),
        ("29-MĐ1 123.45", "29MD112345", "29-MĐ1 123.45", PlateKind.SPECIAL),
        ("51R-123.45", "51R12345", "51R-123.45", PlateKind.SPECIAL),
        ("80-NG-123-45", "80NG12345", "80-NG-123-45", PlateKind.DIPLOMATIC),
        ("T51-123.45", "T5112345", "T51-123.45", PlateKind.TEMPORARY),
    ],
)
def test_it_parses_every_plate_kind_to_key_and_display(
    typed: str, key: str, display: str, kind: PlateKind
) -> None:
    plate = plate_parse(typed)

    assert plate is not None
    assert (plate.key, plate.display, plate.kind) == (key, display, kind)
    assert plate.substitutions == 0


def test_it_keeps_letters_and_digits_upper_case_with_d_for_d_stroke_in_the_key() -> None:
    assert plate_key(" 29-mđ1 123.45 ") == "29MD112345"
    assert plate_key("29-MÐ1") == "29MD1"  # Ð (U+00D0) as typed on some keyboards


@pytest.mark.parametrize(
    ("misread", "key"),
    [
        ("5IF12345", "51F12345"),  # I in a digit position is 1
        ("S1F-123.4S", "51F12345"),  # S in digit positions is 5
        ("51F-I23.45", "51F12345"),
        ("5l-X1 I23.45", "51X112345"),  # l and I are 1 in digit positions
        ("51812345", "51B12345"),  # 8 in the series position is B
        ("510-123.45", "51D12345"),  # 0 in the series position is D
        ("B1F-12345", "81F12345"),
    ],
)
def test_it_resolves_look_alike_characters_by_their_position(misread: str, key: str) -> None:
    plate = plate_parse(misread)

    assert plate is not None
    assert plate.key == key
    assert plate.substitutions >= 1


def test_it_prefers_the_reading_with_fewest_substitutions() -> None:
    readings = plate_readings("5IF12345")

    assert [r.key for r in readings][:2] == ["51F12345", "51FL2345"]
    assert readings[0].substitutions < readings[1].substitutions


def test_it_refuses_text_that_fits_no_plate_shape() -> None:
    assert plate_parse("hello") is None
    assert plate_parse("1234") is None
    assert plate_parse("05F-123.45") is None  # locality codes start at 10
    assert plate_parse("") is None


def test_it_treats_plates_differing_only_by_look_alikes_as_the_same() -> None:
    assert lookalike_key("51F-123.45") == lookalike_key("5IF I23.4S")
    assert plates_look_alike("51B-888.00", "51 8 BB8 OO")
    assert not plates_look_alike("51F-123.45", "51F-123.46")


def test_it_knows_the_hcmc_localities() -> None:
    hcmc, hanoi = plate_parse("59-X1 123.45"), plate_parse("29A-123.45")

    assert hcmc is not None and hanoi is not None
    assert hcmc.is_hcmc
    assert not hanoi.is_hcmc
