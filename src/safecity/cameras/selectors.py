"""Reads of cameras, watchlists, hits and sightings, limited to what the caller may see.

- Cameras: any officer of the officers' area (a camera's place is operational, not personal).
- Watchlists: officers who see hits or manage watchlists, for the lists of their own unit's
  subtree, of the units above it and of city-wide units (a station works the command centre's
  stolen-vehicle list), up to their clearance.
- Hits: ``cameras.view_hits``, for hits routed to their subtree (the camera ward's station; the
  city command sees all), raised by cameras their subtree owns or on watchlists it keeps, up
  to their clearance.
- Vehicle trace and "who was near": ``cameras.trace_vehicles`` and a stated purpose, audited
  (``lookups`` below).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from safecity.accounts.access import (
    has_capability,
    is_officer,
    require_capability,
    require_officer,
    sees_all,
)
from safecity.cameras import plate_index
from safecity.cameras.models import Camera, Hit, PlateRead, Watchlist, WatchlistEntry
from safecity.core.errors import Forbidden, NotFound
from safecity.geography.distance import distance_m

HITS = "cameras.view_hits"
WATCHLISTS = "cameras.manage_watchlists"
TRACE = "cameras.trace_vehicles"
_M_PER_DEG_LAT = 111_320.0


def _scope(user: Any, unit_field: str = "unit") -> Q:
    if sees_all(user):
        return Q()
    return Q(**{f"{unit_field}__path__startswith": user.unit.path})


# --- Cameras ----------------------------------------------------------------------------------


def cameras_visible(user: Any) -> QuerySet[Camera]:
    require_capability(user, "accounts.use_ops")
    return Camera.objects.select_related("ward", "unit").filter(is_active=True)


def camera_row(camera: Camera) -> dict[str, Any]:
    return {
        "id": camera.pk,
        "code": camera.code,
        "name": camera.name,
        "kind": camera.kind,
        "lat": camera.lat,
        "lon": camera.lon,
        "ward_code": camera.ward_id,
        "ward_name": camera.ward.name if camera.ward_id and camera.ward else "",
        "heading_deg": camera.heading_deg,
        "fov_deg": camera.fov_deg,
        "unit_id": camera.unit_id,
        "unit_name": camera.unit.name,
        "status": camera.status,
        "last_seen_at": camera.last_seen_at,
    }


def camera_reads(camera_id: int, *, limit: int) -> QuerySet[PlateRead]:
    """A camera's newest reads (index (camera, ts); on SQLite ``plate_index``)."""
    return plate_index.newest_reads_of_camera(camera_id, limit=limit)


def latest_reads(camera_ids: list[int], *, per_camera: int = 5) -> dict[int, list[dict[str, Any]]]:
    """The newest reads of each camera (``plate_index.newest_reads_of_cameras``), fetched in
    one query."""
    newest = plate_index.newest_reads_of_cameras(camera_ids, limit=per_camera)
    wanted = [pk for ids in newest.values() for pk in ids]
    rows = {
        r["id"]: r
        for r in PlateRead.objects.filter(id__in=wanted).values(
            "id", "ts", "display", "raw_text", "unreadable", "vehicle_type", "color"
        )
    }
    return {
        camera_id: [
            {
                "id": r["id"],
                "ts": r["ts"].isoformat(),
                "plate": r["display"] or r["raw_text"],
                "unreadable": r["unreadable"],
                "vehicle_type": r["vehicle_type"],
                "color": r["color"],
            }
            for r in (rows[pk] for pk in newest.get(camera_id, ()) if pk in rows)
        ]
        for camera_id in camera_ids
    }


# --- Watchlists ---------------------------------------------------------------------------------


def _may_see_watchlists(user: Any) -> None:
    require_officer(user)
    if not (has_capability(user, HITS) or has_capability(user, WATCHLISTS)):
        raise Forbidden()


def require_watchlist_manager(user: Any) -> Any:
    return require_capability(user, WATCHLISTS)


def watchlists_visible(user: Any) -> QuerySet[Watchlist]:
    _may_see_watchlists(user)
    lists = Watchlist.objects.select_related("unit").filter(classification__lte=user.clearance)
    if sees_all(user):
        return lists
    return lists.filter(
        _scope(user) | Q(unit_id__in=user.unit.ancestor_ids) | Q(unit__city_wide=True)
    )


