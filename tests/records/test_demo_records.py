"""The demo's records: thousands of synthetic residents with valid identifiers and a realistic
spread of family names, their vehicles, phones and cases, linked to the demo incidents; the
same data every time, and nothing new when loaded again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from safecity.core.identifiers import cccd_problems, plate_parse
from safecity.demo import units_load
from safecity.geography.selectors import ward_locator_reset
from safecity.geography.services import geography_load
from safecity.records import demo
from safecity.records.models import (
    Case,
    DuplicateCandidate,
    Link,
    Person,
    Role,
    SourceRecord,
    Vehicle,
)

INCIDENTS = [101, 102, 103]


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[str]]:
    said: list[str] = []
    ward_locator_reset()
    with django_db_blocker.unblock(), transaction.atomic():
        geography_load()
        units_load(say=lambda _message: None)
        demo.demo_load(said.append, incident_ids=INCIDENTS)
        yield said
        transaction.set_rollback(True)
    ward_locator_reset()


@pytest.fixture
def records(loaded: list[str], db: None) -> list[str]:
    return loaded


def test_it_loads_thousands_of_residents_vehicles_and_cases(records: list[str]) -> None:
    assert Person.objects.count() == demo.PERSONS + 40
    assert Vehicle.objects.count() == demo.VEHICLES
    assert Case.objects.count() == demo.CASES
    assert "3,000 persons" in records[-1]


def test_every_cccd_fits_its_holder_s_birth_date_and_gender(records: list[str]) -> None:
    rows = Person.objects.exclude(cccd="").values_list("cccd", "birth_date", "gender")

    assert len(rows) == demo.PERSONS
    assert [r for r in rows if cccd_problems(r[0], birth_date=r[1], gender=r[2])] == []
    assert sum(1 for r in rows if r[0].startswith("079")) > demo.PERSONS / 2  # mostly HCMC


def test_every_plate_is_a_valid_hcmc_plate(records: list[str]) -> None:
    plates = [plate_parse(p) for p in Vehicle.objects.values_list("plate", flat=True)]

    assert all(p is not None and p.is_hcmc for p in plates)
    assert {p.kind for p in plates if p} == {"car", "motorbike"}


def test_family_names_have_the_real_shape(records: list[str]) -> None:
    families = Counter(
        name.split(" ")[0] for name in Person.objects.values_list("full_name", flat=True)
    )
    total = sum(families.values())

    assert 0.33 < families["Nguyễn"] / total < 0.44
    assert [name for name, _n in families.most_common(3)] == ["Nguyễn", "Trần", "Lê"]


def test_cases_link_to_the_demo_incidents_and_people(records: list[str]) -> None:
    incident_links = Link.objects.filter(role=Role.INCIDENT)

    assert sorted(incident_links.values_list("incident_id", flat=True)) == INCIDENTS
    assert Link.objects.filter(role=Role.SUSPECT).count() >= demo.CASES
    assert Case.objects.filter(classification__gt=0).exists()


def test_the_second_register_leaves_conflicts_and_possible_duplicates(records: list[str]) -> None:
    both = SourceRecord.objects.filter(source=demo.RESIDENCE, external_id__startswith="TT0")

    assert both.count() == 300
    assert DuplicateCandidate.objects.filter(status="pending").count() >= 20


def test_it_changes_nothing_when_loaded_again(records: list[str]) -> None:
    before = (Person.objects.count(), Link.objects.count(), SourceRecord.objects.count())
    said: list[str] = []

    demo.demo_load(said.append, incident_ids=INCIDENTS)

    assert (Person.objects.count(), Link.objects.count(), SourceRecord.objects.count()) == before
    assert said == ["  records already loaded"]


def test_it_makes_the_same_people_every_time() -> None:
    from safecity.records.synthetic import Generator

    first, second = Generator(demo.SEED, [1, 2]), Generator(demo.SEED, [1, 2])
    one, two = [first.person() for _ in range(50)], [second.person() for _ in range(50)]

    assert one == two
