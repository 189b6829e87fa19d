"""Demo history: a month of closed incidents with their recorded acknowledgement, dispatch and
arrival times, so the hotspots and the response-time statistics show something on first start.

The rows are written directly, in bulk, with moments in the past: the services stamp "now" and
announce every change live, which is right for real work and wrong for a made-up past. The demo
data's own audit entry says what was written. Idempotent: once any incident older than a day
exists, nothing is added.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import h3
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from safecity.accounts.models import Unit
from safecity.core import audit
from safecity.dispatch.models import Assignment, PatrolUnit, UnitKind
from safecity.geography.models import Ward
from safecity.incidents.models import (
    DEFAULT_PRIORITY,
    Category,
    Channel,
    Incident,
    IncidentEvent,
    Report,
)
from safecity.incidents.services import H3_RESOLUTION

Say = Callable[[str], None]

DAYS = 30
INCIDENTS = 420
# Where trouble clusters in the demo city (wards missing from the data are skipped), and how
# much of it each gets; the rest is spread over the wards that have patrol units.
HOT_WARDS = (
    ("Phường Bến Thành", 10),
    ("Phường Sài Gòn", 8),
    ("Phường Chợ Lớn", 7),
    ("Phường Tân Định", 4),
    ("Phường Bàn Cờ", 4),
    ("Phường Xóm Chiếu", 3),
)
CATEGORY_WEIGHTS = (
    (Category.SECURITY, 38),
    (Category.TRAFFIC_ACCIDENT, 30),
    (Category.MEDICAL, 12),
    (Category.FIRE, 8),
    (Category.RESCUE, 4),
    (Category.OTHER, 8),
)
SUITED = {
    Category.FIRE: (UnitKind.FIRE_ENGINE,),
    Category.RESCUE: (UnitKind.RESCUE, UnitKind.FIRE_ENGINE),
    Category.TRAFFIC_ACCIDENT: (UnitKind.TRAFFIC, UnitKind.PATROL_CAR, UnitKind.MOTORBIKE),
}
PATROL_KINDS = (UnitKind.PATROL_CAR, UnitKind.MOTORBIKE, UnitKind.FOOT)
# Evenings are busiest (weights per hour of day, 0–23).
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 7, 8, 8, 7, 5, 3)


@dataclass
class _Place:
    ward: Ward
    station: Unit
    polygon: Any  # a prepared shapely geometry


def _seconds(rng: random.Random, median: float, spread: float = 0.6) -> float:
    """A log-normal delay: most near ``median``, a long tail of slow ones, as real ones are."""
    return max(1.0, rng.lognormvariate(math.log(median), spread))


def _point(place: _Place, rng: random.Random, spread_m: float) -> tuple[float, float]:
    ward = place.ward
    lat0, lon0 = ward.label_lat or 0.0, ward.label_lon or 0.0
    for _ in range(50):
        lat = rng.gauss(lat0, spread_m / 111_320)
        lon = rng.gauss(lon0, spread_m / 109_000)
        if place.polygon.contains(Point(lon, lat)):
            return round(lat, 6), round(lon, 6)
    return lat0, lon0


def _places() -> dict[str, _Place]:
    stations = {
        u.ward_code: u for u in Unit.objects.filter(kind=Unit.Kind.STATION, ward_code__isnull=False)
    }
    with_units = set(
        PatrolUnit.objects.filter(station__ward_code__isnull=False).values_list(
            "station__ward_code", flat=True
        )
    )
    hot = {name for name, _w in HOT_WARDS}
    places = {}
    wards = Ward.objects.filter(
        province_id=settings.SAFECITY_PROVINCE_CODE,
        boundary__isnull=False,
        label_lat__isnull=False,
    )
    for ward in wards:
        if ward.code in stations and (ward.code in with_units or ward.name in hot):
            places[ward.name] = _Place(ward, stations[ward.code], prep(shape(ward.boundary)))
    return places


def _pick_units(
    rng: random.Random, category: str, station: Unit, fleet: list[PatrolUnit], how_many: int
) -> list[PatrolUnit]:
    kinds = SUITED.get(Category(category), PATROL_KINDS)
    suited = [u for u in fleet if u.kind in kinds]
    own = [u for u in suited if u.station_id == station.pk]
    pool = own or suited or fleet
    return rng.sample(pool, min(how_many, len(pool)))


@transaction.atomic
def history_load(say: Say = print) -> None:
    now = timezone.now()
    if Incident.objects.filter(opened_at__lt=now - timedelta(days=1)).exists():
        return
    fleet = list(PatrolUnit.objects.all())
    places = _places()
    if not fleet or not places:
        say("  no patrol units or ward stations yet: no history")
        return
    rng = random.Random(1225)  # noqa: S311 - made-up demo history, not security
    hot = [(places[name], weight) for name, weight in HOT_WARDS if name in places]
    hot_names = {p.ward.name for p, _w in hot}
    spread = [(p, 1) for p in places.values()]
    choices = hot + spread
    # Each ward's dispatch room has its own pace, so the per-ward chart has a story to tell.
    pace = {p.ward.code: rng.uniform(0.6, 1.6) for p in places.values()}
    categories = [c for c, _w in CATEGORY_WEIGHTS]
    category_weights = [w for _c, w in CATEGORY_WEIGHTS]

    planned = []
    for _ in range(INCIDENTS):
        place = rng.choices([p for p, _w in choices], [w for _p, w in choices])[0]
        category = rng.choices(categories, category_weights)[0]
        day = rng.randrange(1, DAYS + 1)
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        opened = (now - timedelta(days=day)).replace(
            hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
        )
        # Hot wards cluster around a few streets; elsewhere incidents are scattered.
        lat, lon = _point(place, rng, spread_m=250 if place.ward.name in hot_names else 700)
        planned.append((place, category, opened, lat, lon))

    incidents: list[Incident] = []
    timelines: list[tuple[Incident, datetime, datetime | None, datetime | None, datetime]] = []
    for place, category, opened, lat, lon in planned:
        slow = pace[place.ward.code]
        acknowledged = opened + timedelta(seconds=_seconds(rng, 20 * slow))
        outcome = rng.random()
        if outcome < 0.08:  # false alarms and cancellations: acknowledged, never dispatched
            status = Incident.Status.FALSE_REPORT if outcome < 0.04 else Incident.Status.CANCELLED
            dispatched = on_scene = None
            ended = acknowledged + timedelta(minutes=rng.randrange(3, 20))
        else:
            status = Incident.Status.CLOSED
            dispatched = acknowledged + timedelta(seconds=_seconds(rng, 35 * slow))
            on_scene = dispatched + timedelta(seconds=_seconds(rng, 420, 0.45))
            ended = on_scene + timedelta(minutes=rng.randrange(15, 90))
        incident = Incident(
            category=category,
            priority=int(DEFAULT_PRIORITY[Category(category)]),
            status=status,
            lat=lat,
            lon=lon,
            ward_code=place.ward.code,
            h3_cell=h3.latlng_to_cell(lat, lon, H3_RESOLUTION),
            unit=place.station,
            report_count=1,
            opened_at=opened,
            last_report_at=opened,
            acknowledged_at=acknowledged,
            ended_at=ended,
            outcome="Đã xử lý xong." if dispatched else "Không cần điều lực lượng.",
        )
        incidents.append(incident)
        timelines.append((incident, acknowledged, dispatched, on_scene, ended))
    Incident.objects.bulk_create(incidents, batch_size=200)

    reports, events, assignments = [], [], []
    for incident, acknowledged, dispatched, on_scene, ended in timelines:
        opened = incident.opened_at
        reports.append(
            Report(
                incident=incident,
                channel=rng.choice([Channel.WEB, Channel.API, Channel.CALL, Channel.CALL]),
                category=incident.category,
                lat=incident.lat,
                lon=incident.lon,
                ward_code=incident.ward_code,
                received_at=opened,
            )
        )
        events += [
            IncidentEvent(incident=incident, at=opened, kind="opened", status="new", public=True),
            IncidentEvent(
                incident=incident,
                at=acknowledged,
                kind="acknowledged",
                status="acknowledged",
                public=True,
            ),
            IncidentEvent(
                incident=incident,
                at=ended,
                kind="closed",
                status=incident.status,
                detail={"outcome": incident.outcome},
                public=True,
            ),
        ]
        if dispatched is None or on_scene is None:
            continue
        crews = 2 if incident.priority == 1 and rng.random() < 0.5 else 1
        for number, unit in enumerate(
            _pick_units(rng, incident.category, incident.unit, fleet, crews)
        ):
            sent = dispatched + timedelta(seconds=20 * number)
            arrived = on_scene + timedelta(seconds=_seconds(rng, 90) * number)
            assignments.append(
                Assignment(
                    incident=incident,
                    unit=unit,
                    assigned_at=sent,
                    acknowledged_at=sent + timedelta(seconds=_seconds(rng, 10)),
                    en_route_at=sent + timedelta(seconds=_seconds(rng, 25)),
                    on_scene_at=arrived,
                    released_at=ended,
                    release_reason="Hoàn thành nhiệm vụ",
                )
            )
    Report.objects.bulk_create(reports, batch_size=200)
    IncidentEvent.objects.bulk_create(events, batch_size=500)
    Assignment.objects.bulk_create(assignments, batch_size=500)
    audit.record(
        "demo.history_load",
        object_type="incident",
        detail={"incidents": len(incidents), "assignments": len(assignments), "days": DAYS},
    )
    say(f"  {len(incidents)} past incidents over {DAYS} days, {len(assignments)} dispatches")
