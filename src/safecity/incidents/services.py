"""Every change to reports and incidents. Each runs in one transaction, writes the timeline
and the audit trail, and tells the consoles after commit."""

from __future__ import annotations

from typing import Any

import h3
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import Unit
from safecity.core import audit, live
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.phones import to_e164
from safecity.core.text import clean
from safecity.geography.models import Ward
from safecity.incidents.duplicates import duplicate_search_lock, find_duplicate
from safecity.incidents.location import Place, ReportInput, locate, owning_unit
from safecity.incidents.models import (
    DEFAULT_PRIORITY,
    Category,
    Channel,
    Incident,
    IncidentEvent,
    Priority,
    Report,
)

H3_RESOLUTION = 9  # ~0.1 km² cells: fine enough for hotspots, coarse enough to aggregate


# --- Timeline and live events ---------------------------------------------------------------------


def event_row(
    incident: Incident, kind: str, *, actor: Any = None, public: bool = False, **detail: Any
) -> IncidentEvent:
    """A timeline event, not yet saved."""
    return IncidentEvent(
        incident=incident,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) and hasattr(actor, "kind") else None,
        status=incident.status,
        detail=detail,
        public=public,
    )


def _event(
    incident: Incident, kind: str, *, actor: Any = None, public: bool = False, **detail: Any
) -> IncidentEvent:
    event = event_row(incident, kind, actor=actor, public=public, **detail)
    event.save(force_insert=True)
    return event


def live_payload(incident: Incident, *, ward: Ward | None = None) -> dict[str, Any]:
    """What a console needs to draw a queue row; no reporter's personal data. ``ward``: the
    incident's ward when the caller has it already (saves a query)."""
    if ward is None or ward.code != incident.ward_code:
        ward = (
            Ward.objects.filter(code=incident.ward_code).only("name").first()
            if incident.ward_code is not None
            else None
        )
    return {
        "id": incident.pk,
        "category": incident.category,
        "priority": incident.priority,
        "status": incident.status,
        "ward_code": incident.ward_code,
        "ward_name": ward.name if ward else "",
        "lat": incident.lat,
        "lon": incident.lon,
        "report_count": incident.report_count,
        "opened_at": incident.opened_at.isoformat(),
        "summary": incident.summary,
    }


def _announce(event: str, incident: Incident, *, ward: Ward | None = None) -> None:
    live.publish(
        event,
        live_payload(incident, ward=ward),
        unit_path=incident.unit.ancestor_ids,
        classification=incident.classification,
    )


# --- Reports ------------------------------------------------------------------------------------


def clean_input(data: ReportInput) -> ReportInput:
    errors: dict[str, list[str]] = {}
    if data.category not in Category.values:
        errors["category"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Category.values)}]
    phone = ""
    if data.reporter_phone.strip():
        phone = to_e164(data.reporter_phone) or ""
        if not phone:
            errors["reporter_phone"] = [_("This is not a valid phone number.")]
    if errors:
        raise InvalidInput(fields=errors)
    return ReportInput(
        category=data.category,
        description=clean(data.description, multiline=True)[:4000],
        lat=data.lat,
        lon=data.lon,
        address=clean(data.address)[:300],
        ward_code=data.ward_code,
        reporter_name=clean(data.reporter_name)[:150],
        reporter_phone=phone,
        location_source=data.location_source,
    )


def report_submit(
    *,
    data: ReportInput,
    channel: str,
    reporter: Any = None,
    taken_by: Any = None,
    priority: int | None = None,
    notes: str = "",
) -> Report:
    """Accept one report: store it, then either link it to an open incident of the same kind
    nearby (a duplicate) or open a new incident. Citizens and call-takers both come here.

    Checking the input, finding the ward and the owning station only read, so they happen
    before the write transaction: on SQLite every writer waits for the one in its transaction.
    """
    data = clean_input(data)
    place = locate(data)
    owner = owning_unit(place.ward.code if place.ward else None)
    return _report_store(
        data=data,
        place=place,
        owner=owner,
        channel=channel,
        reporter=reporter,
        taken_by=taken_by,
        priority=priority,
        notes=clean(notes, multiline=True)[:4000],
    )


