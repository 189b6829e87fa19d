"""The cameras' own HTTP feed: reads, snapshots and heartbeats, with the camera's device key."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from safecity.accounts.models import DeviceKey, Unit, User
from safecity.accounts.services import device_key_create
from safecity.cameras.models import Camera, Hit, PlateRead, WatchlistEntry
from tests.cameras.conftest import read
from tests.conftest import bearer


def _auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client: Client, raw: str, reads: list[Any]) -> Any:
    return client.post(
        "/api/v1/cameras/reads", {"reads": reads}, content_type="application/json", **_auth(raw)
    )


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 200, 200)).save(out, "JPEG")
    return out.getvalue()


def test_a_camera_posts_reads_and_hears_what_was_accepted_and_what_hit(
    client: Client, camera: Camera, camera_key: str, listed: WatchlistEntry
) -> None:
    response = _post(
        client,
        camera_key,
        [read(camera, "51F-123.45"), read(camera, "59-X1 222.33"), read("CAM-X", "51F-123.45")],
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [(2, "unknown_camera")]
    [hit] = body["hits"]
    assert hit["read_index"] == 0
    assert (hit["plate"], hit["entry_plate"], hit["match"]) == ("51F-123.45", "51F-123.45", "exact")
    assert hit["entry_id"] == listed.pk and hit["watchlist"] == "Xe bị trộm"
    assert hit["read_id"] == Hit.objects.get().read_id


def test_a_key_may_post_only_for_its_own_camera(
    client: Client, camera: Camera, other_camera: Camera, camera_key: str
) -> None:
    body = _post(client, camera_key, [read(other_camera, "51F-123.45")]).json()

    assert body["accepted"] == 0
    assert body["rejected"][0]["code"] == "camera_not_yours"


def test_officers_and_trackers_cannot_post_reads(
    client: Client, camera: Camera, minh: User, station: Unit
) -> None:
    _key, tracker = device_key_create(name="gps", kind=DeviceKey.Kind.TRACKER, unit=station)

    as_officer = client.post(
        "/api/v1/cameras/reads",
        {"reads": [read(camera, "51F-123.45")]},
        content_type="application/json",
        **bearer(client, minh),
    )
    as_tracker = _post(client, tracker, [read(camera, "51F-123.45")])
    anonymous = client.post("/api/v1/cameras/reads", {"reads": []}, content_type="application/json")

    assert as_officer.status_code == 401
    assert as_tracker.status_code == 403
    assert anonymous.status_code == 401
    assert not PlateRead.objects.exists()


def test_more_than_a_thousand_reads_is_a_400_in_the_error_format(
    client: Client, camera: Camera, camera_key: str
) -> None:
    response = _post(client, camera_key, [read(camera, "51F-123.45")] * 1001)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_reads"
    assert not PlateRead.objects.exists()


@pytest.mark.parametrize("body", [{}, {"reads": "51F"}, [], {"reads": None}])
def test_a_malformed_body_is_refused_whole(client: Client, camera_key: str, body: Any) -> None:
    response = client.post(
        "/api/v1/cameras/reads", body, content_type="application/json", **_auth(camera_key)
    )

    assert response.status_code in {400, 422}
    assert "error" in response.json()


def test_a_read_that_is_not_an_object_is_refused_alone(
    client: Client, camera: Camera, camera_key: str
) -> None:
    response = _post(client, camera_key, [5, read(camera, "51F-123.45"), "51F-123.45", None])

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert [(r["index"], r["code"]) for r in response.json()["rejected"]] == [
        (0, "bad_read"),
        (2, "bad_read"),
        (3, "bad_read"),
    ]
    assert PlateRead.objects.get().plate_key == "51F12345"


def test_camera_routes_have_their_own_per_key_limit_not_the_officers_one(
    client: Client, camera: Camera, camera_key: str, settings: Any
) -> None:
    """GIVEN a camera limit of 3 requests a minute
    WHEN the camera posts a fourth batch
    THEN it is told to wait (429), while the officers' limit plays no part on these routes."""
    from safecity.cameras.api import DeviceThrottle, router

    settings.SAFECITY_CAMERAS_DEVICE_RATE = "3/m"

    codes = [_post(client, camera_key, [read(camera, "51F-123.45")]).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    for path in ("/cameras/reads", "/cameras/heartbeat", "/cameras/reads/{read_id}/image"):
        for operation in router.path_operations[path].operations:
            if "POST" in operation.methods:
                assert {type(t) for t in operation.throttle_objects} == {DeviceThrottle}, path


def test_the_camera_uploads_the_snapshot_of_a_hit(
    client: Client, camera: Camera, camera_key: str, listed: WatchlistEntry, minh: User
) -> None:
    hit = _post(client, camera_key, [read(camera, "51F-123.45")]).json()["hits"][0]
    path = f"/api/v1/cameras/reads/{hit['read_id']}/image"

    uploaded = client.post(path, {"file": io.BytesIO(_jpeg())}, **_auth(camera_key))
    twice = client.post(path, {"file": io.BytesIO(_jpeg())}, **_auth(camera_key))
    shown = client.get(path, **bearer(client, minh))

    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["content_type"] == "image/jpeg"
    assert twice.status_code == 409
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content).startswith(b"\xff\xd8\xff")
    listed_hit = client.get("/api/v1/cameras/hits", **bearer(client, minh)).json()[0]
    assert listed_hit["image_url"] == path


