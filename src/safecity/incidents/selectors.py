"""Reads of reports and incidents, limited to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecity.accounts.access import access_scoped, has_capability, require_officer, scoped
from safecity.core.errors import Forbidden, NotFound
from safecity.incidents.models import Incident, IncidentEvent, Report, ReportMedia

# Officers who work incidents; patrol officers see theirs through dispatch (later).
INCIDENT_CAPABILITIES = (
    "accounts.take_calls",
    "accounts.dispatch_units",
    "accounts.command_operations",
    "accounts.work_patrol",
)


def _require_incident_role(user: Any) -> None:
    require_officer(user)
    if not any(user.has_perm(c) for c in INCIDENT_CAPABILITIES):
        raise Forbidden()


def incidents_visible(user: Any) -> QuerySet[Incident]:
    _require_incident_role(user)
    return scoped(
        user, Incident.objects.select_related("unit"), classification_field="classification"
    )


def access_incident(user: Any, incident_id: Any) -> Incident:
    _require_incident_role(user)
    return access_scoped(
        user,
        Incident.objects.select_related("unit"),
        incident_id,
        classification_field="classification",
    )


# Officers who may change an incident (acknowledge, prioritise, merge, unlink, close). Patrol
# officers read incidents in their scope; their own unit's status changes come through dispatch.
ACT_CAPABILITIES = (
    "accounts.take_calls",
    "accounts.dispatch_units",
    "accounts.command_operations",
)


def may_act(user: Any) -> bool:
    return any(has_capability(user, c) for c in ACT_CAPABILITIES)


def access_incident_to_act(user: Any, incident_id: Any) -> Incident:
    """An incident the officer may see AND change; the one rule for the API and the pages."""
    incident = access_incident(user, incident_id)
    if not may_act(user):
        raise Forbidden()
    return incident


def access_media(user: Any, media_id: Any) -> ReportMedia:
    """A report's file whose incident the officer may see; anything else is not found."""
    item = (
        ReportMedia.objects.select_related("report")
        .filter(pk=media_id, report__incident__in=incidents_visible(user))
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def access_report(user: Any, report_id: Any) -> Report:
    """A report, for an officer who may see its incident."""
    _require_incident_role(user)
    visible = scoped(
        user,
        Report.objects.select_related("incident", "incident__unit"),
        unit_field="incident__unit",
        classification_field="incident__classification",
    )
    try:
        return visible.get(pk=report_id)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def open_queue(user: Any) -> QuerySet[Incident]:
    """Open incidents the officer may see, most urgent first, oldest first within a priority."""
    return (
        incidents_visible(user)
        .filter(status__in=Incident.OPEN_STATUSES)
        .order_by("priority", "opened_at")
    )


# --- What the public may know about one report ----------------------------------------------------

PUBLIC_STATUS = {
    Incident.Status.NEW: ("received", gettext_lazy("Received")),
    Incident.Status.ACKNOWLEDGED: ("handling", gettext_lazy("Being handled")),
    Incident.Status.DISPATCHED: ("dispatched", gettext_lazy("Police are on the way")),
    Incident.Status.ON_SCENE: ("on_scene", gettext_lazy("Police are at the scene")),
    Incident.Status.RESOLVED: ("resolved", gettext_lazy("Resolved")),
    Incident.Status.CLOSED: ("closed", gettext_lazy("Closed")),
    Incident.Status.CANCELLED: ("closed", gettext_lazy("Closed")),
    Incident.Status.FALSE_REPORT: ("closed", gettext_lazy("Closed")),
}

_PUBLIC_EVENT_KINDS = (
    IncidentEvent.Kind.ACKNOWLEDGED,
    IncidentEvent.Kind.STATUS,
    IncidentEvent.Kind.CLOSED,
)


def _effective_incident(incident: Incident) -> Incident:
    """Follow merges: a report of a merged incident shows the incident it went into."""
    seen = set()
    while incident.status == Incident.Status.MERGED and incident.merged_into_id:
        if incident.pk in seen:
            break
        seen.add(incident.pk)
        incident = incident.merged_into  # type: ignore[assignment]
    return incident


def public_status(incident: Incident) -> tuple[str, str]:
    """The public status (code, label) of an incident, following merges; what a reporter sees."""
    incident = _effective_incident(incident)
    status_code, status_label = PUBLIC_STATUS.get(
        Incident.Status(incident.status), ("received", gettext_lazy("Received"))
    )
    return status_code, str(status_label)


def unknown_tracking_code() -> NotFound:
    """The one answer for a code that matches no report (the API and the pages)."""
    return NotFound(_("No report has this tracking code."), code="unknown_tracking_code")


def report_public_status(tracking_code: str) -> dict[str, Any]:
    """Status and timeline of one report for whoever holds its tracking code: nothing about
    other reports, no officer's name, no internal note."""
    code = tracking_code.strip().upper()
    report = Report.objects.select_related("incident").filter(tracking_code=code).first()
    if report is None:
        raise unknown_tracking_code()
    incident = _effective_incident(report.incident)
    status_code, status_label = public_status(incident)
    timeline: list[dict[str, Any]] = [
        {"at": report.received_at, "event": "received", "label": str(_("Report received"))}
    ]
    if report.joined_existing:
        timeline.append(
            {
                "at": report.received_at,
                "event": "joined",
                "label": str(_("Your report joined an incident the police are already handling")),
            }
        )
    events = IncidentEvent.objects.filter(
        incident=incident, public=True, kind__in=_PUBLIC_EVENT_KINDS
    ).order_by("at", "id")
    for event in events:
        code_label = PUBLIC_STATUS.get(Incident.Status(event.status or incident.status))
        if code_label is None:
            continue
        timeline.append({"at": event.at, "event": code_label[0], "label": str(code_label[1])})
    return {
        "tracking_code": report.tracking_code,
        "category": report.category,
        "received_at": report.received_at,
        "status": status_code,
        "status_label": str(status_label),
        "joined_existing": report.joined_existing,
        "timeline": timeline,
    }
