"""The officers' cameras pages (/ops/cameras/): the registry, one camera, the hits with their
decisions, the watchlists and their entries, the vehicle trace and "who was near" (a stated
purpose first, each look audited), the hit alerts drawn on the console and the queue, the
menu's tiles, and a vehicle's camera sightings on its records timeline.

People: Quân, camera operator at the command centre; Minh, dispatcher there; Hùng, patrol
officer at the station; Đức, investigator and dispatcher at the command centre."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone, translation

from safecity.accounts.models import Unit, User
from safecity.cameras import services
from safecity.cameras.models import Camera, Hit, Watchlist, WatchlistEntry
from safecity.cameras.services import reads_ingest
from safecity.core.models import AuditEntry
from safecity.incidents.models import Incident, IncidentEvent
from safecity.incidents.services import ReportInput, report_submit
from safecity.records.views import PURPOSE_KEY
from tests import factories
from tests.cameras.conftest import CENTRE, device, read

pytestmark = pytest.mark.usefixtures("wards")

PURPOSE = "Vụ trộm xe VA-2025/0042"


@pytest.fixture
def hit(camera: Camera, listed: WatchlistEntry) -> Hit:
    """Camera CAM-LELOI-01 read the stolen 51F-123.45 a moment ago."""
    reads_ingest(reads=[read(camera, "51F-123.45", color="đen")], trusted=True)
    return Hit.objects.get()


@pytest.fixture
def duc(command_centre: Unit) -> User:
    """Đức, investigator who also dispatches at the command centre (he sees incidents)."""
    return factories.officer(
        username="duc", unit_=command_centre, roles=["investigator", "dispatcher"]
    )


def _logged_in(client: Client, user: User, purpose: str = "") -> Client:
    client.force_login(user)
    if purpose:
        session = client.session
        session[PURPOSE_KEY] = purpose
        session.save()
    return client


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Registry and camera ---------------------------------------------------------------------


def test_it_lists_the_cameras_with_their_status_and_filters_by_it(
    client: Client, quan: User, camera: Camera, other_camera: Camera, camera_key: str
) -> None:
    services.heartbeat(device=device(camera_key))  # CAM-LELOI-01 speaks: online
    _logged_in(client, quan)

    everything = _page(client.get("/ops/cameras/"))
    online = _page(client.get("/ops/cameras/?status=online"))
    offline = _page(client.get("/ops/cameras/?status=offline"))

    assert camera.code in everything and other_camera.code in everything
    # The map's layers do not serve camera operators: the page draws its cameras itself.
    assert 'data-camera-map="cameras-map-data"' in everything
    assert f'"code": "{camera.code}"' in everything
    assert camera.code in online and other_camera.code not in online
    assert other_camera.code in offline and camera.code not in offline


def test_the_registry_map_uses_the_maps_cameras_layer_for_the_command_room(
    client: Client, minh: User, camera: Camera
) -> None:
    page = _page(_logged_in(client, minh).get("/ops/cameras/"))

    assert 'data-ops-map="cameras-map-options"' in page
    assert '"cameras": true' in page
    assert "data-camera-map" not in page


def test_the_camera_page_shows_its_latest_reads_to_those_who_work_with_plates(
    client: Client, quan: User, hung: User, camera: Camera
) -> None:
    reads_ingest(reads=[read(camera, "59-X1 222.33"), read(camera, "??##")], trusted=True)

    operator_page = _page(_logged_in(client, quan).get(f"/ops/cameras/{camera.pk}/"))
    patrol_page = _page(_logged_in(Client(), hung).get(f"/ops/cameras/{camera.pk}/"))

    assert 'data-testid="camera-reads"' in operator_page
    assert "59-X1 222.33" in operator_page
    assert camera.name in patrol_page
    assert 'data-testid="camera-reads"' not in patrol_page
    assert "59-X1 222.33" not in patrol_page


def test_anonymous_visitors_log_in_and_patrol_officers_are_refused_the_sensitive_pages(
    client: Client, hung: User, hit: Hit, stolen: Watchlist
) -> None:
    assert client.get("/ops/cameras/hits/").status_code == 302
    _logged_in(client, hung)

    for path in (
        "/ops/cameras/hits/",
        "/ops/cameras/watchlists/",
        f"/ops/cameras/watchlists/{stolen.pk}/",
        "/ops/cameras/trace/?plate=51F12345",
        "/ops/cameras/purpose/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/ops/cameras/hits/{hit.pk}/confirm/").status_code == 403
    assert Hit.objects.get().status == Hit.Status.NEW


# --- Hits -------------------------------------------------------------------------------------


def test_the_hits_page_lists_a_new_hit_with_its_decision_forms(
    client: Client, minh: User, hit: Hit, camera: Camera
) -> None:
    page = _page(_logged_in(client, minh).get("/ops/cameras/hits/"))

    card = re.search(rf'<li[^>]*data-hit-id="{hit.pk}".*?</li>', page, re.S)
    assert card, "the hit is not listed"
    assert "51F-123.45" in card.group(0)
    assert camera.code in card.group(0)
    assert "Trình báo mất xe ngày 01/07" in card.group(0)
    assert f"/ops/cameras/hits/{hit.pk}/confirm/" in card.group(0)
    assert f"/ops/cameras/hits/{hit.pk}/dismiss/" in card.group(0)


def test_confirming_a_hit_on_the_page_opens_an_incident(
    client: Client, minh: User, hit: Hit, camera: Camera
) -> None:
    """GIVEN a new hit WHEN Minh confirms it on the hits page without naming an incident
    THEN an incident is opened at the camera, the hit is confirmed and audited, and the page
    says which incident."""
    _logged_in(client, minh)

    response = client.post(
        f"/ops/cameras/hits/{hit.pk}/confirm/",
        {"incident_id": "", "next": "/ops/cameras/hits/?status=new"},
        follow=True,
    )

    incident = Incident.objects.get()
    hit.refresh_from_db()
    assert response.redirect_chain[-1][0] == "/ops/cameras/hits/?status=new"
    assert (hit.status, hit.incident_id, hit.decided_by) == ("confirmed", incident.pk, minh)
    assert (incident.lat, incident.lon) == (camera.lat, camera.lon)
    assert AuditEntry.objects.filter(action="camera.hit_confirm", object_id=str(hit.pk)).exists()
    assert any(f"#{incident.pk}" in m for m in _messages(response))
    assert f'data-hit-id="{hit.pk}"' not in response.content.decode()


def test_confirming_onto_a_named_incident_notes_it_and_an_unknown_one_is_refused(
    client: Client, minh: User, hit: Hit
) -> None:
    report = report_submit(
        data=ReportInput(category="security", lat=10.78, lon=106.70, description="Cướp giật"),
        channel="call",
        taken_by=minh,
    )
    _logged_in(client, minh)

    unknown = client.post(
        f"/ops/cameras/hits/{hit.pk}/confirm/", {"incident_id": "999999"}, follow=True
    )
    hit.refresh_from_db()
    assert hit.status == Hit.Status.NEW
    assert any("#999999" in m for m in _messages(unknown))

    client.post(f"/ops/cameras/hits/{hit.pk}/confirm/", {"incident_id": report.incident_id})

    hit.refresh_from_db()
    assert (hit.status, hit.incident_id) == ("confirmed", report.incident_id)
    assert Incident.objects.count() == 1
    assert (
        IncidentEvent.objects.get(incident_id=report.incident_id, kind="note").detail["camera_hit"]
        == hit.pk
    )


def test_dismissing_on_the_page_needs_a_reason_and_is_audited(
    client: Client, minh: User, hit: Hit
) -> None:
    _logged_in(client, minh)

    without = client.post(f"/ops/cameras/hits/{hit.pk}/dismiss/", {"reason": ""}, follow=True)
    hit.refresh_from_db()
    assert hit.status == Hit.Status.NEW
    assert _messages(without)

    client.post(f"/ops/cameras/hits/{hit.pk}/dismiss/", {"reason": "misread", "note": "Xe khác"})

    hit.refresh_from_db()
    assert (hit.status, hit.dismissal_reason) == ("dismissed", "misread")
    audit = AuditEntry.objects.get(action="camera.hit_dismiss", object_id=str(hit.pk))
    assert (audit.actor_username, audit.detail["reason"]) == ("minh", "misread")
    dismissed = _page(client.get("/ops/cameras/hits/?status=dismissed"))
    assert f'data-hit-id="{hit.pk}"' in dismissed
    with translation.override("vi"):
        assert str(Hit.Dismissal.MISREAD.label) in dismissed  # the label, not the code


def test_a_decision_form_does_not_send_the_officer_off_the_cameras_pages(
    client: Client, minh: User, hit: Hit
) -> None:
    _logged_in(client, minh)

    response = client.post(
        f"/ops/cameras/hits/{hit.pk}/dismiss/",
        {"reason": "wrong_vehicle", "next": "https://evil.example/"},
    )

    assert response["Location"] == "/ops/cameras/hits/"


# --- Watchlists -------------------------------------------------------------------------------


def test_an_operator_creates_a_watchlist_and_lists_and_removes_a_plate_through_the_pages(
    client: Client, quan: User
) -> None:
    """GIVEN Quân on the watchlists page
    WHEN he creates a list, lists "51f 12345" on it, tries to list it again, then removes it
    THEN each change went through the services (audited), the second listing is refused
    beside the plate field, and the removed plate no longer hits."""
    _logged_in(client, quan)

    created = client.post(
        "/ops/cameras/watchlists/",
        {"name": "Xe gian", "kind": "bolo", "reason": "Theo dõi", "classification": "0"},
    )
    watchlist = Watchlist.objects.get(name="Xe gian")
    assert created["Location"] == f"/ops/cameras/watchlists/{watchlist.pk}/"
    assert AuditEntry.objects.filter(action="watchlist.create", actor_username="quan").exists()

    added = client.post(
        f"/ops/cameras/watchlists/{watchlist.pk}/",
        {"plate": "51f 12345", "reason": "Xe nghi vấn vụ cướp", "priority": "high"},
        follow=True,
    )
    entry = WatchlistEntry.objects.get(watchlist=watchlist)
    assert (entry.plate_key, entry.display, entry.priority) == ("51F12345", "51F-123.45", "high")
    assert f'data-entry-id="{entry.pk}"' in added.content.decode()
    assert AuditEntry.objects.filter(
        action="watchlist.entry_add", object_id=str(entry.pk), actor_username="quan"
    ).exists()

    again = client.post(
        f"/ops/cameras/watchlists/{watchlist.pk}/",
        {"plate": "51F-123.45", "reason": "Lần nữa", "priority": "normal"},
    )
    assert again.status_code == 409
    assert 'id="field-plate"' in again.content.decode()
    plate_field = re.search(r'<p class="([^"]*)" id="field-plate"', again.content.decode())
    assert plate_field and "has-error" in plate_field.group(1)
    assert WatchlistEntry.objects.filter(watchlist=watchlist).count() == 1

    client.post(
        f"/ops/cameras/watchlists/{watchlist.pk}/entries/{entry.pk}/remove/",
        {"reason": "Đã tìm thấy xe"},
    )
    entry.refresh_from_db()
    assert entry.removed_at is not None and entry.removal_reason == "Đã tìm thấy xe"
    audit = AuditEntry.objects.get(action="watchlist.entry_remove", object_id=str(entry.pk))
    assert audit.detail["why"] == "Đã tìm thấy xe"
    listed_now = _page(client.get(f"/ops/cameras/watchlists/{watchlist.pk}/"))
    removed_page = _page(client.get(f"/ops/cameras/watchlists/{watchlist.pk}/?removed=1"))
    assert f'data-entry-id="{entry.pk}"' not in listed_now
    assert f'data-entry-id="{entry.pk}"' in removed_page


def test_an_officer_who_only_sees_hits_reads_watchlists_but_cannot_change_them(
    client: Client, minh: User, stolen: Watchlist, listed: WatchlistEntry
) -> None:
    _logged_in(client, minh)

    page = _page(client.get(f"/ops/cameras/watchlists/{stolen.pk}/"))
    add = client.post(
        f"/ops/cameras/watchlists/{stolen.pk}/", {"plate": "60A-999.99", "reason": "Thử"}
    )
    remove = client.post(f"/ops/cameras/watchlists/{stolen.pk}/entries/{listed.pk}/remove/")

    assert "51F-123.45" in page
    assert 'data-testid="entry-form"' not in page
    assert "/remove/" not in page
    assert (add.status_code, remove.status_code) == (403, 403)
    assert WatchlistEntry.objects.filter(watchlist=stolen).count() == 1
    listed.refresh_from_db()
    assert listed.removed_at is None


# --- Vehicle trace and who was near ----------------------------------------------------------


def test_the_purpose_page_goes_back_only_to_a_camera_page_of_this_site(
    client: Client, quan: User
) -> None:
    """GIVEN Quân states a purpose
    WHEN the page he should go back to is another site, or outside the cameras' pages
    THEN he lands on the trace page instead; the purpose holds for the session either way, and
    the page that asks for it offers it again as a recent purpose."""
    _logged_in(client, quan)
    elsewhere = client.post(
        "/ops/cameras/purpose/", {"purpose": PURPOSE, "next": "https://evil.example/ops/cameras/"}
    )
    assert elsewhere["Location"] == "/ops/cameras/trace/"
    records = client.post("/ops/cameras/purpose/", {"purpose": "Tuần tra", "next": "/ops/records/"})
    assert records["Location"] == "/ops/cameras/trace/"
    assert client.session[PURPOSE_KEY] == "Tuần tra"

    page = _page(client.get("/ops/cameras/purpose/"))
    assert 'data-testid="current-purpose">Tuần tra<' in page
    recent = re.search(r'class="recent-purposes".*?</ul>', page, re.S)
    assert recent and PURPOSE in recent.group(0)
    assert 'action="/ops/cameras/purpose/"' in page


def test_the_trace_asks_for_a_purpose_first_then_draws_the_sightings_and_is_audited(
    client: Client, quan: User, camera: Camera, other_camera: Camera
) -> None:
    """GIVEN 51F-123.45 read by two cameras (once as "5IF-I23.45")
    WHEN Quân opens its trace without a purpose
    THEN he is asked for one, and after giving it comes back to the trace, which lists both
    sightings oldest first with the path's points, and the look is audited with the purpose."""
    now = timezone.now()
    reads_ingest(
        reads=[
            read(other_camera, "5IF-I23.45", ts=now - timedelta(hours=1)),
            read(camera, "51F-123.45", ts=now - timedelta(hours=2)),
        ],
        trusted=True,
    )
    _logged_in(client, quan)
    trace_url = "/ops/cameras/trace/?plate=51f12345"

    asked = client.get(trace_url)
    assert asked.status_code == 302
    assert asked["Location"] == f"/ops/cameras/purpose/?next={quote(trace_url, safe='')}"
    assert not AuditEntry.objects.filter(action="vehicle.trace").exists()

    given = client.post("/ops/cameras/purpose/", {"purpose": PURPOSE, "next": trace_url})
    assert given["Location"] == trace_url
    page = _page(client.get(trace_url))

    table = re.search(r'data-testid="sightings".*?</table>', page, re.S)
    assert table, "no sightings table"
    assert table.group(0).index(camera.code) < table.group(0).index(other_camera.code)
    assert 'data-camera-map="trace-map-data"' in page
    assert PURPOSE in page  # the purpose banner
    audit = AuditEntry.objects.get(action="vehicle.trace")
    assert (audit.object_id, audit.purpose, audit.actor_username) == ("51F12345", PURPOSE, "quan")
    assert audit.detail["returned"] == 2


