from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from safecity.core.api import Moment


class TimerOut(Schema):
    name: str
    started_at: datetime
    limit_s: int
    amber_s: int


class UnitOut(Schema):
    id: int
    call_sign: str
    kind: str
    kind_label: str
    station_id: int
    status: str
    status_label: str
    status_since: datetime
    on_duty: bool
    incident_id: int | None
    lat: float | None
    lon: float | None
    heading: float | None
    speed_mps: float | None
    accuracy_m: float | None
    position_at: datetime | None
    capabilities: list[str]
    timer: TimerOut | None


class UnitFilter(Schema):
    status: str = Field("", max_length=200, description="Comma-separated statuses")
    kind: str = Field("", max_length=200, description="Comma-separated kinds")
    station_id: int | None = Field(None, ge=1)
    on_duty: bool | None = None
    limit: int = Field(1000, ge=1, le=5000)


class IncidentBriefOut(Schema):
    id: int
    category: str
    category_label: str
    priority: int
    status: str
    address: str
    summary: str
    ward_code: int | None
    lat: float
    lon: float
    geo_uri: str


class AssignmentOut(Schema):
    id: int
    incident_id: int
    unit_id: int
    call_sign: str
    assigned_at: datetime
    assigned_by: int | None
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    released_at: datetime | None
    release_reason: str
    incident: IncidentBriefOut


class MemberOut(Schema):
    id: int
    username: str
    full_name: str
    rank: str


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    actor: str
    incident_id: int | None
    reason: str


class UnitDetailOut(UnitOut):
    station_name: str
    members: list[MemberOut]
    allowed_next: list[str]
    status_changes: list[StatusChangeOut]
    assignment: AssignmentOut | None


class ContactOut(Schema):
    name: str
    phone: str


class MyUnitOut(Schema):
    unit: UnitOut
    allowed_next: list[str]
    assignment: AssignmentOut | None
    contacts: list[ContactOut] | None = Field(
        None, description="Reporters' names and phones; null when not allowed or no assignment"
    )
    contact_hidden: bool


class UnitIn(Schema):
    call_sign: str = Field(..., min_length=1, max_length=30)
    kind: str = Field(..., max_length=20)
    station_id: int = Field(..., ge=1)
    member_ids: list[int] = Field(default_factory=list, max_length=20)
    capabilities: list[str] = Field(default_factory=list, max_length=20)


class StatusIn(Schema):
    status: str = Field(..., max_length=20)
    reason: str = Field("", max_length=300)
    outcome: str = Field(
        "",
        max_length=500,
        description="When the last unit leaves the scene: resolves the incident with this outcome",
    )


class ShiftIn(Schema):
    on_duty: bool
    member_ids: list[int] | None = Field(None, max_length=20)


class FixIn(Schema):
    lat: float
    lon: float
    ts: Moment
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading: float | None = None


class PositionsIn(Schema):
    fixes: list[FixIn] = Field(..., min_length=1, max_length=1000)


class RejectedFixOut(Schema):
    index: int
    code: str
    message: str


class PositionsOut(Schema):
    accepted: int
    rejected: list[RejectedFixOut]


class RecommendationOut(Schema):
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


class RecommendationFilter(Schema):
    limit: int = Field(10, ge=1, le=50)


class AssignIn(Schema):
    unit_ids: list[int] = Field(..., min_length=1, max_length=20)
    reassign: bool = Field(
        False, description="Take units working other incidents off them (recorded as reassigned)"
    )


class ReleaseIn(Schema):
    reason: str = Field("", max_length=300)
    status: str = Field("available", max_length=20)


class RunningTimerOut(Schema):
    timer: str
    subject_type: str
    subject_id: int
    incident_id: int
    unit_id: int | None
    call_sign: str
    priority: int
    started_at: datetime
    limit_s: int
    amber_s: int
    elapsed_s: float
    state: str


class TimersOut(Schema):
    now: datetime
    amber_percent: int
    thresholds: dict[str, dict[str, int]]
    timers: list[RunningTimerOut]
