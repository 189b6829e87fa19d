"""Accountable look-ups: searching, opening a record, its graph or timeline, and exporting.

Reads of personal records are accountable (Law 91/2025/QH15; DOMAIN.md): each needs a stated
purpose — a case number or a short reason — and writes one hash-chained audit entry with the
purpose and what was shown, plus one ``RecordAccess`` row per record shown, so an auditor can
list who looked at a person and why. The pages and the API call these, never the selectors
directly, for anything they show an officer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy

from safecity.accounts.access import require_capability
from safecity.core import audit
from safecity.core.errors import ApplicationError
from safecity.core.models import AuditEntry
from safecity.core.text import clean
from safecity.records import pdf, selectors, timeline
from safecity.records import search as search_engine
from safecity.records.keys import number_key
from safecity.records.models import EntityKind, RecordAccess
from safecity.records.search import Hit, SearchFilters

PURPOSE_MIN, PURPOSE_MAX = 3, 300


class PurposeRequired(ApplicationError):
    status = 428
    code = "purpose_required"
    default_message = gettext_lazy(
        "State the purpose of this look-up: a case number or a short reason."
    )


def require_purpose(purpose: str | None) -> str:
    text = clean(purpose or "")
    if len(text) < PURPOSE_MIN:
        raise PurposeRequired(fields={"purpose": [str(PurposeRequired.default_message)]})
    return text[:PURPOSE_MAX]


def _purpose_detail(actor: Any, purpose: str) -> dict[str, Any]:
    """When the purpose names a case the officer may see, the audit entry links it."""
    key = number_key(purpose)
    if len(key) < 4:
        return {}
    case = selectors.cases_visible(actor).filter(number_key=key).values_list("id", flat=True)
    found = case.first()
    return {"purpose_case_id": found} if found else {}


@transaction.atomic
def log_access(
    *,
    actor: Any,
    audit_action: str,
    purpose: str,
    viewed: Sequence[tuple[str, int]] = (),
    listed: Sequence[tuple[str, int]] = (),
    exported: Sequence[tuple[str, int]] = (),
    object_type: str = "",
    object_id: Any = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """One audit entry for one accountable read, and a ``RecordAccess`` row per record."""
    shown = [
        *((RecordAccess.Action.VIEW, k, i) for k, i in viewed),
        *((RecordAccess.Action.LISTED, k, i) for k, i in listed),
        *((RecordAccess.Action.EXPORT, k, i) for k, i in exported),
    ]
    entry = audit.record(
        audit_action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        detail={
            **(detail or {}),
            **_purpose_detail(actor, purpose),
            "returned": [f"{k}:{i}" for _a, k, i in shown],
        },
    )
    unit = getattr(actor, "unit", None)
    RecordAccess.objects.bulk_create(
        [
            RecordAccess(
                at=entry.at,
                actor=actor if getattr(actor, "pk", None) else None,
                actor_username=str(getattr(actor, "username", "")),
                unit_code=str(getattr(unit, "code", "") or ""),
                action=action,
                purpose=purpose,
                kind=kind,
                entity_id=entity_id,
                audit_seq=entry.seq,
            )
            for action, kind, entity_id in shown
            if kind != EntityKind.INCIDENT
        ]
    )
    return entry


# --- Accountable reads ----------------------------------------------------------------------------


def search(
    *,
    actor: Any,
    text: str,
    purpose: str | None,
    kind: str = "any",
    filters: SearchFilters | None = None,
    limit: int | None = None,
) -> list[Hit]:
    """Search with a purpose; the query, the filters and every result go in the audit trail."""
    selectors.require_reader(actor)
    purpose = require_purpose(purpose)
    filters = filters or SearchFilters()
    hits = search_engine.run(actor, text, kind=kind, filters=filters, limit=limit)
    log_access(
        actor=actor,
        audit_action="records.search",
        purpose=purpose,
        listed=[(h.kind, h.id) for h in hits],
        detail={"q": clean(text)[:200], "kind": kind, "filters": filters.as_dict()},
    )
    return hits


def _reader(actor: Any, kind: str) -> None:
    if kind == EntityKind.CASE:
        selectors.cases_visible(actor)  # raises Forbidden without read or investigate
    else:
        selectors.require_reader(actor)


def _linked(detail_links: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(lk["other"]["kind"], lk["other"]["id"]) for lk in detail_links]


def record_read(*, actor: Any, kind: str, pk: Any, purpose: str | None) -> dict[str, Any]:
    """Open one record (fields, facts with their sources, links), with a purpose, audited."""
    _reader(actor, kind)
    purpose = require_purpose(purpose)
    obj = selectors.access_record(actor, kind, pk)
    detail = selectors.record_detail(actor, kind, obj)
    log_access(
        actor=actor,
        audit_action=f"records.{kind}.read",
        purpose=purpose,
        viewed=[(kind, obj.pk)],
        listed=_linked(detail["links"]),
        object_type=kind,
        object_id=obj.pk,
    )
    return detail


def record_graph(
    *, actor: Any, kind: str, pk: Any, purpose: str | None, hops: int = 2
) -> dict[str, list[dict[str, Any]]]:
    """The link graph around a record (``selectors.neighbours``), with a purpose, audited."""
    _reader(actor, kind)
    purpose = require_purpose(purpose)
    obj = selectors.access_record(actor, kind, pk)
    graph = selectors.neighbours(actor, kind, obj.pk, hops=hops)
    listed = [(n["kind"], n["entity_id"]) for n in graph["nodes"] if n["depth"] > 0]
    log_access(
        actor=actor,
        audit_action=f"records.{kind}.graph",
        purpose=purpose,
        viewed=[(kind, obj.pk)],
        listed=listed,
        object_type=kind,
        object_id=obj.pk,
        detail={"hops": hops},
    )
    return graph


def record_timeline(*, actor: Any, kind: str, pk: Any, purpose: str | None) -> list[dict[str, Any]]:
    _reader(actor, kind)
    purpose = require_purpose(purpose)
    obj = selectors.access_record(actor, kind, pk)
    items = timeline.timeline(actor, kind, obj.pk)
    log_access(
        actor=actor,
        audit_action=f"records.{kind}.timeline",
        purpose=purpose,
        viewed=[(kind, obj.pk)],
        object_type=kind,
        object_id=obj.pk,
        detail={"items": len(items)},
    )
    return items


def candidate_read(*, actor: Any, pk: Any, purpose: str | None) -> dict[str, Any]:
    """A pair of possible duplicates side by side (both persons' fields, facts and links),
    with a purpose, audited: both persons are viewed, their linked records listed."""
    candidate = selectors.access_candidate(actor, pk)
    purpose = require_purpose(purpose)
    pair = selectors.candidate_side_by_side(actor, candidate)
    log_access(
        actor=actor,
        audit_action="records.duplicates.read",
        purpose=purpose,
        viewed=[
            (EntityKind.PERSON, candidate.person_a_id),
            (EntityKind.PERSON, candidate.person_b_id),
        ],
        listed=[*_linked(pair["a"]["links"]), *_linked(pair["b"]["links"])],
        object_type="duplicate_candidate",
        object_id=candidate.pk,
    )
    return pair


def record_access_log(*, actor: Any, kind: str, pk: int, limit: int = 200) -> list[RecordAccess]:
    """Who looked at a record and why (auditors); the auditor's look is audited too."""
    rows = list(selectors.record_access_log(actor, kind, pk, limit=limit))
    audit.record(
        "records.access_log.read", actor=actor, object_type=kind, object_id=pk, purpose="audit"
    )
    return rows


# --- Exports: a separate capability, audited ------------------------------------------------------


def _require_exporter(actor: Any) -> None:
    require_capability(actor, selectors.EXPORT, audit_action="records.export")


def export_search(
    *,
    actor: Any,
    text: str,
    purpose: str | None,
    kind: str = "any",
    filters: SearchFilters | None = None,
) -> str:
    """Search results as CSV (kind, id, label, identifier, birth year, score)."""
    _require_exporter(actor)
    selectors.require_reader(actor)
    purpose = require_purpose(purpose)
    filters = filters or SearchFilters()
    hits = search_engine.run(actor, text, kind=kind, filters=filters, limit=100)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "id", "label", "identifier", "birth_year", "score"])
    for hit in hits:
        identifier = hit.cccd or hit.plate or hit.number or ""
        writer.writerow([hit.kind, hit.id, hit.label, identifier, hit.birth_year or "", hit.score])
    log_access(
        actor=actor,
        audit_action="records.export",
        purpose=purpose,
        exported=[(h.kind, h.id) for h in hits],
        detail={"what": "search", "q": clean(text)[:200], "kind": kind},
    )
    return out.getvalue()


