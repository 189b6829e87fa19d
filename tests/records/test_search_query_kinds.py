"""The search box understands what was typed — a CCCD, an old ID, a phone, a plate, a case
number, a name — and ranks exact identifiers over exact names over names without diacritics
over near misses. A small known dataset; Hoà the investigator searches."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from safecity.accounts.models import Unit, User
from safecity.records.models import Case, Person, Vehicle
from safecity.records.search import Hit, SearchFilters, run
from tests.records.conftest import BEN_THANH, SAI_GON, case, person, vehicle


@dataclass
class People:
    an: Person
    hoa: Person
    thuy: Person
    hung_1985: Person
    hung_1970: Person
    pham_hung: Person
    pham_hung_dot: Person
    duc: Person
    teo: Person
    bay: Person
    car: Vehicle
    bike: Vehicle
    case: Case


@pytest.fixture
def people(wards: object, criminal_police: Unit) -> People:
    an = person(
        full_name="Nguyễn Văn An",
        cccd="079090001111",
        birth_date="1990-04-12",
        gender="male",
        ward_code=str(SAI_GON),
        phone="0901234567",
    )
    return People(
        an=an,
        hoa=person(
            full_name="Đặng Thị Hoà",
            cccd="079185002222",
            birth_date="02/03/1985",
            gender="female",
            ward_code=str(BEN_THANH),
        ),
        thuy=person(full_name="Trần Thị Thủy", birth_date="1992", gender="female"),
        hung_1985=person(full_name="Nguyễn Văn Hùng", birth_date="1985-01-01", gender="male"),
        hung_1970=person(full_name="Nguyễn Văn Hùng", birth_date="1970-06-01", gender="male"),
        pham_hung=person(full_name="Phạm Văn Hùng", birth_date="1985-05-05", gender="male"),
        pham_hung_dot=person(full_name="Phạm Văn Hưng", birth_date="1985-07-07", gender="male"),
        duc=person(full_name="Võ Minh \u00d0ức", birth_date="1979"),
        teo=person(full_name="Lâm Văn Tèo", aliases="Tèo Em|Út Tèo", birth_date="1988"),
        bay=person(full_name="Huỳnh Văn Bảy", old_id="023456789", birth_date="1960"),
        car=vehicle(plate="51F-123.45", brand="Toyota", model="Vios", owner_cccd=an.cccd),
        bike=vehicle(plate="59-X1 567.89", brand="Honda", model="Vision"),
        case=case(criminal_police, number="VA-2025/0012", summary="Trộm cắp xe máy"),
    )


def ids(hits: list[Hit], kind: str = "person") -> list[int]:
    return [h.id for h in hits if h.kind == kind]


def test_it_finds_a_person_by_cccd_first_with_the_exact_identifier_score(
    hoa: User, people: People
) -> None:
    hits = run(hoa, "079 090 001 111")

    assert hits[0].kind == "person"
    assert hits[0].id == people.an.pk
    assert (hits[0].score, hits[0].match) == (100, "cccd")
    assert hits[0].as_dict()["cccd"] == "079090001111"
    assert hits[0].as_dict()["birth_year"] == 1990
    assert "plate" not in hits[0].as_dict()


def test_it_finds_a_person_by_old_id(hoa: User, people: People) -> None:
    hits = run(hoa, "023456789")

    assert hits[0].id == people.bay.pk
    assert hits[0].match == "old_id"


@pytest.mark.parametrize("typed", ["0901234567", "+84 90 123 4567", "090-123-4567"])
def test_it_finds_a_phone_and_its_subscriber_in_any_spelling(
    hoa: User, people: People, typed: str
) -> None:
    hits = run(hoa, typed)

    assert (hits[0].kind, hits[0].number, hits[0].score) == ("phone", "+84901234567", 100)
    assert hits[1].kind == "person"
    assert (hits[1].id, hits[1].match) == (people.an.pk, "phone")


@pytest.mark.parametrize("typed", ["51F-123.45", "51 f 123 45", "51F12345", "51f.123.45"])
def test_it_finds_a_vehicle_by_plate_in_any_spacing(hoa: User, people: People, typed: str) -> None:
    hits = run(hoa, typed)

    assert hits[0].kind == "vehicle"
    assert hits[0].id == people.car.pk
    assert hits[0].plate == "51F-123.45"
    assert hits[0].score == 100


@pytest.mark.parametrize("typed", ["5IF-123.45", "S1F I23 4S", "5lF12345"])
def test_it_finds_a_vehicle_by_a_plate_with_look_alike_characters(
    hoa: User, people: People, typed: str
) -> None:
    hits = run(hoa, typed, kind="vehicle")

    assert ids(hits, "vehicle") == [people.car.pk]
    assert hits[0].score == 98


def test_it_finds_a_motorbike_plate(hoa: User, people: People) -> None:
    assert ids(run(hoa, "59X1 56789"), "vehicle") == [people.bike.pk]


@pytest.mark.parametrize("typed", ["VA-2025/0012", "va 2025 0012", "VA20250012"])
def test_it_finds_a_case_by_number_whatever_the_punctuation(
    hoa: User, people: People, typed: str
) -> None:
    hits = run(hoa, typed)

    assert hits[0].kind == "case"
    assert (hits[0].id, hits[0].number, hits[0].score) == (
        people.case.pk,
        "VA-2025/0012",
        100,
    )


def test_it_finds_an_exact_name_with_diacritics_first(hoa: User, people: People) -> None:
    hits = run(hoa, "Nguyễn Văn An")

    assert ids(hits) == [people.an.pk]
    assert (hits[0].score, hits[0].match) == (90, "name")


@pytest.mark.parametrize("typed", ["nguyen van an", "NGUYEN VAN AN", "NGUYỄN VĂN AN"])
def test_it_finds_a_name_typed_without_diacritics_or_in_capitals(
    hoa: User, people: People, typed: str
) -> None:
    assert ids(run(hoa, typed))[:1] == [people.an.pk]


def test_it_finds_a_name_written_with_the_other_tone_mark_placement(
    hoa: User, people: People
) -> None:
    stored_old, typed_new = "Trần Thị Thủy", "Trần Thị Thuỷ"
    assert people.thuy.full_name == stored_old

    hits = run(hoa, typed_new)

    assert ids(hits) == [people.thuy.pk]
    assert hits[0].match == "name"  # exact, not merely without diacritics


def test_it_reads_the_icelandic_eth_as_d_stroke(hoa: User, people: People) -> None:
    assert people.duc.full_name == "Võ Minh Đức"
    assert ids(run(hoa, "Võ Minh \u00d0ức")) == [people.duc.pk]
    assert ids(run(hoa, "vo minh duc")) == [people.duc.pk]


def test_it_ranks_the_exact_diacritics_above_the_same_letters_without_them(
    hoa: User, people: People
) -> None:
    hits = run(hoa, "Phạm Văn Hùng")

    assert ids(hits)[:2] == [people.pham_hung.pk, people.pham_hung_dot.pk]
    assert [h.score for h in hits[:2]] == [90, 80]


def test_it_finds_a_name_with_one_typo_below_exact_matches(hoa: User, people: People) -> None:
    hits = run(hoa, "Nguyen Van Hunh")

    assert set(ids(hits)) == {people.hung_1985.pk, people.hung_1970.pk}
    assert {h.match for h in hits} == {"one_typo"}
    assert max(h.score for h in hits) < 80


def test_it_narrows_a_given_name_by_birth_year(hoa: User, people: People) -> None:
    hits = run(hoa, "Hùng 1985")

    found = ids(hits)
    assert set(found[:2]) == {people.hung_1985.pk, people.pham_hung.pk}
    assert people.hung_1970.pk not in found
    # Hưng (the same letters without their marks) comes after every Hùng.
    assert found.index(people.pham_hung_dot.pk) == 2


def test_it_finds_a_person_by_an_alias(hoa: User, people: People) -> None:
    hits = run(hoa, "Tèo Em")

    assert ids(hits)[:1] == [people.teo.pk]
    assert hits[0].match == "alias"


def test_it_finds_words_of_a_name_in_any_order(hoa: User, people: People) -> None:
    assert ids(run(hoa, "An Nguyễn")) == [people.an.pk]


def test_it_ranks_identifiers_above_names_above_near_misses(hoa: User, people: People) -> None:
    hits = run(hoa, "Phạm Văn Hùng")
    scores = [h.score for h in hits]

    assert scores == sorted(scores, reverse=True)
    assert run(hoa, people.an.cccd)[0].score > hits[0].score > run(hoa, "pham van hung")[1].score


def test_it_keeps_to_the_kind_asked_for(hoa: User, people: People) -> None:
    assert run(hoa, "Nguyễn Văn An", kind="vehicle") == []
    assert {h.kind for h in run(hoa, "0901234567", kind="person")} == {"person"}


def test_it_filters_by_ward_gender_and_birth_years(hoa: User, people: People) -> None:
    in_sai_gon = run(hoa, "Nguyễn", filters=SearchFilters(ward=SAI_GON))
    women = run(hoa, "Thị", filters=SearchFilters(gender="female"))
    eighties = run(
        hoa, "Nguyễn Văn Hùng", filters=SearchFilters(birth_year_from=1980, birth_year_to=1989)
    )

    assert ids(in_sai_gon) == [people.an.pk]
    assert set(ids(women)) == {people.hoa.pk, people.thuy.pk}
    assert ids(eighties) == [people.hung_1985.pk]


def test_it_answers_nothing_for_an_empty_query(hoa: User, people: People) -> None:
    assert run(hoa, "   ") == []
