"""Reports (public: citizens and their apps) and incidents (officers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Header, Query, Router, Status
from ninja.files import UploadedFile

from safecity.accounts.access import require_capability
from safecity.core import audit, ratelimit
from safecity.core.api import ERROR_RESPONSES
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.middleware import client_ip
from safecity.core.phones import to_e164
from safecity.incidents import intake, media, selectors, services
from safecity.incidents.models import Channel, Incident, Report
from safecity.incidents.schemas import (
    CallIn,
    CloseIn,
    IncidentDetailOut,
    IncidentFilter,
    IncidentOut,
    MediaOut,
    MergeIn,
    PriorityIn,
    ReportAcceptedOut,
    ReportIn,
    ReportStatusOut,
)

router = Router(tags=["reports and incidents"])
MEDIA_WINDOW_HOURS = 24


def _accepted(report: Report) -> dict[str, Any]:
    # The report's incident is in memory, created or found in this same transaction: its
    # status needs no second read of the report and its timeline (~1 ms a report).
    status, status_label = selectors.public_status(report.incident)
    return {
        "id": report.pk,
        "tracking_code": report.tracking_code,
        "status": status,
        "status_label": status_label,
        "incident_id": report.incident_id,
        "joined_existing": report.joined_existing,
    }


def _input(payload: ReportIn) -> services.ReportInput:
    return services.ReportInput(
        category=payload.category,
        description=payload.description,
        lat=payload.lat,
        lon=payload.lon,
        address=payload.address,
        ward_code=payload.ward_code,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        location_source=payload.location_source,
    )


@router.post(
    "/reports", auth=None, response={201: ReportAcceptedOut, **ERROR_RESPONSES}, summary="Report"
)
def report_create(
    request: HttpRequest,
    payload: ReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> Status[dict[str, Any]]:
    """Report an emergency. Anonymous reports are allowed. Send an `Idempotency-Key` header
    (any unique string, e.g. a UUID made when the form opened): a retry with the same key and
    body returns the first answer and never makes a second report; the same key with another
    body is a 409."""
    ratelimit.hit("report:ip", client_ip(request), settings.SAFECITY_REPORT_RATE_IP)
    if payload.reporter_phone.strip():
        # Count the number, not the way it was typed ("0901 234 567" = "+84901234567").
        phone = to_e164(payload.reporter_phone) or payload.reporter_phone.strip()
        ratelimit.hit("report:phone", phone, settings.SAFECITY_REPORT_RATE_PHONE)
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    body = payload.model_dump()

    status, answer, _replayed = intake.report_submit_once(
        data=_input(payload),
        channel=Channel.API,
        reporter=user,
        key=idempotency_key,
        body=body,
        answer=_accepted,
    )
    return Status(status, answer)


@router.get(
    "/reports/{tracking_code}", auth=None, response={200: ReportStatusOut, **ERROR_RESPONSES}
)
def report_status(request: HttpRequest, tracking_code: str) -> dict[str, Any]:
    """The status and timeline of one report, for whoever holds its tracking code."""
    if len(tracking_code) > 20:
        raise InvalidInput(fields={"tracking_code": ["Too long."]})
    return selectors.report_public_status(tracking_code)


@router.post(
    "/reports/{tracking_code}/media",
    auth=None,
    response={201: MediaOut, **ERROR_RESPONSES},
)
def report_media(request: HttpRequest, tracking_code: str, file: File[UploadedFile]) -> Status[Any]:
    """Add a photo (JPEG, PNG, WebP; up to 5) or one short MP4 video to a report, within a day
    of sending it. The type is read from the content, not the file name."""
    ratelimit.hit("report:media", client_ip(request), settings.SAFECITY_REPORT_RATE_IP)
    report = Report.objects.filter(tracking_code=tracking_code.strip().upper()[:20]).first()
    if report is None:
        raise selectors.unknown_tracking_code()
    if (timezone.now() - report.received_at).total_seconds() > MEDIA_WINDOW_HOURS * 3600:
        raise Conflict(code="media_window_closed")
    limit = settings.SAFECITY_MEDIA_VIDEO_MAX_MB * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise InvalidInput(fields={"file": ["Too large."]}, code="invalid_media")
    item = media.report_media_add(report=report, content=file.read(limit + 1))
    return Status(201, item)


# --- Officers -------------------------------------------------------------------------------------


@router.post("/calls", response={201: ReportAcceptedOut, **ERROR_RESPONSES})
def call_create(request: HttpRequest, payload: CallIn) -> Status[dict[str, Any]]:
    """A call-taker enters a 113/114 phone call: same path as a citizen's report."""
    user = require_capability(request.auth, "accounts.take_calls")  # type: ignore[attr-defined]
    data = _input(payload)
    if payload.caller_number and not payload.reporter_phone:
        data = services.ReportInput(**{**data.__dict__, "reporter_phone": payload.caller_number})
    report = services.report_submit(
        data=data,
        channel=Channel.CALL,
        taken_by=user,
        priority=payload.priority,
        notes=payload.notes,
    )
    return Status(201, _accepted(report))


