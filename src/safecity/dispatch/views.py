"""The dispatcher's console (/ops/console/) and the officer's phone view (/ops/my-unit/).

Both pages are drawn once by the server and then kept current by their scripts from the
officers' WebSocket; every action goes through the dispatch API with the page's session (and
its CSRF token), so the pages hold no rule the API does not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safecity.accounts.decorators import officer_required
from safecity.dispatch import selectors, timer_reads
from safecity.dispatch.models import OverdueMark, UnitKind, UnitStatus
from safecity.geography.selectors import wards_of
from safecity.incidents.models import Category, Incident, Priority
from safecity.incidents.selectors import open_queue

# The console lists at most this many open incidents and units (the API's own ceilings).
QUEUE_LIMIT = 1000
UNITS_LIMIT = 5000
# The order of the units board's groups: who can be sent first, who is out of reach last.
BOARD_ORDER = (
    UnitStatus.AVAILABLE,
    UnitStatus.DISPATCHED,
    UnitStatus.EN_ROUTE,
    UnitStatus.ON_SCENE,
    UnitStatus.RETURNING,
    UnitStatus.BUSY,
    UnitStatus.OUT_OF_SERVICE,
    UnitStatus.OFF_DUTY,
)
# Groups folded on first load: many rows, rarely needed while dispatching.
BOARD_FOLDED = (UnitStatus.OUT_OF_SERVICE, UnitStatus.OFF_DUTY)
# How often the phone view sends the browser's location while sharing (seconds).
SHARE_EVERY_S = 5


def _ward_names() -> dict[int, str]:
    return dict(wards_of(settings.SAFECITY_PROVINCE_CODE).values_list("code", "name"))


def _incident_row(incident: Incident, ward_names: dict[int, str]) -> dict[str, Any]:
    """An open incident as the console's queue draws it: the fields of the live events
    (``incidents.services.live_payload``) and the address."""
    return {
        "id": incident.pk,
        "category": incident.category,
        "priority": incident.priority,
        "status": incident.status,
        "ward_code": incident.ward_code,
        "ward_name": ward_names.get(incident.ward_code or 0, ""),
        "lat": incident.lat,
        "lon": incident.lon,
        "report_count": incident.report_count,
        "opened_at": incident.opened_at.isoformat(),
        "summary": incident.summary,
        "address": incident.address,
    }


def _common_labels() -> dict[str, Any]:
    return {
        "api": "/api/v1",
        "categories": {c.value: str(c.label) for c in Category},
        "statuses": {s.value: str(s.label) for s in Incident.Status},
        "priorities": {str(p.value): str(p.label) for p in Priority},
        "open": [str(s) for s in Incident.OPEN_STATUSES],
        "unit_statuses": {s.value: str(s.label) for s in UnitStatus},
        "unit_kinds": {k.value: str(k.label) for k in UnitKind},
        "sound_on": _("Sound on"),
        "sound_off": _("Sound off: click to turn on"),
        "error": _("Something went wrong (%(status)s). Try again."),
        "offline": _("No connection to the server. Try again."),
        "csrf_failed": _("The page expired. Reload it and try again."),
    }


def _console_labels(ward_names: dict[int, str]) -> dict[str, Any]:
    """What the console's script needs to draw rows and messages in the page's language."""
    return _common_labels() | {
        "wards": {str(code): name for code, name in ward_names.items()},
        "detail_url": reverse("incidents_ops:detail", args=[0]),
        "timers": {t.value: str(t.label) for t in OverdueMark.Timer},
        "reports": _("Reports"),
        "no_ward": _("Outside the known wards"),
        "recommend_loading": _("Finding the nearest suitable units…"),
        "recommend_none": _("No available unit of a suitable kind in your area."),
        "recommend_failed": _("The recommendations could not be loaded."),
        "assign": _("Assign"),
        "assign_unit": _("Assign %(unit)s (ETA %(eta)s)"),
        "assigning": _("Assigning…"),
        "assigned": _("%(unit)s assigned to incident #%(id)s."),
        "unavailable": _("%(unit)s cannot be sent: %(why)s"),
        "picked": _("%(n)s: %(unit)s, ETA %(eta)s. Press Enter to assign."),
        "ended": _("This incident is no longer open."),
        "release": _("Release"),
        "released": _("%(unit)s released from incident #%(id)s."),
        "on_incident": _("Units on this incident"),
        "no_units_on_incident": _("No unit on this incident yet."),
        "eta": _("ETA"),
        "minutes": _("%(n)s min"),
        "seconds": _("%(n)s s"),
        "km": _("%(n)s km"),
        "metres": _("%(n)s m"),
        "overdue": _("Overdue: incident #%(id)s, %(timer)s (%(unit)s)"),
        "new_p1": _("New P1 incident: #%(id)s %(category)s, %(ward)s"),
        "incident_title": _("Incident #%(id)s"),
    }


@officer_required
@never_cache
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The dispatcher's console: the open incidents, the units board and the map side by side.
    The page carries its first data (the same rows the API answers), so it draws at once; the
    script keeps it live and re-reads the API after a reconnection."""
    user = selectors.access_console(request.user)
    ward_names = _ward_names()
    data = {
        "incidents": [_incident_row(i, ward_names) for i in open_queue(user)[:QUEUE_LIMIT]],
        "units": selectors.units_board(user, limit=UNITS_LIMIT),
        "timers": timer_reads.timers_visible(user),
    }
    groups = [
        {"status": s.value, "label": s.label, "folded": s in BOARD_FOLDED} for s in BOARD_ORDER
    ]
    return render(
        request,
        "dispatch/console.html",
        {
            "console_data": data,
            "labels": _console_labels(ward_names),
            "groups": groups,
            "server_now_ms": int(timezone.now().timestamp() * 1000),
        },
    )


