from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class ReportIn(Schema):
    category: str = Field(
        ...,
        max_length=20,
        description="security | fire | traffic_accident | rescue | medical | other",
    )
    description: str = Field("", max_length=4000)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    location_source: str = Field("pin", pattern="^(pin|device|address)$")
    address: str = Field("", max_length=300)
    ward_code: int | None = Field(None, ge=1, le=99999)
    reporter_name: str = Field("", max_length=150)
    reporter_phone: str = Field("", max_length=30)


class CallIn(ReportIn):
    caller_number: str = Field("", max_length=30)
    priority: int | None = Field(None, ge=1, le=4)
    notes: str = Field("", max_length=4000)


class ReportAcceptedOut(Schema):
    id: int
    tracking_code: str
    status: str
    status_label: str
    incident_id: int
    joined_existing: bool


class TimelineItemOut(Schema):
    at: datetime
    event: str
    label: str


class ReportStatusOut(Schema):
    tracking_code: str
    category: str
    received_at: datetime
    status: str
    status_label: str
    joined_existing: bool
    timeline: list[TimelineItemOut]


class MediaOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int


class IncidentOut(Schema):
    id: int
    category: str
    priority: int
    status: str
    lat: float
    lon: float
    ward_code: int | None
    h3_cell: str
    address: str
    summary: str
    unit_id: int
    report_count: int
    opened_at: datetime
    acknowledged_at: datetime | None
    ended_at: datetime | None
    outcome: str
    merged_into_id: int | None


class ReportOut(Schema):
    id: int
    tracking_code: str
    channel: str
    category: str
    description: str
    lat: float
    lon: float
    location_source: str
    address: str
    ward_code: int | None
    reporter_name: str
    reporter_phone: str
    notes: str
    joined_existing: bool
    received_at: datetime


class EventOut(Schema):
    at: datetime
    kind: str
    status: str
    actor: str
    detail: dict[str, object]


class IncidentDetailOut(IncidentOut):
    reports: list[ReportOut]
    events: list[EventOut]


class IncidentFilter(Schema):
    status: str = Field("open", pattern="^(open|all)$")
    limit: int = Field(200, ge=1, le=1000)


class PriorityIn(Schema):
    priority: int = Field(..., ge=1, le=4)
    reason: str = Field(..., max_length=300)


class MergeIn(Schema):
    target_id: int = Field(..., ge=1)


class CloseIn(Schema):
    outcome: str = Field(..., max_length=500)
    status: str = Field("closed", pattern="^(resolved|closed|cancelled|false_report)$")
