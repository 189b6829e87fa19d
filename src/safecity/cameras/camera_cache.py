"""The cameras as the feed needs them, in memory: where each one's hits go, which device key
speaks for it, whether it is online. Every read names its camera, so a batch of 1,000 reads
must not cost 1,000 look-ups: the whole registry (a few thousand rows) is read at most every
``CameraCache.TTL_S`` seconds, at once when a camera or unit changes in this process, and when
a code is not found (a camera registered in another process)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from safecity.accounts.models import DeviceKey, Unit, path_ids
from safecity.cameras.models import Camera


@dataclass(slots=True)
class CameraInfo:
    id: int
    code: str
    name: str
    lat: float
    lon: float
    unit_id: int
    unit_path: list[int]  # the owning unit and its ancestors
    device_key_id: int | None
    # Where its hits go: the station of the camera's ward, else the camera's own unit.
    hit_unit_id: int
    hit_unit_path: list[int]
    online: bool
    touched: float = 0.0  # monotonic time ``last_seen_at`` was last written by this process


class CameraCache:
    """Every camera by code, read at once and again after a minute, or at once after a camera
    is saved in this process. An unknown code re-reads at most every few seconds."""

    TTL_S = 60.0
    MISS_RELOAD_S = 5.0

    def __init__(self) -> None:
        self.by_code: dict[str, CameraInfo] = {}
        self.loaded_at = -math.inf
        self.lock = threading.Lock()

    def _load(self) -> None:
        stations = {
            ward: (pk, path)
            for ward, pk, path in Unit.objects.filter(
                kind=Unit.Kind.STATION, ward_code__isnull=False
            ).values_list("ward_code", "pk", "path")
        }
        old = self.by_code
        fresh: dict[str, CameraInfo] = {}
        rows = Camera.objects.filter(is_active=True).values_list(
            "pk",
            "code",
            "name",
            "lat",
            "lon",
            "unit_id",
            "unit__path",
            "device_key_id",
            "ward_id",
            "status",
        )
        for pk, code, name, lat, lon, unit_id, unit_path, key_id, ward, status in rows:
            hit_unit = stations.get(ward) if ward is not None else None
            hit_unit_id, hit_path = hit_unit if hit_unit else (unit_id, unit_path)
            before = old.get(code)
            fresh[code] = CameraInfo(
                id=pk,
                code=code,
                name=name,
                lat=lat,
                lon=lon,
                unit_id=unit_id,
                unit_path=path_ids(unit_path),
                device_key_id=key_id,
                hit_unit_id=hit_unit_id,
                hit_unit_path=path_ids(hit_path),
                online=status == Camera.Status.ONLINE,
                touched=before.touched if before and before.id == pk else 0.0,
            )
        self.by_code = fresh
        self.loaded_at = time.monotonic()

    def get(self, code: str) -> CameraInfo | None:
        now = time.monotonic()
        if now - self.loaded_at > self.TTL_S:
            with self.lock:
                if now - self.loaded_at > self.TTL_S:
                    self._load()
        info = self.by_code.get(code)
        if info is None and time.monotonic() - self.loaded_at > self.MISS_RELOAD_S:
            with self.lock:
                self._load()
            info = self.by_code.get(code)
        return info

    def forget(self, **_kwargs: Any) -> None:
        self.loaded_at = -math.inf


camera_cache = CameraCache()
post_save.connect(camera_cache.forget, sender=Camera, dispatch_uid="cameras-cache-save")
post_delete.connect(camera_cache.forget, sender=Camera, dispatch_uid="cameras-cache-delete")
post_save.connect(camera_cache.forget, sender=Unit, dispatch_uid="cameras-cache-unit")


def device_speaks_for(device: DeviceKey, camera: CameraInfo) -> bool:
    """A camera device key speaks for the cameras it is set on, and for the camera whose code
    is its subject."""
    if device.kind != DeviceKey.Kind.CAMERA:
        return False
    return camera.device_key_id == device.pk or (
        bool(device.subject) and device.subject == camera.code
    )