def incident_row(
    *, data: ReportInput, place: Place, owner: Unit, priority: int | None, now: Any
) -> Incident:
    """The incident a first report opens, not yet saved."""
    return Incident(
        category=data.category,
        priority=priority or DEFAULT_PRIORITY[Category(data.category)],
        lat=place.lat,
        lon=place.lon,
        ward_code=place.ward.code if place.ward else None,
        h3_cell=h3.latlng_to_cell(place.lat, place.lon, H3_RESOLUTION),
        address=data.address,
        summary=data.description[:300],
        unit=owner,
        report_count=1,
        opened_at=now,
        last_report_at=now,
    )


def report_row(
    *,
    data: ReportInput,
    place: Place,
    incident: Incident,
    joined: bool,
    channel: str,
    reporter: Any,
    taken_by: Any,
    notes: str,
    now: Any,
) -> Report:
    """The report as stored, not yet saved."""
    return Report(
        incident=incident,
        channel=channel,
        category=data.category,
        description=data.description,
        lat=place.lat,
        lon=place.lon,
        location_source=place.source,
        address=data.address,
        ward_code=place.ward.code if place.ward else None,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        reporter=reporter if getattr(reporter, "pk", None) else None,
        taken_by=taken_by,
        notes=notes,
        joined_existing=joined,
        received_at=now,
    )


def report_audit(report: Report, *, actor: Any, channel: str) -> dict[str, Any]:
    """``audit.record``'s arguments for an accepted report."""
    return {
        "action": "report.submit",
        "actor": actor,
        "object_type": "report",
        "object_id": report.pk,
        "detail": {
            "incident": report.incident_id,
            "channel": channel,
            "joined": report.joined_existing,
        },
    }


def report_announce(report: Report, *, ward: Ward | None) -> None:
    """Tell the consoles, after commit, about the incident the report opened or joined."""
    event = "incident.updated" if report.joined_existing else "incident.created"
    _announce(event, report.incident, ward=ward)


@transaction.atomic(savepoint=False)
def _report_store(
    *,
    data: ReportInput,
    place: Place,
    owner: Unit,
    channel: str,
    reporter: Any,
    taken_by: Any,
    priority: int | None,
    notes: str,
) -> Report:
    now = timezone.now()
    duplicate_search_lock({data.category: [(place.lat, place.lon)]})
    incident = find_duplicate(category=data.category, lat=place.lat, lon=place.lon, now=now)
    joined = incident is not None
    if incident is None:
        incident = incident_row(data=data, place=place, owner=owner, priority=priority, now=now)
        incident.save(force_insert=True)
        _event(
            incident,
            IncidentEvent.Kind.OPENED,
            actor=taken_by or reporter,
            public=True,
            channel=channel,
        )
    else:
        Incident.objects.filter(pk=incident.pk).update(
            report_count=F("report_count") + 1, last_report_at=now
        )
        incident.refresh_from_db(fields=["report_count", "last_report_at"])
        _event(
            incident, IncidentEvent.Kind.REPORT_LINKED, actor=taken_by or reporter, channel=channel
        )
    report = report_row(
        data=data,
        place=place,
        incident=incident,
        joined=joined,
        channel=channel,
        reporter=reporter,
        taken_by=taken_by,
        notes=notes,
        now=now,
    )
    report.save(force_insert=True)
    audit.record(**report_audit(report, actor=taken_by or reporter, channel=channel))
    report_announce(report, ward=place.ward)
    return report


# --- Officers' actions ----------------------------------------------------------------------------


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise Conflict(
            _("This incident has ended (%(status)s).") % {"status": incident.get_status_display()},
            code="incident_ended",
        )


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("unit").get(pk=incident.pk)


