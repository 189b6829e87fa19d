"""The map's ``cameras`` layer (found by ``map.layers.layers_discover``): cameras in the box
with their status and, for the popup, their five latest reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safecity.cameras import selectors

LATEST_READS = 5
# A city-wide view without a box draws the cameras but skips the reads (one query each).
READS_FOR_AT_MOST = 300


def cameras_layer(user: Any, bbox: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    rows = selectors.cameras_visible(user)
    if bbox is not None:
        rows = rows.filter(
            lat__gte=bbox.min_lat,
            lat__lte=bbox.max_lat,
            lon__gte=bbox.min_lon,
            lon__lte=bbox.max_lon,
        )
    cameras = list(rows.order_by("code"))
    reads = (
        selectors.latest_reads([c.pk for c in cameras], per_camera=LATEST_READS)
        if len(cameras) <= READS_FOR_AT_MOST
        else {}
    )
    features = []
    for camera in cameras:
        row = selectors.camera_row(camera)
        row["last_seen_at"] = camera.last_seen_at.isoformat() if camera.last_seen_at else None
        row["latest_reads"] = reads.get(camera.pk, [])
        features.append(
            {
                "type": "Feature",
                "id": f"camera-{camera.pk}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(camera.lon, 6), round(camera.lat, 6)],
                },
                "properties": row,
            }
        )
    return {"type": "FeatureCollection", "features": features, "layer": "cameras"}


MAP_LAYERS = {"cameras": cameras_layer}
