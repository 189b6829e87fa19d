"""A record's timeline: what happened to a person, vehicle, phone or case, newest first.

Items come from *sources*, registered by name. Records contributes its own (cases opened and
closed, links starting and ending). Apps above records in the dependency order (incidents,
cameras) add theirs with ``register``; until the incidents app registers its own, a reader
here shows the incidents linked to the record's cases, looked up through the app registry
(no import of that app, so the dependency order holds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps

from safecity.accounts.access import scope_filter
from safecity.records import selectors
from safecity.records.models import EntityKind, Link, Role


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    event: str  # "case_opened", "link_started", "incident" …
    label: str
    ref: dict[str, Any] = field(default_factory=dict)  # {"kind": "case", "id": 3}
    source: str = "records"


# A source gets the officer, the record's kind and id, and its visible links (as
# ``selectors.links_of`` returns them); it answers only with what that officer may see.
Source = Callable[[Any, str, int, list[dict[str, Any]]], list[TimelineItem]]
_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _sources[name] = source


def _records_items(
    user: Any, kind: str, pk: int, links: list[dict[str, Any]]
) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    case_ids = {lk["other"]["id"] for lk in links if lk["other"]["kind"] == EntityKind.CASE}
    if kind == EntityKind.CASE:
        case_ids.add(pk)
    for case in selectors.cases_visible(user).filter(pk__in=case_ids) if case_ids else []:
        ref = {"kind": "case", "id": case.pk}
        items.append(
            TimelineItem(case.opened_at, "case_opened", f"{case.number} · {case.summary[:80]}", ref)
        )
        if case.closed_at:
            items.append(TimelineItem(case.closed_at, "case_closed", case.number, ref))
    for link in links:
        other = link["other"]
        ref = {"kind": other["kind"], "id": other["id"]}
        label = f"{link['role_label']}: {other['label']}"
        if link["valid_from"]:
            items.append(TimelineItem(link["valid_from"], "link_started", label, ref))
        if link["valid_to"]:
            items.append(TimelineItem(link["valid_to"], "link_ended", label, ref))
    return items


def _incident_items(
    user: Any, kind: str, pk: int, links: list[dict[str, Any]]
) -> list[TimelineItem]:
    """Incidents linked to the record's cases (or to the case itself), within the officer's
    scope and clearance."""
    if kind == EntityKind.CASE:
        case_ids = [pk]
    else:
        case_ids = [lk["other"]["id"] for lk in links if lk["other"]["kind"] == EntityKind.CASE]
    if not case_ids:
        return []
    incident_ids = {
        pk
        for pk in Link.objects.filter(
            role=Role.INCIDENT, case__in=selectors.cases_visible(user).filter(pk__in=case_ids)
        ).values_list("incident_id", flat=True)
        if pk is not None
    }
    if not incident_ids:
        return []
    incident_model = apps.get_model("incidents", "Incident")
    rows = incident_model.objects.filter(
        scope_filter(user),
        pk__in=incident_ids,
        classification__lte=user.clearance,
    )
    return [
        TimelineItem(
            incident.opened_at,
            "incident",
            f"#{incident.pk} {incident.get_category_display()} · {incident.get_status_display()}",
            {"kind": "incident", "id": incident.pk},
            "incidents",
        )
        for incident in rows
    ]


def register_default_sources() -> None:
    register("records", _records_items)
    if apps.is_installed("safecity.incidents"):
        _sources.setdefault("incidents", _incident_items)


def timeline(user: Any, kind: str, pk: int) -> list[dict[str, Any]]:
    """Every source's items for one record the officer may see, newest first."""
    selectors.access_record(user, kind, pk)
    links = selectors.links_of(user, kind, pk)
    items: list[TimelineItem] = []
    for source in _sources.values():
        items.extend(source(user, kind, pk, links))
    items.sort(key=lambda item: item.at, reverse=True)
    return [asdict(item) for item in items]
