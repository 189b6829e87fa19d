"""A vehicle's camera sightings and watchlist hits on its records timeline (the integrated
database's vehicle page and ``GET /api/v1/records/vehicles/{id}/timeline``). Registered with
``records.timeline`` from ``CamerasConfig.ready()``: cameras sit above records in the dependency
order, so this app brings its items to records, never the other way round.

The record page's read is audited (with its purpose) by ``records.lookups``; what each officer
sees here follows the cameras' own rules: sightings (where the vehicle was) for officers who
may trace vehicles, hits for officers who see hits, within their area and clearance.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.access import has_capability
from safecity.cameras import plate_index, selectors
from safecity.cameras.models import Hit
from safecity.records.models import EntityKind, Vehicle
from safecity.records.timeline import TimelineItem

SIGHTINGS = 50
HITS = 50


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%H:%M:%S")


def camera_items(user: Any, kind: str, pk: int, links: list[dict[str, Any]]) -> list[TimelineItem]:
    """The vehicle's latest sightings (``SIGHTINGS``) and hits (``HITS``), by its plate."""
    if kind != EntityKind.VEHICLE:
        return []
    key = Vehicle.objects.filter(pk=pk).values_list("plate_key", flat=True).first()
    if not key:
        return []
    items: list[TimelineItem] = []
    if has_capability(user, selectors.TRACE):
        reads = (
            plate_index.reads_of_plate(key)
            .select_related("camera")
            .order_by("-ts", "-id")[:SIGHTINGS]
        )
        for read in reads:
            items.append(
                TimelineItem(
                    read.ts,
                    "camera_sighting",
                    _("Seen by camera %(code)s (%(name)s) at %(time)s")
                    % {"code": read.camera.code, "name": read.camera.name, "time": _when(read.ts)},
                    {"kind": "camera", "id": read.camera_id, "read_id": read.pk},
                    "cameras",
                )
            )
    if has_capability(user, selectors.HITS):
        hits = (
            selectors.hits_visible(user)
            .filter(Q(plate_key=key) | Q(read__plate_key=key), repeat_of__isnull=True)
            .order_by("-ts", "-id")[:HITS]
        )
        for hit in hits:
            status = Hit.Status(hit.status).label
            label = _(
                "Watchlist hit on “%(watchlist)s” (%(reason)s) by camera %(code)s: %(status)s"
            ) % {
                "watchlist": hit.entry.watchlist.name,
                "reason": hit.entry.reason,
                "code": hit.camera.code,
                "status": status,
            }
            ref: dict[str, Any] = {"kind": "camera_hit", "id": hit.pk}
            if hit.incident_id:
                # The incident a confirmed hit opened: the record page links it for officers
                # who may open incidents.
                ref = {"kind": EntityKind.INCIDENT, "id": hit.incident_id, "hit_id": hit.pk}
            items.append(TimelineItem(hit.ts, "camera_hit", label, ref, "cameras"))
    return items