def access_watchlist(user: Any, watchlist_id: Any) -> Watchlist:
    try:
        return watchlists_visible(user).get(pk=watchlist_id)
    except (Watchlist.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_watchlist_to_manage(user: Any, watchlist_id: Any) -> Watchlist:
    watchlist = access_watchlist(user, watchlist_id)
    require_capability(user, WATCHLISTS)
    return watchlist


def entries_visible(user: Any, watchlist: Watchlist) -> QuerySet[WatchlistEntry]:
    return watchlist.entries.select_related("unit", "added_by").filter(
        classification__lte=user.clearance
    )


def access_entry_to_manage(user: Any, watchlist: Watchlist, entry_id: Any) -> WatchlistEntry:
    """An entry of ``watchlist`` the officer may change: one their unit's subtree added, or any
    of a watchlist their subtree owns."""
    require_capability(user, WATCHLISTS)
    try:
        entry = entries_visible(user, watchlist).get(pk=entry_id)
    except (WatchlistEntry.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if sees_all(user):
        return entry
    mine = entry.unit.path.startswith(user.unit.path) or watchlist.unit.path.startswith(
        user.unit.path
    )
    if not mine:
        raise Forbidden()
    return entry


def entry_row(entry: WatchlistEntry) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": entry.pk,
        "watchlist_id": entry.watchlist_id,
        "plate": entry.display,
        "plate_key": entry.plate_key,
        "reason": entry.reason,
        "priority": entry.priority,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "allow_one_edit": entry.allow_one_edit,
        "unit_id": entry.unit_id,
        "classification": entry.classification,
        "added_by": entry.added_by.display_name if entry.added_by else "",
        "added_at": entry.added_at,
        "removed_at": entry.removed_at,
        "active": entry.is_active_at(now),
    }


def watchlist_row(watchlist: Watchlist, *, entries: int | None = None) -> dict[str, Any]:
    return {
        "id": watchlist.pk,
        "name": watchlist.name,
        "kind": watchlist.kind,
        "reason": watchlist.reason,
        "unit_id": watchlist.unit_id,
        "unit_name": watchlist.unit.name,
        "classification": watchlist.classification,
        "active": watchlist.active,
        "created_at": watchlist.created_at,
        "entries": entries,
    }


# --- Hits ---------------------------------------------------------------------------------------


def hits_visible(user: Any) -> QuerySet[Hit]:
    require_capability(user, HITS)
    return Hit.objects.select_related(
        "camera", "entry", "entry__watchlist", "read", "decided_by"
    ).filter(_hit_scope(user), classification__lte=user.clearance)


def _hit_scope(user: Any) -> Q:
    """Hits routed to the officer's subtree, those of cameras their subtree owns (a traffic
    department's operators watch their own cameras whichever ward they stand in) and those on
    watchlists their subtree keeps (the criminal police see where their wanted vehicles pass)."""
    if sees_all(user):
        return Q()
    return _scope(user) | _scope(user, "camera__unit") | _scope(user, "entry__watchlist__unit")


def access_hit(user: Any, hit_id: Any) -> Hit:
    try:
        return hits_visible(user).get(pk=hit_id)
    except (Hit.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def hit_row(hit: Hit) -> dict[str, Any]:
    read = hit.read
    entry = hit.entry
    return {
        "id": hit.pk,
        "status": hit.status,
        "match": hit.match,
        "score": hit.score,
        "ts": hit.ts,
        "plate": read.display or read.raw_text,
        "read_as": hit.read_plate,
        "read_id": read.pk,
        "image_url": f"/api/v1/cameras/reads/{read.pk}/image" if read.image else None,
        "vehicle_type": read.vehicle_type,
        "color": read.color,
        "direction": read.direction,
        "camera": {
            "id": hit.camera_id,
            "code": hit.camera.code,
            "name": hit.camera.name,
            "lat": hit.camera.lat,
            "lon": hit.camera.lon,
        },
        "entry": {
            "id": entry.pk,
            "plate": entry.display,
            "reason": entry.reason,
            "priority": entry.priority,
            "watchlist_id": entry.watchlist_id,
            "watchlist": entry.watchlist.name,
            "watchlist_kind": entry.watchlist.kind,
        },
        "repeat_of": hit.repeat_of_id,
        "dismissal_reason": hit.dismissal_reason,
        "decided_by": hit.decided_by.display_name if hit.decided_by else "",
        "decided_at": hit.decided_at,
        "incident_id": hit.incident_id,
    }


def hits_list(user: Any, *, status: str = "", repeats: bool = False, limit: int = 100) -> Any:
    rows = hits_visible(user)
    if status:
        rows = rows.filter(status=status)
    if not repeats:
        rows = rows.filter(repeat_of__isnull=True)
    return [hit_row(h) for h in rows.order_by("-ts", "-id")[:limit]]


def access_read_image(user: Any, read_id: Any) -> PlateRead:
    """A read's snapshot: for officers who may trace vehicles, or who see a hit on it."""
    require_officer(user)
    read = PlateRead.objects.filter(pk=read_id).exclude(image="").first()
    if read is None:
        raise NotFound()
    if has_capability(user, TRACE):
        return read
    if has_capability(user, HITS) and hits_visible(user).filter(read=read).exists():
        return read
    raise NotFound()


# --- Sightings ----------------------------------------------------------------------------------


def require_tracer(user: Any) -> Any:
    return require_capability(user, TRACE)


def trace(plate_key: str, *, start: datetime, end: datetime, limit: int = 1000) -> list[Any]:
    """Reads of one plate between ``start`` and ``end``, oldest first."""
    return list(
        plate_index.reads_of_plate(plate_key, start=start, end=end)
        .select_related("camera")
        .order_by("ts", "id")[:limit]
    )


def sighting_row(read: PlateRead) -> dict[str, Any]:
    return {
        "read_id": read.pk,
        "ts": read.ts,
        "plate": read.display or read.raw_text,
        "camera_id": read.camera_id,
        "camera_code": read.camera.code,
        "camera_name": read.camera.name,
        "lat": read.camera.lat,
        "lon": read.camera.lon,
        "confidence": read.confidence,
        "vehicle_type": read.vehicle_type,
        "color": read.color,
        "direction": read.direction,
        "has_image": bool(read.image),
    }


def cameras_near(lat: float, lon: float, radius_m: float) -> list[Camera]:
    """Cameras within ``radius_m`` of a point (a box on (lat, lon), then the exact distance)."""
    dlat = radius_m / _M_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    near = Camera.objects.filter(
        lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon)
    )
    return [c for c in near if distance_m(lat, lon, c.lat, c.lon) <= radius_m]


def reads_near(
    cameras: list[Camera], *, moment: datetime, minutes: int, limit: int = 5000
) -> list[PlateRead]:
    window = timedelta(minutes=minutes)
    if not cameras:
        return []
    return list(
        plate_index.reads_of_cameras(
            [c.pk for c in cameras], start=moment - window, end=moment + window
        )
        .select_related("camera")
        .order_by("ts", "id")[:limit]
    )


def listed_plates(user: Any, keys: set[str], *, at: datetime) -> dict[str, list[dict[str, Any]]]:
    """Watchlist entries (active at ``at``) the officer may see, for these plate keys."""
    if not keys or not is_officer(user):
        return {}
    rows = (
        WatchlistEntry.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at),
            plate_key__in=keys,
            removed_at__isnull=True,
            watchlist__active=True,
            watchlist__in=watchlists_visible(user)
            if has_capability(user, HITS) or has_capability(user, WATCHLISTS)
            else Watchlist.objects.none(),
            classification__lte=user.clearance,
        )
        .select_related("watchlist")
        .order_by("id")
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in rows:
        out.setdefault(entry.plate_key, []).append(
            {
                "entry_id": entry.pk,
                "watchlist": entry.watchlist.name,
                "kind": entry.watchlist.kind,
                "reason": entry.reason,
                "priority": entry.priority,
            }
        )
    return out


