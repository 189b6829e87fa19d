"""The demo: the force's unit tree with one station per HCMC ward, the demo accounts, and
nothing new when it runs again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import override_settings

from safecity.accounts.models import Unit, User
from safecity.core.models import AuditEntry
from safecity.demo import DEMO_ACCOUNTS, demo_load
from safecity.geography.models import Ward
from safecity.geography.selectors import ward_locator_reset

DEMO_PASSWORD = "mật-khẩu-thử-nghiệm-Lan"

EXPECTED_ROLES = {
    "admin": ["system_administrator"],
    "calltaker": ["call_taker"],
    "dispatcher": ["dispatcher"],
    "commander": ["commander"],
    "patrol1": ["patrol_officer"],
    "investigator": ["investigator"],
    "publisher": ["alert_publisher"],
    "cameraop": ["camera_operator"],
    "auditor": ["auditor"],
}


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[str]]:
    """The demo, loaded once for this module inside a transaction that is rolled back after
    it (each test's own changes roll back to a savepoint within it). Returns what it said."""
    said: list[str] = []
    with (
        django_db_blocker.unblock(),
        override_settings(
            SAFECITY_DEMO_PASSWORD=DEMO_PASSWORD,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        demo_load(say=said.append)
        yield said
        transaction.set_rollback(True)
    ward_locator_reset()  # the boundaries went with the transaction


@pytest.fixture
def demo(loaded: list[str], db: None) -> list[str]:
    return loaded


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "stations": Unit.objects.filter(kind=Unit.Kind.STATION).count(),
    }


def test_it_builds_the_force_the_command_centre_and_the_departments(demo: list[str]):
    [force] = Unit.objects.filter(kind=Unit.Kind.FORCE)
    [centre] = Unit.objects.filter(kind=Unit.Kind.COMMAND)
    departments = Unit.objects.filter(kind=Unit.Kind.DEPARTMENT)
    assert force.code == "CA79"
    assert force.parent is None
    assert force.city_wide
    assert (centre.code, centre.name, centre.parent, centre.city_wide) == (
        "CA79-TTCH",
        "Trung tâm Chỉ huy",
        force,
        True,
    )
    assert departments.count() == 6
    assert {d.parent for d in departments} == {force}
    assert not any(d.city_wide for d in departments)
    assert {d.function for d in departments} == {
        "traffic",
        "administrative",
        "cyber",
        "criminal",
        "fire",
        "rapid_response",
    }


def test_it_makes_one_station_per_ward_of_the_city(demo: list[str]):
    stations = Unit.objects.filter(kind=Unit.Kind.STATION)
    assert stations.count() == 168
    assert set(stations.values_list("ward_code", flat=True)) == set(
        Ward.objects.filter(province_id=79).values_list("code", flat=True)
    )
    sai_gon = stations.get(ward_code=Ward.objects.get(name="Phường Sài Gòn").code)
    assert sai_gon.name == "Công an phường Sài Gòn"
    assert sai_gon.parent.code == "CA79"
    assert sai_gon.path == f"{sai_gon.parent.path}{sai_gon.pk}/"
    assert stations.filter(name__startswith="Công an xã ").count() == 54
    assert stations.filter(name="Công an đặc khu Côn Đảo").count() == 1


def test_it_creates_the_demo_accounts_with_their_roles(demo: list[str]):
    officers = {u.username: u for u in User.objects.filter(kind=User.Kind.OFFICER)}
    assert set(officers) == {account.username for account in DEMO_ACCOUNTS}
    assert len(officers) == 9
    for username, roles in EXPECTED_ROLES.items():
        assert sorted(officers[username].groups.values_list("name", flat=True)) == roles
    assert officers["dispatcher"].unit.code == "CA79-TTCH"
    assert officers["patrol1"].unit.name == "Công an phường Sài Gòn"
    assert officers["admin"].is_staff
    assert not officers["admin"].is_superuser
    citizen = User.objects.get(username="citizen1")
    assert citizen.kind == User.Kind.CITIZEN
    assert citizen.unit is None


def test_it_sets_the_demo_password_from_the_settings(demo: list[str]):
    for username in [*EXPECTED_ROLES, "citizen1"]:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert authenticate(username="dispatcher", password="safecity-demo") is None


def test_it_changes_nothing_when_run_again(demo: list[str], settings: Any):
    """GIVEN the demo was loaded
    WHEN it is loaded again
    THEN the counts are the same and no unit, officer or citizen is created again."""
    settings.SAFECITY_DEMO_PASSWORD = DEMO_PASSWORD
    before = _counts()
    last_seq = AuditEntry.objects.latest("seq").seq

    demo_load(say=lambda _line: None)

    assert _counts() == before
    created_again = AuditEntry.objects.filter(
        seq__gt=last_seq, action__in=["officer.create", "citizen.create", "unit.create"]
    )
    assert not created_again.exists()


def test_it_reports_what_it_loaded(demo: list[str]):
    assert any("168 stations" in line for line in demo)
    assert any("3321 wards" in line for line in demo)
