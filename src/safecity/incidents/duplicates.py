"""Duplicate reports: a report of the same kind close to an open incident, soon after its last
report, joins that incident instead of opening another (``SAFECITY_DUPLICATE_RULES``: metres
and minutes per category). Reads only, and the locks that keep two processes from both
missing each other's new incident; ``services`` and ``intake`` store the outcome."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from safecity.core import locks
from safecity.geography.distance import EARTH_RADIUS_M, distance_m
from safecity.incidents.models import Incident


def duplicate_candidates(
    *, category: str, points: list[tuple[float, float]], now: Any
) -> list[Incident]:
    """Open incidents of ``category`` whose last report is within the category's time window
    (``SAFECITY_DUPLICATE_RULES``) and that may lie within its distance of one of the points
    (one query, a box around each point). The boxes only narrow the candidates;
    ``nearest_duplicate`` decides."""
    rule = settings.SAFECITY_DUPLICATE_RULES.get(category)
    if rule is None or not points:
        return []
    metres, minutes = rule
    near = Q()
    for lat, lon in points:
        dlat, dlon = _search_box(metres, lat)
        near |= Q(lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon))
    return list(
        Incident.objects.select_related("unit").filter(
            near,
            status__in=Incident.OPEN_STATUSES,
            category=category,
            last_report_at__gte=now - timedelta(minutes=minutes),
        )
    )


def _search_box(metres: float, lat: float) -> tuple[float, float]:
    """Half the height and half the width, in degrees, of the box around a point at ``lat``
    that holds every point within ``metres`` of it (sized from the same earth radius as
    ``distance_m``, plus 1 %)."""
    dlat = math.degrees(metres / EARTH_RADIUS_M) * 1.01
    return dlat, dlat / max(math.cos(math.radians(lat)), 0.01)


def duplicate_search_lock(points: dict[str, list[tuple[float, float]]]) -> None:
    """Hold, until the commit, the areas where reports (points by category) look for an
    incident to join. Two reports of the same kind within its distance, stored at the same
    moment by two processes on PostgreSQL, would each find nothing and open two incidents;
    now the second waits, then finds the first's. The areas are the cells of a grid (side:
    twice the search box's height) that each report's search box overlaps: a report within
    the distance of another lies in that one's box, so both hold the cell it lies in."""
    names = []
    for category, where in points.items():
        rule = settings.SAFECITY_DUPLICATE_RULES.get(category)
        if rule is None:
            continue
        side = 4 * _search_box(rule[0], 0.0)[0]
        for lat, lon in where:
            dlat, dlon = _search_box(rule[0], lat)
            names += [
                f"incidents.duplicates:{category}:{row}:{column}"
                for row in range(
                    math.floor((lat - dlat) / side), math.floor((lat + dlat) / side) + 1
                )
                for column in range(
                    math.floor((lon - dlon) / side), math.floor((lon + dlon) / side) + 1
                )
            ]
    locks.hold(names)


def nearest_duplicate(
    candidates: list[Incident], *, category: str, lat: float, lon: float
) -> Incident | None:
    """The nearest of ``candidates`` within the category's distance of the point."""
    rule = settings.SAFECITY_DUPLICATE_RULES.get(category)
    if rule is None:
        return None
    best: tuple[float, Incident] | None = None
    for incident in candidates:
        d = distance_m(lat, lon, incident.lat, incident.lon)
        if d <= rule[0] and (best is None or d < best[0]):
            best = (d, incident)
    return best[1] if best else None


def find_duplicate(*, category: str, lat: float, lon: float, now: Any = None) -> Incident | None:
    """The nearest open incident of the same category within the category's distance, whose
    last report is within its time window (``SAFECITY_DUPLICATE_RULES``)."""
    now = now or timezone.now()
    candidates = duplicate_candidates(category=category, points=[(lat, lon)], now=now)
    return nearest_duplicate(candidates, category=category, lat=lat, lon=lon)
