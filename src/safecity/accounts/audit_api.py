"""The audit trail for auditors. Reading it is itself audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from safecity.accounts.access import access_audit_log
from safecity.core import audit
from safecity.core.api import ERROR_RESPONSES, Moment

router = Router(tags=["audit"])


class AuditFilter(Schema):
    actor: str = Field("", max_length=150)
    action: str = Field("", max_length=80)
    object_type: str = Field("", max_length=80)
    object_id: str = Field("", max_length=80)
    unit_code: str = Field("", max_length=40)
    outcome: str = Field("", pattern="^(|success|denied|failure)$")
    since: Moment | None = None
    until: Moment | None = None
    limit: int = Field(100, ge=1, le=1000)
    before_seq: int | None = Field(None, ge=1, description="Page: entries older than this seq")


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_id: int | None
    actor_username: str
    actor_kind: str
    unit_code: str
    action: str
    object_type: str
    object_id: str
    purpose: str
    outcome: str
    client_ip: str
    detail: dict[str, Any]
    hash: str


class AuditPageOut(Schema):
    results: list[AuditEntryOut]
    next_before_seq: int | None


@router.get("", response={200: AuditPageOut, **ERROR_RESPONSES})
def audit_list(request: HttpRequest, filters: Query[AuditFilter]) -> dict[str, Any]:
    user = access_audit_log(request.auth)  # type: ignore[attr-defined]
    data = filters.dict(exclude={"limit", "before_seq"})
    rows = audit.entries(**data)
    if filters.before_seq:
        rows = rows.filter(seq__lt=filters.before_seq)
    page = list(rows[: filters.limit])
    audit.record(
        "audit.read",
        actor=user,
        object_type="audit",
        detail={k: str(v) for k, v in data.items() if v},
    )
    next_seq = page[-1].seq if len(page) == filters.limit else None
    return {"results": page, "next_before_seq": next_seq}
