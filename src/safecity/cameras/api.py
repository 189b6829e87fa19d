"""Cameras over HTTP: the cameras' own feed (reads, snapshots, heartbeat — device keys), and the
officers' cameras list, watchlists, hits, vehicle trace and "who was near".

Rate limits: the camera routes take a camera's device key and are limited per key by
``SAFECITY_CAMERAS_DEVICE_RATE`` (default 100 requests a second) instead of the officers'
``SAFECITY_API_RATE_USER``: a busy camera, or an NVR posting for many, sends several batches a
second.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.throttling import AuthRateThrottle

from safecity.accounts.auth import DeviceAuth
from safecity.accounts.models import DeviceKey
from safecity.cameras import response, selectors, services
from safecity.cameras.camera_cache import camera_cache, device_speaks_for
from safecity.cameras.ingest import MAX_READS
from safecity.cameras.matching import read_plate
from safecity.cameras.models import PlateRead
from safecity.cameras.schemas import (
    CameraFilter,
    CameraOut,
    ConfirmIn,
    DismissIn,
    EntryEditIn,
    EntryFilter,
    EntryIn,
    EntryOut,
    EntryRemoveQuery,
    HeartbeatIn,
    HeartbeatOut,
    HitDetailOut,
    HitFilter,
    HitOut,
    ImageOut,
    NearbyOut,
    NearbyQuery,
    ReadsIn,
    ReadsOut,
    TraceOut,
    TraceQuery,
    WatchlistIn,
    WatchlistOut,
)
from safecity.core import audit
from safecity.core.api import ERROR_RESPONSES, ErrorOut
from safecity.core.errors import ApplicationError, Forbidden, InvalidInput, NotFound
from safecity.core.middleware import client_ip
from safecity.records.lookups import require_purpose

router = Router(tags=["cameras"])
RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 413: ErrorOut, 415: ErrorOut, 428: ErrorOut}


class DeviceThrottle(AuthRateThrottle):
    """Per device key (``SAFECITY_CAMERAS_DEVICE_RATE``, read at each request)."""

    scope = "camera"

    def __init__(self) -> None:
        super().__init__(settings.SAFECITY_CAMERAS_DEVICE_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        rate = settings.SAFECITY_CAMERAS_DEVICE_RATE
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return bool(super().allow_request(request))

    def get_cache_key(self, request: HttpRequest) -> str:
        auth: Any = getattr(request, "auth", None)
        ident = f"device:{auth.pk}" if getattr(auth, "pk", None) else client_ip(request)
        return str(self.cache_format % {"scope": self.scope, "ident": ident})


def device_throttle() -> list[Any]:
    if not settings.SAFECITY_RATELIMIT_ENABLED:
        return []
    return [DeviceThrottle()]


CAMERA_AUTH = [DeviceAuth()]


def _caller(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _camera_key(request: HttpRequest) -> DeviceKey:
    device = _caller(request)
    if not isinstance(device, DeviceKey) or device.kind != DeviceKey.Kind.CAMERA:
        raise Forbidden(_("Only a camera's device key may post here."))
    return device


class TooManyReads(ApplicationError):
    status = 400
    code = "too_many_reads"


# --- The cameras' feed ------------------------------------------------------------------------


@router.post(
    "/cameras/reads",
    auth=CAMERA_AUTH,
    throttle=device_throttle(),
    response={200: ReadsOut, **RESPONSES},
)
def reads_post(request: HttpRequest, payload: ReadsIn) -> dict[str, Any]:
    """Post up to 1,000 plate reads with the camera's device key (`Authorization: Bearer
    scd_…`); a key posts only for its own cameras. Each read is accepted or rejected on its
    own: `{"accepted": N, "rejected": [{"index", "code", "message"}], "hits": [{"read_index",
    "read_id", "hit_id", "plate", "entry_id", "entry_plate", "watchlist", "match", "score",
    "alerted"}]}`. Rejection codes: `bad_read`, `unknown_camera`, `camera_not_yours`,
    `bad_timestamp`, `ts_in_future`, `ts_too_old`, `bad_plate`, `bad_confidence`,
    `bad_candidates`, `bad_attribute`. A plate that fits no plate shape is kept (unreadable).
    A snapshot for a hit's read goes to `POST /cameras/reads/{read_id}/image`."""
    device = _camera_key(request)
    if len(payload.reads) > MAX_READS:
        raise TooManyReads(
            _("At most %(n)d reads a request.") % {"n": MAX_READS},
            fields={"reads": [_("At most %(n)d reads a request.") % {"n": MAX_READS}]},
        )
    return services.reads_ingest(reads=payload.reads, device=device, source="http").as_dict()


_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"


def _sniff(head: bytes) -> str | None:
    if head.startswith(_JPEG):
        return "image/jpeg"
    if head.startswith(_PNG):
        return "image/png"
    return None


@router.post(
    "/cameras/reads/{read_id}/image",
    auth=CAMERA_AUTH,
    throttle=device_throttle(),
    response={201: ImageOut, **RESPONSES},
)
def read_image_post(
    request: HttpRequest, read_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """The snapshot of a read (JPEG or PNG, checked by content, up to
    `SAFECITY_CAMERAS_IMAGE_MAX_KB`), by the key of the camera that made the read. Once per
    read. A read with a hit shows it on the consoles at once (`camera.hit_image`)."""
    device = _camera_key(request)
    read = PlateRead.objects.select_related("camera").filter(pk=read_id).first()
    info = camera_cache.get(read.camera.code) if read is not None else None
    if read is None or info is None or not device_speaks_for(device, info):
        raise NotFound()
    limit = settings.SAFECITY_CAMERAS_IMAGE_MAX_KB * 1024
    too_large = ApplicationError(
        _("The image is larger than %(kb)d KB.") % {"kb": limit // 1024},
        code="too_large",
        status=413,
    )
    if file.size is not None and file.size > limit:
        raise too_large
    content = file.read(limit + 1)
    if len(content) > limit:
        raise too_large
    content_type = _sniff(content[:8])
    if content_type is None:
        raise ApplicationError(
            _("Send a JPEG or PNG image."), code="unsupported_media_type", status=415
        )
    return Status(
        201, services.read_image_set(read=read, content=content, content_type=content_type)
    )


@router.post(
    "/cameras/heartbeat",
    auth=CAMERA_AUTH,
    throttle=device_throttle(),
    response={200: HeartbeatOut, **RESPONSES},
)
def heartbeat(request: HttpRequest, payload: HeartbeatIn) -> dict[str, Any]:
    """A camera says it is alive (between reads on a quiet road). `cameras`: the codes the key
    speaks for (default: all of them). Answers the codes marked online."""
    device = _camera_key(request)
    return {"cameras": services.heartbeat(device=device, cameras=payload.cameras)}


# --- Cameras for officers -----------------------------------------------------------------------


@router.get("/cameras", response={200: list[CameraOut], **ERROR_RESPONSES})
def cameras_list(request: HttpRequest, filters: Query[CameraFilter]) -> list[dict[str, Any]]:
    """Cameras with their place, owning unit and status (online/offline)."""
    rows = selectors.cameras_visible(_caller(request))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.ward:
        rows = rows.filter(ward_id=filters.ward)
    return [selectors.camera_row(c) for c in rows.order_by("code")[: filters.limit]]


@router.get("/cameras/reads/{read_id}/image", response={200: None, **ERROR_RESPONSES})
def read_image_get(request: HttpRequest, read_id: int) -> FileResponse:
    """A read's snapshot (officers who trace vehicles, or who see a hit on the read)."""
    read = selectors.access_read_image(_caller(request), read_id)
    image = read.image
    content_type = "image/png" if (image.name or "").endswith(".png") else "image/jpeg"
    return FileResponse(image.open("rb"), content_type=content_type)


# --- Watchlists ---------------------------------------------------------------------------------


@router.get("/watchlists", response={200: list[WatchlistOut], **ERROR_RESPONSES})
def watchlists_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Watchlists of the caller's unit, its subtree and the units above it."""
    rows = selectors.watchlists_visible(_caller(request)).annotate(
        live=Count("entries", filter=Q(entries__removed_at__isnull=True))
    )
    return [selectors.watchlist_row(w, entries=w.live) for w in rows]


@router.post("/watchlists", response={201: WatchlistOut, **ERROR_RESPONSES})
def watchlist_create(request: HttpRequest, payload: WatchlistIn) -> Status[dict[str, Any]]:
    """Create a watchlist owned by the caller's unit (`cameras.manage_watchlists`)."""
    user = selectors.require_watchlist_manager(_caller(request))
    watchlist = services.watchlist_create(
        name=payload.name,
        kind=payload.kind,
        reason=payload.reason,
        classification=payload.classification,
        actor=user,
    )
    return Status(201, selectors.watchlist_row(watchlist, entries=0))


@router.get("/watchlists/{watchlist_id}/entries", response={200: list[EntryOut], **ERROR_RESPONSES})
def entries_list(
    request: HttpRequest, watchlist_id: int, filters: Query[EntryFilter]
) -> list[dict[str, Any]]:
    """A watchlist's entries (removed ones with `removed=true`), filterable by plate."""
    user = _caller(request)
    watchlist = selectors.access_watchlist(user, watchlist_id)
    rows = selectors.entries_visible(user, watchlist).filter(removed_at__isnull=not filters.removed)
    if filters.plate:
        rows = rows.filter(plate_key__startswith=read_plate(filters.plate).key)
    rows = rows.order_by("-added_at", "-id")[filters.offset : filters.offset + filters.limit]
    return [selectors.entry_row(e) for e in rows]


@router.post("/watchlists/{watchlist_id}/entries", response={201: EntryOut, **ERROR_RESPONSES})
def entry_add(request: HttpRequest, watchlist_id: int, payload: EntryIn) -> Status[dict[str, Any]]:
    """List a plate (any common spelling: `51f12345`, `51F-123.45`). A plate already on the
    watchlist is a 409 `already_listed`. Audited."""
    user = _caller(request)
    watchlist = selectors.access_watchlist_to_manage(user, watchlist_id)
    entry = services.entry_add(
        watchlist=watchlist,
        plate=payload.plate,
        reason=payload.reason,
        priority=payload.priority,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        allow_one_edit=payload.allow_one_edit,
        classification=payload.classification,
        actor=user,
    )
    return Status(201, selectors.entry_row(entry))


@router.patch(
    "/watchlists/{watchlist_id}/entries/{entry_id}", response={200: EntryOut, **ERROR_RESPONSES}
)
def entry_edit(
    request: HttpRequest, watchlist_id: int, entry_id: int, payload: EntryEditIn
) -> dict[str, Any]:
    """Change an entry's reason, priority, end of validity or one-edit matching. Audited."""
    user = _caller(request)
    watchlist = selectors.access_watchlist_to_manage(user, watchlist_id)
    entry = selectors.access_entry_to_manage(user, watchlist, entry_id)
    changes = payload.dict(exclude_unset=True)
    if not changes:
        raise InvalidInput(fields={"__all__": [_("Nothing to change.")]})
    return selectors.entry_row(services.entry_edit(entry=entry, actor=user, **changes))


@router.delete(
    "/watchlists/{watchlist_id}/entries/{entry_id}", response={204: None, **ERROR_RESPONSES}
)
def entry_remove(
    request: HttpRequest, watchlist_id: int, entry_id: int, query: Query[EntryRemoveQuery]
) -> Status[None]:
    """Take a plate off the watchlist (kept, marked removed; it never hits again). Audited."""
    user = _caller(request)
    watchlist = selectors.access_watchlist_to_manage(user, watchlist_id)
    entry = selectors.access_entry_to_manage(user, watchlist, entry_id)
    services.entry_remove(entry=entry, actor=user, reason=query.reason)
    return Status(204, None)


# --- Hits ---------------------------------------------------------------------------------------


@router.get("/cameras/hits", response={200: list[HitOut], **ERROR_RESPONSES})
def hits_list(request: HttpRequest, filters: Query[HitFilter]) -> list[dict[str, Any]]:
    """Hits routed to the caller's subtree, newest first; repeats of an alerted hit only with
    `repeats=true`."""
    return selectors.hits_list(
        _caller(request), status=filters.status, repeats=filters.repeats, limit=filters.limit
    )


@router.get("/cameras/hits/{hit_id}", response={200: HitDetailOut, **ERROR_RESPONSES})
def hit_detail(request: HttpRequest, hit_id: int) -> dict[str, Any]:
    """One hit, with the nearest available units at the camera (those the caller may
    dispatch; none for officers who do not dispatch)."""
    user = _caller(request)
    hit = selectors.access_hit(user, hit_id)
    row = selectors.hit_row(hit)
    dispatches = selectors.has_capability(user, "accounts.dispatch_units")
    row["units"] = response.nearest_units(hit, user=user) if dispatches else []
    return row


@router.post("/cameras/hits/{hit_id}/confirm", response={200: HitOut, **ERROR_RESPONSES})
def hit_confirm(request: HttpRequest, hit_id: int, payload: ConfirmIn) -> dict[str, Any]:
    """It is the listed vehicle. With `incident_id`, the hit is noted on that open incident;
    without, a report at the camera opens an incident (or joins an open one of the same kind
    nearby). A hit already decided is a 409 `hit_decided`."""
    user = _caller(request)
    hit = selectors.access_hit(user, hit_id)
    incident = None
    if payload.incident_id is not None:
        incident = response.access_incident_to_attach(user, payload.incident_id)
    hit = services.hit_confirm(hit=hit, actor=user, incident=incident)
    return selectors.hit_row(selectors.access_hit(user, hit.pk))


@router.post("/cameras/hits/{hit_id}/dismiss", response={200: HitOut, **ERROR_RESPONSES})
def hit_dismiss(request: HttpRequest, hit_id: int, payload: DismissIn) -> dict[str, Any]:
    """It is not: `reason` is required — `misread`, `wrong_vehicle` or `entry_stale`."""
    user = _caller(request)
    hit = selectors.access_hit(user, hit_id)
    hit = services.hit_dismiss(hit=hit, reason=payload.reason, note=payload.note, actor=user)
    return selectors.hit_row(selectors.access_hit(user, hit.pk))


# --- Sightings ----------------------------------------------------------------------------------


@router.get("/vehicles/{plate}/trace", response={200: TraceOut, **RESPONSES})
def vehicle_trace(request: HttpRequest, plate: str, query: Query[TraceQuery]) -> dict[str, Any]:
    """Where cameras saw a plate (any common spelling) between `from` and `to` (default: the
    last 24 hours), oldest first. Needs `cameras.trace_vehicles` and a `purpose` (428
    `purpose_required` without); audited."""
    user = selectors.require_tracer(_caller(request))
    purpose = require_purpose(query.purpose)
    read = read_plate(plate[:40])
    if not read.key:
        raise InvalidInput(fields={"plate": [_("Give a licence plate.")]})
    end = query.end or timezone.now()
    start = query.start or end - timedelta(hours=24)
    if start >= end:
        raise InvalidInput(fields={"from": [_("`from` must be before `to`.")]})
    sightings = selectors.trace(read.key, start=start, end=end, limit=query.limit)
    with transaction.atomic():
        audit.record(
            "vehicle.trace",
            actor=user,
            object_type="plate",
            object_id=read.key,
            purpose=purpose,
            detail={
                "from": start.isoformat(),
                "to": end.isoformat(),
                "returned": len(sightings),
            },
        )
    return {
        "plate": read.display,
        "plate_key": read.key,
        "start": start,
        "end": end,
        "sightings": [selectors.sighting_row(r) for r in sightings],
    }


@router.get("/incidents/{incident_id}/nearby-reads", response={200: NearbyOut, **RESPONSES})
def incident_nearby_reads(
    request: HttpRequest, incident_id: int, query: Query[NearbyQuery]
) -> dict[str, Any]:
    """Plates read within `radius_m` of the incident and `minutes` either side of its opening,
    grouped by plate, each flagged with its watchlist entries and (for officers who read
    records) the vehicle records with that plate. Needs `cameras.trace_vehicles`, sight of
    the incident and a `purpose`; audited."""
    user = selectors.require_tracer(_caller(request))
    incident = response.access_incident_to_see(user, incident_id)
    purpose = require_purpose(query.purpose)
    cameras, plates = selectors.nearby_plates(
        user, incident, radius_m=query.radius_m, minutes=query.minutes
    )
    selectors.nearby_audit(
        user=user,
        incident=incident,
        purpose=purpose,
        radius_m=query.radius_m,
        minutes=query.minutes,
        cameras=cameras,
        plates=plates,
    )
    return {
        "incident_id": incident.pk,
        "radius_m": query.radius_m,
        "minutes": query.minutes,
        "cameras": cameras,
        "plates": plates,
    }
