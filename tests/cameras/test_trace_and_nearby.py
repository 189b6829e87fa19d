"""Where a vehicle was seen, and which plates were read near an incident: both need the
capability and a stated purpose, and both are audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import User
from safecity.cameras.models import Camera, WatchlistEntry
from safecity.cameras.services import reads_ingest
from safecity.core.models import AuditEntry
from safecity.incidents.services import ReportInput, report_submit
from tests import factories
from tests.cameras.conftest import CENTRE, read
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")


@pytest.fixture
def sightings(camera: Camera, other_camera: Camera) -> None:
    now = timezone.now()
    reads_ingest(
        reads=[
            read(camera, "51F-123.45", ts=now - timedelta(hours=2)),
            read(other_camera, "5IF-I23.45", ts=now - timedelta(hours=1)),
            read(camera, "59-X1 222.33", ts=now - timedelta(minutes=30)),
            read(camera, "51F-123.45", ts=now - timedelta(days=3)),
        ],
        trusted=True,
    )


def test_the_trace_lists_sightings_in_time_order_across_cameras(
    client: Client, quan: User, camera: Camera, other_camera: Camera, sightings: None
) -> None:
    response = client.get(
        "/api/v1/vehicles/51f 12345/trace?purpose=Vụ 123/2025", **bearer(client, quan)
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plate"] == "51F-123.45"
    assert [s["camera_code"] for s in body["sightings"]] == [camera.code, other_camera.code]
    audit = AuditEntry.objects.get(action="vehicle.trace")
    assert (audit.object_id, audit.purpose, audit.actor_username) == (
        "51F12345",
        "Vụ 123/2025",
        "quan",
    )
    assert audit.detail["returned"] == 2


def test_the_trace_window_is_chosen_with_from_and_to(
    client: Client, quan: User, sightings: None
) -> None:
    start = (timezone.now() - timedelta(days=4)).isoformat()
    end = (timezone.now() - timedelta(days=2)).isoformat()

    response = client.get(
        "/api/v1/vehicles/51F12345/trace",
        {"from": start, "to": end, "purpose": "Vụ 123/2025"},
        **bearer(client, quan),
    )

    assert len(response.json()["sightings"]) == 1


def test_a_trace_without_a_purpose_is_a_428_and_without_the_capability_a_403(
    client: Client, quan: User, hung: User, sightings: None
) -> None:
    no_purpose = client.get("/api/v1/vehicles/51F12345/trace", **bearer(client, quan))
    no_right = client.get("/api/v1/vehicles/51F12345/trace?purpose=Tò mò", **bearer(client, hung))

    assert no_purpose.status_code == 428
    assert no_purpose.json()["error"]["code"] == "purpose_required"
    assert no_right.status_code == 403
    assert not AuditEntry.objects.filter(action="vehicle.trace").exists()


def test_who_was_near_groups_plates_and_flags_the_listed_ones(
    client: Client, camera: Camera, listed: WatchlistEntry, command_centre: Any
) -> None:
    investigator = factories.officer(
        unit_=command_centre, roles=["investigator", "dispatcher"], username="duc"
    )
    report = report_submit(
        data=ReportInput(category="security", lat=CENTRE[0] + 0.001, lon=CENTRE[1]),
        channel="call",
        taken_by=investigator,
    )
    opened = report.incident.opened_at
    reads_ingest(
        reads=[
            read(camera, "51F-123.45", ts=opened - timedelta(minutes=5)),
            read(camera, "51F-123.45", ts=opened + timedelta(minutes=2)),
            read(camera, "59-X1 222.33", ts=opened + timedelta(minutes=3)),
            read(camera, "60A-999.99", ts=opened - timedelta(hours=3)),  # outside the window
        ],
        now=opened + timedelta(minutes=4),
        trusted=True,
    )

    response = client.get(
        f"/api/v1/incidents/{report.incident_id}/nearby-reads",
        {"radius_m": 500, "minutes": 15, "purpose": "Truy vết vụ cướp"},
        **bearer(client, investigator),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cameras"] == 1
    plates = [
        (p["plate"], len(p["reads"]), [w["watchlist"] for w in p["watchlist"]])
        for p in body["plates"]
    ]
    assert plates == [("51F-123.45", 2, ["Xe bị trộm"]), ("59-X1 222.33", 1, [])]
    audit = AuditEntry.objects.get(action="incident.nearby_reads")
    assert audit.purpose == "Truy vết vụ cướp"
    assert audit.detail["flagged"] == ["51F12345"]


def test_who_was_near_needs_a_purpose(
    client: Client, quan: User, command_centre: Any, camera: Camera
) -> None:
    investigator = factories.officer(unit_=command_centre, roles=["investigator", "dispatcher"])
    report = report_submit(
        data=ReportInput(category="security", lat=CENTRE[0], lon=CENTRE[1]),
        channel="call",
        taken_by=investigator,
    )

    response = client.get(
        f"/api/v1/incidents/{report.incident_id}/nearby-reads", **bearer(client, investigator)
    )

    assert response.status_code == 428
