"""Plate reads in: check each read, normalise its plate, match the watchlists, store the batch,
raise the hits.

A batch costs a handful of statements, never one per read: its reads go in multi-row INSERTs
of 1,000 (one ``executemany`` on PostgreSQL); only when the batch has hits, one look-up of recent
hits (the repeat window) and INSERTs of the hits' reads and of the hits; one UPDATE of the
cameras' ``last_seen_at`` when a camera has not been marked seen for a few seconds. Cameras
and the watchlists are read from memory (``camera_cache``, ``matching``); rows are made in
``cameras.rows`` and inserted by ``core.bulk_insert``; the reads that hit go to
``hits_raise``, which stores them with their hits and announces the new ones.

Each read is accepted or rejected on its own (``IngestResult.rejected``) with a code:
``bad_read`` (not an object), ``unknown_camera``, ``camera_not_yours`` (the device key does not
speak for that camera), ``bad_timestamp`` (not ISO 8601 with an offset), ``ts_in_future``
(``SAFECITY_CAMERAS_READ_MAX_FUTURE``), ``ts_too_old`` (``SAFECITY_CAMERAS_READ_MAX_AGE``),
``bad_plate`` (not text), ``bad_confidence`` (not a number 0..1), ``bad_candidates`` (not a
list of ``{"plate", "confidence"}``, at most 10), ``bad_attribute`` (vehicle_type, color or
direction not text). A plate that fits no plate shape is no reason to refuse a read: it is
stored as ``unreadable`` with its raw text.

Reads are telemetry: like unit positions they are not written to the audit trail (which would
drown in them); decisions on hits are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import DeviceKey
from safecity.cameras import plate_index
from safecity.cameras.camera_cache import CameraInfo, camera_cache, device_speaks_for
from safecity.cameras.hits_raise import HitRead, store_hits
from safecity.cameras.matching import read_plate, watchlist_index
from safecity.cameras.models import Camera, PlateRead
from safecity.cameras.rows import READ_COLUMNS, Db, sqlite_stamp, tune
from safecity.core import live
from safecity.core.bulk_insert import insert_rows
from safecity.core.groupcommit import GroupCommit

MAX_READS = 1000
_UNSEEN: Any = object()
MAX_CANDIDATES = 10
# A camera's ``last_seen_at`` is written at most this often (seconds) while it keeps posting.
TOUCH_EVERY_S = 5.0


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "rejected": self.rejected, "hits": self.hits}


# --- Checking reads -----------------------------------------------------------------------------


class _Messages:
    """Each reason translated once per batch, not once per read."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, code: str) -> str:
        if code not in self._cache:
            self._cache[code] = str(
                {
                    "bad_read": _("Each read must be an object."),
                    "unknown_camera": _("No camera has this code."),
                    "camera_not_yours": _("This device key does not speak for this camera."),
                    "bad_timestamp": _("The time must be ISO 8601 with an offset (+07:00)."),
                    "ts_in_future": _("Later than the server's clock."),
                    "ts_too_old": _("Older than reads are accepted."),
                    "bad_plate": _("The plate must be text."),
                    "bad_confidence": _("The confidence must be a number from 0 to 1."),
                    "bad_candidates": _(
                        "Candidates must be a list of up to 10 objects with a plate and a "
                        "confidence."
                    ),
                    "bad_attribute": _("Vehicle type, colour and direction must be text."),
                }[code]
            )
        return self._cache[code]


def _moment(value: Any) -> datetime | None:
    """An aware time from ISO 8601 text (or a datetime), in UTC; ``None`` if it is not one."""
    if type(value) is str:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    elif not isinstance(value, datetime):
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return None
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _confidence(value: Any) -> float | None:
    """A confidence 0..1; ``None`` when absent; raises ``ValueError`` when not one."""
    if value is None:
        return None
    # NaN fails both comparisons; bool is not a number here.
    if (type(value) is float or type(value) is int) and 0.0 <= value <= 1.0:
        return float(value)
    raise ValueError(value)


def _attribute(value: Any) -> str:
    """A vehicle type, colour or direction: text up to 30 characters; raises ``ValueError``."""
    if value is None:
        return ""
    if type(value) is not str:
        raise ValueError(value)
    return value.strip()[:30] if len(value) > 30 or value[:1].isspace() else value


