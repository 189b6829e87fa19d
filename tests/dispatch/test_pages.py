"""The dispatcher's console (/ops/console/) and the officer's phone view (/ops/my-unit/): who may
open them, and what the pages carry for their scripts (the first data, the labels, the CSRF
token the scripts send with the session on the API's POSTs)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.dispatch.models import PatrolUnit, UnitStatus
from safecity.incidents.models import Incident, Priority
from tests import factories
from tests.dispatch.conftest import fresh_unit, incident_of, north_of, patrol_unit

pytestmark = pytest.mark.django_db

CONSOLE = "/ops/console/"
MY_UNIT = "/ops/my-unit/"


def _json_script(page: str, element_id: str) -> Any:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S
    )
    assert match, f"no {element_id} on the page"
    return json.loads(match.group(1))


def _csrf(page: str) -> str:
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def their_car(other_station: Unit) -> PatrolUnit:
    """BT-01, a patrol car of the Bến Thành station."""
    return patrol_unit(other_station, call_sign="BT-01", at=north_of(300))


@pytest.fixture
def commander(command_centre: Unit) -> User:
    """Quang, the duty commander at the command centre."""
    return factories.officer(
        username="quang", unit_=command_centre, roles=["commander"], full_name="Đỗ Quang"
    )


# --- The console ---------------------------------------------------------------------------------


def test_it_opens_the_console_to_a_dispatcher_with_its_first_data(
    client: Client, minh: User, incident: Incident, car: PatrolUnit
) -> None:
    client.force_login(minh)

    response = client.get(CONSOLE)

    assert response.status_code == 200
    page = response.content.decode()
    data = _json_script(page, "console-data")
    assert [i["id"] for i in data["incidents"]] == [incident.pk]
    assert data["incidents"][0]["address"] == "Chợ Bến Thành, Lê Lợi"
    assert [(u["call_sign"], u["status"]) for u in data["units"]] == [("TT-01", "available")]
    waiting = [t for t in data["timers"]["timers"] if t["subject_type"] == "incident"]
    assert [(t["incident_id"], t["timer"]) for t in waiting] == [(incident.pk, "unassigned")]
    assert data["timers"]["thresholds"]["1"]["unassigned"] == 30
    labels = _json_script(page, "console-labels")
    assert labels["unit_statuses"]["en_route"]
    assert labels["detail_url"] == "/ops/incidents/0/"
    assert _csrf(page)
    assert 'id="console-map"' in page


def test_it_keeps_the_reporters_personal_data_out_of_the_console(
    client: Client, minh: User, incident: Incident
) -> None:
    client.force_login(minh)

    page = client.get(CONSOLE).content.decode()

    assert "+84901234567" not in page
    assert "Trương Thị Lan" not in page


def test_it_opens_the_console_to_a_commander(
    client: Client, commander: User, incident: Incident
) -> None:
    client.force_login(commander)

    response = client.get(CONSOLE)

    assert response.status_code == 200


def test_a_ward_station_s_console_shows_only_its_own_units(
    client: Client, tam: User, car: PatrolUnit, their_car: PatrolUnit
) -> None:
    client.force_login(tam)

    data = _json_script(client.get(CONSOLE).content.decode(), "console-data")

    assert [u["call_sign"] for u in data["units"]] == ["TT-01"]


def test_it_loads_every_asset_of_the_console_from_this_server(client: Client, minh: User) -> None:
    client.force_login(minh)

    page = client.get(CONSOLE).content.decode()

    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+\.(?:js|css))["']""", page)
    assert {
        "/static/safecity/js/console.js",
        "/static/safecity/css/console.css",
        "/static/safecity/js/ops_map.js",
        "/static/leaflet/leaflet.js",
    } <= set(assets)
    assert not [a for a in assets if re.match(r"(?i)(https?:)?//", a)]
    for asset in assets:
        assert client.get(asset).status_code == 200, f"{asset} is not served"


def test_it_refuses_the_console_to_a_patrol_officer(client: Client, hung: User) -> None:
    client.force_login(hung)

    assert client.get(CONSOLE).status_code == 403


def test_it_refuses_the_console_to_a_citizen(client: Client, lan: User) -> None:
    client.force_login(lan)

    assert client.get(CONSOLE).status_code == 403


