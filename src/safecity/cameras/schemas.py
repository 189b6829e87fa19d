from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from safecity.core.api import Moment

PURPOSE_HELP = (
    "Why you look: a case number or a short reason (3–300 characters). Required; without it "
    "the answer is 428 `purpose_required`. Written to the audit trail."
)


# --- Reads --------------------------------------------------------------------------------------


class ReadsIn(Schema):
    """Up to 1,000 reads. Each is checked on its own (a bad one — even one that is not an
    object — is rejected with a code, the others are kept), so the items are not validated
    (nor copied) here: ``{"camera": CODE, "ts": ISO 8601 with offset, "plate": TEXT,
    "confidence": 0..1, "candidates": [{"plate", "confidence"}], "vehicle_type", "color",
    "direction"}``."""

    reads: list[Any]


class RejectedOut(Schema):
    index: int
    code: str
    message: str


class ReadHitOut(Schema):
    read_index: int
    read_id: int
    hit_id: int
    plate: str
    entry_id: int
    entry_plate: str
    watchlist: str
    match: Literal["exact", "lookalike", "one_edit"]
    score: float
    alerted: bool


class ReadsOut(Schema):
    accepted: int
    rejected: list[RejectedOut]
    hits: list[ReadHitOut]


class HeartbeatIn(Schema):
    cameras: list[str] | None = Field(None, max_length=1000)


class HeartbeatOut(Schema):
    cameras: list[str]


class ImageOut(Schema):
    read_id: int
    size: int
    content_type: str


# --- Cameras ------------------------------------------------------------------------------------


class CameraFilter(Schema):
    status: Literal["", "online", "offline"] = ""
    ward: int | None = Field(None, ge=1, le=99999)
    limit: int = Field(1000, ge=1, le=5000)


class CameraOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    ward_code: int | None
    ward_name: str
    heading_deg: float | None
    fov_deg: float | None
    unit_id: int
    unit_name: str
    status: str
    last_seen_at: datetime | None


# --- Watchlists ---------------------------------------------------------------------------------


class WatchlistIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: Literal["stolen", "wanted", "bolo", "custom"]
    reason: str = Field("", max_length=500)
    classification: int = Field(0, ge=0, le=3)


class WatchlistOut(Schema):
    id: int
    name: str
    kind: str
    reason: str
    unit_id: int
    unit_name: str
    classification: int
    active: bool
    created_at: datetime
    entries: int | None


class EntryIn(Schema):
    plate: str = Field(..., min_length=1, max_length=30, description="Any common spelling")
    reason: str = Field(..., min_length=1, max_length=500)
    priority: Literal["low", "normal", "high", "critical"] = "normal"
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    allow_one_edit: bool = False
    classification: int | None = Field(None, ge=0, le=3)


class EntryEditIn(Schema):
    reason: str | None = Field(None, min_length=1, max_length=500)
    priority: Literal["low", "normal", "high", "critical"] | None = None
    valid_until: Moment | None = None
    allow_one_edit: bool | None = None


class EntryFilter(Schema):
    removed: bool = False
    plate: str = Field("", max_length=30)
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0, le=10_000_000)


class EntryRemoveQuery(Schema):
    reason: str = Field("", max_length=500)


class EntryOut(Schema):
    id: int
    watchlist_id: int
    plate: str
    plate_key: str
    reason: str
    priority: str
    valid_from: datetime
    valid_until: datetime | None
    allow_one_edit: bool
    unit_id: int
    classification: int
    added_by: str
    added_at: datetime
    removed_at: datetime | None
    active: bool


# --- Hits ---------------------------------------------------------------------------------------


class HitFilter(Schema):
    status: Literal["", "new", "confirmed", "dismissed"] = ""
    repeats: bool = Field(False, description="Include repeat sightings (not alerted)")
    limit: int = Field(100, ge=1, le=1000)


class HitCameraOut(Schema):
    id: int
    code: str
    name: str
    lat: float
    lon: float


class HitEntryOut(Schema):
    id: int
    plate: str
    reason: str
    priority: str
    watchlist_id: int
    watchlist: str
    watchlist_kind: str


class HitOut(Schema):
    id: int
    status: str
    match: str
    score: float
    ts: datetime
    plate: str
    read_as: str
    read_id: int
    image_url: str | None
    vehicle_type: str
    color: str
    direction: str
    camera: HitCameraOut
    entry: HitEntryOut
    repeat_of: int | None
    dismissal_reason: str
    decided_by: str
    decided_at: datetime | None
    incident_id: int | None


class UnitNearOut(Schema):
    rank: int
    unit_id: int
    call_sign: str
    kind: str
    station_id: int
    lat: float
    lon: float
    position_at: datetime | None
    distance_m: int
    eta_s: int
    reason: str


class HitDetailOut(HitOut):
    units: list[UnitNearOut]


class ConfirmIn(Schema):
    incident_id: int | None = Field(None, ge=1)


class DismissIn(Schema):
    reason: str = Field("", max_length=20, description="misread | wrong_vehicle | entry_stale")
    note: str = Field("", max_length=300)


# --- Sightings ----------------------------------------------------------------------------------


class TraceQuery(Schema):
    start: Moment | None = Field(None, alias="from", description="Default: 24 hours before `to`")
    end: Moment | None = Field(None, alias="to", description="Default: now")
    purpose: str | None = Field(None, max_length=300, description=PURPOSE_HELP)
    limit: int = Field(1000, ge=1, le=5000)


class SightingOut(Schema):
    read_id: int
    ts: datetime
    plate: str
    camera_id: int
    camera_code: str
    camera_name: str
    lat: float
    lon: float
    confidence: float | None
    vehicle_type: str
    color: str
    direction: str
    has_image: bool


class TraceOut(Schema):
    plate: str
    plate_key: str
    start: datetime
    end: datetime
    sightings: list[SightingOut]


class NearbyQuery(Schema):
    radius_m: int = Field(300, ge=10, le=5000)
    minutes: int = Field(15, ge=1, le=720)
    purpose: str | None = Field(None, max_length=300, description=PURPOSE_HELP)


class ListedOut(Schema):
    entry_id: int
    watchlist: str
    kind: str
    reason: str
    priority: str


class NearbyPlateOut(Schema):
    plate: str
    plate_key: str
    unreadable: bool
    first_ts: datetime
    last_ts: datetime
    reads: list[SightingOut]
    watchlist: list[ListedOut]
    record_vehicle_ids: list[int]


class NearbyOut(Schema):
    incident_id: int
    radius_m: int
    minutes: int
    cameras: int
    plates: list[NearbyPlateOut]
