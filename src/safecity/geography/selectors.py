"""Reads: wards of a province, a ward by name, the ward containing a point."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from safecity.core.text import fold
from safecity.geography.models import Province, Ward


def force_province() -> Province | None:
    return Province.objects.filter(code=settings.SAFECITY_PROVINCE_CODE).first()


def wards_of(province_code: int, *, query: str = "") -> QuerySet[Ward]:
    wards = Ward.objects.filter(province_id=province_code)
    if query:
        wards = wards.filter(search_key__contains=fold(query))
    return wards.order_by("name")


@dataclass
class _Locator:
    tree: STRtree
    codes: list[int]
    shapes: list[BaseGeometry]
    wards: list[Ward]  # without their boundary; shared, read-only


_locator: _Locator | None = None
_locator_lock = threading.Lock()


def ward_locator_reset() -> None:
    global _locator
    with _locator_lock:
        _locator = None


def _build_locator() -> _Locator:
    codes, shapes = [], []
    for code, boundary in Ward.objects.filter(boundary__isnull=False).values_list(
        "code", "boundary"
    ):
        codes.append(code)
        shapes.append(shape(boundary))
    by_code = {w.code: w for w in Ward.objects.filter(code__in=codes).defer("boundary")}
    wards = [by_code[code] for code in codes]
    return _Locator(tree=STRtree(shapes), codes=codes, shapes=shapes, wards=wards)


def ward_at(lat: float, lon: float) -> Ward | None:
    """The ward whose boundary contains the point, or ``None`` outside every known boundary.

    The boundaries are indexed once per process (an R-tree over 168 polygons for HCMC), and
    the ward rows kept with them: a lookup touches no database. The returned ``Ward`` is
    shared; do not change it.
    """
    global _locator
    if _locator is None:
        with _locator_lock:
            if _locator is None:
                _locator = _build_locator()
    locator = _locator
    point = Point(lon, lat)
    for index in locator.tree.query(point, predicate="intersects"):
        return locator.wards[int(index)]
    return None


def boundaries_geojson(province_code: int) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the province's wards that have boundaries."""
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": name, "label_lat": lat, "label_lon": lon},
            "geometry": boundary,
        }
        for code, name, lat, lon, boundary in Ward.objects.filter(
            province_id=province_code, boundary__isnull=False
        ).values_list("code", "name", "label_lat", "label_lon", "boundary")
    ]
    return {"type": "FeatureCollection", "features": features}