@router.get("/incidents", response={200: list[IncidentOut], **ERROR_RESPONSES})
def incident_list(request: HttpRequest, filters: Query[IncidentFilter]) -> list[Incident]:
    """Incidents in the caller's scope: open ones by priority and age (default), or all."""
    user = request.auth  # type: ignore[attr-defined]
    rows = (
        selectors.open_queue(user)
        if filters.status == "open"
        else selectors.incidents_visible(user).order_by("-opened_at")
    )
    return list(rows[: filters.limit])


def _detail(user: Any, incident: Incident) -> dict[str, Any]:
    # Reporters' names and phones are personal data: reading them is audited.
    audit.record(
        "incident.read",
        actor=user,
        object_type="incident",
        object_id=incident.pk,
        purpose="incident handling",
    )
    out = IncidentOut.model_validate(incident).model_dump()
    out["reports"] = list(incident.reports.all())
    out["events"] = [
        {
            "at": e.at,
            "kind": e.kind,
            "status": e.status,
            "actor": e.actor.username if e.actor else "",
            "detail": e.detail,
        }
        for e in incident.events.select_related("actor")
    ]
    return out


@router.get("/incidents/{incident_id}", response={200: IncidentDetailOut, **ERROR_RESPONSES})
def incident_detail(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    return _detail(user, selectors.access_incident(user, incident_id))


@router.post("/incidents/{incident_id}/acknowledge", response={200: IncidentOut, **ERROR_RESPONSES})
def incident_acknowledge(request: HttpRequest, incident_id: int) -> Incident:
    user = request.auth  # type: ignore[attr-defined]
    incident = selectors.access_incident_to_act(user, incident_id)
    return services.incident_acknowledge(incident=incident, actor=user)


@router.post("/incidents/{incident_id}/priority", response={200: IncidentOut, **ERROR_RESPONSES})
def incident_priority(request: HttpRequest, incident_id: int, payload: PriorityIn) -> Incident:
    user = request.auth  # type: ignore[attr-defined]
    incident = selectors.access_incident_to_act(user, incident_id)
    return services.incident_set_priority(
        incident=incident, priority=payload.priority, reason=payload.reason, actor=user
    )


@router.post("/incidents/{incident_id}/merge", response={200: IncidentOut, **ERROR_RESPONSES})
def incident_merge(request: HttpRequest, incident_id: int, payload: MergeIn) -> Incident:
    """Merge this incident into `target_id` (its reports move there)."""
    user = request.auth  # type: ignore[attr-defined]
    source = selectors.access_incident_to_act(user, incident_id)
    target = selectors.access_incident_to_act(user, payload.target_id)
    return services.incident_merge(source=source, target=target, actor=user)


@router.post(
    "/incidents/{incident_id}/reports/{report_id}/unlink",
    response={200: IncidentOut, **ERROR_RESPONSES},
)
def report_unlink(request: HttpRequest, incident_id: int, report_id: int) -> Incident:
    """Undo a duplicate link: the report gets its own new incident (returned)."""
    user = request.auth  # type: ignore[attr-defined]
    incident = selectors.access_incident_to_act(user, incident_id)
    report = selectors.access_report(user, report_id)
    if report.incident_id != incident.pk:
        raise InvalidInput(fields={"report_id": ["Not a report of this incident."]})
    return services.report_unlink(report=report, actor=user)


@router.post("/incidents/{incident_id}/close", response={200: IncidentOut, **ERROR_RESPONSES})
def incident_close(request: HttpRequest, incident_id: int, payload: CloseIn) -> Incident:
    user = request.auth  # type: ignore[attr-defined]
    incident = selectors.access_incident_to_act(user, incident_id)
    return services.incident_close(
        incident=incident, outcome=payload.outcome, status=payload.status, actor=user
    )
