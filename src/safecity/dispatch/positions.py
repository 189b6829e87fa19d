"""Positions (AVL): batches of fixes from a unit's tracker or an officer's phone.

Each fix is checked on its own; the good ones are stored in one INSERT and the newest becomes
the unit's position in one conditional UPDATE, so a batch costs the same few queries whatever
its size. A fix is refused, with a code and a reason, when it cannot be true:

- ``invalid``: latitude/longitude out of range, negative accuracy or speed, heading not 0–360;
- ``outside_area``: outside the province's bounds (the box around its ward boundaries);
- ``in_future``: later than the server's clock plus ``SAFECITY_POSITION_MAX_FUTURE`` seconds;
- ``too_old``: older than the unit's latest accepted fix by more than
  ``SAFECITY_POSITION_MAX_LAG`` seconds (a late batch from a phone that was offline is fine),
  or older than the history keeps (``SAFECITY_POSITION_RETENTION_DAYS``);
- ``impossible_speed``: the distance from the previous accepted fix, or the speed the device
  reports, implies more than ``SAFECITY_POSITION_MAX_SPEED`` m/s;
- ``duplicate``: the same time as a fix already accepted.

Positions are telemetry, not decisions: they are kept as history (with the time received) but
not written to the audit trail, which would drown in them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import path_ids
from safecity.core import audit, live
from safecity.dispatch.models import PatrolUnit, Position
from safecity.dispatch.selectors import PositionTarget
from safecity.geography.distance import distance_m
from safecity.geography.models import Ward

MAX_FIXES = 1000


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    ts: datetime
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading: float | None = None


@dataclass(frozen=True)
class Rejection:
    index: int
    code: str
    message: str


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    rejected: list[Rejection]
    latest: Fix | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": [
                {"index": r.index, "code": r.code, "message": r.message} for r in self.rejected
            ],
        }


# --- The province's bounds -------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


_bounds: Bounds | None = None
_bounds_lock = threading.Lock()


def province_bounds() -> Bounds | None:
    """The box around the force's province's ward boundaries; ``None`` while no boundary is
    loaded (then no fix is refused for its place). Read once per process."""
    global _bounds
    if _bounds is not None:
        return _bounds
    box = Ward.objects.filter(
        province_id=settings.SAFECITY_PROVINCE_CODE, min_lat__isnull=False
    ).aggregate(
        min_lat=Min("min_lat"),
        min_lon=Min("min_lon"),
        max_lat=Max("max_lat"),
        max_lon=Max("max_lon"),
    )
    if box["min_lat"] is None:
        return None  # not remembered: the geography may be loaded later
    with _bounds_lock:
        _bounds = Bounds(box["min_lat"], box["min_lon"], box["max_lat"], box["max_lon"])
    return _bounds


def province_bounds_reset() -> None:
    global _bounds
    with _bounds_lock:
        _bounds = None


# --- Checking fixes ----------------------------------------------------------------------------


class _Messages:
    """Each reason translated once per batch, not once per fix."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, code: str) -> str:
        if code not in self._cache:
            self._cache[code] = str(
                {
                    "invalid": _("Not a valid fix (coordinates, accuracy, speed or heading)."),
                    "outside_area": _("Outside the province this force covers."),
                    "in_future": _("Later than the server's clock."),
                    "too_old": _("Much older than the unit's latest position."),
                    "impossible_speed": _("Implies a speed no vehicle has."),
                    "duplicate": _("A fix at this time was already accepted."),
                }[code]
            )
        return self._cache[code]


def _invalid(fix: Fix) -> bool:
    numbers = [fix.lat, fix.lon, fix.accuracy_m, fix.speed_mps, fix.heading]
    if any(n is not None and not math.isfinite(n) for n in numbers):
        return True
    return (
        not (-90 <= fix.lat <= 90 and -180 <= fix.lon <= 180)
        or (fix.accuracy_m is not None and fix.accuracy_m < 0)
        or (fix.speed_mps is not None and fix.speed_mps < 0)
        or (fix.heading is not None and not 0 <= fix.heading <= 360)
    )


