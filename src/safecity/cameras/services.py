"""Every change to cameras, watchlists and hits, each audited. Plate reads come in through
``ingest.reads_ingest``, watchlists change through ``services_watchlists`` (both re-exported
here: callers use this one module)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import DeviceKey, Unit
from safecity.cameras import plate_index
from safecity.cameras.camera_cache import camera_cache, device_speaks_for
from safecity.cameras.ingest import IngestResult, reads_ingest
from safecity.cameras.models import (
    SNAPSHOTS,
    Camera,
    Hit,
    PlateRead,
    WatchlistEntry,
)
from safecity.cameras.selectors import HITS
from safecity.cameras.services_watchlists import (
    acting_officer,
    entries_add_many,
    entry_add,
    entry_edit,
    entry_plate,
    entry_remove,
    watchlist_create,
    watchlist_set_active,
)
from safecity.core import audit, live
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.media_sweep import orphans_sweep
from safecity.core.periodic import DAY_S, Every
from safecity.core.text import clean

__all__ = [
    "IngestResult",
    "camera_create",
    "camera_housekeeping",
    "camera_key_issue",
    "camera_offline_sweep",
    "entries_add_many",
    "entry_add",
    "entry_edit",
    "entry_plate",
    "entry_remove",
    "heartbeat",
    "hit_confirm",
    "hit_dismiss",
    "reads_ingest",
    "read_image_set",
    "reads_purge",
    "watchlist_create",
    "watchlist_set_active",
]


# --- Cameras ----------------------------------------------------------------------------------


@transaction.atomic
def camera_create(
    *,
    code: str,
    name: str,
    lat: float,
    lon: float,
    unit: Unit,
    kind: str = Camera.Kind.PLATE_READER,
    ward_code: int | None = None,
    heading_deg: float | None = None,
    fov_deg: float | None = None,
    actor: Any = None,
) -> Camera:
    """Register a camera. Its ward is found from its position when not given."""
    code = clean(code).upper()
    if not code or len(code) > 40:
        raise InvalidInput(fields={"code": [_("Give a code of up to 40 characters.")]})
    if Camera.objects.filter(code=code).exists():
        raise Conflict(_("A camera with this code exists."), code="camera_exists")
    if ward_code is None:
        from safecity.geography.selectors import ward_at

        ward = ward_at(lat, lon)
        ward_code = ward.code if ward is not None else None
    camera = Camera.objects.create(
        code=code,
        name=clean(name)[:200],
        kind=kind,
        lat=lat,
        lon=lon,
        ward_id=ward_code,
        heading_deg=heading_deg,
        fov_deg=fov_deg,
        unit=unit,
    )
    audit.record(
        "camera.create",
        actor=actor,
        object_type="camera",
        object_id=camera.pk,
        detail={"code": code, "unit": unit.code, "ward": ward_code},
    )
    return camera


@transaction.atomic
def camera_key_issue(*, camera: Camera, actor: Any = None, days: int | None = None) -> str:
    """A new device key for ``camera`` alone (its subject is the camera's code); the raw key is
    returned once and never stored. It replaces the camera's previous key: a key of that camera
    alone is revoked, a shared one (an NVR's) no longer speaks for it."""
    from safecity.accounts.services import device_key_create, device_key_revoke

    previous = camera.device_key
    if previous is not None and previous.subject == camera.code:
        device_key_revoke(key=previous, actor=actor)

    key, raw = device_key_create(
        name=f"camera {camera.code}",
        kind=DeviceKey.Kind.CAMERA,
        unit=camera.unit,
        subject=camera.code,
        days=days,
        actor=actor,
    )
    Camera.objects.filter(pk=camera.pk).update(device_key=key)
    camera.device_key = key
    camera_cache.forget()
    return raw


@transaction.atomic
def heartbeat(*, device: DeviceKey, cameras: list[str] | None = None) -> list[str]:
    """A camera (or a box serving several) says it is alive. ``cameras``: the codes it speaks
    for (all of the key's cameras when not given). Returns the codes marked seen."""

    now = timezone.now()
    if cameras:
        infos = [camera_cache.get(code) for code in cameras if isinstance(code, str)]
    else:
        infos = [
            camera_cache.get(code)
            for code in Camera.objects.filter(
                Q(device_key=device) | Q(code=device.subject or None), is_active=True
            ).values_list("code", flat=True)
        ]
    mine = [info for info in infos if info is not None and device_speaks_for(device, info)]
    if not mine:
        return []
    went_online = list(
        Camera.objects.filter(
            pk__in=[c.id for c in mine], status=Camera.Status.OFFLINE
        ).values_list("pk", flat=True)
    )
    Camera.objects.filter(pk__in=[c.id for c in mine]).update(
        last_seen_at=now, status=Camera.Status.ONLINE, offline_alerted_at=None
    )
    for info in mine:
        info.online = True
        if info.id in went_online:
            live.publish(
                "camera.online",
                {"id": info.id, "code": info.code, "name": info.name},
                unit_path=info.hit_unit_path,
            )
    return [c.code for c in mine]


def camera_offline_sweep(*, now: datetime | None = None) -> list[Camera]:
    """Mark offline the cameras silent for ``SAFECITY_CAMERAS_OFFLINE_SECONDS`` and raise one
    ``camera.offline`` event each. Safe to run in several processes at once: the conditional
    UPDATE lets only one of them raise the alert. Runs on the dispatch timers' ticker."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SAFECITY_CAMERAS_OFFLINE_SECONDS)
    silent = Camera.objects.filter(
        Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True, created_at__lt=cutoff),
        status=Camera.Status.ONLINE,
        is_active=True,
    )
    if not silent.exists():
        return []
    marked: list[Camera] = []
    for camera in silent.select_related("unit", "ward"):
        with transaction.atomic():
            changed = Camera.objects.filter(pk=camera.pk, status=Camera.Status.ONLINE).update(
                status=Camera.Status.OFFLINE, offline_alerted_at=now
            )
            if not changed:
                continue

            info = camera_cache.get(camera.code)
            path = info.hit_unit_path if info else camera.unit.ancestor_ids
            live.publish(
                "camera.offline",
                {
                    "id": camera.pk,
                    "code": camera.code,
                    "name": camera.name,
                    "lat": camera.lat,
                    "lon": camera.lon,
                    "last_seen_at": camera.last_seen_at.isoformat()
                    if camera.last_seen_at
                    else None,
                },
                unit_path=path,
            )
            audit.record(
                "camera.offline",
                object_type="camera",
                object_id=camera.pk,
                detail={"code": camera.code, "last_seen_at": camera.last_seen_at},
            )
            if info is not None:
                info.online = False
            marked.append(camera)
    return marked


@transaction.atomic
def read_image_set(*, read: PlateRead, content: bytes, content_type: str) -> dict[str, Any]:
    """Store a read's snapshot (checked by the caller: a JPEG or PNG within the size cap).
    Once per read; a read with an alerted hit shows it on the consoles (``camera.hit_image``)."""
    read = PlateRead.objects.select_for_update().get(pk=read.pk)
    if read.image:
        raise Conflict(_("This read has a snapshot already."), code="image_exists")
    extension = "png" if content_type == "image/png" else "jpg"
    read.image.save(f"{read.pk}.{extension}", ContentFile(content), save=False)
    PlateRead.objects.filter(pk=read.pk).update(image=read.image.name)
    url = f"/api/v1/cameras/reads/{read.pk}/image"
    for hit in Hit.objects.filter(read=read, repeat_of__isnull=True).select_related("unit"):
        live.publish(
            "camera.hit_image",
            {
                "id": hit.pk,
                "read_id": read.pk,
                "image_url": url,
            },
            unit_path=hit.unit.ancestor_ids,
            classification=hit.classification,
            capability=HITS,
        )
    return {"read_id": read.pk, "size": len(content), "content_type": content_type}


# Once a day per process: the purge of old reads and of unnamed snapshots.
purge_turn = Every(DAY_S)


def camera_housekeeping(*, now: datetime | None = None) -> None:
    """The cameras' clockwork, run on every tick of the dispatch timers' ticker (in the server
    process and in ``safecity dispatch timers``): the offline sweep every tick; once a day per
    process (``purge_turn``), the purge of old reads and of snapshots that no read names."""
    camera_offline_sweep(now=now)
    if purge_turn.due():
        reads_purge(now=now)
        snapshot_orphans_sweep(now=now)


def _named_snapshots(names: list[str]) -> set[str]:
    """Which of these snapshot files a read names. A snapshot is stored as ``<read id>.<ext>``
    (``read_image_set``; ``<read id>_<suffix>.<ext>`` when the storage had to rename it), so
    the reads are found by id: the reads table has no index on its image. A file whose name
    holds no read id is not the cameras' to delete: it counts as named."""
    by_id: dict[int, list[str]] = {}
    kept = set()
    for name in names:
        head = name.rsplit("/", 1)[-1].split(".", 1)[0].split("_", 1)[0]
        if head.isdigit():
            by_id.setdefault(int(head), []).append(name)
        else:
            kept.add(name)
    rows = PlateRead.objects.filter(pk__in=list(by_id)).values_list("image", flat=True)
    return kept | {str(image) for image in rows if image}


def snapshot_orphans_sweep(*, now: datetime | None = None) -> int:
    """Delete the snapshot files that no read names (an upload whose transaction failed after
    the file was written), once an hour old (``core.media_sweep``); the number deleted."""
    return orphans_sweep(SNAPSHOTS, _named_snapshots, now=now)


# --- Hits ---------------------------------------------------------------------------------------


def _lock_hit(hit: Hit) -> Hit:
    return (
        Hit.objects.select_for_update()
        .select_related("entry", "entry__watchlist", "camera", "read", "unit")
        .get(pk=hit.pk)
    )


def _require_new(hit: Hit) -> None:
    if hit.status != Hit.Status.NEW:
        raise Conflict(
            _("This hit was already decided (%(status)s).") % {"status": hit.get_status_display()},
            code="hit_decided",
        )


def _announce_decision(hit: Hit) -> None:
    live.publish(
        "camera.hit_decided",
        {
            "id": hit.pk,
            "status": hit.status,
            "dismissal_reason": hit.dismissal_reason,
            "incident_id": hit.incident_id,
        },
        unit_path=hit.unit.ancestor_ids,
        classification=hit.classification,
        capability="cameras.view_hits",
    )


@transaction.atomic
def hit_dismiss(*, hit: Hit, reason: str, actor: Any, note: str = "") -> Hit:
    """The operator looked and it is not the listed vehicle: ``misread``, ``wrong_vehicle`` or
    ``entry_stale`` (the listing is out of date — say so to its owner)."""
    if reason not in Hit.Dismissal.values:
        raise InvalidInput(
            _("Say why the hit is dismissed."),
            fields={
                "reason": [_("Choose one of: %(c)s.") % {"c": ", ".join(Hit.Dismissal.values)}]
            },
        )
    hit = _lock_hit(hit)
    _require_new(hit)
    hit.status = Hit.Status.DISMISSED
    hit.dismissal_reason = reason
    hit.decided_by = acting_officer(actor)
    hit.decided_at = timezone.now()
    hit.save(update_fields=["status", "dismissal_reason", "decided_by", "decided_at"])
    audit.record(
        "camera.hit_dismiss",
        actor=actor,
        object_type="hit",
        object_id=hit.pk,
        detail={"reason": reason, "note": clean(note)[:300], "entry": hit.entry_id},
    )
    _announce_decision(hit)
    return hit


# Watchlist entry priority → incident priority (P1 immediate danger … P4 routine); the
# incidents app's default for the category otherwise.
_INCIDENT_PRIORITY: dict[str, int] = {
    WatchlistEntry.Priority.CRITICAL: 1,
    WatchlistEntry.Priority.HIGH: 2,
}


@transaction.atomic
def hit_confirm(*, hit: Hit, actor: Any, incident: Any = None) -> Hit:
    """The operator confirms the vehicle is the listed one. With ``incident`` (an open incident
    the caller may act on), the hit is attached to it as a note on its timeline; without, a
    report is filed through the incidents service at the camera's place, which opens a new
    incident (or joins an open one of the same kind nearby, by the usual duplicate rules)."""
    from safecity.cameras import response

    hit = _lock_hit(hit)
    _require_new(hit)
    if incident is not None:
        incident_id = response.incident_attach(hit=hit, incident=incident, actor=actor)
    else:
        incident_id = response.incident_open(
            hit=hit, actor=actor, priority=_INCIDENT_PRIORITY.get(hit.entry.priority)
        )
    hit.status = Hit.Status.CONFIRMED
    hit.incident_id = incident_id
    hit.decided_by = acting_officer(actor)
    hit.decided_at = timezone.now()
    hit.save(update_fields=["status", "incident_id", "decided_by", "decided_at"])
    audit.record(
        "camera.hit_confirm",
        actor=actor,
        object_type="hit",
        object_id=hit.pk,
        detail={"incident": incident_id, "entry": hit.entry_id, "attached": incident is not None},
    )
    _announce_decision(hit)
    return hit


# --- Retention ----------------------------------------------------------------------------------

PURGE_BATCH = 5000


def reads_purge(*, days: int | None = None, now: datetime | None = None) -> int:
    """Delete the reads older than ``days`` (``SAFECITY_CAMERAS_READ_RETENTION_DAYS``) that no
    hit points at, and their snapshots; the reads behind hits stay with them.

    Walks the table in id order (ids grow with the time received, so the walk stops at the
    first read young enough to keep) reading outside any transaction, and deletes in short
    transactions of ``PURGE_BATCH`` rows: ingestion waits for one small DELETE at most."""
    now = now or timezone.now()
    keep = settings.SAFECITY_CAMERAS_READ_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=keep)
    quote = connection.ops.quote_name
    reads, hits = quote(PlateRead._meta.db_table), quote(Hit._meta.db_table)
    total = 0
    after = 0
    while True:
        rows = list(
            PlateRead.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "received_at", "image")[:PURGE_BATCH]
        )
        old = [(pk, image) for pk, at, image in rows if at < cutoff]
        if old:
            ids = [pk for pk, _image in old]
            marks = ", ".join(["%s"] * len(ids))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT read_id FROM {hits} WHERE read_id IN ({marks})",  # noqa: S608
                    ids,
                )
                kept = {row[0] for row in cursor.fetchall()}
                cursor.execute(
                    f"DELETE FROM {reads} WHERE id IN ({marks}) AND NOT EXISTS "  # noqa: S608
                    f"(SELECT 1 FROM {hits} WHERE {hits}.read_id = {reads}.id)",
                    ids,
                )
                total += cursor.rowcount
                # The plate index's rows of the deleted reads (SQLite: in its own file).
                transaction.on_commit(partial(plate_index.forget, ids))
                images = [image for pk, image in old if image and pk not in kept]
                transaction.on_commit(partial(_delete_files, images))
        if len(old) < len(rows) or len(rows) < PURGE_BATCH:
            break
        after = rows[-1][0]
    if total:
        with transaction.atomic():
            audit.record(
                "camera.reads_purge",
                object_type="plate_read",
                detail={"deleted": total, "before": cutoff.isoformat(), "days": keep},
            )
    return total


def _delete_files(names: list[str]) -> None:
    storage = PlateRead._meta.get_field("image").storage
    for name in names:
        with contextlib.suppress(OSError):  # already gone
            storage.delete(name)
