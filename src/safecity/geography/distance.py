"""Distances on the earth's surface, for every app that measures one (duplicate reports,
"who was near" a camera, unit recommendations, position checks)."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, on a sphere of ``EARTH_RADIUS_M``)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    # Rounding can put ``a`` a hair above 1 for antipodal points; asin would refuse it.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
