"""GeoJSON (RFC 7946) pieces the layers share: the bounding box of a request and the shapes of
a Feature and a FeatureCollection. Positions are ``[longitude, latitude]`` (RFC 7946 §3.1.1),
in WGS 84, never the ``(lat, lon)`` order the rest of SafeCity stores."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from safecity.core.errors import ApplicationError

# Six decimals are 0.11 m at the equator: below any phone's accuracy, and a third shorter.
PRECISION = 6


class InvalidBBox(ApplicationError):
    status = 400
    code = "invalid_bbox"


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    def intersects(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> bool:
        return not (
            max_lon < self.min_lon
            or min_lon > self.max_lon
            or max_lat < self.min_lat
            or min_lat > self.max_lat
        )

    def point_filter(self, lat_field: str = "lat", lon_field: str = "lon") -> Q:
        """Rows whose point lies inside the box (edges included)."""
        return Q(
            **{
                f"{lat_field}__gte": self.min_lat,
                f"{lat_field}__lte": self.max_lat,
                f"{lon_field}__gte": self.min_lon,
                f"{lon_field}__lte": self.max_lon,
            }
        )


def _bad(message: str) -> InvalidBBox:
    return InvalidBBox(
        _("The bounding box is not valid: %(why)s") % {"why": message},
        fields={"bbox": [message]},
    )


def parse_bbox(value: str | None) -> BBox | None:
    """``"minLon,minLat,maxLon,maxLat"`` (RFC 7946 §5 order) → ``BBox``; empty → ``None``.

    Raises ``InvalidBBox`` (a 400) for anything else, including boxes that cross the
    antimeridian: Vietnam is nowhere near it, so such a box is a client's mistake.
    """
    if value is None or not value.strip():
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise _bad(_("give four numbers: minLon,minLat,maxLon,maxLat"))
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise _bad(_("every part must be a number")) from None
    if not all(math.isfinite(n) for n in numbers):
        raise _bad(_("every part must be a finite number"))
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise _bad(_("longitudes must be between -180 and 180"))
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise _bad(_("latitudes must be between -90 and 90"))
    if min_lon > max_lon or min_lat > max_lat:
        raise _bad(_("the minimum must not be greater than the maximum"))
    return BBox(min_lon, min_lat, max_lon, max_lat)


def position(lat: float, lon: float) -> list[float]:
    """A GeoJSON position: longitude first."""
    return [round(lon, PRECISION), round(lat, PRECISION)]


def rounded(coordinates: Any, precision: int = PRECISION) -> Any:
    """Coordinates of any geometry, every number rounded to ``precision`` decimals."""
    if isinstance(coordinates, int | float):
        return round(float(coordinates), precision)
    return [rounded(c, precision) for c in coordinates]


def point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": position(lat, lon)}


def ring(latlngs: Sequence[tuple[float, float]]) -> list[list[float]]:
    """A closed linear ring from ``(lat, lon)`` pairs (RFC 7946 §3.1.6: first = last)."""
    points = [position(lat, lon) for lat, lon in latlngs]
    if points and points[0] != points[-1]:
        points.append(points[0])
    return points


def feature(geometry: dict[str, Any], properties: dict[str, Any], id: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Feature", "geometry": geometry, "properties": properties}
    if id is not None:
        out["id"] = id
    return out


def collection(features: Iterable[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection; ``members`` are RFC 7946 §6.1 foreign members (e.g. ``layer``)."""
    return {"type": "FeatureCollection", "features": list(features), **members}
