"""Reads of the integrated database, limited to what the caller may see.

Who sees what:
- persons, vehicles, phones and organisations: officers holding ``accounts.read_records``, up
  to their clearance (a record may be classified, e.g. a protected witness);
- cases: ``accounts.read_records`` or ``accounts.investigate``, within the officer's unit scope
  (the handling unit's subtree; the city command sees all) and clearance;
- links: only where both ends are visible, so a secret case never shows through a person.

These functions read only. Opening a record with a purpose and an audit entry is
``records.lookups.record_read``; searching is ``records.lookups.search``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from safecity.accounts.access import (
    access_audit_log,
    clearance_filter,
    has_capability,
    is_officer,
    require_capability,
    scope_filter,
)
from safecity.core.errors import Forbidden, NotFound
from safecity.records.models import (
    ROLE_ENDS,
    Case,
    DuplicateCandidate,
    EntityKind,
    Link,
    Merge,
    Organisation,
    Person,
    Phone,
    RecordAccess,
    SourceRecord,
    Vehicle,
    end_fields,
)

READ = "accounts.read_records"
MANAGE = "accounts.manage_records"
EXPORT = "accounts.export_records"
INVESTIGATE = "accounts.investigate"


def require_reader(user: Any) -> Any:
    return require_capability(user, READ)


def _clearance(user: Any) -> int:
    return int(user.clearance) if is_officer(user) else -1


def persons_visible(user: Any) -> QuerySet[Person]:
    """Persons the officer may find: not merged away, not above their clearance."""
    require_reader(user)
    return Person.objects.filter(merged_into__isnull=True, classification__lte=_clearance(user))


def vehicles_visible(user: Any) -> QuerySet[Vehicle]:
    require_reader(user)
    return Vehicle.objects.filter(classification__lte=_clearance(user))


def phones_visible(user: Any) -> QuerySet[Phone]:
    require_reader(user)
    return Phone.objects.filter(classification__lte=_clearance(user))


def organisations_visible(user: Any) -> QuerySet[Organisation]:
    require_reader(user)
    return Organisation.objects.filter(classification__lte=_clearance(user))


def cases_visible(user: Any) -> QuerySet[Case]:
    if not (has_capability(user, READ) or has_capability(user, INVESTIGATE)):
        raise Forbidden()
    return Case.objects.select_related("unit").filter(
        scope_filter(user), classification__lte=_clearance(user)
    )


MODELS: dict[str, type[Model]] = {
    EntityKind.PERSON: Person,
    EntityKind.VEHICLE: Vehicle,
    EntityKind.PHONE: Phone,
    EntityKind.ORGANISATION: Organisation,
    EntityKind.CASE: Case,
}


def visible(user: Any, kind: str) -> QuerySet[Any]:
    getters: dict[str, Callable[[Any], QuerySet[Any]]] = {
        EntityKind.PERSON: persons_visible,
        EntityKind.VEHICLE: vehicles_visible,
        EntityKind.PHONE: phones_visible,
        EntityKind.ORGANISATION: organisations_visible,
        EntityKind.CASE: cases_visible,
    }
    if kind not in getters:
        raise NotFound()
    return getters[kind](user)


def access_record(user: Any, kind: str, pk: Any) -> Any:
    """One person, vehicle, phone, organisation or case the officer may see, else
    ``NotFound`` (also when it exists but is out of scope or above their clearance).
    A person merged into another is still found, with ``merged_into`` set."""
    queryset = visible(user, kind)
    if kind == EntityKind.PERSON:
        queryset = Person.objects.filter(classification__lte=_clearance(user))
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_incident_end(user: Any, pk: Any) -> int:
    """The id of an incident the officer may see (unit scope and clearance), for the incident
    end of a link, else ``NotFound``. Incidents sit above records in the dependency order, so
    the model is looked up through the app registry."""
    if not apps.is_installed("safecity.incidents"):
        raise NotFound()
    incident_model = apps.get_model("incidents", "Incident")
    try:
        found = incident_model.objects.filter(
            scope_filter(user), clearance_filter(user, "classification"), pk=pk
        ).exists()
    except (ValueError, TypeError):
        found = False
    if not found:
        raise NotFound()
    return int(pk)


def access_link(user: Any, pk: Any) -> Link:
    """A link the officer may see at least one record end of (incident ends are checked with
    ``access_incident_end``), else ``NotFound``."""
    link = Link.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if link is None:
        raise NotFound()
    for kind, entity_id in link_ends(link):
        if entity_id is None:
            continue
        try:
            if kind == EntityKind.INCIDENT:
                access_incident_end(user, entity_id)
            else:
                access_record(user, kind, entity_id)
        except (NotFound, Forbidden):
            continue
        return link
    raise NotFound()


def access_person(user: Any, pk: Any) -> Person:
    person: Person = access_record(user, EntityKind.PERSON, pk)
    return person


def access_case(user: Any, pk: Any) -> Case:
    case: Case = access_record(user, EntityKind.CASE, pk)
    return case


# --- Facts with provenance ------------------------------------------------------------------------


def _who(record: SourceRecord) -> str:
    return record.imported_by.username if record.imported_by else ""


def facts(entity: Model) -> list[dict[str, Any]]:
    """Each attribute the sources gave, each distinct value with the sources that said it,
    oldest first; ``conflict`` when sources disagree. Nothing here is resolved away."""
    records = SourceRecord.objects.filter(
        kind=entity._meta.model_name, entity_id=entity.pk
    ).select_related("imported_by")
    by_attribute: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for record in records.order_by("imported_at", "id"):
        for attribute, value in (record.data or {}).items():
            if value in ("", None, []):
                continue
            shown = " | ".join(map(str, value)) if isinstance(value, list) else str(value)
            by_attribute[attribute].setdefault(shown, []).append(
                {
                    "source": record.source,
                    "external_id": record.external_id,
                    "imported_at": record.imported_at,
                    "imported_by": _who(record),
                }
            )
    return [
        {
            "attribute": attribute,
            "values": [{"value": v, "sources": s} for v, s in values.items()],
            "conflict": len(values) > 1,
        }
        for attribute, values in by_attribute.items()
    ]


# --- Links ----------------------------------------------------------------------------------------


def node_label(kind: str, obj: Any) -> str:
    if kind == EntityKind.PERSON:
        return f"{obj.full_name} ({obj.birth_year})" if obj.birth_year else obj.full_name
    if kind == EntityKind.CASE:
        return obj.number
    if kind == EntityKind.VEHICLE:
        return obj.plate
    if kind == EntityKind.PHONE:
        return obj.number
    if kind == EntityKind.ORGANISATION:
        return obj.name
    return f"#{obj}"


def link_ends(link: Link) -> tuple[tuple[str, int], tuple[str, int]]:
    field_a, field_b = end_fields(link.role)
    kind_a, kind_b = ROLE_ENDS[link.role]
    a = getattr(link, field_a if field_a == "incident_id" else f"{field_a}_id")
    b = getattr(link, field_b if field_b == "incident_id" else f"{field_b}_id")
    return (kind_a, a), (kind_b, b)


def _links_touching(kind: str, ids: set[int]) -> QuerySet[Link]:
    if kind == EntityKind.PERSON:
        query = Q(person_id__in=ids) | Q(other_person_id__in=ids)
    elif kind == EntityKind.INCIDENT:
        query = Q(incident_id__in=ids)
    else:
        query = Q(**{f"{kind}_id__in": ids})
    return Link.objects.filter(query).select_related("imported_by")


def _visible_ids(user: Any, wanted: dict[str, set[int]]) -> dict[str, dict[int, Any]]:
    """The objects among ``wanted`` the officer may see, per kind. Incidents are records of
    another app: their ids are passed through for the caller to resolve with its rights."""
    found: dict[str, dict[int, Any]] = {}
    for kind, ids in wanted.items():
        if kind == EntityKind.INCIDENT:
            found[kind] = {pk: None for pk in ids}
            continue
        try:
            queryset = visible(user, kind)
        except Forbidden:
            found[kind] = {}
            continue
        found[kind] = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    return found


def links_of(user: Any, kind: str, pk: int) -> list[dict[str, Any]]:
    """The entity's links whose other end the officer may see, with role, time and source."""
    links = list(_links_touching(kind, {pk}))
    wanted: dict[str, set[int]] = defaultdict(set)
    for link in links:
        for end in link_ends(link):
            wanted[end[0]].add(end[1])
    seen = _visible_ids(user, wanted)
    out = []
    for link in links:
        a, b = link_ends(link)
        other = b if a == (kind, pk) else a
        if other[1] not in seen.get(other[0], {}):
            continue
        obj = seen[other[0]][other[1]]
        out.append(
            {
                "id": link.pk,
                "role": link.role,
                "role_label": str(link.get_role_display()),
                "other": {
                    "kind": other[0],
                    "id": other[1],
                    "label": node_label(other[0], obj) if obj is not None else f"#{other[1]}",
                },
                "detail": link.detail,
                "valid_from": link.valid_from,
                "valid_to": link.valid_to,
                "source": link.source,
                "imported_at": link.imported_at,
                "imported_by": link.imported_by.username if link.imported_by else "",
            }
        )
    return out


