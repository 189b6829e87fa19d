"""The investigator's pages of the integrated database: the purpose of the working session,
the search, one page per person, vehicle, phone, organisation and case (facts with their
sources, links, timeline, link graph), and who looked at a record. The review queue of
possible duplicates is ``views_review``.

Every read goes through ``records.lookups``, as the API's do, so a page look is audited exactly
like an API call: with the purpose the officer gave once for their working session (kept in
the session; the pages ask for it before anything else) and what was shown. Writes go through
``records.resolution``, which audits them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from safecity.accounts.access import has_capability
from safecity.accounts.decorators import officer_required
from safecity.core.errors import Forbidden
from safecity.geography.models import Ward
from safecity.geography.selectors import wards_of
from safecity.records import lookups, selectors
from safecity.records.forms import PurposeForm, SearchForm
from safecity.records.models import (
    Case,
    EntityKind,
    Organisation,
    Person,
    Phone,
    Role,
    Vehicle,
)
from safecity.records.search import SearchFilters

View = Callable[..., HttpResponse]

PURPOSE_KEY = "records_purpose"
RECENT_KEY = "records_purposes_recent"
RECENT_MAX = 5
SEARCH_LIMIT = 50
AUDITOR = "accounts.view_audit"
READERS = (selectors.READ, selectors.INVESTIGATE)
PATHS: dict[str, str] = {
    EntityKind.PERSON: "persons",
    EntityKind.VEHICLE: "vehicles",
    EntityKind.PHONE: "phones",
    EntityKind.ORGANISATION: "organisations",
    EntityKind.CASE: "cases",
}
MODELS: dict[str, type[Model]] = {
    EntityKind.PERSON: Person,
    EntityKind.VEHICLE: Vehicle,
    EntityKind.PHONE: Phone,
    EntityKind.ORGANISATION: Organisation,
    EntityKind.CASE: Case,
}
# Officers who may open an incident's page (``incidents.selectors.INCIDENT_CAPABILITIES``;
# records sits below incidents in the dependency order, so it cannot import them). Others see
# the incident on a timeline without a link to a page that would refuse them.
INCIDENT_READERS = (
    "accounts.take_calls",
    "accounts.dispatch_units",
    "accounts.command_operations",
    "accounts.work_patrol",
)

KIND_LABELS: dict[str, Promise] = {
    EntityKind.PERSON: pgettext_lazy("record kind", "Person"),
    EntityKind.VEHICLE: pgettext_lazy("record kind", "Vehicle"),
    EntityKind.PHONE: pgettext_lazy("record kind", "Phone"),
    EntityKind.ORGANISATION: pgettext_lazy("record kind", "Organisation"),
    EntityKind.CASE: pgettext_lazy("record kind", "Case"),
    EntityKind.INCIDENT: pgettext_lazy("record kind", "Incident"),
}
EVENT_LABELS = {
    "case_opened": pgettext_lazy("timeline", "Case opened"),
    "case_closed": pgettext_lazy("timeline", "Case closed"),
    "link_started": pgettext_lazy("timeline", "Link began"),
    "link_ended": pgettext_lazy("timeline", "Link ended"),
    "incident": pgettext_lazy("timeline", "Incident"),
    # Brought by the cameras app's timeline source (cameras/records_timeline.py).
    "camera_sighting": pgettext_lazy("timeline", "Camera sighting"),
    "camera_hit": pgettext_lazy("timeline", "Watchlist hit"),
}
# The resolved view of each kind, in reading order (names of ``selectors.record_detail``'s
# fields; the label comes from the model field of the same name).
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    EntityKind.PERSON: (
        "full_name",
        "aliases",
        "cccd",
        "old_id",
        "birth_date",
        "gender",
        "nationality",
        "permanent_address",
        "permanent_ward_code",
        "temporary_address",
        "temporary_ward_code",
        "classification",
    ),
    EntityKind.VEHICLE: (
        "plate",
        "kind",
        "brand",
        "model",
        "colour",
        "chassis_number",
        "engine_number",
        "registration",
        "classification",
    ),
    EntityKind.PHONE: ("number", "kind", "carrier", "note", "classification"),
    EntityKind.ORGANISATION: ("name", "kind", "tax_code", "address", "ward_code", "classification"),
    EntityKind.CASE: (
        "number",
        "kind",
        "status",
        "unit_name",
        "summary",
        "opened_at",
        "closed_at",
        "classification",
    ),
}
FIELD_NAMES = {  # record_detail's name → the model field that labels it
    "permanent_ward_code": "permanent_ward",
    "temporary_ward_code": "temporary_ward",
    "ward_code": "ward",
    "unit_name": "unit",
}
WARD_FIELDS = {"permanent_ward_code", "temporary_ward_code", "ward_code"}
# Attributes as the sources give them (``records.rows``) where they differ from field names.
FACT_LABELS = {
    "ward_code": gettext_lazy("ward"),
    "temporary_ward_code": gettext_lazy("temporary ward"),
    "phones": gettext_lazy("phones"),
    "owner_cccd": gettext_lazy("owner's citizen ID"),
    "type": gettext_lazy("type"),
    "unit_code": gettext_lazy("handling unit"),
    "incident_ids": gettext_lazy("incidents"),
    "color": gettext_lazy("colour"),
}


# --- The gate: capability, then purpose -----------------------------------------------------------


def session_purpose(request: HttpRequest) -> str:
    return str(request.session.get(PURPOSE_KEY) or "")


def _purpose_url(back: str) -> str:
    return f"{reverse('records:purpose')}?{urlencode({'next': back})}"


def records_page(*capabilities: str, purpose: bool = True) -> Callable[[View], View]:
    """A records page: an officer holding one of ``capabilities`` (else 403, before anything
    is asked), and — for pages that show records — a purpose for this working session; without
    one the officer is sent to give it first and comes back where they were going."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(has_capability(request.user, c) for c in capabilities):
                raise Forbidden()
            if purpose and not session_purpose(request):
                return redirect(_purpose_url(request.get_full_path()))
            return view(request, *args, **kwargs)

        return officer_required(never_cache(wrapper))

    return decorate


