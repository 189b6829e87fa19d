"""Estimated time of arrival behind a small interface, so a road router (OSRM, Valhalla) can
replace the straight-line estimate without touching the recommendation.

``SAFECITY_DISPATCH_ROUTER`` names the class; it is built once per process (``router()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from safecity.geography.distance import distance_m


@dataclass(frozen=True)
class Origin:
    """Where a unit is and what it is (its kind sets its speed)."""

    lat: float
    lon: float
    kind: str


@dataclass(frozen=True)
class Estimate:
    distance_m: float  # along the route the router assumes (straight line for the default)
    eta_s: float


class Router(Protocol):
    def estimate(self, origins: Sequence[Origin], lat: float, lon: float) -> list[Estimate]:
        """One estimate per origin, in order, to the destination ``lat``/``lon``."""
        ...

    def reach_m(self, seconds: float, kind: str) -> float:
        """How far, as the crow flies, a unit of ``kind`` can be and still possibly arrive
        within ``seconds``: no unit further away has an ETA below ``seconds``. The
        recommendation reads only the units within reach and widens ``seconds`` until its list
        is certain (an over-estimate is safe, only slower)."""
        ...


class StraightLineRouter:
    """Straight-line distance × ``SAFECITY_DISPATCH_ROAD_FACTOR`` at the kind's speed
    (``SAFECITY_DISPATCH_SPEEDS``). Crude but honest, fast and needs no road network."""

    def __init__(
        self, *, road_factor: float | None = None, speeds: dict[str, float] | None = None
    ) -> None:
        self.road_factor = road_factor or settings.SAFECITY_DISPATCH_ROAD_FACTOR
        self.speeds = dict(speeds or settings.SAFECITY_DISPATCH_SPEEDS)
        self.default_speed = min(self.speeds.values())

    def estimate(self, origins: Sequence[Origin], lat: float, lon: float) -> list[Estimate]:
        out = []
        for origin in origins:
            metres = distance_m(origin.lat, origin.lon, lat, lon) * self.road_factor
            speed = self.speeds.get(origin.kind, self.default_speed)
            out.append(Estimate(distance_m=metres, eta_s=metres / speed))
        return out

    def reach_m(self, seconds: float, kind: str) -> float:
        return seconds * self.speeds.get(kind, self.default_speed) / self.road_factor


@lru_cache(maxsize=1)
def router() -> Router:
    """The configured router, built once per process."""
    cls = import_string(settings.SAFECITY_DISPATCH_ROUTER or "")
    instance: Router = cls()
    return instance