def neighbours(
    user: Any, kind: str, pk: int, *, hops: int = 2, max_nodes: int = 200
) -> dict[str, list[dict[str, Any]]]:
    """The link graph around one entity, ``hops`` steps out: ``{"nodes": [{id, kind,
    entity_id, label, depth}], "edges": [{id, source, target, role, label}]}``. Node ids are
    "kind:id". Only what the officer may see; at most ``max_nodes`` nodes (nearest first)."""
    start = access_record(user, kind, pk)
    nodes: dict[tuple[str, int], dict[str, Any]] = {
        (kind, pk): {
            "id": f"{kind}:{pk}",
            "kind": kind,
            "entity_id": pk,
            "label": node_label(kind, start),
            "depth": 0,
        }
    }
    edges: dict[int, dict[str, Any]] = {}
    frontier = {(kind, pk)}
    for depth in range(1, max(1, min(hops, 3)) + 1):
        by_kind: dict[str, set[int]] = defaultdict(set)
        for node_kind, node_id in frontier:
            by_kind[node_kind].add(node_id)
        links: list[Link] = []
        for node_kind, ids in by_kind.items():
            links.extend(_links_touching(node_kind, ids))
        wanted: dict[str, set[int]] = defaultdict(set)
        for link in links:
            for end in link_ends(link):
                if end not in nodes:
                    wanted[end[0]].add(end[1])
        seen = _visible_ids(user, wanted)
        next_frontier: set[tuple[str, int]] = set()
        for link in links:
            a, b = link_ends(link)
            for end in (a, b):
                if end in nodes or len(nodes) >= max_nodes:
                    continue
                if end[1] not in seen.get(end[0], {}):
                    continue
                obj = seen[end[0]][end[1]]
                nodes[end] = {
                    "id": f"{end[0]}:{end[1]}",
                    "kind": end[0],
                    "entity_id": end[1],
                    "label": node_label(end[0], obj) if obj is not None else f"#{end[1]}",
                    "depth": depth,
                }
                next_frontier.add(end)
            if a in nodes and b in nodes:
                edges[link.pk] = {
                    "id": link.pk,
                    "source": f"{a[0]}:{a[1]}",
                    "target": f"{b[0]}:{b[1]}",
                    "role": link.role,
                    "label": str(link.get_role_display()),
                }
        frontier = next_frontier
        if not frontier:
            break
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


