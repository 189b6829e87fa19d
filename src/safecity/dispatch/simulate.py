"""``safecity demo --simulate``: a living demo city. Every tick, each on-duty unit moves — free
units patrol between random points of their ward, dispatched units drive to their incident at
their kind's speed — and posts its position through the same service as a real tracker; crews
answer their assignments like people would: acknowledge, go en route, arrive, and after a while
on scene clear with an outcome (the last unit resolves the incident).

Runs until Ctrl-C, or for ``seconds``. Everything goes through the services, so consoles and
maps watching the server see it live (with Redis as channel layer when the simulator runs in
another process than the server).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from safecity.core.errors import ApplicationError
from safecity.dispatch import positions, services, timers
from safecity.dispatch.models import Assignment, PatrolUnit, UnitStatus
from safecity.dispatch.selectors import PositionTarget
from safecity.geography.distance import distance_m
from safecity.geography.models import Ward
from safecity.geography.selectors import ward_at

Say = Callable[[str], None]
M_PER_DEG = 111_320.0
ARRIVED_M = 40.0


@dataclass
class Timing:
    """How long the simulated crews take (seconds): quick enough to watch."""

    acknowledge: float = 3.0
    en_route: float = 6.0
    on_scene: float = 25.0


@dataclass
class _Walker:
    target: tuple[float, float] | None = None
    ward_code: int | None = None
    history: list[tuple[float, float]] = field(default_factory=list)


class Simulator:
    def __init__(
        self, *, seed: int = 363, timing: Timing | None = None, say: Say | None = None
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not security
        self.timing = timing or Timing()
        self.say = say or (lambda _m: None)
        self.walkers: dict[int, _Walker] = {}
        self._wards: dict[int, Any] = {}
        self.moves = 0
        self.actions = 0

    # --- Geometry ------------------------------------------------------------------------------

    def _ward_shape(self, code: int) -> Any:
        if code not in self._wards:
            ward = Ward.objects.filter(code=code).only("boundary", "min_lat").first()
            self._wards[code] = (
                (ward, prep(shape(ward.boundary))) if ward and ward.boundary else None
            )
        return self._wards[code]

    def _point_near(self, lat: float, lon: float, ward_code: int | None) -> tuple[float, float]:
        """A random point up to ~800 m away, inside the same ward when its boundary is known."""
        held = self._ward_shape(ward_code) if ward_code is not None else None
        for _ in range(30):
            d = 800 / M_PER_DEG
            p_lat = lat + self.rng.uniform(-d, d)
            p_lon = lon + self.rng.uniform(-d, d) / max(math.cos(math.radians(lat)), 0.01)
            if held is None or held[1].contains(Point(p_lon, p_lat)):
                return p_lat, p_lon
        return lat, lon

    @staticmethod
    def _step(
        lat: float, lon: float, to: tuple[float, float], metres: float
    ) -> tuple[float, float, float, bool]:
        """Move up to ``metres`` towards ``to``: new lat, lon, heading, arrived."""
        total = distance_m(lat, lon, to[0], to[1])
        dy = (to[0] - lat) * M_PER_DEG
        dx = (to[1] - lon) * M_PER_DEG * math.cos(math.radians(lat))
        heading = (math.degrees(math.atan2(dx, dy)) + 360) % 360
        if total <= metres or total == 0:
            return to[0], to[1], heading, True
        f = metres / total
        return lat + (to[0] - lat) * f, lon + (to[1] - lon) * f, heading, False

    # --- One tick ------------------------------------------------------------------------------

    def tick(self, *, dt: float, now: datetime | None = None) -> None:
        now = now or timezone.now()
        units = list(
            PatrolUnit.objects.select_related("station", "incident")
            .filter(on_duty=True, lat__isnull=False)
            .order_by("pk")
        )
        open_assignments = {
            a.unit_id: a
            for a in Assignment.objects.select_related("incident").filter(
                released_at__isnull=True, unit__in=units
            )
        }
        for unit in units:
            assignment = open_assignments.get(unit.pk)
            try:
                self._answer(unit, assignment, now)
                self._move(unit, assignment, dt, now)
            except ApplicationError as exc:  # a dispatcher changed it meanwhile: next tick
                self.say(f"  {unit.call_sign}: {exc.message}")

    def _answer(self, unit: PatrolUnit, assignment: Assignment | None, now: datetime) -> None:
        if assignment is None:
            return
        crew = unit.members.first()
        waited = (now - assignment.assigned_at).total_seconds()
        if assignment.acknowledged_at is None and waited >= self.timing.acknowledge:
            services.assignment_acknowledge(assignment=assignment, actor=crew)
            self.actions += 1
        elif unit.status == UnitStatus.DISPATCHED and waited >= self.timing.en_route:
            services.unit_set_status(unit=unit, status=UnitStatus.EN_ROUTE, actor=crew)
            unit.status = UnitStatus.EN_ROUTE
            self.actions += 1
        elif unit.status == UnitStatus.EN_ROUTE and unit.lat is not None and unit.lon is not None:
            incident = assignment.incident
            if distance_m(unit.lat, unit.lon, incident.lat, incident.lon) <= ARRIVED_M:
                services.unit_set_status(unit=unit, status=UnitStatus.ON_SCENE, actor=crew)
                self.actions += 1
        elif (
            unit.status == UnitStatus.ON_SCENE
            and assignment.on_scene_at is not None
            and (now - assignment.on_scene_at).total_seconds() >= self.timing.on_scene
        ):
            services.unit_set_status(
                unit=unit,
                status=UnitStatus.AVAILABLE,
                actor=crew,
                reason="Đã xử lý xong",
                outcome="Đã xử lý xong tại hiện trường (mô phỏng).",
            )
            self.actions += 1

    def _move(
        self, unit: PatrolUnit, assignment: Assignment | None, dt: float, now: datetime
    ) -> None:
        if unit.lat is None or unit.lon is None:
            return
        walker = self.walkers.setdefault(unit.pk, _Walker())
        speed = settings.SAFECITY_DISPATCH_SPEEDS.get(unit.kind, 5.0)
        if assignment is not None and unit.status == UnitStatus.EN_ROUTE:
            target = (assignment.incident.lat, assignment.incident.lon)
        elif unit.status in (UnitStatus.AVAILABLE, UnitStatus.RETURNING):
            if walker.ward_code is None:
                ward = ward_at(unit.lat, unit.lon)
                walker.ward_code = ward.code if ward else None
            if walker.target is None:
                walker.target = self._point_near(unit.lat, unit.lon, walker.ward_code)
            target = walker.target
            speed *= 0.5  # patrolling, not racing
        else:
            return  # dispatched (not moving yet), on scene, busy, out of service
        lat, lon, heading, arrived = self._step(unit.lat, unit.lon, target, speed * dt)
        if arrived and target == walker.target:
            walker.target = None
        result = positions.positions_record(
            target=PositionTarget(
                id=unit.pk,
                call_sign=unit.call_sign,
                status=unit.status,
                station_path=unit.station.path,
                lat=unit.lat,
                lon=unit.lon,
                position_at=unit.position_at,
            ),
            fixes=[
                positions.Fix(
                    lat=round(lat, 7),
                    lon=round(lon, 7),
                    ts=now,
                    accuracy_m=6.0,
                    speed_mps=round(speed, 1),
                    heading=round(heading),
                )
            ],
            now=now,
        )
        self.moves += result.accepted


def run(
    *,
    seconds: float | None = None,
    tick: float = 1.0,
    timing: Timing | None = None,
    say: Say = print,
) -> Simulator:
    """Run the simulation until Ctrl-C or ``seconds``; checks the status timers too."""
    sim = Simulator(timing=timing, say=say)
    deadline = time.monotonic() + seconds if seconds is not None else None
    say("Simulating patrol units (Ctrl+C stops)…")
    last = time.monotonic()
    try:
        while deadline is None or time.monotonic() < deadline:
            if not connection.in_atomic_block:  # (tests run inside a transaction)
                close_old_connections()
            started = time.monotonic()
            sim.tick(dt=max(started - last, 0.1))
            last = started
            timers.check_timers()
            rest = tick - (time.monotonic() - started)
            if deadline is not None:
                rest = min(rest, deadline - time.monotonic())
            if rest > 0:
                time.sleep(rest)
    except KeyboardInterrupt:
        pass
    say(f"  {sim.moves} positions posted, {sim.actions} crew actions")
    return sim


__all__ = ["Simulator", "Timing", "run"]