def export_record(*, actor: Any, kind: str, pk: Any, purpose: str | None) -> str:
    """One record as CSV: its fields, every fact with its sources, its links."""
    _require_exporter(actor)
    _reader(actor, kind)
    purpose = require_purpose(purpose)
    obj = selectors.access_record(actor, kind, pk)
    detail = selectors.record_detail(actor, kind, obj)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "value", "source", "recorded_at", "recorded_by"])
    for name, value in detail["fields"].items():
        writer.writerow(["field", name, "" if value is None else value, "", "", ""])
    for fact in detail["facts"]:
        for value in fact["values"]:
            for source in value["sources"]:
                writer.writerow(
                    [
                        "fact",
                        fact["attribute"],
                        value["value"],
                        source["source"],
                        source["imported_at"].isoformat(),
                        source["imported_by"],
                    ]
                )
    for link in detail["links"]:
        writer.writerow(
            [
                "link",
                link["role"],
                f"{link['other']['kind']}:{link['other']['id']} {link['other']['label']}",
                link["source"],
                link["imported_at"].isoformat(),
                link["imported_by"],
            ]
        )
    log_access(
        actor=actor,
        audit_action="records.export",
        purpose=purpose,
        exported=[(kind, obj.pk)],
        object_type=kind,
        object_id=obj.pk,
        detail={"what": "record"},
    )
    return out.getvalue()