# --- Record details -------------------------------------------------------------------------------


def _person_fields(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "aliases": list(person.aliases or []),
        "cccd": person.cccd,
        "old_id": person.old_id,
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "gender": person.gender,
        "nationality": person.nationality,
        "permanent_address": person.permanent_address,
        "permanent_ward_code": person.permanent_ward_id,
        "temporary_address": person.temporary_address,
        "temporary_ward_code": person.temporary_ward_id,
        "photo": person.photo,
        "classification": person.classification,
        "merged_into_id": person.merged_into_id,
    }


def _vehicle_fields(vehicle: Vehicle) -> dict[str, Any]:
    return {
        "id": vehicle.pk,
        "plate": vehicle.plate,
        "plate_key": vehicle.plate_key,
        "plate_kind": vehicle.plate_kind,
        "kind": vehicle.kind,
        "brand": vehicle.brand,
        "model": vehicle.model,
        "colour": vehicle.colour,
        "chassis_number": vehicle.chassis_number,
        "engine_number": vehicle.engine_number,
        "registration": vehicle.registration,
        "classification": vehicle.classification,
    }


def _case_fields(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "unit_id": case.unit_id,
        "unit_name": case.unit.name,
        "classification": case.classification,
        "summary": case.summary,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
    }


def _phone_fields(phone: Phone) -> dict[str, Any]:
    return {
        "id": phone.pk,
        "number": phone.number,
        "kind": phone.kind,
        "carrier": phone.carrier,
        "note": phone.note,
        "classification": phone.classification,
    }


def _organisation_fields(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "tax_code": org.tax_code,
        "address": org.address,
        "ward_code": org.ward_id,
        "classification": org.classification,
    }


_FIELDS: dict[str, Callable[[Any], dict[str, Any]]] = {
    EntityKind.PERSON: _person_fields,
    EntityKind.VEHICLE: _vehicle_fields,
    EntityKind.CASE: _case_fields,
    EntityKind.PHONE: _phone_fields,
    EntityKind.ORGANISATION: _organisation_fields,
}


