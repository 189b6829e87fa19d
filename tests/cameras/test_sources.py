"""Other systems' plate reads turned into the reads API's items: Frigate's MQTT messages and
Plate Recognizer's webhook (the adapters alone, then the webhook route)."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import DeviceKey, Unit, User
from safecity.accounts.services import device_key_create
from safecity.cameras.models import Camera, PlateRead, WatchlistEntry
from safecity.cameras.sources import (
    CameraMapError,
    iso_from_epoch,
    iso_from_text,
    parse_camera_map,
)
from safecity.cameras.sources.frigate import FrigateAdapter
from safecity.cameras.sources.platerecognizer import WebhookError, reads_from_webhook
from tests.conftest import bearer

# 2026-01-01 07:00:00 in Hồ Chí Minh City.
T0 = 1767225600.0
EVENT_ID = "1767225598.412356-k3x9qz"


def tracked_car(
    *,
    object_id: str = EVENT_ID,
    camera: str = "nga_tu_hang_xanh",
    label: str = "car",
    frame_time: float = T0,
    plate: Any = None,
    score: float | None = None,
    end_time: float | None = None,
) -> dict[str, Any]:
    """A tracked object as Frigate 0.16 publishes it in frigate/events."""
    data: dict[str, Any] = {
        "id": object_id,
        "camera": camera,
        "frame_time": frame_time,
        "snapshot": {
            "frame_time": frame_time - 0.4,
            "box": [812, 402, 1190, 655],
            "area": 95634,
            "region": [700, 300, 1300, 900],
            "score": 0.86,
            "attributes": [],
        },
        "label": label,
        "sub_label": None,
        "top_score": 0.91,
        "false_positive": False,
        "start_time": T0 - 2.0,
        "end_time": end_time,
        "score": 0.88,
        "box": [820, 410, 1200, 660],
        "area": 95000,
        "ratio": 1.52,
        "region": [700, 300, 1300, 900],
        "active": True,
        "stationary": False,
        "motionless_count": 0,
        "position_changes": 1,
        "current_zones": ["lane_in"],
        "entered_zones": ["lane_in"],
        "has_clip": True,
        "has_snapshot": True,
        "attributes": {"license_plate": 0.81},
        "current_attributes": [],
        "current_estimated_speed": 31.5,
        "average_estimated_speed": 29.8,
        "velocity_angle": 182,
        "path_data": [[[0.52, 0.61], frame_time - 1.0]],
    }
    if plate is not None:
        data["recognized_license_plate"] = plate
    if score is not None:
        data["recognized_license_plate_score"] = score
    return data


def event(kind: str, after: dict[str, Any], before: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"type": kind, "before": before or after, "after": after}).encode()


def lpr_update(
    *,
    plate: str | None = "51F12345",
    score: float = 0.93,
    object_id: str | None = EVENT_ID,
    camera: str = "nga_tu_hang_xanh",
    timestamp: float = T0,
) -> bytes:
    """A frigate/tracked_object_update message of type lpr (Frigate 0.16)."""
    message: dict[str, Any] = {"type": "lpr", "name": None, "plate": plate, "camera": camera}
    if object_id is not None:
        message.update(id=object_id, score=score, timestamp=timestamp)
    return json.dumps(message).encode()


# --- Frigate -------------------------------------------------------------------------------------


def test_it_reads_a_plate_recognised_on_a_new_event() -> None:
    adapter = FrigateAdapter()
    after = tracked_car(plate="51F12345", score=0.933451)

    reads = adapter.reads("frigate/events", event("new", after))

    assert reads == [
        {
            "camera": "nga_tu_hang_xanh",
            "ts": "2026-01-01T07:00:00.000+07:00",
            "plate": "51F12345",
            "confidence": 0.933451,
            "candidates": [],
            "vehicle_type": "car",
        }
    ]


def test_it_reads_a_plate_that_first_appears_on_an_update() -> None:
    """GIVEN a car tracked without a plate (new, then an update still without one)
    WHEN an update carries the recognised plate
    THEN that update gives the read, with its own frame time."""
    adapter = FrigateAdapter()
    assert adapter.reads("frigate/events", event("new", tracked_car())) == []
    assert adapter.reads("frigate/events", event("update", tracked_car(frame_time=T0 + 1))) == []

    reads = adapter.reads(
        "frigate/events",
        event("update", tracked_car(frame_time=T0 + 2.5, plate="59X112345", score=0.88)),
    )

    assert [(r["plate"], r["ts"]) for r in reads] == [
        ("59X112345", "2026-01-01T07:00:02.500+07:00")
    ]


def test_it_reads_the_plate_once_when_updates_only_raise_its_score() -> None:
    adapter = FrigateAdapter()
    first = adapter.reads(
        "frigate/events", event("update", tracked_car(plate="51F12345", score=0.71))
    )
    later = [
        adapter.reads(
            "frigate/events",
            event("update", tracked_car(frame_time=T0 + i, plate="51F12345", score=0.71 + i / 100)),
        )
        for i in range(1, 6)
    ]
    ended = adapter.reads(
        "frigate/events", event("end", tracked_car(plate="51F12345", score=0.93, end_time=T0 + 9))
    )

    assert len(first) == 1
    assert later == [[]] * 5
    assert ended == []
    assert adapter.counts.repeats == 6


def test_it_reads_a_corrected_plate_of_the_same_car_as_a_new_read() -> None:
    adapter = FrigateAdapter()
    adapter.reads("frigate/events", event("update", tracked_car(plate="51F12845", score=0.62)))

    reads = adapter.reads(
        "frigate/events", event("update", tracked_car(plate="51F12345", score=0.91))
    )

    assert [r["plate"] for r in reads] == ["51F12345"]


def test_it_reads_the_plate_of_an_event_that_ends_with_one() -> None:
    adapter = FrigateAdapter()
    reads = adapter.reads(
        "frigate/events", event("end", tracked_car(plate="51F12345", score=0.9, end_time=T0 + 4))
    )
    assert [r["plate"] for r in reads] == ["51F12345"]


def test_it_reads_the_plate_score_pair_frigate_publishes() -> None:
    """Frigate's publishing code sends the (plate, score) pair its documentation shows as two
    fields."""
    adapter = FrigateAdapter()
    reads = adapter.reads("frigate/events", event("update", tracked_car(plate=["51F12345", 0.95])))
    assert [(r["plate"], r["confidence"]) for r in reads] == [("51F12345", 0.95)]


def test_it_reads_a_motorbike_plate_and_names_the_vehicle_a_motorbike() -> None:
    adapter = FrigateAdapter()
    reads = adapter.reads(
        "frigate/events",
        event("update", tracked_car(label="motorcycle", plate="59-X1 123.45", score=0.8)),
    )
    assert reads[0]["vehicle_type"] == "motorbike"
    assert reads[0]["plate"] == "59-X1 123.45"


def test_it_reads_a_dedicated_lpr_cameras_plate_without_a_vehicle_type() -> None:
    adapter = FrigateAdapter()
    reads = adapter.reads(
        "frigate/events", event("new", tracked_car(label="license_plate", plate="51F12345"))
    )
    assert len(reads) == 1
    assert "vehicle_type" not in reads[0]


def test_it_ignores_events_without_a_plate() -> None:
    adapter = FrigateAdapter()
    person = tracked_car(label="person")
    person["sub_label"] = ["Nguyễn Văn An", 0.79]
    assert adapter.reads("frigate/events", event("new", person)) == []
    assert adapter.reads("frigate/events", event("update", tracked_car(plate=""))) == []
    assert adapter.reads("frigate/events", event("update", tracked_car(plate=None))) == []
    assert adapter.counts.reads == 0
    assert adapter.counts.ignored == 3


def test_it_ignores_a_false_positive() -> None:
    after = tracked_car(plate="51F12345", score=0.4)
    after["false_positive"] = True
    assert FrigateAdapter().reads("frigate/events", event("update", after)) == []


def test_it_reads_an_lpr_tracked_object_update() -> None:
    adapter = FrigateAdapter()
    reads = adapter.reads("frigate/tracked_object_update", lpr_update(timestamp=T0 + 0.25))
    assert reads == [
        {
            "camera": "nga_tu_hang_xanh",
            "ts": "2026-01-01T07:00:00.250+07:00",
            "plate": "51F12345",
            "confidence": 0.93,
            "candidates": [],
        }
    ]


def test_it_reads_a_plate_once_across_both_topics() -> None:
    """Frigate publishes the same plate of the same object on frigate/events and
    frigate/tracked_object_update; the spelling may differ (a display form)."""
    adapter = FrigateAdapter()
    from_update = adapter.reads("frigate/tracked_object_update", lpr_update(plate="51F-123.45"))
    from_event = adapter.reads(
        "frigate/events", event("update", tracked_car(plate="51F12345", score=0.95))
    )
    assert len(from_update) == 1
    assert from_event == []


def test_it_ignores_other_tracked_object_updates() -> None:
    adapter = FrigateAdapter()
    description = {
        "type": "description",
        "id": EVENT_ID,
        "description": "A white sedan turns left towards Điện Biên Phủ.",
    }
    face = {
        "type": "face",
        "id": EVENT_ID,
        "name": "An",
        "score": 0.95,
        "camera": "nga_tu_hang_xanh",
        "timestamp": T0,
    }
    for message in (description, face):
        assert adapter.reads("frigate/tracked_object_update", json.dumps(message)) == []
    # A dedicated LPR camera's "no car any more": plate null and no id.
    assert (
        adapter.reads("frigate/tracked_object_update", lpr_update(plate=None, object_id=None)) == []
    )


def test_it_ignores_topics_that_are_not_plate_events() -> None:
    adapter = FrigateAdapter()
    assert adapter.reads("frigate/available", b"online") == []
    assert adapter.reads("frigate/nga_tu_hang_xanh/car", b"2") == []
    assert adapter.reads("frigate/reviews", event("new", tracked_car(plate="51F12345"))) == []
    assert adapter.counts.malformed == 0


def test_it_follows_a_custom_topic_prefix() -> None:
    reads = FrigateAdapter().reads("frigate_q1/events", event("new", tracked_car(plate="51F12345")))
    assert len(reads) == 1


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"",
        b"[" * 100_000,
    ],
    ids=["broken", "not-utf8", "empty", "deeply-nested"],
)
def test_it_skips_malformed_messages_and_logs_them(
    payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = FrigateAdapter()
    assert adapter.reads("frigate/events", payload) == []
    assert adapter.counts.malformed == 1
    assert "malformed" in caplog.text
    # And keeps going.
    assert len(adapter.reads("frigate/events", event("new", tracked_car(plate="51F12345")))) == 1


@pytest.mark.parametrize(
    "message",
    [
        [1, 2, 3],
        "51F12345",
        {"type": "new"},
        {"type": "new", "after": "51F12345"},
        {"type": "new", "after": {"recognized_license_plate": "51F12345"}},
        {"type": "new", "after": {"recognized_license_plate": 51, "camera": "c", "frame_time": 1}},
        {
            "type": "new",
            "after": {"recognized_license_plate": "5", "camera": "c", "frame_time": "x"},
        },
        {
            "type": "new",
            "after": {"recognized_license_plate": "5", "camera": "c", "frame_time": 1e300},
        },
        {"type": "lpr", "plate": "51F12345", "camera": "c", "timestamp": True},
        {"type": "lpr", "plate": ["51F12345"], "camera": "c", "timestamp": T0},
    ],
)
def test_it_ignores_messages_of_the_wrong_shape(message: Any) -> None:
    adapter = FrigateAdapter()
    for topic in ("frigate/events", "frigate/tracked_object_update"):
        assert adapter.reads(topic, json.dumps(message)) == []


def test_it_maps_frigate_camera_names_to_camera_codes() -> None:
    adapter = FrigateAdapter(parse_camera_map("nga_tu_hang_xanh=BT-0042, cau_sai_gon=BT-0043"))
    mapped = adapter.reads("frigate/events", event("new", tracked_car(plate="51F12345")))
    unmapped = adapter.reads(
        "frigate/tracked_object_update",
        lpr_update(camera="Q1-0007", object_id="1767225599.1-aaaaaa"),
    )
    assert mapped[0]["camera"] == "BT-0042"
    assert unmapped[0]["camera"] == "Q1-0007"


def test_it_remembers_a_bounded_number_of_plates() -> None:
    adapter = FrigateAdapter(memory=3)
    for n in range(4):
        adapter.reads("frigate/tracked_object_update", lpr_update(object_id=f"obj-{n}"))
    # obj-0 fell out of the memory: a late repeat of it is read again; obj-3 is still known.
    assert len(adapter.reads("frigate/tracked_object_update", lpr_update(object_id="obj-0"))) == 1
    assert adapter.reads("frigate/tracked_object_update", lpr_update(object_id="obj-3")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("a=B", {"a": "B"}),
        (" gate east = Q1-0001 ,le_loi=Q1-0002,", {"gate east": "Q1-0001", "le_loi": "Q1-0002"}),
        ("a=B,a=B", {"a": "B"}),
    ],
)
def test_it_parses_a_camera_map(text: str, expected: dict[str, str]) -> None:
    assert parse_camera_map(text) == expected


@pytest.mark.parametrize("text", ["a", "=B", "a=", "a=B,a=C"])
def test_it_refuses_a_camera_map_that_is_not_name_code_pairs(text: str) -> None:
    with pytest.raises(CameraMapError):
        parse_camera_map(text)


def test_it_writes_times_with_vietnams_offset() -> None:
    assert iso_from_epoch(0) == "1970-01-01T07:00:00.000+07:00"
    assert iso_from_epoch(1e300) is None
    assert iso_from_text("2021-09-29T05:56:13.606935Z") == "2021-09-29T12:56:13.606+07:00"
    assert iso_from_text("2021-09-29 05:56:13.606935+00:00") == "2021-09-29T12:56:13.606+07:00"
    assert iso_from_text("2021-09-29 05:56:13") == "2021-09-29T12:56:13.000+07:00"
    assert iso_from_text("yesterday") is None


# --- Plate Recognizer ----------------------------------------------------------------------------


def stream_webhook(
    *, camera: str = "camera-1", timestamp: str = "2026-01-01T00:00:05.250000Z", results: Any = None
) -> dict[str, Any]:
    """A Stream webhook body as Plate Recognizer documents it."""
    if results is None:
        results = [
            {
                "box": {"xmin": 460, "ymin": 57, "xmax": 557, "ymax": 82},
                "plate": "51f12345",
                "region": {"code": "vn", "score": 0.913},
                "score": 0.902,
                "candidates": [
                    {"plate": "51f12345", "score": 0.902},
                    {"plate": "51f12845", "score": 0.801},
                    {"plate": "5lf12345", "score": 0.752},
                ],
                "dscore": 0.741,
                "vehicle": {
                    "score": 0.867,
                    "type": "Sedan",
                    "box": {"xmin": 387, "ymin": 23, "xmax": 1493, "ymax": 577},
                },
                "model_make": [{"make": "Toyota", "model": "Vios", "score": 0.61}],
                "color": [
                    {"color": "silver", "score": 0.201},
                    {"color": "white", "score": 0.672},
                ],
                "orientation": [{"orientation": "Rear", "score": 0.91}],
                "direction": 210,
                "source_url": "rtsp://10.20.0.42/stream1",
                "position_sec": 15.3,
            }
        ]
    return {
        "hook": {
            "target": "https://safecity.example/api/v1/cameras/sources/platerecognizer",
            "id": camera,
            "event": "recognition",
            "filename": f"{camera}_screenshots/26-01-01/00-00-05.250000.jpg",
        },
        "data": {
            "camera_id": camera,
            "filename": f"{camera}_screenshots/26-01-01/00-00-05.250000.jpg",
            "timestamp": timestamp,
            "timestamp_local": "2026-01-01 07:00:05.250000+07:00",
            "results": results,
        },
    }


def test_it_reads_a_stream_webhook() -> None:
    reads = reads_from_webhook(stream_webhook(camera="BT-0042"))
    assert reads == [
        {
            "camera": "BT-0042",
            "ts": "2026-01-01T07:00:05.250+07:00",
            "plate": "51f12345",
            "confidence": 0.902,
            "candidates": [
                {"plate": "51f12845", "confidence": 0.801},
                {"plate": "5lf12345", "confidence": 0.752},
            ],
            "vehicle_type": "Sedan",
            "color": "white",
            "direction": "210",
        }
    ]


def test_it_reads_every_result_in_order_even_without_a_plate() -> None:
    """One read per result, so the service's rejected[].index is the result's index; a result
    without a plate is passed on (the service keeps it as unreadable)."""
    results = [
        {"plate": "51f12345", "score": 0.9},
        {"score": 0.2, "candidates": "none", "vehicle": "Sedan", "direction": ""},
        "not a result",
        {"plate": "59x112345", "score": 0.8, "candidates": [{"plate": "59x112346"}]},
    ]
    reads = reads_from_webhook(stream_webhook(results=results))
    assert [r["plate"] for r in reads] == ["51f12345", "", "", "59x112345"]
    assert reads[1] == {
        "camera": "camera-1",
        "ts": "2026-01-01T07:00:05.250+07:00",
        "plate": "",
        "confidence": 0.2,
        "candidates": [],
    }
    assert reads[3]["candidates"] == [{"plate": "59x112346"}]


def test_it_maps_the_webhooks_camera() -> None:
    reads = reads_from_webhook(stream_webhook(), camera_map={"camera-1": "BT-0042"})
    assert reads[0]["camera"] == "BT-0042"


def test_it_passes_a_time_it_cannot_read_on_for_the_service_to_refuse() -> None:
    reads = reads_from_webhook(stream_webhook(timestamp="last tuesday"))
    assert reads[0]["ts"] == "last tuesday"


def test_it_keeps_at_most_ten_candidates() -> None:
    candidates = [{"plate": f"51f1234{n}", "score": 0.5} for n in range(10)] * 2
    reads = reads_from_webhook(
        stream_webhook(results=[{"plate": "51f12399", "candidates": candidates}])
    )
    assert len(reads[0]["candidates"]) == 10


def test_it_reads_a_snapshot_webhook() -> None:
    body = {
        "hook": {"target": "https://x", "id": 12, "event": "image.done", "filename": "a.jpg"},
        "data": {
            "camera_id": "BT-0042",
            "timestamp": "2026-01-01T00:00:05Z",
            "results": [{"plate": "51f12345", "score": 0.9, "vehicle": {"type": "Motorcycle"}}],
            "processing_time": 88.2,
        },
    }
    reads = reads_from_webhook(body)
    assert [(r["plate"], r["vehicle_type"]) for r in reads] == [("51f12345", "Motorcycle")]


def test_it_reads_nothing_from_an_event_without_results() -> None:
    assert reads_from_webhook({"hook": {"event": "heartbeat"}, "data": {"camera_id": "c"}}) == []


@pytest.mark.parametrize(
    "body",
    [
        [],
        "hello",
        {},
        {"data": "x"},
        {"data": {"camera_id": "c"}},
        {"data": {"camera_id": "c", "results": {"plate": "51f12345"}}},
        {"data": {"results": []}},
        {"hook": {"event": "recognition"}, "data": {"camera_id": " ", "results": []}},
    ],
)
def test_it_refuses_a_body_that_is_not_a_webhook(body: Any) -> None:
    with pytest.raises(WebhookError):
        reads_from_webhook(body)


# --- The webhook route ---------------------------------------------------------------------------

WEBHOOK = "/api/v1/cameras/sources/platerecognizer"


def _now_utc() -> str:
    return timezone.now().astimezone(UTC).isoformat().replace("+00:00", "Z")


def _post(client: Client, body: Any, key: str | None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    if "content_type" not in extra and "data" not in extra:
        extra.update(data=json.dumps(body), content_type="application/json")
    return client.post(WEBHOOK, **extra, **headers)


@pytest.mark.django_db
def test_the_webhook_stores_the_reads_of_its_camera(
    client: Client, camera: Camera, camera_key: str
) -> None:
    body = stream_webhook(camera=camera.code, timestamp=_now_utc())

    response = _post(client, body, camera_key)

    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 1, "rejected": [], "hits": []}
    read = PlateRead.objects.get()
    assert (read.camera, read.plate_key, read.source) == (camera, "51F12345", "platerecognizer")
    assert read.confidence == pytest.approx(0.902)
    assert (read.vehicle_type, read.color, read.direction) == ("Sedan", "white", "210")


@pytest.mark.django_db
def test_the_webhook_answers_the_hits(
    client: Client, camera: Camera, camera_key: str, listed: WatchlistEntry, published: Any
) -> None:
    """A Stream unit reads 51F-123.45, listed as stolen: the answer carries the hit."""
    response = _post(client, stream_webhook(camera=camera.code, timestamp=_now_utc()), camera_key)

    hits = response.json()["hits"]
    assert [(h["read_index"], h["entry_id"], h["match"]) for h in hits] == [(0, listed.pk, "exact")]


@pytest.mark.django_db
def test_the_webhook_takes_streams_multipart_form(
    client: Client, camera: Camera, camera_key: str
) -> None:
    image = SimpleUploadedFile("00-00-05.250000.jpg", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg")
    body = json.dumps(stream_webhook(camera=camera.code, timestamp=_now_utc()))

    response = _post(client, None, camera_key, data={"json": body, "upload": image})

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert PlateRead.objects.filter(camera=camera, plate_key="51F12345").exists()


@pytest.mark.django_db
def test_the_webhook_refuses_reads_for_a_camera_not_of_its_key(
    client: Client, camera: Camera, other_camera: Camera, camera_key: str
) -> None:
    mine = stream_webhook(camera=camera.code, timestamp=_now_utc())
    theirs = stream_webhook(camera=other_camera.code, timestamp=_now_utc())

    accepted = _post(client, mine, camera_key)
    refused = _post(client, theirs, camera_key)

    assert accepted.json()["accepted"] == 1
    assert refused.status_code == 200
    assert refused.json()["accepted"] == 0
    assert [(r["index"], r["code"]) for r in refused.json()["rejected"]] == [
        (0, "camera_not_yours")
    ]
    assert PlateRead.objects.count() == 1


@pytest.mark.django_db
def test_the_webhook_needs_a_cameras_device_key(
    client: Client, camera: Camera, station: Unit, minh: User
) -> None:
    body = stream_webhook(camera=camera.code, timestamp=_now_utc())
    # A tracker's key that names the camera as its subject still is no camera's key.
    _tracker, tracker_key = device_key_create(
        name="Tracker 113-01", kind=DeviceKey.Kind.TRACKER, unit=station, subject=camera.code
    )
    officer_token = bearer(client, minh)["HTTP_AUTHORIZATION"].removeprefix("Bearer ")

    nobody = _post(client, body, None)
    officer = _post(client, body, officer_token)
    tracker = _post(client, body, tracker_key)

    assert (nobody.status_code, nobody.json()["error"]["code"]) == (401, "unauthenticated")
    assert officer.status_code == 401
    assert (tracker.status_code, tracker.json()["error"]["code"]) == (403, "forbidden")
    assert not PlateRead.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"data": b"{not json", "content_type": "application/json"}, 400, "bad_request"),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "bad_request"),
        ({"data": b"[1, 2]", "content_type": "application/json"}, 422, "invalid"),
        (
            {"data": b'{"data": {"camera_id": "x"}}', "content_type": "application/json"},
            422,
            "invalid",
        ),
        ({"data": b"plate=51F12345", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"data": {"upload": "x"}}, 422, "invalid"),
        ({"data": {"json": "{oops"}}, 400, "bad_request"),
    ],
    ids=[
        "broken-json",
        "not-utf8",
        "not-an-object",
        "no-results",
        "text",
        "no-json-field",
        "bad-form-json",
    ],
)
def test_the_webhook_answers_bad_bodies_in_the_error_format(
    client: Client, camera_key: str, extra: dict[str, Any], status: int, code: str
) -> None:
    response = _post(client, None, camera_key, **extra)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


@pytest.mark.django_db
def test_the_webhook_takes_at_most_a_thousand_results(
    client: Client, camera: Camera, camera_key: str
) -> None:
    results = [{"plate": "51f12345", "score": 0.9}] * 1001
    response = _post(client, stream_webhook(camera=camera.code, results=results), camera_key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_reads"
    assert not PlateRead.objects.exists()
