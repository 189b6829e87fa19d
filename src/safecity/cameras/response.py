"""Where a hit meets the response: the incident a confirmed hit opens or joins, and the units
nearest a camera.

ARCHITECTURE.md places ``cameras`` beside ``incidents`` and below ``dispatch``. This module is
the one place the cameras app calls them, through their services and selectors, imported
inside the functions: nothing of theirs loads with the cameras app, and neither imports it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from safecity.cameras.models import Hit
from safecity.core import live
from safecity.core.errors import Conflict


def _summary(hit: Hit) -> str:
    entry = hit.entry
    return _(
        "Watchlist hit: %(plate)s read by camera %(camera)s (%(name)s) at %(time)s; listed on "
        "%(watchlist)s: %(reason)s"
    ) % {
        "plate": hit.read.display or hit.read.raw_text,
        "camera": hit.camera.code,
        "name": hit.camera.name,
        "time": hit.ts.isoformat(timespec="seconds"),
        "watchlist": entry.watchlist.name,
        "reason": entry.reason,
    }


def incident_open(*, hit: Hit, actor: Any, priority: int | None = None) -> int:
    """File a report at the camera's place through the incidents service; returns the id of
    the incident it opened or joined."""
    from safecity.incidents.models import Category, Channel
    from safecity.incidents.services import ReportInput, report_submit

    report = report_submit(
        data=ReportInput(
            category=Category.SECURITY,
            description=_summary(hit),
            lat=hit.camera.lat,
            lon=hit.camera.lon,
            ward_code=hit.camera.ward_id,
            reporter_name=_("Camera %(code)s") % {"code": hit.camera.code},
            location_source="device",
        ),
        channel=Channel.API,
        taken_by=actor if getattr(actor, "pk", None) else None,
        priority=priority,
        notes=_("Opened from camera hit #%(id)s.") % {"id": hit.pk},
    )
    return int(report.incident_id)


def incident_attach(*, hit: Hit, incident: Any, actor: Any) -> int:
    """Note the hit on an open incident's timeline and tell the consoles."""
    from safecity.incidents.models import IncidentEvent
    from safecity.incidents.services import event_row, live_payload

    if not incident.is_open:
        raise Conflict(
            _("This incident has ended (%(status)s).") % {"status": incident.get_status_display()},
            code="incident_ended",
        )
    event_row(
        incident,
        IncidentEvent.Kind.NOTE,
        actor=actor,
        text=_summary(hit),
        camera_hit=hit.pk,
        plate=hit.read.display or hit.read.raw_text,
        camera=hit.camera.code,
    ).save(force_insert=True)
    live.publish(
        "incident.updated",
        live_payload(incident),
        unit_path=incident.unit.ancestor_ids,
        classification=incident.classification,
    )
    return int(incident.pk)


def access_incident_to_attach(user: Any, incident_id: Any) -> Any:
    """An incident the officer may see and change (the incidents app's rule)."""
    from safecity.incidents.selectors import access_incident_to_act

    return access_incident_to_act(user, incident_id)


def access_incident_to_see(user: Any, incident_id: Any) -> Any:
    from safecity.incidents.selectors import access_incident

    return access_incident(user, incident_id)


def nearest_units(hit: Hit, *, user: Any = None, limit: int = 5) -> list[dict[str, Any]]:
    """Available units ranked by arrival time at the camera (dispatch's recommendations, as
    for a security incident there); those the officer may dispatch when ``user`` is given."""
    from safecity.dispatch.recommend import recommend_units
    from safecity.incidents.models import Category, Incident

    place = Incident(category=Category.SECURITY, lat=hit.camera.lat, lon=hit.camera.lon)
    return [r.as_dict() for r in recommend_units(place, user=user, limit=limit)]