def _my_unit_labels() -> dict[str, Any]:
    return _common_labels() | {
        # What each status button says on the phone: what the crew is doing now.
        "buttons": {
            UnitStatus.EN_ROUTE: _("En route"),
            UnitStatus.ON_SCENE: _("On scene"),
            UnitStatus.AVAILABLE: _("Available"),
            UnitStatus.RETURNING: _("Returning"),
            UnitStatus.BUSY: _("Busy (other task)"),
            UnitStatus.OUT_OF_SERVICE: _("Out of service"),
            UnitStatus.OFF_DUTY: _("End of shift"),
        },
        "loading": _("Loading…"),
        "no_assignment": _("No assignment. Stay available."),
        "new_assignment": _("New assignment: #%(id)s %(category)s, %(address)s"),
        "released": _("Your unit was released from incident #%(id)s."),
        "acknowledged": _("Acknowledged at %(time)s"),
        "no_contact": _("The reporter gave no phone number."),
        "contact_hidden": _("The reporter's contact is not shown at your clearance."),
        "no_address": _("No address given: use the navigation link."),
        "status_changed": _("Status: %(status)s"),
        "sharing_on": _("Sharing my location"),
        "sharing_off": _("Share my location"),
        "sharing_off_duty": _("Location sharing works while the unit is on duty."),
        "sharing_waiting": _("Waiting for the phone's location…"),
        "sharing_denied": _("The phone did not allow its location: %(why)s"),
        "sharing_unsupported": _("This browser cannot share its location."),
        "sharing_sent": _("%(time)s: %(accepted)s accepted, %(rejected)s rejected"),
        "sharing_rejected": _("Rejected: %(why)s"),
        "share_every_s": SHARE_EVERY_S,
    }


@officer_required
@never_cache
@require_GET
def my_unit(request: HttpRequest) -> HttpResponse:
    """The officer's phone view of their own patrol unit: its assignment (address, reporter's
    contact when allowed, a navigation link), big status buttons and location sharing. An
    officer in no unit's crew is told so. The assignment itself is read through the API, so
    reading a reporter's contact is audited in one place."""
    unit = selectors.crewed_unit(request.user)
    context: dict[str, Any] = {"unit": unit}
    if unit is not None:
        context |= {
            "labels": _my_unit_labels(),
            "kind_label": UnitKind(unit.kind).label if unit.kind in UnitKind.values else unit.kind,
            "status_label": UnitStatus(unit.status).label,
        }
    return render(request, "dispatch/my_unit.html", context)
