"""The operator confirms a hit (it opens an incident, or joins one already open) or dismisses
it with a reason; both are audited and told to the consoles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.cameras import services
from safecity.cameras.models import Camera, Hit, Watchlist, WatchlistEntry
from safecity.cameras.services import reads_ingest
from safecity.core.models import AuditEntry
from safecity.incidents.models import Incident, IncidentEvent
from safecity.incidents.services import ReportInput, report_submit
from tests import factories
from tests.cameras.conftest import read
from tests.conftest import Published, bearer

pytestmark = pytest.mark.usefixtures("wards")


@pytest.fixture
def hit(camera: Camera, listed: WatchlistEntry) -> Hit:
    reads_ingest(reads=[read(camera, "51F-123.45", color="đen")], trusted=True)
    return Hit.objects.get()


def _post(client: Client, user: User, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json", **bearer(client, user))


def test_confirming_a_hit_opens_an_incident_at_the_camera(
    client: Client, minh: User, hit: Hit, camera: Camera, published: Published
) -> None:
    response = _post(client, minh, f"/api/v1/cameras/hits/{hit.pk}/confirm", {})

    assert response.status_code == 200, response.content
    body = response.json()
    incident = Incident.objects.get()
    assert body["status"] == "confirmed"
    assert body["incident_id"] == incident.pk
    assert (incident.lat, incident.lon, incident.category) == (camera.lat, camera.lon, "security")
    assert "51F-123.45" in incident.summary
    assert AuditEntry.objects.filter(action="camera.hit_confirm", object_id=str(hit.pk)).exists()
    assert published.named("incident.created")
    assert published.named("camera.hit_decided")[0][0]["incident_id"] == incident.pk


def test_a_critical_entry_opens_a_p1_incident(
    client: Client, minh: User, hit: Hit, listed: WatchlistEntry
) -> None:
    WatchlistEntry.objects.filter(pk=listed.pk).update(priority="critical")

    _post(client, minh, f"/api/v1/cameras/hits/{hit.pk}/confirm", {})

    assert Incident.objects.get().priority == 1


def test_confirming_onto_an_open_incident_notes_the_hit_on_its_timeline(
    client: Client, minh: User, hit: Hit
) -> None:
    report = report_submit(
        data=ReportInput(category="security", lat=10.78, lon=106.70, description="Cướp giật"),
        channel="call",
        taken_by=minh,
    )

    response = _post(
        client, minh, f"/api/v1/cameras/hits/{hit.pk}/confirm", {"incident_id": report.incident_id}
    )

    assert response.status_code == 200, response.content
    assert response.json()["incident_id"] == report.incident_id
    assert Incident.objects.count() == 1
    note = IncidentEvent.objects.get(incident_id=report.incident_id, kind="note")
    assert note.detail["camera_hit"] == hit.pk


def test_a_hit_is_decided_once(client: Client, minh: User, hit: Hit) -> None:
    _post(client, minh, f"/api/v1/cameras/hits/{hit.pk}/dismiss", {"reason": "misread"})

    again = _post(client, minh, f"/api/v1/cameras/hits/{hit.pk}/confirm", {})

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "hit_decided"
    assert not Incident.objects.exists()


def test_dismissing_needs_a_reason(client: Client, minh: User, hit: Hit) -> None:
    missing = _post(client, minh, f"/api/v1/cameras/hits/{hit.pk}/dismiss", {})
    wrong = _post(client, minh, f"/api/v1/cameras/hits/{hit.pk}/dismiss", {"reason": "bored"})
    right = _post(
        client, minh, f"/api/v1/cameras/hits/{hit.pk}/dismiss", {"reason": "wrong_vehicle"}
    )

    assert missing.status_code == 422
    assert "reason" in missing.json()["error"]["fields"]
    assert wrong.status_code == 422
    assert right.status_code == 200
    hit.refresh_from_db()
    assert (hit.status, hit.dismissal_reason, hit.decided_by) == (
        "dismissed",
        "wrong_vehicle",
        minh,
    )
    assert AuditEntry.objects.filter(action="camera.hit_dismiss").count() == 1


def test_hits_are_for_those_who_work_them_in_scope(
    client: Client, minh: User, hung: User, hit: Hit, other_station: Any
) -> None:
    elsewhere = factories.officer(unit_=other_station, roles=["dispatcher"])

    assert client.get("/api/v1/cameras/hits", **bearer(client, minh)).json()[0]["id"] == hit.pk
    assert client.get("/api/v1/cameras/hits", **bearer(client, hung)).status_code == 403
    assert client.get("/api/v1/cameras/hits", **bearer(client, elsewhere)).json() == []
    assert (
        client.get(f"/api/v1/cameras/hits/{hit.pk}", **bearer(client, elsewhere)).status_code == 404
    )


def test_the_hit_detail_names_the_nearest_units_for_a_dispatcher(
    client: Client, minh: User, hit: Hit
) -> None:
    from safecity.dispatch import services as dispatch

    unit = dispatch.unit_create(
        call_sign="SG-01", kind="patrol_car", station=hit.camera.unit, actor=minh
    )
    dispatch.unit_shift_start(unit=unit, actor=minh)
    from safecity.dispatch.models import PatrolUnit

    PatrolUnit.objects.filter(pk=unit.pk).update(lat=hit.camera.lat + 0.003, lon=hit.camera.lon)

    body = client.get(f"/api/v1/cameras/hits/{hit.pk}", **bearer(client, minh)).json()

    assert [u["call_sign"] for u in body["units"]] == ["SG-01"]
    assert body["entry"]["reason"] == "Trình báo mất xe ngày 01/07"
    assert body["color"] == "đen"


def test_the_unit_that_owns_the_camera_sees_its_hits_too(
    client: Client,
    camera: Camera,
    listed: WatchlistEntry,
    city: Any,
    station: Any,
    other_station: Any,
    published: Published,
) -> None:
    """GIVEN a camera owned by the traffic police department, standing in a ward whose station
    gets its hits
    WHEN it reads a listed plate
    THEN the department's camera operator sees the hit as well; another station still does not."""
    assert camera.ward_id
    type(station).objects.filter(pk=station.pk).update(
        kind=type(station).Kind.STATION, ward_code=camera.ward_id
    )
    traffic = factories.unit(name="Phòng Cảnh sát giao thông", parent=city)
    Camera.objects.filter(pk=camera.pk).update(unit=traffic)
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)
    hit = Hit.objects.get()
    assert hit.unit_id == station.pk  # routed to the ward's station, not to the owner
    [(_payload, told)] = published.named("camera.hit")
    assert {station.pk, traffic.pk} <= set(told["unit_path"])
    assert other_station.pk not in told["unit_path"]
    assert len(told["unit_path"]) == len(set(told["unit_path"]))  # each unit told once
    operator = factories.officer(unit_=traffic, roles=["camera_operator"])
    elsewhere = factories.officer(unit_=other_station, roles=["camera_operator"])

    seen = client.get("/api/v1/cameras/hits", **bearer(client, operator)).json()
    assert [h["id"] for h in seen] == [hit.pk]
    detail = client.get(f"/api/v1/cameras/hits/{hit.pk}", **bearer(client, operator))
    assert detail.status_code == 200
    assert client.get("/api/v1/cameras/hits", **bearer(Client(), elsewhere)).json() == []


