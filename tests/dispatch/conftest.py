"""The dispatch room as the tests see it: the city's stations (Sài Gòn, Bến Thành), their patrol
units at known points, open incidents, and the people — Minh dispatching at the command centre,
Tâm dispatching at the Sài Gòn station, Hùng crewing a Sài Gòn patrol car.

Most modules need no map: with no ward boundaries loaded, no fix is refused for its place
(the province's bounds are unknown), and the incidents are made directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.dispatch import positions, services
from safecity.dispatch.models import PatrolUnit, UnitStatus
from safecity.dispatch.routing import router
from safecity.dispatch.selectors import PositionTarget
from safecity.incidents.models import Channel, Incident, Priority, Report
from tests import factories

# Near Bến Thành market (Sài Gòn ward); the tests place units by offsets from here.
CENTRE = (10.7725, 106.6980)
M_PER_DEG = 111_320.0


def north_of(metres: float, origin: tuple[float, float] = CENTRE) -> tuple[float, float]:
    return origin[0] + metres / M_PER_DEG, origin[1]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """The router and the province's bounds are built once per process; tests change both."""
    router.cache_clear()
    positions.province_bounds_reset()
    yield
    router.cache_clear()
    positions.province_bounds_reset()


def patrol_unit(
    station: Unit,
    *,
    call_sign: str = "",
    kind: str = "patrol_car",
    at: tuple[float, float] | None = CENTRE,
    status: str = UnitStatus.AVAILABLE,
    members: list[User] | None = None,
    position_at: datetime | None = None,
) -> PatrolUnit:
    """A unit of ``station`` at ``at``, on shift and in ``status`` (off duty: never started)."""
    unit = services.unit_create(
        call_sign=call_sign or f"TT-{PatrolUnit.objects.count() + 1:03d}",
        kind=kind,
        station=station,
        members=members or [],
    )
    if at is not None:
        when = position_at or timezone.now()
        positions.positions_record(
            target=PositionTarget(
                unit.pk, unit.call_sign, unit.status, station.path, None, None, None
            ),
            fixes=[positions.Fix(lat=at[0], lon=at[1], ts=when)],
            now=max(when, timezone.now()),
        )
    if status != UnitStatus.OFF_DUTY:
        unit = services.unit_shift_start(unit=unit, actor=None)
        if status != UnitStatus.AVAILABLE:
            unit = services.unit_set_status(unit=unit, status=status, actor=None)
    return PatrolUnit.objects.select_related("station").get(pk=unit.pk)


def incident_of(
    unit: Unit,
    *,
    category: str = "security",
    priority: int = Priority.P2,
    at: tuple[float, float] = CENTRE,
    opened_at: datetime | None = None,
    reporter_phone: str = "+84901234567",
) -> Incident:
    """An open incident owned by ``unit`` with one citizen's report (Lan's)."""
    incident = Incident.objects.create(
        category=category,
        priority=priority,
        lat=at[0],
        lon=at[1],
        h3_cell="8965b5612c7ffff",
        unit=unit,
        report_count=1,
        address="Chợ Bến Thành, Lê Lợi",
        summary="Nhóm thanh niên gây rối",
        opened_at=opened_at or timezone.now(),
    )
    Report.objects.create(
        incident=incident,
        channel=Channel.WEB,
        category=category,
        lat=incident.lat,
        lon=incident.lon,
        reporter_name="Trương Thị Lan",
        reporter_phone=reporter_phone,
    )
    return incident


@pytest.fixture
def tam(station: Unit) -> User:
    """Tâm, a dispatcher at the Sài Gòn ward station (sees and sends that station's units)."""
    return factories.officer(
        username="tam", unit_=station, roles=["dispatcher"], full_name="Lê Minh Tâm"
    )


@pytest.fixture
def khoa(station: Unit) -> User:
    """Khoa, another patrol officer of the Sài Gòn station, on another car than Hùng's."""
    return factories.officer(
        username="khoa", unit_=station, roles=["patrol_officer"], full_name="Phan Đăng Khoa"
    )


@pytest.fixture
def car(station: Unit, hung: User) -> PatrolUnit:
    """TT-01, the Sài Gòn station's patrol car crewed by Hùng, available at the centre."""
    return patrol_unit(station, call_sign="TT-01", members=[hung])


@pytest.fixture
def incident(station: Unit) -> Incident:
    """A P2 security incident of the Sài Gòn station at the centre."""
    return incident_of(station)


def fresh_unit(unit: PatrolUnit) -> PatrolUnit:
    return PatrolUnit.objects.get(pk=unit.pk)


def fresh_incident(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)