def test_the_trace_is_refused_without_the_capability_even_with_a_purpose(
    client: Client, minh: User, camera: Camera
) -> None:
    reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)

    response = _logged_in(client, minh, PURPOSE).get("/ops/cameras/trace/?plate=51F12345")

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="vehicle.trace").exists()


def test_who_was_near_asks_for_a_purpose_and_flags_the_listed_plate_first(
    client: Client, duc: User, camera: Camera, listed: WatchlistEntry
) -> None:
    report = report_submit(
        data=ReportInput(category="security", lat=CENTRE[0] + 0.001, lon=CENTRE[1]),
        channel="call",
        taken_by=duc,
    )
    opened = report.incident.opened_at
    reads_ingest(
        reads=[
            read(camera, "59-X1 222.33", ts=opened - timedelta(minutes=4)),
            read(camera, "51F-123.45", ts=opened + timedelta(minutes=2)),
            read(camera, "60A-999.99", ts=opened - timedelta(hours=3)),  # outside the window
        ],
        now=opened + timedelta(minutes=4),
        trusted=True,
    )
    near_url = f"/ops/cameras/near/{report.incident_id}/?radius_m=500&minutes=15"
    _logged_in(client, duc)

    asked = client.get(near_url)
    assert asked.status_code == 302 and asked["Location"].startswith("/ops/cameras/purpose/")

    _logged_in(client, duc, PURPOSE)
    page = _page(client.get(near_url))

    rows = re.findall(r'<tr data-plate="([^"]*)"', page)
    assert rows == ["51F12345", "59X122233"]
    assert "Xe bị trộm" in page
    audit = AuditEntry.objects.get(action="incident.nearby_reads")
    assert (audit.purpose, audit.object_id) == (PURPOSE, str(report.incident_id))
    assert audit.detail["flagged"] == ["51F12345"]


