"""The incidents of a record's timeline: what the integrated database shows of incidents on a
person, vehicle, phone or case page. Registered with ``records.timeline`` from
``IncidentsConfig.ready()``: incidents sit above records in the dependency order, so this app
brings its items to records, never the other way round."""

from __future__ import annotations

from typing import Any

from safecity.accounts.access import scoped
from safecity.incidents.models import Incident
from safecity.records import selectors as records_selectors
from safecity.records.models import EntityKind, Link, Role
from safecity.records.timeline import TimelineItem


def incident_items(
    user: Any, kind: str, pk: int, links: list[dict[str, Any]]
) -> list[TimelineItem]:
    """Incidents linked (case–incident links) to the record's cases, or to the case itself,
    within the officer's scope and clearance. Reading a record does not need an incident
    role: an investigator sees that a case came from an incident, not the incident's
    reporters (those stay behind the incident page and its own checks)."""
    if kind == EntityKind.CASE:
        case_ids = [pk]
    else:
        case_ids = [lk["other"]["id"] for lk in links if lk["other"]["kind"] == EntityKind.CASE]
    if not case_ids:
        return []
    cases = records_selectors.cases_visible(user).filter(pk__in=case_ids)
    incident_ids = {
        incident_id
        for incident_id in Link.objects.filter(role=Role.INCIDENT, case__in=cases).values_list(
            "incident_id", flat=True
        )
        if incident_id is not None
    }
    if not incident_ids:
        return []
    rows = scoped(
        user, Incident.objects.filter(pk__in=incident_ids), classification_field="classification"
    )
    return [
        TimelineItem(
            incident.opened_at,
            "incident",
            f"#{incident.pk} {incident.get_category_display()} · {incident.get_status_display()}",
            {"kind": EntityKind.INCIDENT, "id": incident.pk},
            "incidents",
        )
        for incident in rows
    ]