def _candidates(value: Any) -> list[dict[str, Any]]:
    """The other readings a camera offers, checked; raises ``ValueError``."""
    if value is None:
        return []
    if type(value) is not list or len(value) > MAX_CANDIDATES:
        raise ValueError(value)
    out = []
    for other in value:
        if type(other) is not dict:
            raise ValueError(other)
        text = other.get("plate")
        if type(text) is not str:
            raise ValueError(other)
        out.append({"plate": text.strip()[:40], "confidence": _confidence(other.get("confidence"))})
    return out


# --- The service --------------------------------------------------------------------------------


def _touch(cameras: dict[int, CameraInfo], now: datetime) -> None:
    """Mark the batch's cameras seen (and online), at most every few seconds per camera."""
    clock = time.monotonic()
    stale = [c for c in cameras.values() if not c.online or clock - c.touched > TOUCH_EVERY_S]
    if not stale:
        return
    Camera.objects.filter(pk__in=[c.id for c in stale]).update(
        last_seen_at=now, status=Camera.Status.ONLINE, offline_alerted_at=None
    )
    for camera in stale:
        if not camera.online:
            live.publish(
                "camera.online",
                {"id": camera.id, "code": camera.code, "name": camera.name},
                unit_path=camera.hit_unit_path,
            )
        camera.online = True
        camera.touched = clock


def reads_ingest(
    *,
    reads: list[dict[str, Any]],
    device: DeviceKey | None = None,
    trusted: bool = False,
    source: str = "http",
    now: datetime | None = None,
) -> IngestResult:
    """Check, normalise, match and store a batch of plate reads (each the API's read object:
    ``{"camera", "ts", "plate", "confidence", "candidates", "vehicle_type", "color",
    "direction"}``; ``ts`` ISO 8601 text with an offset, or an aware datetime).

    ``device``: the camera device key that posted them; it may post only for its own cameras.
    ``trusted``: a consumer the server runs itself (the MQTT adapter) — no device check.
    """
    if device is None and not trusted:
        raise ValueError("reads_ingest needs the posting device, or trusted=True")
    now = now or timezone.now()
    future = now + timedelta(seconds=settings.SAFECITY_CAMERAS_READ_MAX_FUTURE)
    oldest = now - timedelta(seconds=settings.SAFECITY_CAMERAS_READ_MAX_AGE)
    index = watchlist_index()
    matching = bool(index.entries)
    message = _Messages()
    result = IngestResult()
    rejected = result.rejected
    db = Db(now)
    sqlite = db.sqlite
    # The accepted window as the reads' times are compared (``when`` below).
    latest, earliest = db.moment(future), db.moment(oldest)
    no_candidates = db.no_candidates
    received = db.now
    # camera code -> (camera, may this caller post for it); None: no such camera
    cameras: dict[Any, tuple[CameraInfo, bool] | None] = {}
    rows: list[tuple[Any, ...]] = []
    hit_reads: list[HitRead] = []
    for position, item in enumerate(reads):
        if type(item) is not dict:
            rejected.append({"index": position, "code": "bad_read", "message": message("bad_read")})
            continue
        camera_code = item.get("camera")
        known = cameras.get(camera_code, _UNSEEN) if type(camera_code) is str else None
        if known is _UNSEEN:
            info = camera_cache.get(camera_code)  # type: ignore[arg-type]
            known = None
            if info is not None:
                known = (info, trusted or device_speaks_for(device, info))  # type: ignore[arg-type]
            cameras[camera_code] = known
        # The common case is tested first, plainly; anything unusual goes through the helpers,
        # which name what is wrong.
        code = ""
        if known is None:
            code = "unknown_camera"
        elif not known[1]:
            code = "camera_not_yours"
        else:
            stamp = item.get("ts")
            # The time as it is stored (``Db.moment``). On SQLite, text that sorts as the
            # moments do: a time of the usual shape is checked as that text, and a datetime is
            # made only for a read that hits.
            ts = None
            when = sqlite_stamp(stamp) if sqlite else None
            if when is None:
                ts = _moment(stamp)
                when = None if ts is None else db.moment(ts)
            raw = item.get("plate")
            confidence = item.get("confidence")
            vehicle_type = item.get("vehicle_type") or ""
            color = item.get("color") or ""
            direction = item.get("direction") or ""
            extra = item.get("candidates")
            if when is None:
                code = "bad_timestamp"
            elif when > latest:
                code = "ts_in_future"
            elif when < earliest:
                code = "ts_too_old"
            elif raw is not None and type(raw) is not str:
                code = "bad_plate"
            else:
                try:
                    if confidence is not None and not (
                        type(confidence) is float and 0.0 <= confidence <= 1.0
                    ):
                        confidence = _confidence(confidence)
                except ValueError:
                    code = "bad_confidence"
                try:
                    if type(vehicle_type) is not str or len(vehicle_type) > 30:
                        vehicle_type = _attribute(vehicle_type)
                    if type(color) is not str or len(color) > 30:
                        color = _attribute(color)
                    if type(direction) is not str or len(direction) > 30:
                        direction = _attribute(direction)
                except ValueError:
                    code = code or "bad_attribute"
                try:
                    candidates = _candidates(extra) if extra is not None else []
                except ValueError:
                    code = code or "bad_candidates"
        if code:
            rejected.append({"index": position, "code": code, "message": message(code)})
            continue
        camera = known[0]  # type: ignore[index]
        raw_text = raw.strip()[:40] if raw else ""
        plate = read_plate(raw_text)
        matches = None
        if matching:
            readings = [(c["plate"], c["confidence"]) for c in candidates] if candidates else ()
            matches = index.match(plate, confidence, readings, now)
        if matches:
            hit_reads.append(
                HitRead(
                    position,
                    camera,
                    ts or _moment(stamp),  # type: ignore[arg-type] # a valid time: checked above
                    raw_text,
                    plate,
                    confidence,
                    candidates,
                    vehicle_type,
                    color,
                    direction,
                    matches,
                )
            )
            continue
        rows.append(
            (
                camera.id,
                when,
                raw_text,
                plate[0],
                plate[3],
                plate[4],
                plate[5],
                # SQLite's driver binds an int at once and a bool (not exactly an int) through
                # its adapter look-up: 0.27 µs for each, two a read.
                (1 if plate[6] else 0) if sqlite else plate[6],
                (1 if plate[7] else 0) if sqlite else plate[7],
                confidence,
                db.candidates(candidates) if candidates else no_candidates,
                vehicle_type,
                color,
                direction,
                "",
                source,
                received,
            )
        )
    accepted = len(rows) + len(hit_reads)
    if not accepted:
        return result
    seen = {known[0].id: known[0] for known in cameras.values() if known is not None and known[1]}
    batch = _Batch(rows, hit_reads, seen, db, source, now, result)
    if connection.in_atomic_block:
        _store([batch])  # inside the caller's transaction: it commits (or not) with it
    else:
        _group.submit(batch)
        if batch.error is not None:
            raise batch.error
        plate_index.poke(accepted)  # committed: the merger indexes them by plate behind us
    result.accepted = accepted
    result.hits.sort(key=lambda h: h["read_index"])
    return result


