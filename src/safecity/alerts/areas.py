"""Geometry of a warning's area: CAP polygon and circle text, ward boundaries as CAP polygons,
and which wards a drawn circle or polygon touches (for the notification fan-out).

Coordinates are WGS84. The stored shapes and CAP put latitude first ("lat,lon"); GeoJSON and
shapely put longitude first, so every conversion happens here and nowhere else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from safecity.geography.models import Ward

# CAP consumers (phones, sirens, aggregators) handle modest polygons best; a ward boundary of
# 800 vertices is simplified until each ring has at most this many points.
MAX_RING_POINTS = 100
_SIMPLIFY_TOLERANCES = (0.0, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02)
DECIMALS = 5  # about one metre
KM_PER_DEGREE_LAT = 111.32
CIRCLE_SEGMENTS = 64
MAX_RADIUS_KM = 100.0
MAX_POLYGON_POINTS = 500

LatLon = tuple[float, float]


def _round(value: float) -> float:
    return round(value, DECIMALS) + 0.0  # "+ 0.0" turns -0.0 into 0.0


def _format(value: float) -> str:
    return f"{_round(value):.{DECIMALS}f}".rstrip("0").rstrip(".")


def closed_ring(points: Sequence[Sequence[float]]) -> list[LatLon]:
    """(lat, lon) points rounded, consecutive repeats dropped, first point repeated last."""
    ring: list[LatLon] = []
    for lat, lon in points:
        point = (_round(float(lat)), _round(float(lon)))
        if not ring or ring[-1] != point:
            ring.append(point)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def polygon_text(points: Sequence[Sequence[float]]) -> str:
    """CAP ``polygon``: "lat,lon lat,lon …", a closed ring of at least four points."""
    return " ".join(f"{_format(lat)},{_format(lon)}" for lat, lon in closed_ring(points))


def circle_text(lat: float, lon: float, radius_km: float) -> str:
    """CAP ``circle``: "lat,lon radius" with the radius in kilometres."""
    radius = f"{radius_km:.3f}".rstrip("0").rstrip(".")
    return f"{_format(lat)},{_format(lon)} {radius}"


def polygon_problem(points: Any) -> str | None:
    """Why ``points`` cannot be a CAP polygon (or ``None`` when it can)."""
    if any(not (-90 <= lat <= 90 and -180 <= lon <= 180) for lat, lon in points):  # NaN too
        return str(_("a point is not a valid position"))
    ring = closed_ring(points)
    if len(ring) < 4 or len(set(ring)) < 3:
        return str(_("a polygon needs at least three different points"))
    if len(ring) > MAX_POLYGON_POINTS + 1:
        return str(_("a polygon may have at most %(n)d points") % {"n": MAX_POLYGON_POINTS})
    if not Polygon([(lon, lat) for lat, lon in ring]).is_valid:
        return str(_("its edges cross each other"))
    return None


def circle_shape(lat: float, lon: float, radius_km: float) -> Polygon:
    """The circle as a polygon in (lon, lat) degrees, good to a few metres at HCMC's latitude."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return Polygon(
        [
            (
                lon + dlon * math.cos(2 * math.pi * i / CIRCLE_SEGMENTS),
                lat + dlat * math.sin(2 * math.pi * i / CIRCLE_SEGMENTS),
            )
            for i in range(CIRCLE_SEGMENTS)
        ]
    )


def polygon_shape(points: Sequence[Sequence[float]]) -> Polygon:
    return Polygon([(lon, lat) for lat, lon in closed_ring(points)])


def drawn_shapes(circles: Iterable[dict[str, Any]], polygons: Iterable[Any]) -> list[Polygon]:
    shapes = [circle_shape(c["lat"], c["lon"], c["radius_km"]) for c in circles]
    shapes += [polygon_shape(p) for p in polygons]
    return shapes


def wards_touching(shapes: Sequence[BaseGeometry]) -> set[int]:
    """Codes of the wards whose boundary intersects any of ``shapes``.

    The bounding boxes stored with each ward narrow the candidates in SQL; shapely decides.
    """
    codes: set[int] = set()
    for drawn in shapes:
        min_lon, min_lat, max_lon, max_lat = drawn.bounds
        candidates = Ward.objects.filter(
            boundary__isnull=False,
            min_lat__lte=max_lat,
            max_lat__gte=min_lat,
            min_lon__lte=max_lon,
            max_lon__gte=min_lon,
        ).values_list("code", "boundary")
        for code, boundary in candidates:
            if code not in codes and shape(boundary).intersects(drawn):
                codes.add(code)
    return codes


def _exteriors(geometry: BaseGeometry) -> list[Polygon]:
    """Each polygon part without its holes: a CAP polygon is one outer ring."""
    parts = getattr(geometry, "geoms", [geometry])
    return [Polygon(part.exterior) for part in parts if isinstance(part, Polygon)]


def ward_rings(boundary: dict[str, Any] | None) -> list[list[LatLon]]:
    """The ward's boundary as CAP-ready rings: one per polygon part, simplified to at most
    ``MAX_RING_POINTS`` points, each closed and of at least four points."""
    if not boundary:
        return []
    rings: list[list[LatLon]] = []
    for part in _exteriors(shape(boundary)):
        ring: list[LatLon] = []
        for tolerance in _SIMPLIFY_TOLERANCES:
            simple = part.simplify(tolerance, preserve_topology=True) if tolerance else part
            ring = closed_ring([(lat, lon) for lon, lat in simple.exterior.coords])
            if len(ring) <= MAX_RING_POINTS + 1:
                break
        if len(ring) >= 4 and len(set(ring)) >= 3:
            rings.append(ring)
    return rings