def test_the_unit_that_keeps_a_watchlist_sees_the_hits_on_it(
    client: Client,
    camera: Camera,
    quan: User,
    city: Any,
    other_station: Any,
    published: Published,
) -> None:
    """GIVEN the criminal police keep a wanted-vehicles list, and a camera in another unit's
    area reads a plate on it
    THEN the criminal police's investigator sees the hit; a station with no part in it does not."""
    criminal = factories.unit(name="Phòng Cảnh sát hình sự", parent=city)
    investigator = factories.officer(unit_=criminal, roles=["investigator"])
    wanted = services.watchlist_create(
        name="Xe liên quan vụ án", kind=Watchlist.Kind.WANTED, actor=investigator
    )
    assert wanted.unit_id == criminal.pk
    services.entry_add(
        watchlist=wanted, plate="51F-123.45", reason="Vụ cướp VA-2025/0042", actor=investigator
    )
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)
    hit = Hit.objects.get()
    assert hit.unit_id != criminal.pk and hit.camera.unit_id != criminal.pk
    [(_payload, told)] = published.named("camera.hit")
    assert criminal.pk in told["unit_path"]
    assert other_station.pk not in told["unit_path"]
    elsewhere = factories.officer(unit_=other_station, roles=["camera_operator"])

    seen = client.get("/api/v1/cameras/hits", **bearer(client, investigator)).json()
    assert [h["id"] for h in seen] == [hit.pk]
    assert client.get("/api/v1/cameras/hits", **bearer(Client(), elsewhere)).json() == []
