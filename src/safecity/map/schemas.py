from __future__ import annotations

from ninja import Schema
from pydantic import Field

from safecity.core.api import Moment
from safecity.map.selectors import HOTSPOT_MAX_RESOLUTION, HOTSPOT_MIN_RESOLUTION

_CATEGORY = "Incident category (security, fire, traffic_accident, rescue, medical, other)"


class PeriodFilter(Schema):
    since: Moment | None = Field(None, description="Start (ISO 8601, inclusive)")
    until: Moment | None = Field(None, description="End (ISO 8601, exclusive); default now")
    category: str | None = Field(None, max_length=30, description=_CATEGORY)


class LayerFilter(PeriodFilter):
    bbox: str | None = Field(
        None,
        max_length=200,
        description="minLon,minLat,maxLon,maxLat (WGS 84, RFC 7946 order)",
        examples=["106.60,10.70,106.80,10.85"],
    )
    resolution: int | None = Field(
        None,
        ge=HOTSPOT_MIN_RESOLUTION,
        le=HOTSPOT_MAX_RESOLUTION,
        description="H3 resolution of the hotspots layer",
    )


class HotspotFilter(PeriodFilter):
    resolution: int | None = Field(
        None, ge=HOTSPOT_MIN_RESOLUTION, le=HOTSPOT_MAX_RESOLUTION, description="H3 resolution"
    )
    limit: int = Field(20, ge=1, le=500, description="How many of the top cells")


class HotspotCellOut(Schema):
    rank: int
    cell: str
    count: int
    lat: float
    lon: float
    ward_code: int | None
    ward_name: str


class HotspotsOut(Schema):
    since: str
    until: str
    category: str
    resolution: int
    total: int
    cells: list[HotspotCellOut]


class StatsFilter(PeriodFilter):
    ward: int | None = Field(None, ge=1, le=99_999_999, description="Ward code")


class MeasureOut(Schema):
    n: int
    p50_s: float | None
    p90_s: float | None


class GroupOut(Schema):
    key: str
    name: str
    incidents: int
    by_status: dict[str, int]
    acknowledge: MeasureOut
    dispatch: MeasureOut
    on_scene: MeasureOut
    dispatched: int
    within_target: int
    share_within_target: float | None
    not_dispatched: int


class ResponseTimesOut(Schema):
    since: str
    until: str
    ward: int | None
    category: str
    target_seconds: int
    target_share: float
    percentile_method: str
    overall: GroupOut
    by_ward: list[GroupOut]
    by_category: list[GroupOut]
