"""Who may see and work an incident: a ward station sees its own ward's, the command centre sees
every ward's; officers without an incident role, and citizens, see none. An incident out of
scope is "not found", so its existence does not leak."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import ApiToken, User
from safecity.accounts.services import token_create
from safecity.core.errors import InvalidInput
from safecity.core.models import AuditEntry
from safecity.incidents.models import Channel, Incident, Report
from safecity.incidents.services import ReportInput, report_submit
from tests import factories
from tests.conftest import bearer
from tests.incidents.conftest import Hcmc

# People on the real unit tree (the root conftest's units are not ward stations).


@pytest.fixture
def minh(hcmc: Hcmc) -> User:
    """Minh, a dispatcher at the city's command centre."""
    return factories.officer(
        username="minh",
        unit_=hcmc.command_centre,
        roles=["dispatcher"],
        full_name="Nguyễn Văn Minh",
    )


@pytest.fixture
def hung(hcmc: Hcmc) -> User:
    """Hùng, a patrol officer at the Sài Gòn ward station."""
    return factories.officer(
        username="hung",
        unit_=hcmc.station("Phường Sài Gòn"),
        roles=["patrol_officer"],
        full_name="Võ Văn Hùng",
    )


@pytest.fixture
def thu(hcmc: Hcmc) -> User:
    """Thu, an auditor of the force."""
    return factories.officer(
        username="thu", unit_=hcmc.force, roles=["auditor"], full_name="Ngô Thị Thu"
    )


def incident_in(hcmc: Hcmc, ward_name: str) -> Incident:
    lat, lon = hcmc.point(ward_name)
    report = report_submit(
        data=ReportInput(category="security", lat=lat, lon=lon, reporter_phone="0901234567"),
        channel=Channel.WEB,
    )
    return report.incident


@pytest.fixture
def sai_gon_incident(hcmc: Hcmc) -> Incident:
    return incident_in(hcmc, "Phường Sài Gòn")


@pytest.fixture
def ben_thanh_incident(hcmc: Hcmc) -> Incident:
    return incident_in(hcmc, "Phường Bến Thành")


def listed_ids(client: Client, user: User) -> set[int]:
    response = client.get("/api/v1/incidents", **bearer(client, user))
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


# --- Ward stations and the command centre ---------------------------------------------------------


@pytest.mark.parametrize("role", ["patrol_officer", "dispatcher"])
def test_it_hides_another_wards_incident_from_a_station_officer(
    client: Client, hcmc: Hcmc, ben_thanh_incident: Incident, role: str
):
    tu = factories.officer(
        username="tu", unit_=hcmc.station("Phường Sài Gòn"), roles=[role], full_name="Lê Văn Tú"
    )

    response = client.get(f"/api/v1/incidents/{ben_thanh_incident.pk}", **bearer(client, tu))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not AuditEntry.objects.filter(action="incident.read").exists()


def test_it_shows_a_station_officer_their_own_wards_incident(
    client: Client, hung: User, sai_gon_incident: Incident
):
    response = client.get(f"/api/v1/incidents/{sai_gon_incident.pk}", **bearer(client, hung))

    assert response.status_code == 200
    assert response.json()["id"] == sai_gon_incident.pk


def test_it_lists_only_the_stations_own_incidents(
    client: Client, hung: User, sai_gon_incident: Incident, ben_thanh_incident: Incident
):
    assert listed_ids(client, hung) == {sai_gon_incident.pk}


def test_it_lets_no_station_officer_act_on_another_wards_incident(
    client: Client, hung: User, ben_thanh_incident: Incident
):
    response = client.post(
        f"/api/v1/incidents/{ben_thanh_incident.pk}/close",
        {"outcome": "Xong"},
        content_type="application/json",
        **bearer(client, hung),
    )

    assert response.status_code == 404
    assert Incident.objects.get(pk=ben_thanh_incident.pk).status == Incident.Status.NEW


def test_it_shows_the_command_centre_every_wards_incidents(
    client: Client, minh: User, sai_gon_incident: Incident, ben_thanh_incident: Incident
):
    auth = bearer(client, minh)

    details = [
        client.get(f"/api/v1/incidents/{i.pk}", **auth).status_code
        for i in (sai_gon_incident, ben_thanh_incident)
    ]

    assert details == [200, 200]
    assert listed_ids(client, minh) == {sai_gon_incident.pk, ben_thanh_incident.pk}