def test_the_incident_page_links_who_was_near_for_officers_who_trace(
    client: Client, duc: User, minh: User
) -> None:
    report = report_submit(
        data=ReportInput(category="security", lat=CENTRE[0], lon=CENTRE[1]),
        channel="call",
        taken_by=minh,
    )
    url = f"/ops/incidents/{report.incident_id}/"
    link = f'href="/ops/cameras/near/{report.incident_id}/"'

    assert link in _page(_logged_in(client, duc).get(url))
    assert link not in _page(_logged_in(Client(), minh).get(url))


# --- The console, the queue and the menu ----------------------------------------------------


def test_the_console_and_the_queue_carry_the_hit_alerts_for_officers_who_see_hits(
    client: Client, minh: User, command_centre: Unit
) -> None:
    call_taker = factories.officer(unit_=command_centre, roles=["call_taker"])

    console = _page(_logged_in(client, minh).get("/ops/console/"))
    queue = _page(client.get("/ops/incidents/"))
    other_queue = _page(_logged_in(Client(), call_taker).get("/ops/incidents/"))

    for page in (console, queue):
        assert 'id="camera-hits"' in page
        assert "safecity/js/camera_hits.js" in page
        assert 'id="camera-hits-labels"' in page
    assert 'id="camera-hits"' not in other_queue
    assert "camera_hits.js" not in other_queue


