"""The officers' incident pages: the live queue, call intake, one incident with its actions,
and the reporters' photos and videos behind an access check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecity.accounts.access import has_capability, require_capability
from safecity.accounts.decorators import officer_required
from safecity.accounts.models import User
from safecity.core import audit, idempotency
from safecity.core.errors import ApplicationError, Forbidden, InvalidInput, NotFound
from safecity.geography.selectors import wards_of
from safecity.incidents import media, selectors, services
from safecity.incidents.forms import (
    CallForm,
    CloseForm,
    MergeForm,
    PriorityForm,
    default_priority,
    form_errors_text,
)
from safecity.incidents.models import (
    Category,
    Channel,
    Incident,
    IncidentEvent,
    Priority,
    Report,
)
from safecity.incidents.views_public import apply_service_errors

# Working an incident (acknowledge, prioritise, merge, close) belongs to the command room and
# the call-takers; officers who only see incidents (patrol) read them here and act through
# dispatch.
CALL_FIELDS = {
    "category": "category",
    "description": "description",
    "address": "address",
    "ward_code": "ward_code",
    "reporter_name": "caller_name",
    "reporter_phone": "caller_number",
    "priority": "priority",
}
QUEUE_LIMIT = 500


def _officer(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _ward_names() -> dict[int, str]:
    return dict(wards_of(settings.SAFECITY_PROVINCE_CODE).values_list("code", "name"))


def elapsed_text(seconds: float) -> str:
    """12:05, or 1:02:05 past the hour (the page's script keeps it ticking)."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _queue_rows(user: User) -> list[dict[str, Any]]:
    now = timezone.now()
    names = _ward_names()
    return [
        {
            "incident": incident,
            "ward_name": names.get(incident.ward_code or 0, ""),
            "elapsed": elapsed_text((now - incident.opened_at).total_seconds()),
            "opened_ms": int(incident.opened_at.timestamp() * 1000),
        }
        for incident in selectors.open_queue(user)[:QUEUE_LIMIT]
    ]


def _labels() -> dict[str, Any]:
    """What the queue's script needs to draw a row from a live event, in the page's language."""
    return {
        "categories": {c.value: str(c.label) for c in Category},
        "statuses": {s.value: str(s.label) for s in Incident.Status},
        "priorities": {str(p.value): str(p.label) for p in Priority},
        "open": [str(s) for s in Incident.OPEN_STATUSES],
        "detail_url": reverse("incidents_ops:detail", args=[0]),
        "rows_url": reverse("incidents_ops:queue") + "?rows=1",
        "reports": _("Reports"),
        "sound_on": _("Sound on"),
        "sound_off": _("Sound off: click to turn on"),
    }


@officer_required
@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Open incidents the officer may see, most urgent then oldest first. The page's script
    keeps it current from the live connection; ``?rows=1`` answers only the table rows (the
    script re-reads them after a reconnection, when events may have been missed)."""
    user = _officer(request)
    rows = _queue_rows(user)
    context = {"rows": rows, "may_take_calls": has_capability(user, "accounts.take_calls")}
    if request.GET.get("rows") == "1":
        return render(request, "incidents/_queue_rows.html", context)
    context |= {
        "labels": _labels(),
        "server_now_ms": int(timezone.now().timestamp() * 1000),
    }
    return render(request, "incidents/queue.html", context)


# --- Call intake --------------------------------------------------------------------------------


def _call_input(data: dict[str, Any]) -> services.ReportInput:
    return services.ReportInput(
        category=data["category"],
        description=data.get("description", ""),
        lat=data.get("lat"),
        lon=data.get("lon"),
        address=data.get("address", ""),
        ward_code=data.get("ward_code"),
        reporter_name=data.get("caller_name", ""),
        reporter_phone=data.get("caller_number", ""),
        location_source=data.get("location_source") or "pin",
    )


def _saved_call(user: User, report_id: str) -> dict[str, Any] | None:
    try:
        report = selectors.access_report(user, report_id)
    except (NotFound, Forbidden):
        return None  # another station's ward: the flash message still says what happened
    incident = report.incident
    return {
        "report": report,
        "incident": incident,
        "ward_name": _ward_names().get(incident.ward_code or 0, ""),
    }


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """A 113/114 call: the same path as a citizen's report, entered by the call-taker. After
    saving, the page shows what the call became and a fresh form for the next one."""
    user = require_capability(_officer(request), "accounts.take_calls")
    form = CallForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data

            def submit() -> tuple[int, dict[str, Any]]:
                report = services.report_submit(
                    data=_call_input(data),
                    channel=Channel.CALL,
                    taken_by=user,
                    priority=data.get("priority"),
                    notes=data.get("notes", ""),
                )
                return 201, {
                    "id": report.pk,
                    "incident": report.incident_id,
                    "joined": report.joined_existing,
                }

            try:
                _status, answer, _replayed = idempotency.run_once(
                    scope="calls-web",
                    key=data["form_key"],
                    body={k: v for k, v in data.items() if k != "form_key"},
                    action=submit,
                )
            except ApplicationError as error:
                status = error.status
                apply_service_errors(form, error, CALL_FIELDS, "address")
            else:
                if _saved_call(user, str(answer["id"])) is None:
                    # Another station's ward: the page cannot show it, so say it here.
                    text = (
                        _("Call saved: it joined incident #%(id)s, already open.")
                        if answer["joined"]
                        else _("Call saved: new incident #%(id)s opened.")
                    )
                    messages.success(request, text % {"id": answer["incident"]})
                return redirect(f"{reverse('incidents_ops:intake')}?saved={answer['id']}")
    saved = _saved_call(user, request.GET["saved"]) if request.GET.get("saved") else None
    return render(
        request,
        "incidents/intake.html",
        {
            "form": form,
            "saved": saved,
            "categories": [
                {"radio": radio, "key": number, "default": default_priority(radio.data["value"])}
                for number, radio in enumerate(form["category"], start=1)
            ],
            "js_text": {
                "defaults": {c.value: default_priority(c.value) for c in Category},
                "priorities": {str(p.value): str(p.label) for p in Priority},
                "default_for": _("Default for the category"),
                "point": _("Point at"),
                "outside": _("This point is outside the city."),
                "matches": _("wards match"),
            },
        },
        status=status,
    )


# --- One incident -------------------------------------------------------------------------------


def _event_text(event: IncidentEvent) -> str:
    d = event.detail or {}
    channel = {c.value: str(c.label) for c in Channel}
    kind = event.kind
    if kind == IncidentEvent.Kind.OPENED and d.get("unlinked_from"):
        return _("split from incident #%(id)s") % {"id": d["unlinked_from"]}
    if kind in (IncidentEvent.Kind.OPENED, IncidentEvent.Kind.REPORT_LINKED) and d.get("channel"):
        return channel.get(d["channel"], str(d["channel"]))
    if kind == IncidentEvent.Kind.PRIORITY:
        return f"P{d.get('before')} → P{d.get('after')}: {d.get('reason', '')}"
    if kind == IncidentEvent.Kind.MERGED and d.get("into"):
        return _("merged into incident #%(id)s") % {"id": d["into"]}
    if kind == IncidentEvent.Kind.MERGED and d.get("absorbed"):
        return _("took over incident #%(id)s and its %(n)s report(s)") % {
            "id": d["absorbed"],
            "n": d.get("reports", 0),
        }
    if kind == IncidentEvent.Kind.UNLINKED:
        return _("report #%(report)s moved to new incident #%(id)s") % {
            "report": d.get("report"),
            "id": d.get("new_incident"),
        }
    if kind == IncidentEvent.Kind.CLOSED:
        return str(d.get("outcome", ""))
    if kind == IncidentEvent.Kind.STATUS and d.get("status_to"):
        statuses = {s.value: str(s.label) for s in Incident.Status}
        return statuses.get(d["status_to"], str(d["status_to"]))
    return ""


def _map_points(incident: Incident, reports: list[Report]) -> dict[str, Any]:
    return {
        "incident": {"lat": incident.lat, "lon": incident.lon, "id": incident.pk},
        "reports": [
            {"lat": r.lat, "lon": r.lon, "code": r.tracking_code}
            for r in reports
            if (r.lat, r.lon) != (incident.lat, incident.lon)
        ],
    }


@officer_required
@never_cache
@require_GET
def detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Everything about one incident, reporters' names and phones included: the read is
    audited (Law 91/2025 — personal data read only for handling the emergency)."""
    user = _officer(request)
    incident = selectors.access_incident(user, incident_id)
    audit.record("incident.read", actor=user, object_type="incident", object_id=incident.pk)
    reports = list(
        incident.reports.select_related("taken_by")
        .prefetch_related("media")
        .order_by("received_at")
    )
    events = list(incident.events.select_related("actor"))
    names = _ward_names()
    acting = selectors.may_act(user)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "ward_name": names.get(incident.ward_code or 0, ""),
            "reports": [
                {"report": r, "ward_name": names.get(r.ward_code or 0, ""), "media": r.media.all()}
                for r in reports
            ],
            "events": [{"event": e, "text": _event_text(e)} for e in events],
            "merged_from": list(incident.merged_incidents.values_list("pk", flat=True)),
            "map_points": _map_points(incident, reports),
            "may_act": acting and incident.is_open,
            "may_close": acting and incident.status not in Incident.ENDED_STATUSES,
            "may_unlink": acting and incident.is_open and len(reports) > 1,
            "priority_form": PriorityForm(initial={"priority": incident.priority}),
            "merge_form": MergeForm(),
            "close_form": CloseForm(),
            "elapsed": elapsed_text(
                ((incident.ended_at or timezone.now()) - incident.opened_at).total_seconds()
            ),
        },
    )