# --- Group commit -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Batch:
    rows: list[tuple[Any, ...]]
    hit_reads: list[HitRead]
    cameras: dict[int, CameraInfo]
    db: Db
    source: str
    now: datetime
    result: IngestResult
    error: BaseException | None = None


def _store(batches: list[_Batch]) -> None:
    """Store ``batches`` in one transaction: one INSERT of all their plain reads, each one's
    hits, one UPDATE of the cameras seen."""
    with transaction.atomic():
        tune(batches[0].db)
        rows = [row for b in batches for row in b.rows]
        if rows:
            insert_rows(PlateRead, READ_COLUMNS, rows)
        for b in batches:
            if b.hit_reads:
                store_hits(b.hit_reads, b.db, b.source, b.result.hits)
        _touch({k: v for b in batches for k, v in b.cameras.items()}, batches[-1].now)


# Batches posted while another is being stored wait, and whoever stores next takes all that
# wait (up to GROUP_READS reads) into ONE transaction (``core.groupcommit``). On SQLite a
# commit's cost is mostly the index pages it writes, which grows far slower than the rows:
# four cameras' batches committed together cost little more than one.
GROUP_READS = 20_000


def _store_group(group: list[_Batch]) -> None:
    """Store ``group`` in one transaction; if that fails, each batch on its own, so that one
    bad batch fails alone (its sender gets the error)."""
    try:
        _store(group)
    except Exception:
        if len(group) == 1:
            raise
        for item in group:
            item.result.hits.clear()
            try:
                _store([item])
            except Exception as exc:  # noqa: BLE001 - raised in that batch's sender
                item.error = exc


_group: GroupCommit[_Batch] = GroupCommit(
    _store_group,
    limit=lambda: GROUP_READS,
    weight=lambda batch: len(batch.rows) + len(batch.hit_reads),
)
