"""Registered by ``safecity.map.layers.layers_discover`` without this app importing the map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def speed_cameras(user: Any, bbox: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    points = [("CAM-1", 10.78, 106.70), ("CAM-2", 10.975, 106.665)]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"name": code, "seen_by": user.username},
            }
            for code, lat, lon in points
            if bbox is None or bbox.contains(lat, lon)
        ],
    }


MAP_LAYERS = {"speed_cameras": speed_cameras}