def written(kind: str, obj: Any, names: Any) -> dict[str, Any]:
    """What an entry wrote, for its answer: the record's kind, id and label, and only the
    fields named (never the facts of other sources or the links; those are read with a
    purpose through ``lookups.record_read``)."""
    shown = _FIELDS[kind](obj)
    return {
        "kind": kind,
        "id": obj.pk,
        "label": node_label(kind, obj),
        "fields": {name: shown[name] for name in ("id", *names) if name in shown},
    }


def record_detail(user: Any, kind: str, obj: Any) -> dict[str, Any]:
    """One record as its page shows it: its fields (the resolved view), every fact with its
    sources, and its visible links (for a case, grouped by role)."""
    links = links_of(user, kind, obj.pk)
    detail: dict[str, Any] = {
        "kind": kind,
        "label": node_label(kind, obj),
        "fields": _FIELDS[kind](obj),
        "facts": facts(obj),
        "links": links,
    }
    if kind == EntityKind.CASE:
        by_role: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for link in links:
            by_role[link["role"]].append(link["other"])
        detail["by_role"] = dict(by_role)
        detail["incident_ids"] = sorted(
            lk["other"]["id"] for lk in links if lk["other"]["kind"] == EntityKind.INCIDENT
        )
    return detail


# --- Who looked -----------------------------------------------------------------------------------


def record_access_log(user: Any, kind: str, pk: int, *, limit: int = 200) -> QuerySet[RecordAccess]:
    """Who opened, found or exported this record, when and for what purpose, newest first —
    for auditors (``accounts.view_audit``); a person's entries include those recorded under
    persons merged into them. The caller audits the look itself."""
    access_audit_log(user)
    if not MODELS[kind]._default_manager.filter(pk=pk).exists():
        raise NotFound()  # also an id beyond what the database stores (PostgreSQL answers empty)
    ids = [pk]
    if kind == EntityKind.PERSON:
        ids += list(Person.objects.filter(merged_into_id=pk).values_list("id", flat=True))
    return RecordAccess.objects.filter(kind=kind, entity_id__in=ids).order_by("-at", "-id")[:limit]


# --- The review queue of possible duplicates ------------------------------------------------------


def require_manager(user: Any) -> Any:
    return require_capability(user, MANAGE)


def review_queue(
    user: Any, *, status: str = DuplicateCandidate.Status.PENDING, limit: int = 100
) -> QuerySet[DuplicateCandidate]:
    """Pairs to review, the likeliest duplicates first; pairs with a person above the
    officer's clearance are left out."""
    require_manager(user)
    clearance = _clearance(user)
    return (
        DuplicateCandidate.objects.filter(status=status)
        .filter(person_a__classification__lte=clearance, person_b__classification__lte=clearance)
        .filter(
            Q(status=DuplicateCandidate.Status.MERGED)
            | Q(person_a__merged_into__isnull=True, person_b__merged_into__isnull=True)
        )
        .select_related("person_a", "person_b")
        .order_by("-score", "id")[:limit]
    )


def access_candidate(user: Any, pk: Any) -> DuplicateCandidate:
    require_manager(user)
    clearance = _clearance(user)
    candidate = (
        DuplicateCandidate.objects.select_related("person_a", "person_b")
        .filter(
            pk=pk,
            person_a__classification__lte=clearance,
            person_b__classification__lte=clearance,
        )
        .first()
        if str(pk).isdigit()
        else None
    )
    if candidate is None:
        raise NotFound()
    return candidate


def candidate_side_by_side(user: Any, candidate: DuplicateCandidate) -> dict[str, Any]:
    """Both persons of a pair with their facts and links, for the reviewer."""
    return {
        "id": candidate.pk,
        "score": candidate.score,
        "reasons": candidate.reasons,
        "status": candidate.status,
        "a": record_detail(user, EntityKind.PERSON, candidate.person_a),
        "b": record_detail(user, EntityKind.PERSON, candidate.person_b),
    }


def access_merge(user: Any, pk: Any) -> Merge:
    require_manager(user)
    merge = (
        Merge.objects.select_related("winner", "loser").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    clearance = _clearance(user)
    if (
        merge is None
        or merge.winner.classification > clearance
        or merge.loser.classification > clearance
    ):
        raise NotFound(_("No such merge."))
    return merge


def merges_of(user: Any, person: Person) -> QuerySet[Merge]:
    """The merges that made this person what it is (as winner) or folded it away (as loser)."""
    require_reader(user)
    return Merge.objects.filter(Q(winner=person) | Q(loser=person)).order_by("-at")
