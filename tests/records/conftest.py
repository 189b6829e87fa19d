"""The integrated database as its tests see it: a few HCMC wards, the officers who use records
(an investigator Hoà, a records clerk Tâm, an auditor Thu, a dispatcher Minh who may not), and
helpers that put persons, vehicles, phones and cases in through the import service — the same
path real data takes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from safecity.accounts.models import Clearance, Unit, User
from safecity.geography.models import Province, Ward
from safecity.records import imports
from safecity.records.backends import vocabulary_reset
from safecity.records.models import Case, Person, Phone, Vehicle
from tests import factories

SAI_GON, BEN_THANH, CHO_LON = 26734, 26740, 27301


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    """The typo vocabulary is remembered per process; each test starts from its own data."""
    vocabulary_reset()
    yield
    vocabulary_reset()


@pytest.fixture
def wards(db: None) -> dict[str, Ward]:
    province = Province.objects.create(
        code=79, name="Thành phố Hồ Chí Minh", division_type="thành phố", codename="ho_chi_minh"
    )
    made = {}
    for code, name in ((SAI_GON, "Sài Gòn"), (BEN_THANH, "Bến Thành"), (CHO_LON, "Chợ Lớn")):
        made[name] = Ward.objects.create(
            code=code,
            province=province,
            name=f"Phường {name}",
            division_type="phường",
            codename=name,
            search_key=name.lower(),
        )
    return made


@pytest.fixture
def criminal_police(city: Unit) -> Unit:
    return factories.unit(name="Phòng Cảnh sát hình sự", kind=Unit.Kind.DEPARTMENT, parent=city)


@pytest.fixture
def hoa(criminal_police: Unit, wards: dict[str, Ward]) -> User:
    """Hoà, an investigator of the criminal police department, cleared for Mật."""
    return factories.officer(
        username="hoa",
        unit_=criminal_police,
        roles=["investigator"],
        clearance=Clearance.CONFIDENTIAL,
        full_name="Đặng Thị Hoà",
    )


@pytest.fixture
def tam(city: Unit, wards: dict[str, Ward]) -> User:
    """Tâm, a records clerk at the city police."""
    return factories.officer(
        username="tam", unit_=city, roles=["records_clerk"], full_name="Lý Minh Tâm"
    )


@pytest.fixture
def quang(station: Unit, wards: dict[str, Ward]) -> User:
    """Quang, an investigator at the Sài Gòn ward station (sees his station's cases only)."""
    return factories.officer(
        username="quang",
        unit_=station,
        roles=["investigator"],
        clearance=Clearance.TOP_SECRET,
        full_name="Trương Văn Quang",
    )


def put(kind: str, *rows: dict[str, Any], source: str = "test", actor: Any = None) -> Any:
    """Import ``rows`` of one kind; fail the test if any is rejected."""
    result = imports.import_rows(
        kind=kind,
        rows=list(enumerate(rows, start=2)),
        source=source,
        actor=actor,
        collect_ids=True,
    )
    assert result.rejects == [], result.rejects
    return result


def person(**values: Any) -> Person:
    result = put("person", values, source=values.pop("source", "dan-cu"))
    return Person.objects.get(pk=result.entity_ids[-1])


def vehicle(**values: Any) -> Vehicle:
    result = put("vehicle", values, source=values.pop("source", "dang-kiem"))
    return Vehicle.objects.get(pk=result.entity_ids[-1])


def phone(**values: Any) -> Phone:
    result = put("phone", values, source=values.pop("source", "nha-mang"))
    return Phone.objects.get(pk=result.entity_ids[-1])


def case(unit: Unit, **values: Any) -> Case:
    result = put("case", {"unit_code": unit.code, **values}, source="ho-so")
    return Case.objects.get(pk=result.entity_ids[-1])
