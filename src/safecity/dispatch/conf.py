"""Parsers for the dispatch settings (read in ``settings.py`` from the environment).

Plain Python with no model import, because settings load before the apps. A bad value raises
``ImproperlyConfigured`` naming the variable, at start-up. The names of statuses and kinds are
repeated here from ``models.py``; ``tests/dispatch/test_status_model.py`` keeps the two in step.
"""

from __future__ import annotations

import math

from django.core.exceptions import ImproperlyConfigured

STATUSES = (
    "available",
    "dispatched",
    "en_route",
    "on_scene",
    "busy",
    "returning",
    "out_of_service",
    "off_duty",
)
KINDS = ("patrol_car", "motorbike", "foot", "traffic", "fire_engine", "rescue")
CATEGORIES = ("security", "fire", "traffic_accident", "rescue", "medical", "other")

# Which status may follow which. A unit enters "dispatched" only by being assigned to an
# incident; leaving dispatched/en route/on scene for another status releases the assignment.
DEFAULT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "available": ("dispatched", "busy", "out_of_service", "off_duty"),
    "dispatched": ("en_route", "on_scene", "available"),
    "en_route": ("on_scene", "available", "returning"),
    "on_scene": ("available", "returning"),
    "busy": ("available", "returning", "out_of_service", "off_duty"),
    "returning": ("available", "busy", "out_of_service", "off_duty"),
    "out_of_service": ("available", "off_duty"),
    "off_duty": ("available",),
}

# Seconds per incident priority: (unassigned, dispatched → en route, en route → on scene).
DEFAULT_TIMERS = "1=30/60/480,2=120/120/900,3=600/300/1800,4=1800/600/3600"

# Metres per second through city traffic, by kind; straight-line distance × road factor.
DEFAULT_SPEEDS = "patrol_car=8.3,motorbike=9.7,foot=1.4,traffic=9.7,fire_engine=8.3,rescue=8.3"
DEFAULT_ROAD_FACTOR = "1.4"

# Kinds suited to each category, best first (the first listed is the category's own kind).
DEFAULT_KINDS = (
    "security=patrol_car|motorbike|foot;"
    "fire=fire_engine|rescue;"
    "traffic_accident=traffic|patrol_car|motorbike|rescue;"
    "rescue=rescue|fire_engine;"
    "medical=patrol_car|motorbike|foot|rescue;"
    "other=patrol_car|motorbike|foot"
)


def _fail(name: str, value: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r}: {why}")


def parse_transitions(name: str, value: str | None) -> dict[str, tuple[str, ...]]:
    """``"on_scene=available|returning|busy;busy=available"``: each status named gets exactly
    these next statuses; statuses not named keep the default row."""
    table = dict(DEFAULT_TRANSITIONS)
    if not value:
        return table
    for item in value.split(";"):
        item = item.strip()
        if not item:
            continue
        status, eq, targets = item.partition("=")
        status = status.strip()
        if not eq or status not in STATUSES:
            raise _fail(name, value, f"{item!r} is not status=next|next (statuses: {STATUSES})")
        nexts = tuple(t.strip() for t in targets.split("|") if t.strip())
        unknown = [t for t in nexts if t not in STATUSES or t == status]
        if unknown:
            raise _fail(name, value, f"{status}: unknown or same next status {unknown}")
        table[status] = nexts
    return table


def parse_timers(name: str, value: str) -> dict[int, tuple[int, int, int]]:
    """``"1=30/60/480,2=..."``: per priority, the seconds an incident may wait unassigned, a
    unit may stay dispatched before going en route, and en route before arriving."""
    timers: dict[int, tuple[int, int, int]] = {}
    for item in value.split(","):
        priority, _eq, spec = item.strip().partition("=")
        parts = spec.split("/")
        if not (priority.strip().isdigit() and len(parts) == 3 and all(p.isdigit() for p in parts)):
            raise _fail(name, value, f"{item.strip()!r} is not priority=s/s/s (e.g. 1=30/60/480)")
        seconds = tuple(int(p) for p in parts)
        if min(seconds) < 1:
            raise _fail(name, value, "every threshold is at least 1 second")
        timers[int(priority)] = (seconds[0], seconds[1], seconds[2])
    missing = {1, 2, 3, 4} - set(timers)
    if missing:
        raise _fail(name, value, f"priorities {sorted(missing)} have no thresholds")
    return timers


def parse_float(name: str, value: str, *, minimum: float, maximum: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise _fail(name, value, "is not a number") from None
    if not (math.isfinite(number) and minimum <= number <= maximum):
        raise _fail(name, value, f"must be between {minimum} and {maximum}")
    return number


def parse_speeds(name: str, value: str) -> dict[str, float]:
    """``"patrol_car=8.3,foot=1.4"``: metres per second by unit kind; kinds left out keep
    their default."""
    speeds = {
        kind: float(speed)
        for kind, _eq, speed in (i.partition("=") for i in DEFAULT_SPEEDS.split(","))
    }
    for item in value.split(","):
        kind, eq, speed = item.strip().partition("=")
        if not eq or kind not in KINDS:
            raise _fail(name, value, f"{item.strip()!r} is not kind=m/s (kinds: {KINDS})")
        speeds[kind] = parse_float(name, speed, minimum=0.1, maximum=100.0)
    return speeds


def parse_kinds(name: str, value: str) -> dict[str, tuple[str, ...]]:
    """``"fire=fire_engine|rescue;..."``: the unit kinds suited to each incident category,
    best first. Categories left out keep their default."""
    table: dict[str, tuple[str, ...]] = {}
    for source in (DEFAULT_KINDS, value):
        for item in source.split(";"):
            item = item.strip()
            if not item:
                continue
            category, eq, kinds = item.partition("=")
            names = tuple(k.strip() for k in kinds.split("|") if k.strip())
            if not eq or category not in CATEGORIES or not names:
                raise _fail(name, value, f"{item!r} is not category=kind|kind")
            unknown = [k for k in names if k not in KINDS]
            if unknown:
                raise _fail(name, value, f"unknown unit kinds {unknown} (kinds: {KINDS})")
            table[category] = names
    return table
