"""The integrated database over HTTP: search, record reads (with a stated purpose), exports,
entries, links, imports and the duplicate review queue. Thin: selectors check access,
services do the work and the audit."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from safecity.accounts.access import access_unit, has_capability
from safecity.core.api import ERROR_RESPONSES, ErrorOut
from safecity.core.errors import ApplicationError, InvalidInput
from safecity.records import imports, lookups, resolution, selectors, services
from safecity.records.models import EntityKind, Link, Merge
from safecity.records.schemas import (
    AccessOut,
    CandidateDetailOut,
    CandidateOut,
    CaseIn,
    CaseStatusIn,
    DistinctIn,
    GraphOut,
    GraphQuery,
    ImportOut,
    LinkCreatedOut,
    LinkIn,
    MergeIn,
    MergeOut,
    PersonIn,
    PersonPatch,
    PurposeQuery,
    RecordOut,
    ScanOut,
    SearchOut,
    SearchQuery,
    TimelineItemOut,
    VehicleIn,
    WrittenOut,
)
from safecity.records.search import SearchFilters

router = Router(tags=["records"])
RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 413: ErrorOut, 428: ErrorOut}
PATHS = {
    EntityKind.PERSON: "persons",
    EntityKind.VEHICLE: "vehicles",
    EntityKind.PHONE: "phones",
    EntityKind.CASE: "cases",
    EntityKind.ORGANISATION: "organisations",
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _filters(query: SearchQuery) -> SearchFilters:
    return SearchFilters(
        ward=query.ward,
        birth_year_from=query.birth_year_from,
        birth_year_to=query.birth_year_to,
        gender=query.gender,
    )


@router.get("/search", response={200: SearchOut, **RESPONSES}, exclude_none=True)
def records_search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    """Search persons, vehicles, phones, cases and organisations by whatever you have: a
    CCCD, a plate in any spelling, a phone in any format, a case number, or a name (any
    diacritics, tone placement or case, one typo; add a birth year to narrow). Best first."""
    hits = lookups.search(
        actor=_user(request),
        text=query.q,
        purpose=query.purpose,
        kind=query.kind,
        filters=_filters(query),
        limit=query.limit,
    )
    return {"results": [hit.as_dict() for hit in hits]}


def _csv(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


@router.get("/search/export", response={200: str, **RESPONSES})
def records_search_export(request: HttpRequest, query: Query[SearchQuery]) -> HttpResponse:
    """The search results as CSV (needs the export permission; audited)."""
    body = lookups.export_search(
        actor=_user(request),
        text=query.q,
        purpose=query.purpose,
        kind=query.kind,
        filters=_filters(query),
    )
    return _csv(body, "search")


# The 200 of a PDF route, as OpenAPI should describe it (not the JSON string a schema implies).
PDF_OPENAPI: dict[str, Any] = {
    "responses": {
        200: {
            "description": "A PDF printout",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.pdf"'
    return response


@router.get("/search/export.pdf", response=RESPONSES, openapi_extra=PDF_OPENAPI)
def records_search_export_pdf(request: HttpRequest, query: Query[SearchQuery]) -> HttpResponse:
    """The search results as a PDF printout, marked with the highest classification among
    them and stamped on every page with who exported it and why (export permission; audited)."""
    body = lookups.export_search_pdf(
        actor=_user(request),
        text=query.q,
        purpose=query.purpose,
        kind=query.kind,
        filters=_filters(query),
    )
    return _pdf(body, "search")


# --- One record: read, graph, timeline, export, who looked (each kind) ----------------------------


def _record_routes(kind: str, path: str) -> None:
    def read(request: HttpRequest, pk: int, query: Query[PurposeQuery]) -> dict[str, Any]:
        return lookups.record_read(actor=_user(request), kind=kind, pk=pk, purpose=query.purpose)

    def graph(request: HttpRequest, pk: int, query: Query[GraphQuery]) -> dict[str, Any]:
        return lookups.record_graph(
            actor=_user(request), kind=kind, pk=pk, purpose=query.purpose, hops=query.hops
        )

    def timeline(request: HttpRequest, pk: int, query: Query[PurposeQuery]) -> list[Any]:
        return lookups.record_timeline(
            actor=_user(request), kind=kind, pk=pk, purpose=query.purpose
        )

    def export(request: HttpRequest, pk: int, query: Query[PurposeQuery]) -> HttpResponse:
        body = lookups.export_record(actor=_user(request), kind=kind, pk=pk, purpose=query.purpose)
        return _csv(body, f"{kind}-{pk}")

    def export_pdf(request: HttpRequest, pk: int, query: Query[PurposeQuery]) -> HttpResponse:
        body = lookups.export_record_pdf(
            actor=_user(request), kind=kind, pk=pk, purpose=query.purpose
        )
        return _pdf(body, f"{kind}-{pk}")

    def access_log(request: HttpRequest, pk: int) -> list[Any]:
        return lookups.record_access_log(actor=_user(request), kind=kind, pk=pk)

    routes: list[tuple[str, Callable[..., Any], Any, str]] = [  # schema None: a PDF
        ("", read, RecordOut, f"Open a {kind} record (purpose required; audited)."),
        ("/graph", graph, GraphOut, "Linked records, up to 3 hops (purpose required)."),
        ("/timeline", timeline, list[TimelineItemOut], "Events, newest first (purpose required)."),
        ("/export", export, str, "The record as CSV (export permission; audited)."),
        (
            "/export.pdf",
            export_pdf,
            None,
            "The record as a PDF printout (export permission; audited).",
        ),
        ("/access-log", access_log, list[AccessOut], "Who looked at it and why (auditors)."),
    ]
    for suffix, handler, schema, summary in routes:
        handler.__name__ = f"records_{kind}_{handler.__name__}"
        handler.__doc__ = summary
        router.get(
            f"/{path}/{{pk}}{suffix}",
            response=RESPONSES if schema is None else {200: schema, **RESPONSES},
            operation_id=handler.__name__,
            summary=summary.split(" (")[0].rstrip("."),
            openapi_extra=PDF_OPENAPI if schema is None else None,
        )(handler)


for _kind, _path in PATHS.items():
    _record_routes(_kind, _path)


# --- Entries --------------------------------------------------------------------------------------


def _person_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "aliases" in values and values["aliases"] is not None:
        values["aliases"] = "|".join(values["aliases"])
    if "phones" in values:
        values["phone"] = "|".join(values.pop("phones") or [])
    for name in ("ward_code", "temporary_ward_code"):
        if name in values:
            values[name] = "" if values[name] is None else str(values[name])
    return values


def _person_names(data: dict[str, Any]) -> list[str]:
    """The person fields a payload wrote (its ward codes are the record's ward fields)."""
    renamed = {"ward_code": "permanent_ward_code"}
    names = [renamed.get(name, name) for name in data]
    return [*names, "birth_year"] if "birth_date" in data else names


@router.post("/persons", response={201: WrittenOut, **RESPONSES})
def person_create(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    """Enter a person (records clerks). The same checks as an import row: the CCCD must fit
    the birth year and gender."""
    user = selectors.require_manager(_user(request))
    data = payload.model_dump()
    person = services.person_create(actor=user, values=_person_values(data))
    return Status(201, selectors.written(EntityKind.PERSON, person, _person_names(data)))


@router.patch("/persons/{pk}", response={200: WrittenOut, **RESPONSES})
def person_update(request: HttpRequest, pk: int, payload: PersonPatch) -> dict[str, Any]:
    """Change a person's values; they are kept as your own source beside the others."""
    user = selectors.require_manager(_user(request))
    person = selectors.access_person(user, pk)
    data = payload.model_dump(exclude_unset=True)
    person = services.person_update(actor=user, person=person, values=_person_values(data))
    return selectors.written(EntityKind.PERSON, person, _person_names(data))


@router.post("/vehicles", response={201: WrittenOut, **RESPONSES})
def vehicle_create(request: HttpRequest, payload: VehicleIn) -> Status[dict[str, Any]]:
    user = selectors.require_manager(_user(request))
    data = payload.model_dump()
    values = {
        **data,
        "color": data.pop("colour"),
        "chassis": data.pop("chassis_number"),
        "engine": data.pop("engine_number"),
        "status": data.pop("registration"),
    }
    vehicle = services.vehicle_create(actor=user, values=values)
    return Status(201, selectors.written(EntityKind.VEHICLE, vehicle, payload.model_dump()))


@router.post("/cases", response={201: WrittenOut, **RESPONSES})
def case_create(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    """Open a case handled by a unit in your scope."""
    user = _user(request)
    selectors.cases_visible(user)
    if not has_capability(user, selectors.INVESTIGATE):
        selectors.require_manager(user)
    unit = access_unit(user, payload.unit_id)
    case = services.case_create(
        actor=user,
        number=payload.number,
        unit=unit,
        kind=payload.kind,
        summary=payload.summary,
        classification=payload.classification,
        opened_at=payload.opened_at,
    )
    names = [*payload.model_dump(), "status"]
    return Status(201, selectors.written(EntityKind.CASE, case, names))


@router.post("/cases/{pk}/status", response={200: WrittenOut, **RESPONSES})
def case_status(request: HttpRequest, pk: int, payload: CaseStatusIn) -> dict[str, Any]:
    user = _user(request)
    case = selectors.access_case(user, pk)
    if not has_capability(user, selectors.INVESTIGATE):
        selectors.require_manager(user)
    case = services.case_set_status(actor=user, case=case, status=payload.status)
    return selectors.written(EntityKind.CASE, case, ["status", "closed_at"])


@router.post("/links", response={201: LinkCreatedOut, **RESPONSES})
def link_create(request: HttpRequest, payload: LinkIn) -> Status[Link]:
    """Link two records you may see, e.g. `{"role": "owner", "a": {"kind": "person", "id":
    1}, "b": {"kind": "vehicle", "id": 2}}`; a case's incident: `b` of kind `incident`."""
    user = _user(request)
    if not has_capability(user, selectors.INVESTIGATE):
        selectors.require_manager(user)
    ends = []
    for end in (payload.a, payload.b):
        if end.kind == EntityKind.INCIDENT:
            ends.append(selectors.access_incident_end(user, end.id))
        else:
            ends.append(selectors.access_record(user, end.kind, end.id))
    if payload.a.kind == EntityKind.INCIDENT:
        raise InvalidInput(fields={"a": ["An incident is always the second end (b)."]})
    link = services.link_add(
        actor=user,
        role=payload.role,
        a=ends[0],
        b=ends[1],
        detail=payload.detail,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
    )
    return Status(201, link)


@router.post("/links/{pk}/end", response={200: LinkCreatedOut, **RESPONSES})
def link_end(request: HttpRequest, pk: int) -> Link:
    """The relation stopped now; the link stays as history."""
    user = _user(request)
    if not has_capability(user, selectors.INVESTIGATE):
        selectors.require_manager(user)
    link = selectors.access_link(user, pk)
    for kind, entity_id in selectors.link_ends(link):
        if kind != EntityKind.INCIDENT:
            selectors.access_record(user, kind, entity_id)
    return services.link_end(actor=user, link=link)


IMPORT_MAX_BYTES = 50 * 1024 * 1024  # one import file, read no further than this


def _too_large() -> ApplicationError:
    limit = IMPORT_MAX_BYTES // (1024 * 1024)
    return ApplicationError(
        f"The file is larger than {limit} MB; split it.",
        code="file_too_large",
        status=413,
        fields={"file": [f"At most {limit} MB."]},
    )


@router.post("/imports", response={200: ImportOut, **RESPONSES})
def records_import(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str],
    source: Form[str],
) -> dict[str, Any]:
    """Import a CSV, JSON or JSON Lines file of one kind (person, vehicle, phone, case) from
    a named source; the answer lists every rejected row with its line and reason."""
    user = selectors.require_manager(_user(request))
    if kind not in imports.KINDS:
        raise InvalidInput(fields={"kind": [f"One of: {', '.join(imports.KINDS)}."]})
    name = (file.name or "upload.csv").lower()
    if file.size is not None and file.size > IMPORT_MAX_BYTES:
        raise _too_large()
    content = file.read(IMPORT_MAX_BYTES + 1)
    if len(content) > IMPORT_MAX_BYTES:
        raise _too_large()
    text = content.decode("utf-8-sig", errors="replace")
    try:
        rows = imports.rows_from_text(text, fmt=name.rsplit(".", 1)[-1])
        result = imports.import_rows(
            kind=kind, rows=rows, source=source, actor=user, file_name=file.name or ""
        )
    except (ValueError, csv.Error) as error:
        raise InvalidInput(str(error), fields={"file": [str(error)]}) from None

    def out(item: imports.Reject) -> dict[str, Any]:
        return {
            "line": item.line,
            "severity": item.severity,
            "code": item.code,
            "message": item.message,
        }

    return {
        "kind": result.kind,
        "source": result.source,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "rejects": [out(r) for r in result.rejects],
        "warnings": [out(w) for w in result.warnings],
        "run_id": result.run_id,
    }


# --- The review queue of possible duplicates ------------------------------------------------------


def _candidate(candidate: Any) -> dict[str, Any]:
    return {
        "id": candidate.pk,
        "person_a_id": candidate.person_a_id,
        "person_b_id": candidate.person_b_id,
        "person_a_name": candidate.person_a.full_name,
        "person_b_name": candidate.person_b.full_name,
        "score": candidate.score,
        "reasons": candidate.reasons,
        "status": candidate.status,
        "found_at": candidate.found_at,
    }


@router.get("/duplicates", response={200: list[CandidateOut], **RESPONSES})
def duplicates_list(
    request: HttpRequest, status: str = "pending", limit: int = 100
) -> list[dict[str, Any]]:
    """Possible duplicate persons, likeliest first (records clerks)."""
    if status not in {"pending", "merged", "distinct"}:
        raise InvalidInput(fields={"status": ["pending, merged or distinct"]})
    rows = selectors.review_queue(_user(request), status=status, limit=max(1, min(limit, 500)))
    return [_candidate(c) for c in rows]


@router.post("/duplicates/scan", response={200: ScanOut, **RESPONSES})
def duplicates_scan(request: HttpRequest) -> dict[str, Any]:
    """Look for possible duplicates now; pairs with the same valid CCCD are merged at once
    (undoably), the others wait for review."""
    user = selectors.require_manager(_user(request))
    found = resolution.duplicates_find(actor=user)
    merged = resolution.duplicates_auto_merge(actor=user)
    return {**found.__dict__, "auto_merged": len(merged)}


@router.get("/duplicates/{pk}", response={200: CandidateDetailOut, **RESPONSES})
def duplicate_detail(request: HttpRequest, pk: int, query: Query[PurposeQuery]) -> dict[str, Any]:
    """Both persons side by side, with their facts and links (purpose required; audited)."""
    return lookups.candidate_read(actor=_user(request), pk=pk, purpose=query.purpose)


@router.post("/duplicates/{pk}/merge", response={200: MergeOut, **RESPONSES})
def duplicate_merge(request: HttpRequest, pk: int, payload: MergeIn) -> Merge:
    user = _user(request)
    candidate = selectors.access_candidate(user, pk)
    return resolution.candidate_merge(
        actor=user, candidate=candidate, winner_id=payload.winner_id, reason=payload.reason
    )


@router.post("/duplicates/{pk}/distinct", response={200: CandidateOut, **RESPONSES})
def duplicate_distinct(request: HttpRequest, pk: int, payload: DistinctIn) -> dict[str, Any]:
    user = _user(request)
    candidate = selectors.access_candidate(user, pk)
    candidate = resolution.candidate_mark_distinct(
        actor=user, candidate=candidate, reason=payload.reason
    )
    return _candidate(candidate)


@router.post("/merges/{pk}/undo", response={200: MergeOut, **RESPONSES})
def merge_undo(request: HttpRequest, pk: int) -> Merge:
    user = _user(request)
    merge = selectors.access_merge(user, pk)
    return resolution.merge_undo(actor=user, merge=merge)
