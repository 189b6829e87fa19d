"""The officers' map (/ops/map/) and the response-time statistics (/ops/stats/)."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safecity.accounts.decorators import officer_required
from safecity.core import audit
from safecity.core.errors import InvalidInput
from safecity.dispatch.models import UnitKind, UnitStatus
from safecity.incidents.models import Category, Incident, Priority
from safecity.map import charts, selectors, stats
from safecity.map.forms import HotspotForm, StatsForm

HOTSPOT_LIST_LENGTH = 10


@officer_required
@never_cache
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The digital map: layers from the API, live over the officers' WebSocket; the busiest
    cells of the chosen period listed beside it."""
    user = selectors.access_map(request.user)
    form = HotspotForm(request.GET or None)
    values = form.query_values()
    query = selectors.hotspot_query(
        since=values["since"],
        until=values["until"],
        category=values["category"],
        resolution=values["resolution"],
    )
    cells = selectors.hotspot_cells(user, query)
    if not form.is_bound:
        form = HotspotForm(
            initial={"days": values["days"], "resolution": values["resolution"], "category": ""}
        )
    options = {
        "hotspots": {
            "since": query.since.isoformat(),
            "until": query.until.isoformat(),
            "category": query.category,
            "resolution": query.resolution,
        },
    }
    return render(
        request,
        "map/map.html",
        {
            "form": form,
            "hotspots": cells[:HOTSPOT_LIST_LENGTH],
            "hotspot_total": sum(c.count for c in cells),
            "query": query,
            "map_options": options,
        },
    )


def _stats_result(request: HttpRequest) -> tuple[Any, StatsForm, stats.ResponseTimes | None]:
    user = selectors.access_stats(request.user)
    form = StatsForm(request.GET or None, wards=stats.ward_choices(user))
    if not form.is_bound:
        first, last = StatsForm.default_days()
        form = StatsForm({"since": first, "until": last}, wards=stats.ward_choices(user))
    if not form.is_valid():
        return user, form, None
    query = stats.stats_query(**form.query_values())
    return user, form, stats.response_times(user, query)


@officer_required
@never_cache
@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    """Response times per ward and category over a period, with charts and a CSV export."""
    _user, form, result = _stats_result(request)
    context: dict[str, Any] = {"form": form, "result": result}
    if result is not None:
        context |= {
            "charts": charts.charts_for(result),
            "target_percent": round(stats.TARGET_SHARE * 100),
            "export_query": request.GET.urlencode(),
        }
    return render(request, "map/stats.html", context)


@officer_required
@never_cache
@require_GET
def stats_export(request: HttpRequest) -> HttpResponse:
    """The same figures as the page, as CSV (UTF-8 with a BOM, so spreadsheet programs read
    Vietnamese names right). Every export is audited: it leaves the system."""
    user, form, result = _stats_result(request)
    if result is None:
        raise InvalidInput(
            fields={k: [str(m) for m in v] for k, v in form.errors.items()},
        )
    query = result.query
    audit.record(
        "stats.export",
        actor=user,
        object_type="response_times",
        detail={
            "since": query.since.isoformat(),
            "until": query.until.isoformat(),
            "ward": query.ward_code,
            "category": query.category,
            "incidents": result.overall.incidents,
        },
    )
    stamp = timezone.localtime(query.since).strftime("%Y%m%d")
    end = timezone.localtime(query.until).strftime("%Y%m%d")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="response-times-{stamp}-{end}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerows(stats.csv_rows(result))
    return response


def map_labels() -> dict[str, Any]:
    """What the map's script needs to draw features and live events in the page's language
    (also used by pages that embed the map: see ``templatetags/safecity_map.py``)."""
    return {
        "categories": {c.value: str(c.label) for c in Category},
        "statuses": {s.value: str(s.label) for s in Incident.Status},
        "priorities": {str(p.value): str(p.label) for p in Priority},
        "open": [str(s) for s in Incident.OPEN_STATUSES],
        "unit_statuses": {s.value: str(s.label) for s in UnitStatus},
        "unit_kinds": {k.value: str(k.label) for k in UnitKind},
        "layers": {
            "incidents": _("Incidents"),
            "units": _("Patrol units"),
            "wards": _("Ward boundaries"),
            "hotspots": _("Hotspots"),
            "cameras": _("Cameras"),
        },
        "open_incident": _("Open the incident"),
        "reports": _("Reports"),
        "ward": _("Ward"),
        "incidents_count": _("incidents"),
        "heading": _("Heading"),
        "speed": _("Speed"),
        "updated": _("Position at"),
        "assigned_to": _("Assigned to incident"),
        "tile_url": settings.SAFECITY_MAP_TILE_URL,
        "attribution": settings.SAFECITY_MAP_ATTRIBUTION,
    }