# The PDF printouts: the same capability, purpose and audit as the CSV exports, under their own
# audit actions (a refused attempt is audited under the same action, outcome "denied").


def _stamp(actor: Any, purpose: str) -> pdf.Stamp:
    unit = getattr(actor, "unit", None)
    name = str(getattr(actor, "full_name", "") or getattr(actor, "username", ""))
    return pdf.Stamp(
        username=str(getattr(actor, "username", "")),
        name=f"{name}, {unit.name}" if unit is not None else name,
        at=timezone.now(),
        purpose=purpose,
    )


def export_record_pdf(*, actor: Any, kind: str, pk: Any, purpose: str | None) -> bytes:
    """One record as a PDF printout: its fields, facts with their sources, links by role and
    timeline, marked with its classification and stamped with who exported it and why."""
    action = f"records.{kind}.export_pdf"
    require_capability(actor, selectors.EXPORT, audit_action=action)
    _reader(actor, kind)
    purpose = require_purpose(purpose)
    obj = selectors.access_record(actor, kind, pk)
    detail = selectors.record_detail(actor, kind, obj)
    items = timeline.timeline(actor, kind, obj.pk)
    body = pdf.record_pdf(
        kind=kind, obj=obj, detail=detail, timeline=items, stamp=_stamp(actor, purpose)
    )
    log_access(
        actor=actor,
        audit_action=action,
        purpose=purpose,
        exported=[(kind, obj.pk)],
        listed=_linked(detail["links"]),
        object_type=kind,
        object_id=obj.pk,
        detail={"what": "record", "format": "pdf", "timeline_items": len(items)},
    )
    return body


def _highest_classification(actor: Any, hits: Sequence[Hit]) -> int:
    """The marking a list of results takes: that of its most classified record."""
    ids: dict[str, list[int]] = {}
    for hit in hits:
        ids.setdefault(hit.kind, []).append(hit.id)
    levels = [
        selectors.visible(actor, kind)
        .filter(pk__in=pks)
        .aggregate(level=Max("classification"))["level"]
        or 0
        for kind, pks in ids.items()
    ]
    return max(levels, default=0)


def export_search_pdf(
    *,
    actor: Any,
    text: str,
    purpose: str | None,
    kind: str = "any",
    filters: SearchFilters | None = None,
) -> bytes:
    """Search results as a PDF printout, best first (up to 100, as the CSV)."""
    action = "records.search.export_pdf"
    require_capability(actor, selectors.EXPORT, audit_action=action)
    selectors.require_reader(actor)
    purpose = require_purpose(purpose)
    filters = filters or SearchFilters()
    hits = search_engine.run(actor, text, kind=kind, filters=filters, limit=100)
    body = pdf.search_pdf(
        query=clean(text),
        kind=kind,
        filters=filters.as_dict(),
        hits=hits,
        classification=_highest_classification(actor, hits),
        stamp=_stamp(actor, purpose),
    )
    log_access(
        actor=actor,
        audit_action=action,
        purpose=purpose,
        exported=[(h.kind, h.id) for h in hits],
        detail={"what": "search", "format": "pdf", "q": clean(text)[:200], "kind": kind},
    )
    return body