def _message(error: ApplicationError) -> str:
    parts = [str(error.message)]
    for texts in (error.fields or {}).values():
        parts.extend(str(t) for t in (texts if isinstance(texts, list) else [texts]))
    return " ".join(dict.fromkeys(parts))


def _action(
    request: HttpRequest, incident_id: int, act: Callable[[User, Incident], tuple[str, int]]
) -> HttpResponse:
    """Run one officer's action on an incident: the service decides, the page reports. Returns
    to the incident the action leaves the officer on (a merge goes to the target)."""
    user = _officer(request)
    incident = selectors.access_incident_to_act(user, incident_id)
    back = incident.pk
    try:
        text, back = act(user, incident)
    except ApplicationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, text)
    return redirect("incidents_ops:detail", incident_id=back)


@officer_required
@require_POST
def acknowledge(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(user: User, incident: Incident) -> tuple[str, int]:
        services.incident_acknowledge(incident=incident, actor=user)
        return _("Incident #%(id)s acknowledged.") % {"id": incident.pk}, incident.pk

    return _action(request, incident_id, act)


@officer_required
@require_POST
def set_priority(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(user: User, incident: Incident) -> tuple[str, int]:
        form = PriorityForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form_errors_text(form))
        done = services.incident_set_priority(
            incident=incident,
            priority=form.cleaned_data["priority"],
            reason=form.cleaned_data["reason"],
            actor=user,
        )
        return _("Priority set to P%(p)s.") % {"p": done.priority}, incident.pk

    return _action(request, incident_id, act)


@officer_required
@require_POST
def merge(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(user: User, incident: Incident) -> tuple[str, int]:
        form = MergeForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form_errors_text(form))
        target_id = form.cleaned_data["target_id"]
        try:
            target = selectors.access_incident(user, target_id)
        except NotFound:
            raise InvalidInput(
                _("There is no incident #%(id)s among those you can see.") % {"id": target_id}
            ) from None
        services.incident_merge(source=incident, target=target, actor=user)
        return (
            _("Incident #%(source)s merged into #%(target)s.")
            % {"source": incident.pk, "target": target.pk},
            target.pk,
        )

    return _action(request, incident_id, act)


@officer_required
@require_POST
def unlink(request: HttpRequest, incident_id: int, report_id: int) -> HttpResponse:
    def act(user: User, incident: Incident) -> tuple[str, int]:
        report = selectors.access_report(user, report_id)
        if report.incident_id != incident.pk:
            raise InvalidInput(_("This report is not part of this incident."))
        new = services.report_unlink(report=report, actor=user)
        return (
            _("Report %(code)s moved to a new incident, #%(id)s.")
            % {"code": report.tracking_code, "id": new.pk},
            incident.pk,
        )

    return _action(request, incident_id, act)


@officer_required
@require_POST
def close(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(user: User, incident: Incident) -> tuple[str, int]:
        form = CloseForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form_errors_text(form))
        done = services.incident_close(
            incident=incident,
            outcome=form.cleaned_data["outcome"],
            status=form.cleaned_data["status"],
            actor=user,
        )
        return (
            _("Incident #%(id)s closed: %(status)s.")
            % {"id": done.pk, "status": done.get_status_display()},
            incident.pk,
        )

    return _action(request, incident_id, act)


# --- Reporters' photos and videos ----------------------------------------------------------------


@officer_required
@require_GET
def media_file(request: HttpRequest, media_id: int) -> HttpResponse:
    """The original file (evidence, metadata kept), for officers who may see its incident."""
    user = _officer(request)
    item = selectors.access_media(user, media_id)
    path = media.media_file(item, public=False)
    if not path.is_file():
        raise NotFound()
    audit.record(
        "report.media_read",
        actor=user,
        object_type="report_media",
        object_id=item.pk,
        detail={"report": item.report_id},
    )
    response = FileResponse(path.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    # A streamed file (videos reach 50 MB); ``officer_required`` is typed for HttpResponse.
    return cast(HttpResponse, response)