@transaction.atomic
def incident_acknowledge(*, incident: Incident, actor: Any) -> Incident:
    incident = _lock(incident)
    _require_open(incident)
    if incident.status != Incident.Status.NEW:
        return incident  # already acknowledged: pressing twice is not an error
    incident.status = Incident.Status.ACKNOWLEDGED
    incident.acknowledged_at = timezone.now()
    incident.save(update_fields=["status", "acknowledged_at"])
    _event(incident, IncidentEvent.Kind.ACKNOWLEDGED, actor=actor, public=True)
    audit.record("incident.acknowledge", actor=actor, object_type="incident", object_id=incident.pk)
    _announce("incident.updated", incident)
    return incident


@transaction.atomic
def incident_set_priority(
    *, incident: Incident, priority: int, reason: str, actor: Any
) -> Incident:
    reason = clean(reason)
    errors: dict[str, list[str]] = {}
    if priority not in Priority.values:
        errors["priority"] = [_("Priority is 1 (highest) to 4.")]
    if not reason:
        errors["reason"] = [_("Say why the priority changes.")]
    if errors:
        raise InvalidInput(fields=errors)
    incident = _lock(incident)
    _require_open(incident)
    before = incident.priority
    if before == priority:
        return incident
    incident.priority = priority
    incident.save(update_fields=["priority"])
    _event(
        incident,
        IncidentEvent.Kind.PRIORITY,
        actor=actor,
        before=before,
        after=priority,
        reason=reason[:300],
    )
    audit.record(
        "incident.priority",
        actor=actor,
        object_type="incident",
        object_id=incident.pk,
        detail={"before": before, "after": priority, "reason": reason[:300]},
    )
    _announce("incident.updated", incident)
    return incident