def test_a_snapshot_must_be_an_image_within_the_size_cap_from_the_read_s_camera(
    client: Client,
    camera: Camera,
    other_camera: Camera,
    camera_key: str,
    settings: Any,
) -> None:
    from safecity.cameras.services import camera_key_issue

    other_key = camera_key_issue(camera=other_camera)
    _post(client, camera_key, [read(camera, "51F-123.45")])
    path = f"/api/v1/cameras/reads/{PlateRead.objects.get().pk}/image"
    settings.SAFECITY_CAMERAS_IMAGE_MAX_KB = 16

    not_image = client.post(path, {"file": io.BytesIO(b"%PDF-1.4 hello")}, **_auth(camera_key))
    too_big = client.post(
        path, {"file": io.BytesIO(b"\xff\xd8\xff" + b"0" * 17 * 1024)}, **_auth(camera_key)
    )
    not_theirs = client.post(path, {"file": io.BytesIO(_jpeg())}, **_auth(other_key))

    assert not_image.status_code == 415
    assert too_big.status_code == 413
    assert not_theirs.status_code == 404
    assert not PlateRead.objects.get().image


def test_a_malformed_multipart_upload_is_the_client_s_error_and_stores_nothing(
    client: Client, camera: Camera, camera_key: str
) -> None:
    _post(client, camera_key, [read(camera, "51F-123.45")])
    path = f"/api/v1/cameras/reads/{PlateRead.objects.get().pk}/image"
    body = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'

    no_boundary = client.post(path, body, content_type="multipart/form-data", **_auth(camera_key))
    bad_boundary = client.post(
        path, body, content_type="multipart/form-data; boundary=\u00e9\u00e9", **_auth(camera_key)
    )

    for response in (no_boundary, bad_boundary):
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "bad_request"
    assert not PlateRead.objects.get().image


def test_a_heartbeat_marks_the_camera_online(
    client: Client, camera: Camera, other_camera: Camera, camera_key: str
) -> None:
    response = client.post(
        "/api/v1/cameras/heartbeat",
        {"cameras": [camera.code, other_camera.code]},
        content_type="application/json",
        **_auth(camera_key),
    )

    assert response.json() == {"cameras": [camera.code]}
    camera.refresh_from_db()
    other_camera.refresh_from_db()
    assert (camera.status, other_camera.status) == ("online", "offline")


def test_officers_list_the_cameras(client: Client, camera: Camera, hung: User) -> None:
    body = client.get("/api/v1/cameras", **bearer(client, hung)).json()

    assert [(c["code"], c["status"]) for c in body] == [(camera.code, "offline")]
