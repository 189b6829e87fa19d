"""A record's timeline: what happened to a person, vehicle, phone or case, newest first.

Items come from *sources*, registered by name. Records contributes its own (cases opened and
closed, links starting and ending). Apps above records in the dependency order add theirs with
``register`` from their ``AppConfig.ready()`` (incidents: ``incidents.records_timeline``;
cameras next), so records never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from safecity.records import selectors
from safecity.records.models import EntityKind


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


def register_default_sources() -> None:
    register("records", _records_items)


def timeline(user: Any, kind: str, pk: int) -> list[dict[str, Any]]:
    """Every source's items for one record the officer may see, newest first."""
    selectors.access_record(user, kind, pk)
    links = selectors.links_of(user, kind, pk)
    items: list[TimelineItem] = []
    for source in _sources.values():
        items.extend(source(user, kind, pk, links))
    items.sort(key=lambda item: item.at, reverse=True)
    return [asdict(item) for item in items]