def test_it_sends_an_anonymous_visitor_to_log_in(client: Client, db: None) -> None:
    response = client.get(CONSOLE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={CONSOLE}"


def test_the_console_s_csrf_token_lets_its_script_assign_with_the_session(
    minh: User, incident: Incident, car: PatrolUnit
) -> None:
    """GIVEN Minh has the console open (a browser session, CSRF checked as a browser's is)
    WHEN the script posts an assignment without the token, then with the page's token
    THEN the first is refused as a CSRF failure and the second dispatches the unit."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(minh)
    token = _csrf(browser.get(CONSOLE).content.decode())
    url = f"/api/v1/incidents/{incident.pk}/assignments"
    body = json.dumps({"unit_ids": [car.pk]})

    refused = browser.post(url, body, content_type="application/json")
    accepted = browser.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert accepted.status_code == 201
    assert fresh_unit(car).status == UnitStatus.DISPATCHED


def test_the_console_lists_the_open_incidents_most_urgent_first(
    client: Client, minh: User, station: Unit
) -> None:
    routine = incident_of(station, priority=Priority.P3)
    urgent = incident_of(station, priority=Priority.P1, category="fire")
    closed = incident_of(station)
    Incident.objects.filter(pk=closed.pk).update(status=Incident.Status.CLOSED)
    client.force_login(minh)

    data = _json_script(client.get(CONSOLE).content.decode(), "console-data")

    assert [i["id"] for i in data["incidents"]] == [urgent.pk, routine.pk]


# --- The officer's phone view --------------------------------------------------------------------


def test_it_opens_my_unit_to_a_member_of_its_crew(
    client: Client, hung: User, car: PatrolUnit
) -> None:
    client.force_login(hung)

    response = client.get(MY_UNIT)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-unit-id="{car.pk}"' in page
    assert re.search(r'data-testid="unit-call-sign">TT-01<', page)
    assert _csrf(page)
    labels = _json_script(page, "my-unit-labels")
    assert set(labels["buttons"]) >= {"en_route", "on_scene", "available"}
    assert labels["share_every_s"] > 0
    assert "/static/safecity/js/my_unit.js" in page


def test_my_unit_reads_the_reporter_s_contact_only_through_the_api(
    client: Client, minh: User, hung: User, car: PatrolUnit, incident: Incident
) -> None:
    """The page itself never carries the reporter's phone: the script reads it from
    GET /api/v1/my-unit, where reading it is audited."""
    from safecity.dispatch.services import assign_units

    assign_units(incident=incident, units=[car], actor=minh)
    client.force_login(hung)

    page = client.get(MY_UNIT).content.decode()
    api = client.get("/api/v1/my-unit").json()

    assert "+84901234567" not in page
    assert api["contacts"] == [{"name": "Trương Thị Lan", "phone": "+84901234567"}]
    assert api["assignment"]["incident"]["geo_uri"].startswith("geo:")


def test_it_tells_an_officer_in_no_crew_that_they_have_no_unit(
    client: Client, khoa: User, car: PatrolUnit
) -> None:
    client.force_login(khoa)
    client.cookies["safecity_language"] = "en"

    response = client.get(MY_UNIT)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="no-unit"' in page
    assert "You are not in the crew of any patrol unit" in page
    assert "my_unit.js" not in page


def test_it_refuses_my_unit_to_a_citizen(client: Client, lan: User) -> None:
    client.force_login(lan)

    assert client.get(MY_UNIT).status_code == 403


def test_it_sends_an_anonymous_visitor_from_my_unit_to_log_in(client: Client, db: None) -> None:
    response = client.get(MY_UNIT)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={MY_UNIT}"


# --- The officers' home links to both -----------------------------------------------------------


def test_the_officers_home_links_the_console_and_my_unit(
    client: Client, minh: User, hung: User
) -> None:
    client.force_login(minh)
    dispatcher_home = client.get("/ops/").content.decode()
    client.force_login(hung)
    patrol_home = client.get("/ops/").content.decode()

    assert f'href="{CONSOLE}" data-capability="console"' in dispatcher_home
    assert f'href="{MY_UNIT}" data-capability="my_unit"' in patrol_home


def test_a_dispatcher_sees_the_unit_s_status_change_in_the_next_console_load(
    client: Client, minh: User, hung: User, car: PatrolUnit
) -> None:
    """The console's data is the API's: what the crew sets on the phone is what it shows."""
    client.force_login(hung)
    client.post(
        f"/api/v1/units/{car.pk}/status", {"status": "busy"}, content_type="application/json"
    )
    client.force_login(minh)

    data = _json_script(client.get(CONSOLE).content.decode(), "console-data")

    assert [(u["call_sign"], u["status"]) for u in data["units"]] == [("TT-01", "busy")]
