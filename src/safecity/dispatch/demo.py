"""Demo patrol units: about sixty crews and vehicles over the HCMC wards nearest the centre,
each at a point inside its ward's boundary, on duty, and a few of the demo incidents already
dispatched (one to patrol1's car, so ``/ops/my-unit/`` has something to show).

Idempotent: once any patrol unit exists, nothing is added.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from safecity.accounts.models import Unit, User
from safecity.dispatch import positions, services
from safecity.dispatch.models import PatrolUnit, UnitKind, UnitStatus
from safecity.dispatch.selectors import PositionTarget, recommend_units
from safecity.geography.distance import distance_m
from safecity.geography.models import Ward
from safecity.incidents.models import Incident

Say = Callable[[str], None]

# (kind, call-sign prefix, how many, home: "ward" station or a department's code suffix)
FLEET = (
    (UnitKind.PATROL_CAR, "TT", 22, "ward"),
    (UnitKind.MOTORBIKE, "MT", 10, "ward"),
    (UnitKind.MOTORBIKE, "CD", 6, "PK02"),  # the 363 rapid-response force
    (UnitKind.FOOT, "TB", 6, "ward"),
    (UnitKind.TRAFFIC, "CSGT", 8, "PC08"),
    (UnitKind.FIRE_ENGINE, "CC", 4, "PC07"),
    (UnitKind.RESCUE, "CNCH", 4, "PC07"),
)
CAPABILITIES = {
    UnitKind.PATROL_CAR: ["first_aid", "breathalyser"],
    UnitKind.MOTORBIKE: ["first_aid"],
    UnitKind.FOOT: [],
    UnitKind.TRAFFIC: ["breathalyser", "speed_gun", "traffic_control"],
    UnitKind.FIRE_ENGINE: ["water_tank_4000l", "ladder_32m"],
    UnitKind.RESCUE: ["hydraulic_cutter", "diving", "first_aid"],
}
CENTRE_WARD = "Phường Sài Gòn"
PATROL1_UNIT = "TT-01"


def point_in_ward(ward: Ward, rng: random.Random) -> tuple[float, float]:
    """A random point inside the ward's boundary (its label point if it has no boundary)."""
    if ward.boundary and ward.min_lat is not None and ward.max_lat is not None:
        polygon = prep(shape(ward.boundary))
        for _ in range(200):
            lat = rng.uniform(ward.min_lat, ward.max_lat)
            lon = rng.uniform(ward.min_lon or 0.0, ward.max_lon or 0.0)
            if polygon.contains(Point(lon, lat)):
                return round(lat, 6), round(lon, 6)
    return ward.label_lat or 0.0, ward.label_lon or 0.0


def central_wards(count: int) -> list[Ward]:
    """The ``count`` wards of the province nearest the centre, nearest first."""
    wards = [
        w
        for w in Ward.objects.filter(
            province_id=settings.SAFECITY_PROVINCE_CODE, boundary__isnull=False
        )
        if w.label_lat is not None and w.label_lon is not None
    ]
    centre = next((w for w in wards if w.name == CENTRE_WARD), wards[0] if wards else None)
    if centre is None or centre.label_lat is None or centre.label_lon is None:
        return []
    lat0, lon0 = centre.label_lat, centre.label_lon
    wards.sort(key=lambda w: distance_m(lat0, lon0, w.label_lat or 0.0, w.label_lon or 0.0))
    return wards[:count]


@transaction.atomic
def demo_load(say: Say = print) -> None:
    if PatrolUnit.objects.exists():
        return
    wards = central_wards(45)
    if not wards:
        say("  no ward boundaries: no patrol units")
        return
    force = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    if force is None:
        say("  no unit tree: no patrol units")
        return
    prefix = force.code
    departments = {
        suffix: Unit.objects.filter(code=f"{prefix}-{suffix}").first()
        for suffix in ("PK02", "PC08", "PC07")
    }
    stations = {
        u.ward_code: u for u in Unit.objects.filter(kind=Unit.Kind.STATION, ward_code__isnull=False)
    }
    rng = random.Random(79)  # noqa: S311 - demo placement, not security
    now = timezone.now()
    made: list[PatrolUnit] = []
    ward_cycle = 0
    patrol1 = User.objects.filter(username="patrol1").first()
    for kind, code_prefix, count, home in FLEET:
        for number in range(1, count + 1):
            ward = wards[ward_cycle % len(wards)]
            ward_cycle += 1
            if kind == UnitKind.PATROL_CAR and number == 1:
                ward = next((w for w in wards if w.name == CENTRE_WARD), ward)
            station = (
                stations.get(ward.code) if home == "ward" else departments.get(home)
            ) or force
            call_sign = f"{code_prefix}-{number:02d}"
            # Crews come from the demo's officers: patrol1 is the one patrol officer. The other
            # units run without named crew (the simulator answers for them).
            members = [patrol1] if call_sign == PATROL1_UNIT and patrol1 is not None else []
            unit = services.unit_create(
                call_sign=call_sign,
                kind=kind,
                station=station,
                members=members,
                capabilities=CAPABILITIES[kind],
            )
            lat, lon = point_in_ward(ward, rng)
            unit = services.unit_shift_start(unit=unit, actor=None)
            positions.positions_record(
                target=PositionTarget(
                    id=unit.pk,
                    call_sign=unit.call_sign,
                    status=unit.status,
                    station_path=station.path,
                    lat=None,
                    lon=None,
                    position_at=None,
                ),
                fixes=[positions.Fix(lat=lat, lon=lon, ts=now, accuracy_m=8.0, speed_mps=0.0)],
                now=now,
            )
            made.append(unit)
    # A realistic board: some crews off shift, one on another task, one in the workshop.
    for unit in made[-8:-4]:
        services.unit_shift_end(unit=unit, actor=None)
    services.unit_set_status(
        unit=made[5], status=UnitStatus.BUSY, actor=None, reason="Tuần tra mục tiêu"
    )
    services.unit_set_status(
        unit=made[12], status=UnitStatus.OUT_OF_SERVICE, actor=None, reason="Bảo dưỡng xe"
    )
    dispatched = _dispatch_some(made)
    say(f"  {len(made)} patrol units in {len(wards)} wards; {dispatched} incidents dispatched")


def _dispatch_some(units: list[PatrolUnit]) -> int:
    """Send units to a few of the open demo incidents: patrol1's car to the nearest one (just
    dispatched), the best-ranked unit to others (one en route, one on scene)."""
    incidents = list(Incident.objects.filter(status__in=Incident.OPEN_STATUSES).order_by("pk"))
    if not incidents:
        return 0
    dispatcher = User.objects.filter(username="dispatcher").first()
    actor: Any = dispatcher
    count = 0
    own = next((u for u in units if u.call_sign == PATROL1_UNIT), None)
    first = incidents[0]
    if own is not None:
        services.assign_units(incident=first, units=[own], actor=actor)
        count += 1
    for incident, move_to in zip(
        incidents[1:4], (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, None), strict=False
    ):
        ranked = recommend_units(incident, limit=1)
        if not ranked:
            continue
        unit = PatrolUnit.objects.get(pk=ranked[0].unit_id)
        services.assign_units(incident=incident, units=[unit], actor=actor)
        if move_to is not None:
            services.unit_set_status(unit=unit, status=UnitStatus.EN_ROUTE, actor=None)
        if move_to == UnitStatus.ON_SCENE:
            services.unit_set_status(unit=unit, status=UnitStatus.ON_SCENE, actor=None)
        count += 1
    return count
