"""Plate reads in: each read checked on its own, the plate normalised, kept even when nothing
can be read from it; a device key posts only for its own cameras."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from safecity.accounts.models import DeviceKey, Unit
from safecity.accounts.services import device_key_create
from safecity.cameras.models import Camera, PlateRead
from safecity.cameras.services import reads_ingest
from tests.cameras.conftest import device, read


def test_it_stores_a_read_with_its_plate_normalised(camera: Camera) -> None:
    result = reads_ingest(
        reads=[read(camera, "51f 123.45", vehicle_type="car", color="white", direction="in")],
        trusted=True,
    )

    assert (result.accepted, result.rejected, result.hits) == (1, [], [])
    stored = PlateRead.objects.get()
    assert (stored.plate_key, stored.display, stored.kind) == ("51F12345", "51F-123.45", "car")
    assert (stored.locality, stored.valid, stored.unreadable) == (51, True, False)
    assert (stored.vehicle_type, stored.color, stored.direction) == ("car", "white", "in")
    assert stored.raw_text == "51f 123.45"
    assert stored.confidence == pytest.approx(0.92)


def test_it_resolves_look_alike_characters_by_their_place_in_the_plate(camera: Camera) -> None:
    reads_ingest(reads=[read(camera, "5IF-I23.4S"), read(camera, "59-XI 888.OO")], trusted=True)

    rows = list(PlateRead.objects.order_by("id").values_list("plate_key", "display", "valid"))
    assert rows == [("51F12345", "51F-123.45", False), ("59X188800", "59-X1 888.00", False)]


def test_a_read_nothing_can_be_made_of_is_kept_as_unreadable(camera: Camera) -> None:
    result = reads_ingest(
        reads=[read(camera, "#?!"), read(camera, "ABC"), read(camera, "", confidence=None)],
        trusted=True,
    )

    assert result.accepted == 3
    rows = list(PlateRead.objects.order_by("id").values_list("raw_text", "plate_key", "unreadable"))
    assert rows == [("#?!", "", True), ("ABC", "ABC", True), ("", "", True)]


def test_each_bad_read_is_refused_with_its_code_and_the_others_are_kept(
    camera: Camera, settings: Any
) -> None:
    now = timezone.now()
    reads: list[Any] = [
        read(camera, "51F-123.45"),  # 0 good
        read("CAM-NOWHERE", "51F-123.45"),  # 1
        read(camera, "51F-123.45", ts="yesterday"),  # 2
        read(camera, "51F-123.45", ts="2025-07-01T10:00:00"),  # 3 no offset
        read(camera, "51F-123.45", ts=(now + timedelta(hours=1)).isoformat()),  # 4
        read(camera, "51F-123.45", ts=(now - timedelta(days=30)).isoformat()),  # 5
        read(camera, "51F-123.45", confidence=1.5),  # 6
        read(camera, "51F-123.45", confidence=True),  # 7
        read(camera, 51123),  # 8
        read(camera, "51F-123.45", candidates="51F12346"),  # 9
        read(camera, "51F-123.45", candidates=[{"plate": 5}]),  # 10
        read(camera, "51F-123.45", color=["white"]),  # 11
        "51F-123.45",  # 12
        read(camera, "59-X1 123.45", ts=datetime(2025, 7, 1, 10, tzinfo=UTC).isoformat()),  # 13
        read(camera, "59-X1 123.45", confidence=float("nan")),  # 14
    ]
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 86400 * 3650  # 13 is old but allowed here

    result = reads_ingest(reads=reads, now=now, trusted=True)

    codes = {r["index"]: r["code"] for r in result.rejected}
    assert codes == {
        1: "unknown_camera",
        2: "bad_timestamp",
        3: "bad_timestamp",
        4: "ts_in_future",
        6: "bad_confidence",
        7: "bad_confidence",
        8: "bad_plate",
        9: "bad_candidates",
        10: "bad_candidates",
        11: "bad_attribute",
        12: "bad_read",
        14: "bad_confidence",
    }
    assert all(r["message"] for r in result.rejected)
    assert result.accepted == 3  # 0, 5 (within the widened age), 13
    assert PlateRead.objects.count() == 3


def test_the_time_limits_are_knobs(camera: Camera, settings: Any) -> None:
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 3600
    settings.SAFECITY_CAMERAS_READ_MAX_FUTURE = 0
    now = timezone.now()

    result = reads_ingest(
        reads=[
            read(camera, "51F-123.45", ts=(now - timedelta(hours=2)).isoformat()),
            read(camera, "51F-123.45", ts=(now + timedelta(seconds=10)).isoformat()),
            read(camera, "51F-123.45", ts=(now - timedelta(minutes=30)).isoformat()),
        ],
        now=now,
        trusted=True,
    )

    assert [r["code"] for r in result.rejected] == ["ts_too_old", "ts_in_future"]
    assert result.accepted == 1


@pytest.mark.parametrize("micro", [0, 500000])
def test_the_time_limits_hold_to_the_microsecond_whatever_the_time_s_form(
    camera: Camera, settings: Any, micro: int
) -> None:
    # On SQLite the usual form is checked as the text it is stored as, other forms as a
    # datetime: both must draw the line at the same moment (a whole second is stored without
    # a fraction, and must still sort before the same second plus a microsecond).
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 3600
    settings.SAFECITY_CAMERAS_READ_MAX_FUTURE = 60
    now = timezone.now().replace(microsecond=micro)
    latest, oldest = now + timedelta(seconds=60), now - timedelta(seconds=3600)
    tick = timedelta(microseconds=1)
    vietnam = timezone.get_fixed_timezone(7 * 60)
    forms = [
        lambda moment: moment.astimezone(vietnam).isoformat(),
        lambda moment: moment.isoformat().replace("+00:00", "Z"),
        lambda moment: moment,
    ]
    cases = [(latest, ""), (latest + tick, "ts_in_future"), (latest - tick, "")]
    cases += [(oldest, ""), (oldest - tick, "ts_too_old"), (oldest + tick, "")]
    sent = [(form(moment), code) for form in forms for moment, code in cases]

    result = reads_ingest(
        reads=[read(camera, "51F-123.45", ts=ts) for ts, _ in sent], now=now, trusted=True
    )

    refused = {r["index"]: r["code"] for r in result.rejected}
    assert [refused.get(i, "") for i in range(len(sent))] == [code for _, code in sent]
    assert result.accepted == 12


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-29T14:05:60.000+07:00",  # no 60th second
        "2026-11-29T14:05:0a.000+07:00",
        "2026-11-29T14:05:09.12x+07:00",
        "2026-11-29T14:05:\u0660\u0669.000+07:00",  # digits, but not ASCII ones
        "2026-13-29T14:05:09.123+07:00",
        "2026-11-29T24:05:09.123+07:00",
        "2026-11-29T14:05:09.123+25:00",
        "2026-11-29T14:05:09.123456-7:000",
    ],
)
def test_a_time_of_the_usual_length_that_is_no_time_is_refused(camera: Camera, text: str) -> None:
    result = reads_ingest(reads=[read(camera, "51F-123.45", ts=text)], trusted=True)

    assert [r["code"] for r in result.rejected] == ["bad_timestamp"]
    assert not PlateRead.objects.exists()


def test_a_time_with_an_offset_is_stored_as_the_same_moment(camera: Camera) -> None:
    ts = timezone.now().replace(microsecond=250000) - timedelta(minutes=1)
    local = ts.astimezone(timezone.get_fixed_timezone(7 * 60))

    reads_ingest(reads=[read(camera, "51F-123.45", ts=local.isoformat())], trusted=True)

    assert PlateRead.objects.get().ts == ts


def test_every_shape_of_time_is_stored_as_its_moment(camera: Camera) -> None:
    # Milli-, micro- and whole seconds, a zero fraction, offsets with minutes, either side of
    # UTC midnight, "Z", a space for the T: each stored moment is the one sent, and SQLite's
    # stored text sorts and filters as Django writes it (ranges by ``ts`` find each read).
    base = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    sent = []
    for minutes, micro, spec, offset in [
        (0, 123000, "milliseconds", 7 * 60),
        (1, 0, "milliseconds", 7 * 60),
        (2, 654321, "microseconds", 7 * 60),
        (3, 0, "microseconds", -5 * 60),
        (4, 0, "seconds", 5 * 60 + 30),
        (5, 500000, "milliseconds", -(9 * 60 + 30)),
        (6, 1000, "auto", 0),
    ]:
        moment = base + timedelta(minutes=minutes, microseconds=micro)
        zone = timezone.get_fixed_timezone(offset)
        sent.append((moment, moment.astimezone(zone).isoformat(timespec=spec)))
    sent.append((base, base.isoformat().replace("+00:00", "Z")))
    sent.append((base, base.astimezone(timezone.get_fixed_timezone(420)).isoformat(" ")))

    result = reads_ingest(
        reads=[read(camera, "51F-123.45", ts=text) for _, text in sent], trusted=True
    )

    assert result.accepted == len(sent)
    stored = sorted(PlateRead.objects.values_list("ts", flat=True))
    assert stored == sorted(moment for moment, _ in sent)
    for moment, _ in sent:
        assert PlateRead.objects.filter(ts__gte=moment, ts__lte=moment).exists(), moment


def test_a_device_key_posts_only_for_its_own_cameras(
    camera: Camera, other_camera: Camera, camera_key: str
) -> None:
    result = reads_ingest(
        reads=[read(camera, "51F-123.45"), read(other_camera, "51F-123.45")],
        device=device(camera_key),
    )

    assert result.accepted == 1
    assert [(r["index"], r["code"]) for r in result.rejected] == [(1, "camera_not_yours")]
    assert PlateRead.objects.get().camera == camera


def test_a_shared_key_set_on_several_cameras_posts_for_each_of_them(
    camera: Camera, other_camera: Camera, station: Unit
) -> None:
    nvr, raw = device_key_create(name="NVR", kind=DeviceKey.Kind.CAMERA, unit=station)
    Camera.objects.filter(pk__in=[camera.pk, other_camera.pk]).update(device_key=nvr)
    from safecity.cameras.camera_cache import camera_cache

    camera_cache.forget()

    result = reads_ingest(
        reads=[read(camera, "51F-123.45"), read(other_camera, "51F-123.45")], device=device(raw)
    )

    assert (result.accepted, result.rejected) == (2, [])


def test_a_tracker_key_posts_for_no_camera(camera: Camera, station: Unit) -> None:
    _key, raw = device_key_create(
        name="tracker", kind=DeviceKey.Kind.TRACKER, unit=station, subject=camera.code
    )

    result = reads_ingest(reads=[read(camera, "51F-123.45")], device=device(raw))

    assert result.accepted == 0
    assert result.rejected[0]["code"] == "camera_not_yours"


def test_the_mqtt_consumer_posts_as_trusted_and_an_untrusted_call_needs_a_device(
    camera: Camera,
) -> None:
    assert reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True, source="frigate").accepted
    assert PlateRead.objects.get().source == "frigate"
    with pytest.raises(ValueError, match="device"):
        reads_ingest(reads=[read(camera, "51F-123.45")])


def test_a_read_marks_its_camera_seen_and_online(camera: Camera) -> None:
    assert camera.status == Camera.Status.OFFLINE

    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)

    camera.refresh_from_db()
    assert camera.status == Camera.Status.ONLINE
    assert camera.last_seen_at is not None


def test_candidates_are_stored_with_the_read(camera: Camera) -> None:
    reads_ingest(
        reads=[
            read(
                camera,
                "51F-123.45",
                candidates=[{"plate": "51F-123.46", "confidence": 0.4}, {"plate": "51E12345"}],
            )
        ],
        trusted=True,
    )

    assert PlateRead.objects.get().candidates == [
        {"plate": "51F-123.46", "confidence": 0.4},
        {"plate": "51E12345", "confidence": None},
    ]


def test_candidates_with_awkward_text_are_stored_as_json_writes_them(camera: Camera) -> None:
    import json

    from safecity.cameras.rows import Db

    awkward = [
        {"plate": 'Đ"51F\\1', "confidence": 0.1 + 0.2},
        {"plate": "51F\n\t\u0001 12345 ", "confidence": 1},
        {"plate": "", "confidence": 0},
        {"plate": "xe máy 59-X1", "confidence": None},
    ]
    reads_ingest(reads=[read(camera, "51F-123.45", candidates=awkward)], trusted=True)

    expected = [
        {"plate": 'Đ"51F\\1', "confidence": 0.1 + 0.2},
        {"plate": "51F\n\t\u0001 12345", "confidence": 1.0},  # trimmed, as any candidate
        {"plate": "", "confidence": 0.0},
        {"plate": "xe máy 59-X1", "confidence": None},
    ]
    assert PlateRead.objects.get().candidates == expected
    if connection.vendor == "sqlite":  # written by hand there: the very text json.dumps gives
        assert Db(timezone.now()).candidates(expected) == json.dumps(expected)


def test_a_batch_costs_a_fixed_number_of_statements(
    camera: Camera, django_assert_max_num_queries: Any
) -> None:
    reads_ingest(reads=[read(camera, "51F-000.01")], trusted=True)  # warms the caches
    batch = [read(camera, f"51F-{n:03d}.{n % 100:02d}") for n in range(500)]

    # The reads go in a statement per 1,000, the rest in powers of two (256, 128, 64, 32, 16,
    # 4) on SQLite, one executemany elsewhere: never a statement per read.
    inserts = 6 if connection.vendor == "sqlite" else 1
    with django_assert_max_num_queries(5 + inserts):
        result = reads_ingest(reads=batch, trusted=True)

    assert result.accepted == 500


def test_a_batch_is_stored_in_statements_of_a_few_sizes_with_no_read_lost(camera: Camera) -> None:
    from safecity.core.bulk_insert import _most, chunks

    assert _most(["column"] * 17) == 1000
    assert _most(["column"] * 40) == 819  # a wide table stays under SQLite's 32,766 values

    rows = [(n,) for n in range(2650)]
    assert [len(c) for c in chunks(rows)] == [1000, 1000, 512, 128, 8, 2]
    assert [len(c) for c in chunks(rows[:137])] == [128, 8, 1]
    assert [row for c in chunks(rows) for row in c] == rows

    plates = [f"51F-{n // 100:03d}.{n % 100:02d}" for n in range(1, 988)]
    result = reads_ingest(reads=[read(camera, p) for p in plates], trusted=True)

    assert result.accepted == len(plates)
    stored = list(PlateRead.objects.order_by("id").values_list("display", flat=True))
    assert stored == plates