def test_it_audits_who_read_an_incident_with_its_reporters_details(
    client: Client, minh: User, sai_gon_incident: Incident
):
    response = client.get(f"/api/v1/incidents/{sai_gon_incident.pk}", **bearer(client, minh))

    assert response.json()["reports"][0]["reporter_phone"] == "+84901234567"
    entry = AuditEntry.objects.get(action="incident.read")
    assert entry.object_type == "incident"
    assert entry.object_id == str(sai_gon_incident.pk)
    assert entry.actor_username == "minh"
    assert entry.unit_code == minh.unit.code


# --- People without an incident role --------------------------------------------------------------


def test_it_refuses_incidents_to_an_auditor(client: Client, thu: User, sai_gon_incident: Incident):
    auth = bearer(client, thu)

    listing = client.get("/api/v1/incidents", **auth)
    detail = client.get(f"/api/v1/incidents/{sai_gon_incident.pk}", **auth)

    assert listing.status_code == detail.status_code == 403
    assert detail.json()["error"]["code"] == "forbidden"


def test_it_refuses_incidents_to_a_logged_in_citizen(
    client: Client, lan: User, sai_gon_incident: Incident
):
    client.force_login(lan)

    listing = client.get("/api/v1/incidents")
    detail = client.get(f"/api/v1/incidents/{sai_gon_incident.pk}")
    acknowledge = client.post(f"/api/v1/incidents/{sai_gon_incident.pk}/acknowledge")

    assert [listing.status_code, detail.status_code, acknowledge.status_code] == [403] * 3
    assert listing.json()["error"]["code"] == "forbidden"
    assert Incident.objects.get(pk=sai_gon_incident.pk).status == Incident.Status.NEW


def test_it_gives_a_citizen_no_api_token(client: Client, lan: User):
    with pytest.raises(InvalidInput):
        token_create(user=lan)

    client.force_login(lan)
    response = client.post("/api/v1/me/tokens", {"name": "app"}, content_type="application/json")

    assert response.status_code == 403
    assert not ApiToken.objects.filter(user=lan).exists()


# --- Phone calls ---------------------------------------------------------------------------------


def test_it_takes_a_phone_call_from_a_call_taker(client: Client, hcmc: Hcmc, minh: User):
    lat, lon = hcmc.point("Phường Bến Thành")

    response = client.post(
        "/api/v1/calls",
        {
            "category": "medical",
            "lat": lat,
            "lon": lon,
            "caller_number": "0912 345 678",
            "priority": 1,
            "notes": "Người gọi hoảng loạn",
        },
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code == 201
    report = Report.objects.get(pk=response.json()["id"])
    assert report.channel == "call"
    assert report.taken_by == minh
    assert report.reporter_phone == "+84912345678"
    assert report.notes == "Người gọi hoảng loạn"
    assert report.incident.priority == 1


def test_it_refuses_a_phone_call_from_an_officer_who_takes_no_calls(
    client: Client, hcmc: Hcmc, hung: User
):
    lat, lon = hcmc.point("Phường Sài Gòn")

    response = client.post(
        "/api/v1/calls",
        {"category": "medical", "lat": lat, "lon": lon},
        content_type="application/json",
        **bearer(client, hung),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("acknowledge", {}),
        ("priority", {"priority": 1, "reason": "người bị kẹt"}),
        ("close", {"outcome": "đã xử lý", "status": "closed"}),
    ],
)
def test_it_lets_a_patrol_officer_read_but_not_change_their_wards_incident(
    client: Client, hung: User, sai_gon_incident: Incident, action: str, body: dict[str, object]
):
    """The API follows the same rule as the pages: changing an incident needs call-taking,
    dispatching or command; a patrol officer's own status moves through dispatch."""
    headers = bearer(client, hung)
    assert client.get(f"/api/v1/incidents/{sai_gon_incident.pk}", **headers).status_code == 200

    response = client.post(
        f"/api/v1/incidents/{sai_gon_incident.pk}/{action}",
        data=body,
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 403
    sai_gon_incident.refresh_from_db()
    assert sai_gon_incident.status == Incident.Status.NEW
    assert sai_gon_incident.priority == 2  # a security report's default, unchanged
