"""The demo's cameras stand inside the province's wards and its watchlists list plates that
then hit; the map's ``cameras`` layer shows cameras with their status and latest reads."""

from __future__ import annotations

import random

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.cameras import demo
from safecity.cameras.models import Camera, Hit, PlateRead, WatchlistEntry
from safecity.cameras.services import reads_ingest
from safecity.geography.selectors import ward_at
from tests.cameras.conftest import read
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")

PLATES = [f"5{n % 10}F-{100 + n:03d}.{n % 100:02d}" for n in range(80)]


def test_the_demo_cameras_stand_inside_the_province_s_wards(city: Unit) -> None:
    cameras = demo.cameras_load(city)

    assert len(cameras) == demo.CAMERAS
    assert len({c.code for c in cameras}) == demo.CAMERAS
    for camera in cameras:
        ward = ward_at(camera.lat, camera.lon)
        assert ward is not None and ward.province_id == 79
        assert camera.ward_id == ward.code
        assert camera.kind == "plate_reader" and camera.heading_deg is not None


def test_the_demo_watchlists_list_plates_that_hit(city: Unit, command_centre: Unit) -> None:
    cameras = demo.cameras_load(city)
    lists = demo.watchlists_load(random.Random(1), PLATES)

    assert lists is not None
    stolen, bolo = lists
    assert (stolen.kind, stolen.unit, bolo.kind) == ("stolen", command_centre, "bolo")
    assert WatchlistEntry.objects.count() == 60
    listed = WatchlistEntry.objects.filter(watchlist=stolen).first()
    assert listed is not None

    result = reads_ingest(reads=[read(cameras[0], listed.display)], trusted=True)

    assert [h["entry_id"] for h in result.hits] == [listed.pk]


def test_the_demo_loads_once(city: Unit) -> None:
    demo.demo_load(say=lambda _m: None)
    demo.demo_load(say=lambda _m: None)

    assert Camera.objects.count() == demo.CAMERAS


def test_the_cameras_layer_shows_status_and_the_latest_reads(
    client: Client, camera: Camera, other_camera: Camera, hung: User
) -> None:
    reads_ingest(reads=[read(camera, f"59-X1 111.{n:02d}") for n in range(7)], trusted=True)

    box = [camera.lon - 0.001, camera.lat - 0.001, camera.lon + 0.001, camera.lat + 0.001]

    response = client.get(
        "/api/v1/map/layers/cameras",
        {"bbox": ",".join(str(v) for v in box)},
        **bearer(client, hung),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    [feature] = body["features"]
    assert feature["properties"]["code"] == camera.code
    assert feature["properties"]["status"] == "online"
    assert feature["geometry"]["coordinates"] == [round(camera.lon, 6), round(camera.lat, 6)]
    latest = feature["properties"]["latest_reads"]
    assert len(latest) == 5
    newest = PlateRead.objects.order_by("-ts").first()
    assert newest is not None and latest[0]["plate"] == newest.display
    assert not Hit.objects.exists()
