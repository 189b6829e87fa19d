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


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="What you have: see README")
    kind: Literal["any", "person", "vehicle", "phone", "case", "organisation"] = "any"
    purpose: str | None = Field(None, max_length=300, description=PURPOSE_HELP)
    ward: int | None = Field(None, ge=1, le=99999, description="Ward code (2025)")
    birth_year_from: int | None = Field(None, ge=1900, le=2100)
    birth_year_to: int | None = Field(None, ge=1900, le=2100)
    gender: Literal["", "male", "female"] = ""
    limit: int = Field(20, ge=1, le=100)


class SearchResultOut(Schema):
    kind: str
    id: int
    label: str
    score: float
    match: str
    cccd: str | None = None
    plate: str | None = None
    number: str | None = None
    birth_year: int | None = None


class SearchOut(Schema):
    results: list[SearchResultOut]


class PurposeQuery(Schema):
    purpose: str | None = Field(None, max_length=300, description=PURPOSE_HELP)


class GraphQuery(PurposeQuery):
    hops: int = Field(2, ge=1, le=3)


class SourceOut(Schema):
    source: str
    external_id: str
    imported_at: datetime
    imported_by: str


class FactValueOut(Schema):
    value: str
    sources: list[SourceOut]


class FactOut(Schema):
    attribute: str
    values: list[FactValueOut]
    conflict: bool


class LinkedOut(Schema):
    kind: str
    id: int
    label: str


class LinkOut(Schema):
    id: int
    role: str
    role_label: str
    other: LinkedOut
    detail: str
    valid_from: datetime | None
    valid_to: datetime | None
    source: str
    imported_at: datetime
    imported_by: str


class RecordOut(Schema):
    kind: str
    label: str
    fields: dict[str, Any]
    facts: list[FactOut]
    links: list[LinkOut]
    by_role: dict[str, list[LinkedOut]] | None = None
    incident_ids: list[int] | None = None


class WrittenOut(Schema):
    """The answer to an entry: what was written, not the whole record (reading that takes a
    purpose and is audited)."""

    kind: str
    id: int
    label: str
    fields: dict[str, Any]


class NodeOut(Schema):
    id: str
    kind: str
    entity_id: int
    label: str
    depth: int


class EdgeOut(Schema):
    id: int
    source: str
    target: str
    role: str
    label: str


class GraphOut(Schema):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class TimelineItemOut(Schema):
    at: datetime
    event: str
    label: str
    ref: dict[str, Any]
    source: str


class AccessOut(Schema):
    at: datetime
    actor_username: str
    unit_code: str
    action: str
    purpose: str
    kind: str
    entity_id: int
    audit_seq: int


class PersonIn(Schema):
    full_name: str = Field(..., min_length=1, max_length=150)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    cccd: str = Field("", max_length=30)
    old_id: str = Field("", max_length=20)
    birth_date: str = Field("", max_length=20, description="YYYY-MM-DD, DD/MM/YYYY or YYYY")
    gender: Literal["", "male", "female"] = ""
    nationality: str = Field("VN", max_length=2)
    permanent_address: str = Field("", max_length=300)
    ward_code: int | None = Field(None, ge=1, le=99999)
    temporary_address: str = Field("", max_length=300)
    temporary_ward_code: int | None = Field(None, ge=1, le=99999)
    phones: list[str] = Field(default_factory=list, max_length=10)


class PersonPatch(Schema):
    full_name: str | None = Field(None, min_length=1, max_length=150)
    aliases: list[str] | None = Field(None, max_length=20)
    cccd: str | None = Field(None, max_length=30)
    old_id: str | None = Field(None, max_length=20)
    birth_date: str | None = Field(None, max_length=20)
    gender: Literal["", "male", "female"] | None = None
    permanent_address: str | None = Field(None, max_length=300)
    ward_code: int | None = Field(None, ge=1, le=99999)
    temporary_address: str | None = Field(None, max_length=300)
    temporary_ward_code: int | None = Field(None, ge=1, le=99999)
    phones: list[str] | None = Field(None, max_length=10)


class VehicleIn(Schema):
    plate: str = Field(..., min_length=1, max_length=20)
    kind: str = Field("", max_length=20)
    brand: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    colour: str = Field("", max_length=40)
    chassis_number: str = Field("", max_length=40)
    engine_number: str = Field("", max_length=40)
    registration: str = Field("", max_length=20)
    owner_cccd: str = Field("", max_length=30)


class CaseIn(Schema):
    number: str = Field(..., min_length=2, max_length=40)
    unit_id: int = Field(..., ge=1)
    kind: Literal["criminal", "administrative", "traffic", "cyber", "missing", "other"] = "criminal"
    summary: str = Field("", max_length=4000)
    classification: int = Field(0, ge=0, le=3)
    opened_at: Moment | None = None


class CaseStatusIn(Schema):
    status: Literal["open", "suspended", "closed"]


class EndIn(Schema):
    kind: Literal["person", "vehicle", "phone", "case", "organisation", "incident"]
    id: int = Field(..., ge=1)


class LinkIn(Schema):
    role: str = Field(..., max_length=12)
    a: EndIn
    b: EndIn
    detail: str = Field("", max_length=200)
    valid_from: Moment | None = None
    valid_to: Moment | None = None


class LinkCreatedOut(Schema):
    id: int
    role: str
    source: str
    valid_from: datetime | None
    valid_to: datetime | None


class CandidateOut(Schema):
    id: int
    person_a_id: int
    person_b_id: int
    person_a_name: str
    person_b_name: str
    score: float
    reasons: list[str]
    status: str
    found_at: datetime


class CandidateDetailOut(Schema):
    id: int
    score: float
    reasons: list[str]
    status: str
    a: RecordOut
    b: RecordOut


class MergeIn(Schema):
    winner_id: int | None = Field(None, ge=1)
    reason: str = Field("", max_length=300)


class DistinctIn(Schema):
    reason: str = Field("", max_length=300)


class MergeOut(Schema):
    id: int
    winner_id: int
    loser_id: int
    automatic: bool
    at: datetime
    undone_at: datetime | None


class ScanOut(Schema):
    compared: int
    candidates: int
    new: int
    skipped_blocks: list[str]
    auto_merged: int


class ImportRejectOut(Schema):
    line: int
    severity: str
    code: str
    message: str


class ImportOut(Schema):
    kind: str
    source: str
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejects: list[ImportRejectOut]
    warnings: list[ImportRejectOut]
    run_id: int | None
