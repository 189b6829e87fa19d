"""The sensitive cameras pages: where a vehicle was seen (the trace) and which plates were read
near an incident ("who was near").

Both need ``cameras.trace_vehicles`` and a stated purpose, and each look is audited with it,
as the API's routes are (``vehicle.trace``, ``incident.nearby_reads``). The purpose is the
working session's, the one the records pages ask for (``records_purpose`` in the session): an
officer gives it once for records and cameras alike. Camera operators do not open the records
pages, so the cameras pages have their own form for it (``purpose``), writing the same key.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from safecity.accounts.access import has_capability
from safecity.accounts.decorators import officer_required
from safecity.cameras import response, selectors
from safecity.cameras.forms import NearForm, TraceForm, local_text
from safecity.cameras.matching import read_plate
from safecity.cameras.models import PlateRead
from safecity.core import audit
from safecity.records.views import purpose_page, session_purpose

TRACE_LIMIT = 1000
TRACE_HOURS = 24


def _purpose_url(back: str) -> str:
    return f"{reverse('cameras:purpose')}?{urlencode({'next': back})}"


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def purpose(request: HttpRequest) -> HttpResponse:
    """State (or change) the purpose of this working session's look-ups, then go back."""
    selectors.require_tracer(request.user)
    return purpose_page(
        request,
        page=reverse("cameras:purpose"),
        area=reverse("cameras:home"),
        fallback=reverse("cameras:trace"),
        template="cameras/purpose.html",
    )


def _sighting(read: PlateRead, n: int) -> dict[str, Any]:
    return {**selectors.sighting_row(read), "n": n, "read": read}


def _path_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trace as the map draws it: one point per sighting, in time order."""
    return [
        {
            "n": row["n"],
            "lat": row["lat"],
            "lon": row["lon"],
            "ts": row["ts"].isoformat(),
            "time": timezone.localtime(row["ts"]).strftime("%H:%M:%S %d/%m"),
            "camera": f"{row['camera_code']} · {row['camera_name']}",
        }
        for row in rows
    ]


@officer_required
@never_cache
@require_GET
def trace(request: HttpRequest) -> HttpResponse:
    """``?plate=&from=&to=``: where cameras saw a plate (any common spelling) in the window
    (default: the last 24 hours), oldest first, as a path on the map with times and as a
    table. Audited with the session's purpose (``vehicle.trace``)."""
    user = selectors.require_tracer(request.user)
    purpose_text = session_purpose(request)
    if not purpose_text:
        return redirect(_purpose_url(request.get_full_path()))
    now = timezone.now()
    form = TraceForm(
        request.GET or None,
        initial={"from": local_text(now - timedelta(hours=TRACE_HOURS)), "to": local_text(now)},
    )
    context: dict[str, Any] = {"form": form, "purpose": purpose_text, "result": None}
    if form.is_bound and form.is_valid():
        plate = read_plate(form.cleaned_data["plate"])
        end = form.cleaned_data["to"] or now
        start = form.cleaned_data["from"] or end - timedelta(hours=TRACE_HOURS)
        if not plate.key:
            form.add_error("plate", _("Give a licence plate."))
        elif start >= end:
            form.add_error("to", _("The end must be later than the start."))
        else:
            reads = selectors.trace(plate.key, start=start, end=end, limit=TRACE_LIMIT)
            with transaction.atomic():
                audit.record(
                    "vehicle.trace",
                    actor=user,
                    object_type="plate",
                    object_id=plate.key,
                    purpose=purpose_text,
                    detail={
                        "from": start.isoformat(),
                        "to": end.isoformat(),
                        "returned": len(reads),
                        "page": True,
                    },
                )
            # Show the window searched, defaults filled in.
            context["form"] = TraceForm(
                {
                    "plate": form.cleaned_data["plate"],
                    "from": local_text(start),
                    "to": local_text(end),
                }
            )
            rows = [_sighting(r, n) for n, r in enumerate(reads, start=1)]
            context["result"] = {
                "plate": plate.display,
                "plate_key": plate.key,
                "start": start,
                "end": end,
                "rows": rows,
                "truncated": len(reads) >= TRACE_LIMIT,
                "cameras": len({r["camera_id"] for r in rows}),
                "listed": selectors.listed_plates(user, {plate.key}, at=now).get(plate.key, []),
                "records": _record_links(user, {plate.key}).get(plate.key, []),
                "map": {"points": _path_points(rows)},
            }
    return render(request, "cameras/trace.html", context)


def _record_pages(ids: list[int]) -> list[str]:
    return [reverse("records:vehicle", args=[pk]) for pk in ids]


def _record_links(user: Any, keys: set[str]) -> dict[str, list[str]]:
    """The records pages of the vehicles with these plates, for officers who read records."""
    return {key: _record_pages(ids) for key, ids in selectors.records_vehicles(user, keys).items()}


def nearby_plates(
    user: Any, incident: Any, *, radius_m: int, minutes: int
) -> tuple[int, list[dict[str, Any]]]:
    """``selectors.nearby_plates``, each plate with links to its vehicle records' pages."""
    cameras, plates = selectors.nearby_plates(user, incident, radius_m=radius_m, minutes=minutes)
    for plate in plates:
        plate["records"] = _record_pages(plate["record_vehicle_ids"])
    return cameras, plates


@officer_required
@never_cache
@require_GET
def near(request: HttpRequest, incident_id: int) -> HttpResponse:
    """``?radius_m=&minutes=``: who was near an incident — the plates cameras read around it,
    grouped by plate, listed and known vehicles first. Audited with the session's purpose
    (``incident.nearby_reads``)."""
    user = selectors.require_tracer(request.user)
    incident = response.access_incident_to_see(user, incident_id)
    purpose_text = session_purpose(request)
    if not purpose_text:
        return redirect(_purpose_url(request.get_full_path()))
    form = NearForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "purpose": purpose_text,
        "incident": incident,
        "result": None,
    }
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        radius_m = data.get("radius_m") or NearForm.base_fields["radius_m"].initial
        minutes = data.get("minutes") or NearForm.base_fields["minutes"].initial
        cameras, plates = nearby_plates(user, incident, radius_m=radius_m, minutes=minutes)
        selectors.nearby_audit(
            user=user,
            incident=incident,
            purpose=purpose_text,
            radius_m=radius_m,
            minutes=minutes,
            cameras=cameras,
            plates=plates,
            page=True,
        )
        window = timedelta(minutes=minutes)
        trace_window = {
            "from": local_text(incident.opened_at - window),
            "to": local_text(incident.opened_at + window),
        }
        context["result"] = {
            "radius_m": radius_m,
            "minutes": minutes,
            "cameras": cameras,
            "plates": plates,
            "trace_query": urlencode(trace_window),
            "map": {
                "incident": {"lat": incident.lat, "lon": incident.lon, "id": incident.pk},
                "radius_m": radius_m,
                "cameras": _camera_points(plates),
            },
        }
        if not form.is_bound:
            form = NearForm(initial={"radius_m": radius_m, "minutes": minutes})
            context["form"] = form
    context["may_trace"] = has_capability(user, selectors.TRACE)
    return render(request, "cameras/near.html", context)


def _camera_points(plates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for plate in plates:
        for read in plate["reads"]:
            point = seen.setdefault(
                read["camera_id"],
                {
                    "lat": read["lat"],
                    "lon": read["lon"],
                    "camera": f"{read['camera_code']} · {read['camera_name']}",
                    "reads": 0,
                },
            )
            point["reads"] += 1
    return list(seen.values())
