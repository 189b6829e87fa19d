"""Reads that matched nothing are purged after the retention; hits keep theirs. Cameras go
offline after a silence, with one alert."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from safecity.cameras.models import SNAPSHOTS, Camera, Hit, PlateRead, WatchlistEntry
from safecity.cameras.services import (
    camera_offline_sweep,
    read_image_set,
    reads_ingest,
    reads_purge,
    snapshot_orphans_sweep,
)
from safecity.core.models import AuditEntry
from tests.cameras.conftest import read
from tests.conftest import Published

# The smallest PNG a snapshot check would take: the signature and an IHDR of 1x1.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


def test_the_purge_deletes_old_reads_but_keeps_those_behind_hits(
    camera: Camera, listed: WatchlistEntry, settings: Any
) -> None:
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 86400 * 60
    long_ago = timezone.now() - timedelta(days=40)
    reads_ingest(
        reads=[read(camera, "51F-123.45", ts=long_ago), read(camera, "59-X1 111.22", ts=long_ago)],
        trusted=True,
    )
    PlateRead.objects.update(received_at=long_ago)  # as if received then
    reads_ingest(reads=[read(camera, "59-X1 333.44")], trusted=True)

    deleted = reads_purge(days=30)

    assert deleted == 1
    assert sorted(PlateRead.objects.values_list("plate_key", flat=True)) == [
        "51F12345",
        "59X133344",
    ]
    assert Hit.objects.get().read.plate_key == "51F12345"
    assert AuditEntry.objects.get(action="camera.reads_purge").detail["deleted"] == 1


def test_the_purge_walks_in_batches(camera: Camera, monkeypatch: Any, settings: Any) -> None:
    from safecity.cameras import services

    monkeypatch.setattr(services, "PURGE_BATCH", 3)
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 86400 * 60
    long_ago = timezone.now() - timedelta(days=40)
    reads_ingest(
        reads=[read(camera, f"59-X1 111.{n:02d}", ts=long_ago) for n in range(8)],
        now=long_ago,
        trusted=True,
    )
    reads_ingest(reads=[read(camera, "59-X1 333.44")], trusted=True)

    assert reads_purge() == 8  # the default retention: 30 days
    assert PlateRead.objects.count() == 1


def test_the_purge_is_a_command_too(camera: Camera, settings: Any) -> None:
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 86400 * 60
    long_ago = timezone.now() - timedelta(days=40)
    reads_ingest(reads=[read(camera, "59-X1 111.22", ts=long_ago)], now=long_ago, trusted=True)

    call_command("cameras", "purge")

    assert not PlateRead.objects.exists()


def test_snapshot_files_that_no_read_names_are_swept_once_an_hour_old(
    camera: Camera, settings: Any, monkeypatch: Any
) -> None:
    """GIVEN a read with its snapshot, and a second read whose snapshot upload failed after
    the file was written (the hit announcement failed, the transaction rolled back)
    THEN the sweep deletes the second file only once it is an hour old, and never the kept
    snapshot or a file that is not a read's."""
    reads_ingest(reads=[read(camera, "59-X1 111.22"), read(camera, "59-X1 333.44")], trusted=True)
    first, second = PlateRead.objects.order_by("pk")
    read_image_set(read=first, content=PNG, content_type="image/png")

    def announce_down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("live layer down")

    monkeypatch.setattr(Hit.objects, "filter", announce_down)
    with pytest.raises(RuntimeError):
        read_image_set(read=second, content=PNG, content_type="image/png")
    monkeypatch.undo()
    root = Path(settings.MEDIA_ROOT)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    first.refresh_from_db()
    second.refresh_from_db()
    assert not second.image and len(files) == 2 and first.image.name in files
    stranger = root / SNAPSHOTS / "notes.txt"
    stranger.write_text("not a snapshot")

    assert snapshot_orphans_sweep() == 0  # too young: may be an upload in progress
    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert snapshot_orphans_sweep(now=later) == 1

    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert left == sorted([first.image.name, f"{SNAPSHOTS}/notes.txt"])
    assert AuditEntry.objects.get(action="media.orphans_delete").object_id == SNAPSHOTS


def test_a_silent_camera_goes_offline_with_one_alert(
    camera: Camera, published: Published, settings: Any
) -> None:
    settings.SAFECITY_CAMERAS_OFFLINE_SECONDS = 600
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)
    later = timezone.now() + timedelta(minutes=11)

    first = camera_offline_sweep(now=later)
    second = camera_offline_sweep(now=later + timedelta(minutes=5))

    assert [c.pk for c in first] == [camera.pk] and second == []
    [(payload, routing)] = published.named("camera.offline")
    assert payload["code"] == camera.code
    assert routing["unit_path"] == camera.unit.ancestor_ids
    camera.refresh_from_db()
    assert camera.status == "offline" and camera.offline_alerted_at is not None


def test_a_camera_heard_from_within_the_silence_stays_online(
    camera: Camera, published: Published
) -> None:
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)

    assert camera_offline_sweep(now=timezone.now() + timedelta(minutes=5)) == []
    assert published.named("camera.offline") == []


def test_a_camera_back_online_can_alert_again_later(camera: Camera, published: Published) -> None:
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)
    camera_offline_sweep(now=timezone.now() + timedelta(minutes=11))
    from safecity.cameras.camera_cache import camera_cache

    camera_cache.forget()  # another process would not know
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)

    assert published.named("camera.online")
    assert len(camera_offline_sweep(now=timezone.now() + timedelta(minutes=11))) == 1
    assert len(published.named("camera.offline")) == 2