def test_the_menu_opens_the_cameras_and_the_trace_to_the_camera_operator(
    client: Client, quan: User, minh: User
) -> None:
    operator_home = _page(_logged_in(client, quan).get("/ops/"))
    dispatcher_home = _page(_logged_in(Client(), minh).get("/ops/"))

    assert 'href="/ops/cameras/" data-capability="cameras"' in operator_home
    assert 'href="/ops/cameras/trace/" data-capability="vehicle_trace"' in operator_home
    assert 'data-capability="cameras"' not in dispatcher_home


# --- The records timeline ---------------------------------------------------------------------


def test_a_vehicle_record_shows_its_camera_sightings_and_hits_to_an_investigator(
    client: Client, command_centre: Unit, camera: Camera, hit: Hit
) -> None:
    """GIVEN the stolen 51F-123.45 has a vehicle record and a hit by CAM-LELOI-01
    WHEN an investigator (who traces vehicles and sees hits) opens its record page
    THEN its timeline shows the sighting and the hit; a records clerk (no camera rights) sees
    neither."""
    from tests.records.conftest import vehicle

    car = vehicle(plate="51F-123.45", brand="Toyota")
    investigator = factories.officer(unit_=command_centre, roles=["investigator"])
    clerk = factories.officer(unit_=command_centre, roles=["records_clerk"])
    url = f"/ops/records/vehicles/{car.pk}/"

    page = _page(_logged_in(client, investigator, PURPOSE).get(url))
    clerk_page = _page(_logged_in(Client(), clerk, PURPOSE).get(url))

    timeline = re.search(r'id="timeline".*?</section>', page, re.S)
    assert timeline, "no timeline"
    assert 'data-event="camera_sighting"' in timeline.group(0)
    assert camera.code in timeline.group(0)
    assert 'data-event="camera_hit"' in timeline.group(0)
    assert "Xe bị trộm" in timeline.group(0)
    # Each item is labelled in words, not with the event's key.
    assert '<span class="event">camera_sighting</span>' not in timeline.group(0)
    assert '<span class="event">camera_hit</span>' not in timeline.group(0)
    assert 'data-event="camera_sighting"' not in clerk_page
    assert 'data-event="camera_hit"' not in clerk_page


def test_the_timeline_source_keeps_the_latest_fifty_sightings(
    command_centre: Unit, camera: Camera, camera_key: str
) -> None:
    from safecity.cameras.records_timeline import SIGHTINGS, camera_items
    from tests.records.conftest import vehicle

    car = vehicle(plate="51F-123.45")
    investigator = factories.officer(unit_=command_centre, roles=["investigator"])
    now = timezone.now()
    reads_ingest(
        reads=[read(camera, "51F-123.45", ts=now - timedelta(minutes=n)) for n in range(1, 61)],
        device=device(camera_key),
    )

    items = camera_items(investigator, "vehicle", car.pk, [])

    sightings = [i for i in items if i.event == "camera_sighting"]
    assert len(sightings) == SIGHTINGS == 50
    assert max(i.at for i in sightings) > now - timedelta(minutes=2)
    assert min(i.at for i in sightings) > now - timedelta(minutes=51)
    assert camera_items(investigator, "person", car.pk, []) == []
