"""A small city for the map tests, with geometry simple enough to know every answer by heart:
three square wards, a station for two of them, and the people of the root conftest standing on
those stations.

    lat 10.79 ┌──────────────┐
              │   Sài Gòn    │  ward 26734, station "Công an phường Sài Gòn"
    lat 10.77 ├──────────────┤
              │  Bến Thành   │  ward 26737, station "Công an phường Bến Thành"
    lat 10.75 └──────────────┘
          lon 106.69     106.71            Thủ Dầu Một (ward 25747): far to the north, no station

Incidents, patrol units and assignments are rows made with the ORM: the map only reads them, and
the statistics need moments in the past that no service would write.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import h3
import pytest
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.dispatch.models import Assignment, PatrolUnit, UnitStatus
from safecity.geography.models import Province, Ward
from safecity.geography.selectors import ward_locator_reset
from safecity.incidents.models import Incident
from tests import factories

SAI_GON = 26734
BEN_THANH = 26737
THU_DAU_MOT = 25747

# (code, name, min_lon, min_lat, max_lon, max_lat)
SQUARES = (
    (SAI_GON, "Phường Sài Gòn", 106.69, 10.77, 106.71, 10.79),
    (BEN_THANH, "Phường Bến Thành", 106.69, 10.75, 106.71, 10.77),
    (THU_DAU_MOT, "Phường Thủ Dầu Một", 106.65, 10.96, 106.68, 10.99),
)
# A point well inside each ward.
IN_SAI_GON = (10.78, 106.70)
IN_BEN_THANH = (10.76, 106.70)
IN_THU_DAU_MOT = (10.975, 106.665)


def square(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [min_lon, min_lat],
                [max_lon, min_lat],
                [max_lon, max_lat],
                [min_lon, max_lat],
                [min_lon, min_lat],
            ]
        ],
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def wards(db: None) -> Iterator[dict[int, Ward]]:
    province = Province.objects.create(
        code=79, name="Thành phố Hồ Chí Minh", division_type="thành phố", codename="ho_chi_minh"
    )
    made = {}
    for code, name, min_lon, min_lat, max_lon, max_lat in SQUARES:
        made[code] = Ward.objects.create(
            code=code,
            province=province,
            name=name,
            division_type=Ward.DivisionType.PHUONG,
            codename=name.lower().replace(" ", "_"),
            search_key=name.lower(),
            boundary=square(min_lon, min_lat, max_lon, max_lat),
            label_lat=(min_lat + max_lat) / 2,
            label_lon=(min_lon + max_lon) / 2,
            min_lat=min_lat,
            min_lon=min_lon,
            max_lat=max_lat,
            max_lon=max_lon,
        )
    ward_locator_reset()
    yield made
    ward_locator_reset()


@pytest.fixture
def station(city: Unit, wards: dict[int, Ward]) -> Unit:
    """The Sài Gòn ward station (overrides the root conftest's, which has no ward)."""
    return factories.unit(name="Công an phường Sài Gòn", parent=city, ward_code=SAI_GON)


@pytest.fixture
def other_station(city: Unit, wards: dict[int, Ward]) -> Unit:
    return factories.unit(name="Công an phường Bến Thành", parent=city, ward_code=BEN_THANH)


@pytest.fixture
def khoa(station: Unit) -> User:
    """Khoa, a dispatcher at the Sài Gòn ward station (sees his station's work only)."""
    return factories.officer(
        username="khoa", unit_=station, roles=["dispatcher"], full_name="Phan Văn Khoa"
    )


@pytest.fixture
def thang(command_centre: Unit) -> User:
    """Thắng, a commander at the command centre: the whole city's statistics."""
    return factories.officer(
        username="thang", unit_=command_centre, roles=["commander"], full_name="Phạm Đức Thắng"
    )


@pytest.fixture
def quan(station: Unit) -> User:
    """Quân, the Sài Gòn station's commander: his station's statistics only."""
    return factories.officer(
        username="quan", unit_=station, roles=["commander"], full_name="Lê Minh Quân"
    )


def incident(
    unit: Unit,
    at: tuple[float, float],
    *,
    ward_code: int | None = None,
    category: str = "security",
    priority: int = 2,
    status: str = Incident.Status.NEW,
    opened_at: datetime | None = None,
    acknowledged_at: datetime | None = None,
    classification: int = 0,
) -> Incident:
    lat, lon = at
    return Incident.objects.create(
        category=category,
        priority=priority,
        status=status,
        lat=lat,
        lon=lon,
        ward_code=ward_code if ward_code is not None else unit.ward_code,
        h3_cell=h3.latlng_to_cell(lat, lon, 9),
        unit=unit,
        classification=classification,
        report_count=1,
        opened_at=opened_at or timezone.now(),
        acknowledged_at=acknowledged_at,
    )


def patrol_unit(
    station: Unit,
    call_sign: str,
    at: tuple[float, float] | None,
    *,
    status: str = UnitStatus.AVAILABLE,
    on_duty: bool = True,
    heading: float | None = None,
    kind: str = "patrol_car",
) -> PatrolUnit:
    lat, lon = at if at is not None else (None, None)
    return PatrolUnit.objects.create(
        call_sign=call_sign,
        kind=kind,
        station=station,
        on_duty=on_duty,
        status=status,
        lat=lat,
        lon=lon,
        heading=heading,
        position_at=timezone.now() if at is not None else None,
    )


def assignment(
    incident_: Incident,
    unit: PatrolUnit,
    *,
    assigned_after: float,
    on_scene_after: float | None = None,
) -> Assignment:
    """A finished assignment, ``assigned_after``/``on_scene_after`` seconds after the incident
    opened (released, so one unit may serve many incidents of a timeline)."""
    opened = incident_.opened_at
    on_scene = opened + timedelta(seconds=on_scene_after) if on_scene_after is not None else None
    return Assignment.objects.create(
        incident=incident_,
        unit=unit,
        assigned_at=opened + timedelta(seconds=assigned_after),
        on_scene_at=on_scene,
        released_at=(on_scene or opened) + timedelta(hours=1),
    )
