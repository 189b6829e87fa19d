"""The incident response to camera hits, installed into ``cameras.response`` at start-up.

``dispatch`` sits above both ``incidents`` and ``cameras`` (ARCHITECTURE.md), so it is the
app that may join them: a confirmed hit files a report through the incidents service or notes
the hit on an open incident's timeline, and a hit names the units nearest its camera through
dispatch's recommendations.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from safecity.cameras.models import Hit
from safecity.core import live
from safecity.core.errors import Conflict
from safecity.dispatch.recommend import recommend_units
from safecity.incidents.models import Category, Channel, Incident, IncidentEvent
from safecity.incidents.selectors import access_incident, access_incident_to_act
from safecity.incidents.services import ReportInput, event_row, live_payload, report_submit


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


class CameraResponse:
    """``cameras.response.Response`` over the incidents and dispatch apps."""

    def incident_open(self, *, hit: Hit, actor: Any, priority: int | None) -> int:
        """File a report at the camera's place through the incidents service; returns the id
        of the incident it opened or joined."""
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

    def incident_attach(self, *, hit: Hit, incident: Any, actor: Any) -> int:
        """Note the hit on an open incident's timeline and tell the consoles."""
        if not incident.is_open:
            raise Conflict(
                _("This incident has ended (%(status)s).")
                % {"status": incident.get_status_display()},
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

    def access_incident_to_attach(self, user: Any, incident_id: Any) -> Any:
        return access_incident_to_act(user, incident_id)

    def access_incident_to_see(self, user: Any, incident_id: Any) -> Any:
        return access_incident(user, incident_id)

    def nearest_units(self, hit: Hit, *, user: Any, limit: int) -> list[dict[str, Any]]:
        """Available units ranked by arrival time at the camera (dispatch's recommendations,
        as for a security incident there); those the officer may dispatch when ``user`` is
        given."""
        place = Incident(category=Category.SECURITY, lat=hit.camera.lat, lon=hit.camera.lon)
        return [r.as_dict() for r in recommend_units(place, user=user, limit=limit)]
