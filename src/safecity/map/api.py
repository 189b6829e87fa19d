"""Map layers (GeoJSON), hotspots and response-time statistics for officers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from safecity.core.api import ERROR_RESPONSES
from safecity.map import layers, selectors, stats
from safecity.map.geojson import parse_bbox
from safecity.map.schemas import (
    HotspotFilter,
    HotspotsOut,
    LayerFilter,
    ResponseTimesOut,
    StatsFilter,
)

router = Router(tags=["map"])
stats_router = Router(tags=["statistics"])


@router.get("/layers/{name}", response={200: dict[str, Any], **ERROR_RESPONSES})
def layer(
    request: HttpRequest, name: str, filters: Query[LayerFilter], response: HttpResponse
) -> dict[str, Any]:
    """One map layer as a GeoJSON FeatureCollection (RFC 7946, `[lon, lat]` positions):
    `incidents` (open ones), `units` (on duty, with a position), `wards` (2025 boundaries,
    simplified), `hotspots` (H3 cells counted over `since`–`until`, `category`, `resolution`)
    and `cameras`. Only what the caller may see; `bbox` keeps what lies in the box. A malformed
    `bbox` is a 400 `invalid_bbox`; an unknown layer a 404 `unknown_layer`."""
    user = selectors.access_map(request.auth)  # type: ignore[attr-defined]
    provider = layers.layer_provider(name)
    bbox = parse_bbox(filters.bbox)
    params = filters.model_dump(exclude={"bbox"})
    result = provider(user, bbox, params)
    # Ward boundaries change once in years; the rest moves every second.
    response["Cache-Control"] = "private, max-age=3600" if name == "wards" else "no-store"
    return result


@router.get("/hotspots", response={200: HotspotsOut, **ERROR_RESPONSES})
def hotspots(request: HttpRequest, filters: Query[HotspotFilter]) -> dict[str, Any]:
    """The busiest H3 cells over a period (default: the last `SAFECITY_HOTSPOT_DAYS` days),
    ranked by how many incidents opened there, each with the ward most of them were in."""
    user = selectors.access_map(request.auth)  # type: ignore[attr-defined]
    query = selectors.hotspot_query(
        since=filters.since,
        until=filters.until,
        category=filters.category,
        resolution=filters.resolution,
    )
    cells = selectors.hotspot_cells(user, query)
    return {
        "since": query.since.isoformat(),
        "until": query.until.isoformat(),
        "category": query.category,
        "resolution": query.resolution,
        "total": sum(c.count for c in cells),
        "cells": [
            {
                "rank": c.rank,
                "cell": c.cell,
                "count": c.count,
                "lat": c.lat,
                "lon": c.lon,
                "ward_code": c.ward_code,
                "ward_name": c.ward_name,
            }
            for c in cells[: filters.limit]
        ],
    }


def _measure(measure: stats.Measure) -> dict[str, Any]:
    return {"n": measure.n, "p50_s": measure.p50, "p90_s": measure.p90}


def group_out(group: stats.GroupStats) -> dict[str, Any]:
    return {
        "key": group.key,
        "name": group.label,
        "incidents": group.incidents,
        "by_status": group.by_status,
        "acknowledge": _measure(group.acknowledge),
        "dispatch": _measure(group.dispatch),
        "on_scene": _measure(group.on_scene),
        "dispatched": group.dispatched,
        "within_target": group.within_target,
        "share_within_target": group.share_within_target,
        "not_dispatched": group.not_dispatched,
    }


@stats_router.get("/response-times", response={200: ResponseTimesOut, **ERROR_RESPONSES})
def response_times(request: HttpRequest, filters: Query[StatsFilter]) -> dict[str, Any]:
    """Time to acknowledge, to dispatch and to the first unit on scene (p50, p90; nearest-rank
    percentiles, in seconds), the share processed (opened → first unit dispatched) within the
    target, and counts by status — overall, per ward and per category, from recorded
    timestamps only. Default period: the last `SAFECITY_STATS_DAYS` days."""
    user = selectors.access_stats(request.auth)  # type: ignore[attr-defined]
    query = stats.stats_query(
        since=filters.since, until=filters.until, ward_code=filters.ward, category=filters.category
    )
    result = stats.response_times(user, query)
    return {
        "since": query.since.isoformat(),
        "until": query.until.isoformat(),
        "ward": query.ward_code,
        "category": query.category,
        "target_seconds": result.target_seconds,
        "target_share": stats.TARGET_SHARE,
        "percentile_method": "nearest-rank",
        "overall": group_out(result.overall),
        "by_ward": [group_out(g) for g in result.by_ward],
        "by_category": [group_out(g) for g in result.by_category],
    }
