"""A repeat read of the same listed plate by the same camera within a few minutes does not
raise a second alert; it is kept as a sighting of the first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from safecity.cameras.models import Camera, Hit, WatchlistEntry
from safecity.cameras.services import reads_ingest
from tests.cameras.conftest import read
from tests.conftest import Published


def test_a_repeat_within_the_window_is_kept_but_not_alerted(
    camera: Camera, listed: WatchlistEntry, published: Published
) -> None:
    now = timezone.now()

    first = reads_ingest(
        reads=[read(camera, "51F-123.45", ts=now - timedelta(minutes=3))], trusted=True
    )
    again = reads_ingest(
        reads=[read(camera, "51F-123.45", ts=now - timedelta(minutes=1))], trusted=True
    )

    assert [h["alerted"] for h in first.hits + again.hits] == [True, False]
    assert len(published.named("camera.hit")) == 1
    original, repeat = Hit.objects.order_by("id")
    assert repeat.repeat_of == original
    assert repeat.read.plate_key == "51F12345"


def test_repeats_within_one_batch_alert_once(
    camera: Camera, listed: WatchlistEntry, published: Published
) -> None:
    now = timezone.now()
    batch = [read(camera, "51F-123.45", ts=now - timedelta(seconds=s)) for s in (30, 90, 60)]

    result = reads_ingest(reads=batch, trusted=True)

    assert sorted(h["alerted"] for h in result.hits) == [False, False, True]
    # The earliest sighting is the alerted one.
    alerted = [h for h in result.hits if h["alerted"]]
    assert alerted[0]["read_index"] == 1
    assert len(published.named("camera.hit")) == 1


def test_another_camera_or_a_later_pass_alerts_again(
    camera: Camera,
    other_camera: Camera,
    listed: WatchlistEntry,
    published: Published,
    settings: Any,
) -> None:
    settings.SAFECITY_CAMERAS_REPEAT_MINUTES = 5
    now = timezone.now()

    reads_ingest(
        reads=[
            read(camera, "51F-123.45", ts=now - timedelta(minutes=20)),
            read(other_camera, "51F-123.45", ts=now - timedelta(minutes=19)),
            read(camera, "51F-123.45", ts=now - timedelta(minutes=10)),
        ],
        trusted=True,
    )

    assert len(published.named("camera.hit")) == 3
    assert not Hit.objects.filter(repeat_of__isnull=False).exists()


def test_a_window_of_zero_alerts_every_read(
    camera: Camera, listed: WatchlistEntry, published: Published, settings: Any
) -> None:
    settings.SAFECITY_CAMERAS_REPEAT_MINUTES = 0
    now = timezone.now()

    reads_ingest(
        reads=[read(camera, "51F-123.45", ts=now - timedelta(seconds=s)) for s in (10, 20)],
        trusted=True,
    )

    assert len(published.named("camera.hit")) == 2