def records_vehicles(user: Any, keys: set[str]) -> dict[str, list[int]]:
    """Vehicle records with these plates, for officers who may read records (others are told
    nothing: the flag alone would say a record exists)."""
    if not keys or not has_capability(user, "accounts.read_records"):
        return {}
    from safecity.records.selectors import vehicles_visible

    out: dict[str, list[int]] = {}
    for pk, key in vehicles_visible(user).filter(plate_key__in=keys).values_list("pk", "plate_key"):
        out.setdefault(key, []).append(pk)
    return out


def nearby_plates(
    user: Any, incident: Any, *, radius_m: int, minutes: int
) -> tuple[int, list[dict[str, Any]]]:
    """Who was near an incident: plates read within ``radius_m`` of it and ``minutes`` either
    side of its opening, grouped by plate, flagged ones (watchlist entries, vehicle records the
    officer may read) first, then by first sighting. Returns (cameras looked at, plates).
    The caller checks ``require_tracer``, sight of the incident and the purpose, and audits
    the look with ``nearby_audit``."""
    cameras = cameras_near(incident.lat, incident.lon, radius_m)
    reads = reads_near(cameras, moment=incident.opened_at, minutes=minutes)
    groups: dict[str, list[PlateRead]] = {}
    for read in reads:
        groups.setdefault(read.plate_key or f"?{read.raw_text}", []).append(read)
    keys = {k for k in groups if not k.startswith("?")}
    listed = listed_plates(user, keys, at=incident.opened_at)
    records = records_vehicles(user, keys)
    plates = [
        {
            "plate": rows[0].display or rows[0].raw_text,
            "plate_key": "" if key.startswith("?") else key,
            "unreadable": rows[0].unreadable,
            "first_ts": rows[0].ts,
            "last_ts": rows[-1].ts,
            "reads": [sighting_row(r) for r in rows],
            "cameras": sorted({r.camera.name for r in rows}),
            "watchlist": listed.get(key, []),
            "record_vehicle_ids": records.get(key, []),
        }
        for key, rows in groups.items()
    ]
    plates.sort(key=lambda p: (not p["watchlist"], not p["record_vehicle_ids"], p["first_ts"]))
    return len(cameras), plates


def nearby_audit(
    *,
    user: Any,
    incident: Any,
    purpose: str,
    radius_m: int,
    minutes: int,
    cameras: int,
    plates: list[dict[str, Any]],
    page: bool = False,
) -> None:
    """The audit entry of a "who was near" look, with its purpose and what it returned."""
    from django.db import transaction

    from safecity.core import audit

    detail: dict[str, Any] = {
        "radius_m": radius_m,
        "minutes": minutes,
        "cameras": cameras,
        "plates": len(plates),
        "flagged": [p["plate_key"] for p in plates if p["watchlist"]],
    }
    if page:
        detail["page"] = True
    with transaction.atomic():
        audit.record(
            "incident.nearby_reads",
            actor=user,
            object_type="incident",
            object_id=incident.pk,
            purpose=purpose,
            detail=detail,
        )