def _safe_next(request: HttpRequest, target: str, *, area: str, page: str, fallback: str) -> str:
    """``target`` when it is a page of ``area`` on this site (not the purpose ``page`` itself)."""
    if (
        target.startswith(area)
        and not target.startswith(page)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


def purpose_page(
    request: HttpRequest, *, page: str, area: str, fallback: str, template: str
) -> HttpResponse:
    """State (or change) the purpose of this working session's look-ups, then go back to the
    page of ``area`` that asked (else ``fallback``). One purpose serves the session: the records
    pages and the cameras' trace pages both read it (``session_purpose``); each area has its own
    page (at ``page``) so that it is reached with that area's own capabilities."""
    current = session_purpose(request)
    if request.method == "POST":
        form = PurposeForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["purpose"]
            before = [current, *request.session.get(RECENT_KEY, [])]
            recent = list(dict.fromkeys(p for p in before if p and p != text))
            request.session[PURPOSE_KEY] = text
            request.session[RECENT_KEY] = [text, *recent][:RECENT_MAX]
            target = form.cleaned_data.get("next") or ""
            return redirect(_safe_next(request, target, area=area, page=page, fallback=fallback))
    else:
        form = PurposeForm(initial={"purpose": current, "next": request.GET.get("next", "")})
    recent = [p for p in request.session.get(RECENT_KEY, []) if p != current]
    return render(
        request,
        template,
        {
            "form": form,
            "current": current,
            "recent": recent,
            "next": form["next"].value() or "",
            "action": page,
        },
        status=422 if form.is_bound else 200,  # a valid form has redirected already
    )


@records_page(*READERS, selectors.MANAGE, purpose=False)
@require_http_methods(["GET", "POST"])
def purpose(request: HttpRequest) -> HttpResponse:
    """State (or change) the purpose of this working session's look-ups."""
    search = reverse("records:search")
    return purpose_page(
        request,
        page=reverse("records:purpose"),
        area=search,
        fallback=search,
        template="records/purpose.html",
    )


# --- Helpers shared by the pages ------------------------------------------------------------------


def page_url(kind: str, pk: int, user: Any = None) -> str:
    """The page of a record (or of an incident, for officers who may open it), else ""."""
    if kind in PATHS:
        return reverse(f"records:{kind}", args=[pk])
    if kind == EntityKind.INCIDENT and any(has_capability(user, c) for c in INCIDENT_READERS):
        return reverse("incidents_ops:detail", args=[pk])
    return ""


def _page_templates(user: Any) -> dict[str, str]:
    """Each kind's page address with ``0`` for the id, for the graph's script."""
    urls = {kind: reverse(f"records:{kind}", args=[0]) for kind in PATHS}
    incident = page_url(EntityKind.INCIDENT, 0, user)
    if incident:
        urls[EntityKind.INCIDENT] = incident
    return urls


def ward_names(codes: Iterable[Any]) -> dict[int, str]:
    wanted = {int(c) for c in codes if str(c or "").isdigit()}
    if not wanted:
        return {}
    return dict(Ward.objects.filter(code__in=wanted).values_list("code", "name"))


def _model_field(kind: str, name: str) -> Any:
    try:
        return MODELS[kind]._meta.get_field(FIELD_NAMES.get(name, name))
    except Exception:  # noqa: BLE001 - a name without a model field is labelled by itself
        return None


def field_label(kind: str, name: str) -> str:
    if name in FACT_LABELS:
        return str(FACT_LABELS[name])
    field = _model_field(kind, name)
    label = getattr(field, "verbose_name", None)
    return str(label) if label else name.replace("_", " ")


def shown_value(kind: str, name: str, value: Any, wards: dict[int, str]) -> Any:
    """A value as the page shows it: a choice by its label, a ward by its name."""
    if value in (None, "", []):
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name in WARD_FIELDS and str(value).isdigit():
        return wards.get(int(value), str(value))
    field = _model_field(kind, {"type": "kind"}.get(name, name))
    # Facts hold text ("0", "male"); fields hold the value itself: compare as text.
    choices = {str(key): label for key, label in getattr(field, "choices", None) or ()}
    return choices.get(str(value), value)


def _field_rows(kind: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    wards = ward_names(fields.get(n) for n in WARD_FIELDS)
    rows = []
    for name in FIELD_ORDER[kind]:
        value = fields.get(name)
        if kind == EntityKind.PERSON and name == "birth_date" and not value:
            value = fields.get("birth_year")
        rows.append(
            {
                "name": name,
                "label": field_label(kind, name),
                "value": shown_value(kind, name, value, wards),
            }
        )
    return rows


def _fact_rows(kind: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = [
        v["value"] for fact in facts if fact["attribute"] in WARD_FIELDS for v in fact["values"]
    ]
    wards = ward_names(codes)
    return [
        {
            "attribute": fact["attribute"],
            "label": field_label(kind, fact["attribute"]),
            "conflict": fact["conflict"],
            "values": [
                {
                    "value": shown_value(kind, fact["attribute"], v["value"], wards),
                    "sources": v["sources"],
                }
                for v in fact["values"]
            ],
        }
        for fact in facts
    ]


def _link_groups(user: Any, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Links by role, in the order roles are declared; each with its other end's page."""
    groups: dict[str, dict[str, Any]] = {}
    order = {role.value: i for i, role in enumerate(Role)}
    for link in sorted(links, key=lambda lk: (order.get(lk["role"], 99), lk["other"]["label"])):
        group = groups.setdefault(link["role"], {"role": link["role_label"], "links": []})
        other = link["other"]
        group["links"].append(
            {
                **link,
                "kind_label": KIND_LABELS.get(other["kind"], other["kind"]),
                "url": page_url(other["kind"], other["id"], user),
            }
        )
    return list(groups.values())


def _timeline_rows(user: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "event_label": EVENT_LABELS.get(item["event"], item["event"]),
            "url": page_url(item["ref"]["kind"], item["ref"]["id"], user) if item["ref"] else "",
        }
        for item in items
    ]


def _graph_rows(user: Any, graph: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The graph's links as a list (the page without its script), nearest first."""
    nodes = {
        n["id"]: {
            **n,
            "kind_label": KIND_LABELS.get(n["kind"], n["kind"]),
            "url": page_url(n["kind"], n["entity_id"], user),
        }
        for n in graph["nodes"]
    }
    rows = [
        {"source": nodes[e["source"]], "target": nodes[e["target"]], "label": e["label"]}
        for e in graph["edges"]
        if e["source"] in nodes and e["target"] in nodes
    ]
    rows.sort(key=lambda r: (max(r["source"]["depth"], r["target"]["depth"]), str(r["label"])))
    return rows


def _case_groups(
    user: Any, detail: dict[str, Any], timeline: list[dict[str, Any]]
) -> dict[str, Any]:
    """A case's people and vehicles by role, and its incidents (labelled from the timeline,
    which reads them within the officer's scope and clearance)."""
    people, vehicles = [], []
    for role in Role:
        others = detail["by_role"].get(role.value, [])
        if not others:
            continue
        items = [{**o, "url": page_url(o["kind"], o["id"], user)} for o in others]
        persons = [o for o in items if o["kind"] == EntityKind.PERSON]
        cars = [o for o in items if o["kind"] == EntityKind.VEHICLE]
        if persons:
            people.append({"role": role.label, "items": persons})
        if cars:
            vehicles.append({"role": role.label, "items": cars})
    labels = {
        item["ref"]["id"]: item["label"]
        for item in timeline
        if item["event"] == "incident" and item["ref"]
    }
    incidents = [
        {
            "id": pk,
            "label": labels.get(pk, f"#{pk}"),
            "url": page_url(EntityKind.INCIDENT, pk, user),
        }
        for pk in detail["incident_ids"]
    ]
    return {"people": people, "vehicles": vehicles, "incidents": incidents}


# --- Search ---------------------------------------------------------------------------------------


def _ward_choices() -> list[tuple[int, str]]:
    return list(wards_of(settings.SAFECITY_PROVINCE_CODE).values_list("code", "name"))


@records_page(*READERS)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """One box for whatever the officer has, with the API's filters; best first. Audited as
    the API's search is (``lookups.search``), with the session's purpose."""
    user = request.user
    form = SearchForm(request.GET or None, wards=_ward_choices())
    results: list[dict[str, Any]] | None = None
    query = ""
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        hits = lookups.search(
            actor=user,
            text=data["q"],
            purpose=session_purpose(request),
            kind=data["kind"] or "any",
            filters=SearchFilters(
                ward=data["ward"],
                birth_year_from=data["birth_year_from"],
                birth_year_to=data["birth_year_to"],
                gender=data["gender"] or "",
            ),
            limit=SEARCH_LIMIT,
        )
        results = [
            {
                **hit.as_dict(),
                "kind_label": KIND_LABELS.get(hit.kind, hit.kind),
                "identifier": hit.cccd or hit.plate or hit.number or "",
                "url": page_url(hit.kind, hit.id, user),
            }
            for hit in hits
        ]
        query = urlencode(
            {k: v for k, v in request.GET.items() if v and k != "purpose"}
            | {"purpose": session_purpose(request)}
        )
    return render(
        request,
        "records/search.html",
        {
            "form": form,
            "results": results,
            "purpose": session_purpose(request),
            "may_export": has_capability(user, selectors.EXPORT),
            "export_url": f"/api/v1/records/search/export?{query}" if query else "",
        },
    )


# --- One record -----------------------------------------------------------------------------------


def _merges(user: Any, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "merge": merge,
            "other_id": merge.loser_id if merge.winner_id == person.pk else merge.winner_id,
            "as_winner": merge.winner_id == person.pk,
            "url": page_url(
                EntityKind.PERSON,
                merge.loser_id if merge.winner_id == person.pk else merge.winner_id,
            ),
        }
        for merge in selectors.merges_of(user, person).select_related("by")
    ]


@records_page(*READERS)
@require_GET
def record(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A person, vehicle, phone, organisation or case: its fields, every fact with the sources
    that gave it, its links by role, its timeline and its link graph two hops out. Each part
    is read through ``lookups`` (audited with the purpose, like the API's routes)."""
    user = request.user
    purpose_text = session_purpose(request)
    detail = lookups.record_read(actor=user, kind=kind, pk=pk, purpose=purpose_text)
    timeline = lookups.record_timeline(actor=user, kind=kind, pk=pk, purpose=purpose_text)
    graph = lookups.record_graph(actor=user, kind=kind, pk=pk, purpose=purpose_text, hops=2)
    api = f"/api/v1/records/{PATHS[kind]}/{pk}"
    may_export = has_capability(user, selectors.EXPORT)
    context: dict[str, Any] = {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "pk": pk,
        "detail": detail,
        "purpose": purpose_text,
        "fields": _field_rows(kind, detail["fields"]),
        "facts": _fact_rows(kind, detail["facts"]),
        "link_groups": _link_groups(user, detail["links"]),
        "timeline": _timeline_rows(user, timeline),
        "graph_rows": _graph_rows(user, graph),
        "graph_data": {
            "root": f"{kind}:{pk}",
            "graph": graph,
            "purpose": purpose_text,
            "api": "/api/v1/records/",
            "paths": PATHS,
            "pages": _page_templates(user),
            "kinds": {k: str(v) for k, v in KIND_LABELS.items()},
            "text": {
                "expand": _("Show this record's links"),
                "open": _("Open the page"),
                "loading": _("Loading…"),
                "failed": _("The links could not be loaded."),
                "nothing_new": _("No further links."),
                "summary": _("%(nodes)s records, %(edges)s links"),
            },
        },
        "export_csv": f"{api}/export?{urlencode({'purpose': purpose_text})}" if may_export else "",
        "export_pdf": f"{api}/export.pdf?{urlencode({'purpose': purpose_text})}"
        if may_export
        else "",
        "access_url": reverse(f"records:{kind}_access", args=[pk])
        if has_capability(user, AUDITOR)
        else "",
        "merged_into": None,
        "merges": [],
    }
    if kind == EntityKind.PERSON:
        winner = detail["fields"].get("merged_into_id")
        if winner:
            context["merged_into"] = {"id": winner, "url": page_url(EntityKind.PERSON, winner)}
        context["merges"] = _merges(user, selectors.access_person(user, pk))
    if kind == EntityKind.CASE:
        context["case"] = _case_groups(user, detail, timeline)
    return render(request, "records/record.html", context)


@records_page(AUDITOR, purpose=False)
@require_GET
def access_log(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Who opened, found or exported this record, when and why (auditors). The auditor's look
    is audited by ``lookups.record_access_log``; the record itself is not shown here."""
    rows = lookups.record_access_log(actor=request.user, kind=kind, pk=pk)
    return render(
        request,
        "records/access_log.html",
        {
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "pk": pk,
            "rows": rows,
            "record_url": page_url(kind, pk)
            if any(has_capability(request.user, c) for c in READERS)
            else "",
        },
    )