def check_fixes(
    target: PositionTarget, fixes: Sequence[Fix], *, now: datetime
) -> tuple[list[Fix], list[Rejection]]:
    """The fixes to keep (in time order) and the refused ones with their reasons."""
    max_speed = float(settings.SAFECITY_POSITION_MAX_SPEED)
    future = now + timedelta(seconds=settings.SAFECITY_POSITION_MAX_FUTURE)
    # Older than the latest accepted by more than the lag, or older than the history keeps.
    oldest = now - timedelta(days=settings.SAFECITY_POSITION_RETENTION_DAYS)
    if target.position_at is not None:
        oldest = max(
            oldest, target.position_at - timedelta(seconds=settings.SAFECITY_POSITION_MAX_LAG)
        )
    bounds = province_bounds()
    message = _Messages()
    rejected: list[Rejection] = []
    kept: list[Fix] = []
    # The reference a fix's speed is judged from: the previous accepted fix in time.
    ref: tuple[float, float, datetime] | None = None
    if target.lat is not None and target.lon is not None and target.position_at is not None:
        ref = (target.lat, target.lon, target.position_at)
    seen = {target.position_at} if target.position_at is not None else set()
    for index in sorted(range(len(fixes)), key=lambda i: fixes[i].ts):
        fix = fixes[index]
        code = ""
        if _invalid(fix):
            code = "invalid"
        elif bounds is not None and not bounds.contains(fix.lat, fix.lon):
            code = "outside_area"
        elif fix.ts > future:
            code = "in_future"
        elif fix.ts < oldest:
            code = "too_old"
        elif fix.ts in seen:
            code = "duplicate"
        elif fix.speed_mps is not None and fix.speed_mps > max_speed:
            code = "impossible_speed"
        elif ref is not None:
            seconds = max(abs((fix.ts - ref[2]).total_seconds()), 1.0)
            if distance_m(ref[0], ref[1], fix.lat, fix.lon) / seconds > max_speed:
                code = "impossible_speed"
        if code:
            rejected.append(Rejection(index=index, code=code, message=message(code)))
            continue
        kept.append(fix)
        seen.add(fix.ts)
        if ref is None or fix.ts >= ref[2]:
            ref = (fix.lat, fix.lon, fix.ts)
    rejected.sort(key=lambda r: r.index)
    return kept, rejected


# --- Storing -----------------------------------------------------------------------------------


_COLUMNS = ("unit_id", "lat", "lon", "accuracy_m", "speed_mps", "heading", "ts", "received_at")


def _column(name: str) -> str:
    field = Position._meta.get_field(name)
    return field.column if isinstance(field, Field) and field.column else name


def _insert_history(unit_id: int, fixes: Sequence[Fix], received_at: datetime) -> None:
    """One INSERT statement run for every fix (``executemany``). ``bulk_create`` would split a
    1,000-fix batch into eight statements on SQLite (999 parameters each) and build each one's
    SQL text in Python; this is the hot path of the tracker feed."""
    meta = Position._meta
    ts_field = meta.get_field("ts")
    quote = connection.ops.quote_name
    received = ts_field.get_db_prep_value(received_at, connection)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(meta.db_table),
        ", ".join(quote(_column(c.removesuffix("_id"))) for c in _COLUMNS),
        ", ".join(["%s"] * len(_COLUMNS)),
    )
    rows = [
        (
            unit_id,
            f.lat,
            f.lon,
            f.accuracy_m,
            f.speed_mps,
            f.heading,
            ts_field.get_db_prep_value(f.ts, connection),
            received,
        )
        for f in fixes
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def positions_record(
    *, target: PositionTarget, fixes: Sequence[Fix], now: datetime | None = None
) -> IngestResult:
    """Check a batch of fixes of one unit; store the good ones and move the unit to the newest.

    Two statements whatever the batch's size: one INSERT of the history, one UPDATE of the
    unit's position, conditional on the fix being newer than the one it has (two batches
    racing cannot move a unit back in time).
    """
    now = now or timezone.now()
    kept, rejected = check_fixes(target, fixes, now=now)
    if not kept:
        return IngestResult(accepted=0, rejected=rejected)
    newest = kept[-1]
    with transaction.atomic():
        _insert_history(target.id, kept, now)
        moved = (
            target.position_at is None or newest.ts > target.position_at
        ) and PatrolUnit.objects.filter(
            Q(position_at__isnull=True) | Q(position_at__lt=newest.ts), pk=target.id
        ).update(
            lat=newest.lat,
            lon=newest.lon,
            accuracy_m=newest.accuracy_m,
            speed_mps=newest.speed_mps,
            heading=newest.heading,
            position_at=newest.ts,
        )
        if moved:
            live.publish(
                "unit.position",
                {
                    "id": target.id,
                    "call_sign": target.call_sign,
                    "status": target.status,
                    "lat": newest.lat,
                    "lon": newest.lon,
                    "heading": newest.heading,
                    "speed_mps": newest.speed_mps,
                    "accuracy_m": newest.accuracy_m,
                    "position_at": newest.ts.isoformat(),
                },
                unit_path=path_ids(target.station_path),
            )
    return IngestResult(accepted=len(kept), rejected=rejected, latest=newest)


def positions_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete position history older than the retention (``SAFECITY_POSITION_RETENTION_DAYS``),
    in chunks so a large purge does not hold the database's write lock for long."""
    now = now or timezone.now()
    keep = settings.SAFECITY_POSITION_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=keep)
    total = 0
    while True:
        with transaction.atomic():
            # By the time received (indexed); a fix's own time is never older than that by
            # more than the retention (``check_fixes`` refuses those).
            old = Position.objects.filter(received_at__lt=cutoff)
            ids = list(old.values_list("pk", flat=True)[:5000])
            if not ids:
                break
            deleted, _by_model = Position.objects.filter(pk__in=ids).delete()
            total += deleted
    if total:
        with transaction.atomic():
            audit.record(
                "positions.purge",
                object_type="position",
                detail={"deleted": total, "before": cutoff.isoformat(), "days": keep},
            )
    return total