@transaction.atomic
def incident_merge(*, source: Incident, target: Incident, actor: Any) -> Incident:
    """Fold ``source`` into ``target``: its reports move over and it ends as merged."""
    if source.pk == target.pk:
        raise InvalidInput(
            _("An incident cannot be merged into itself."),
            fields={"target_id": [_("Choose another incident.")]},
        )
    # Lock both in id order so two opposite merges cannot deadlock.
    first, second = sorted([source.pk, target.pk])
    locked = {
        i.pk: i
        for i in Incident.objects.select_for_update()
        .select_related("unit")
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    _require_open(source)
    _require_open(target)
    moved = Report.objects.filter(incident=source).update(incident=target)
    target.report_count = Report.objects.filter(incident=target).count()
    target.last_report_at = max(target.last_report_at, source.last_report_at)
    target.priority = min(target.priority, source.priority)
    target.save(update_fields=["report_count", "last_report_at", "priority"])
    source.status = Incident.Status.MERGED
    source.merged_into = target
    source.report_count = 0
    source.ended_at = timezone.now()
    source.save(update_fields=["status", "merged_into", "report_count", "ended_at"])
    _event(source, IncidentEvent.Kind.MERGED, actor=actor, into=target.pk)
    _event(target, IncidentEvent.Kind.MERGED, actor=actor, absorbed=source.pk, reports=moved)
    audit.record(
        "incident.merge",
        actor=actor,
        object_type="incident",
        object_id=target.pk,
        detail={"source": source.pk, "reports": moved},
    )
    _announce("incident.updated", source)
    _announce("incident.updated", target)
    return target


@transaction.atomic
def report_unlink(*, report: Report, actor: Any) -> Incident:
    """Undo a duplicate link: the report gets an incident of its own."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    old = _lock(report.incident)
    _require_open(old)
    if old.report_count <= 1:
        raise Conflict(_("This report is the only one of its incident."), code="only_report")
    now = timezone.now()
    new = Incident.objects.create(
        category=report.category,
        priority=DEFAULT_PRIORITY[Category(report.category)],
        lat=report.lat,
        lon=report.lon,
        ward_code=report.ward_code,
        h3_cell=h3.latlng_to_cell(report.lat, report.lon, H3_RESOLUTION),
        address=report.address,
        summary=report.description[:300],
        unit=owning_unit(report.ward_code),
        report_count=1,
        opened_at=now,
        last_report_at=report.received_at,
    )
    Report.objects.filter(pk=report.pk).update(incident=new, joined_existing=False)
    Incident.objects.filter(pk=old.pk).update(report_count=F("report_count") - 1)
    old.refresh_from_db(fields=["report_count"])
    _event(new, IncidentEvent.Kind.OPENED, actor=actor, public=True, unlinked_from=old.pk)
    _event(old, IncidentEvent.Kind.UNLINKED, actor=actor, report=report.pk, new_incident=new.pk)
    audit.record(
        "report.unlink",
        actor=actor,
        object_type="report",
        object_id=report.pk,
        detail={"from": old.pk, "to": new.pk},
    )
    _announce("incident.updated", old)
    _announce("incident.created", new)
    return new


CLOSING_STATUSES = (
    Incident.Status.RESOLVED,
    Incident.Status.CLOSED,
    Incident.Status.CANCELLED,
    Incident.Status.FALSE_REPORT,
)


@transaction.atomic
def incident_close(
    *, incident: Incident, outcome: str, actor: Any, status: str = Incident.Status.CLOSED
) -> Incident:
    outcome = clean(outcome)
    errors: dict[str, list[str]] = {}
    if status not in CLOSING_STATUSES:
        errors["status"] = [_("Close as one of: %(s)s.") % {"s": ", ".join(CLOSING_STATUSES)}]
    if not outcome:
        errors["outcome"] = [_("Describe the outcome.")]
    if errors:
        raise InvalidInput(fields=errors)
    incident = _lock(incident)
    if incident.status in Incident.ENDED_STATUSES:
        raise Conflict(_("This incident has already ended."), code="incident_ended")
    incident.status = status
    incident.outcome = outcome[:500]
    if status != Incident.Status.RESOLVED:
        incident.ended_at = timezone.now()
    incident.save(update_fields=["status", "outcome", "ended_at"])
    _event(incident, IncidentEvent.Kind.CLOSED, actor=actor, public=True, outcome=outcome[:500])
    audit.record(
        "incident.close",
        actor=actor,
        object_type="incident",
        object_id=incident.pk,
        detail={"status": status},
    )
    _announce("incident.updated", incident)
    return incident


@transaction.atomic
def incident_set_status(*, incident: Incident, status: str, actor: Any) -> Incident:
    """Move an open incident along new → acknowledged → dispatched → on scene (the dispatch
    app calls this as its units move)."""
    allowed = (Incident.Status.ACKNOWLEDGED, Incident.Status.DISPATCHED, Incident.Status.ON_SCENE)
    if status not in allowed:
        raise InvalidInput(fields={"status": [_("Not a status that can be set directly.")]})
    incident = _lock(incident)
    _require_open(incident)
    if incident.status == status:
        return incident
    incident.status = status
    if incident.acknowledged_at is None:
        incident.acknowledged_at = timezone.now()
    incident.save(update_fields=["status", "acknowledged_at"])
    _event(incident, IncidentEvent.Kind.STATUS, actor=actor, public=True, status_to=status)
    audit.record(
        "incident.status",
        actor=actor,
        object_type="incident",
        object_id=incident.pk,
        detail={"status": status},
    )
    _announce("incident.updated", incident)
    return incident


__all__ = [
    "Channel",
    "Place",
    "ReportInput",
    "incident_acknowledge",
    "incident_close",
    "incident_merge",
    "incident_set_priority",
    "incident_set_status",
    "locate",
    "owning_unit",
    "report_submit",
    "report_unlink",
]
