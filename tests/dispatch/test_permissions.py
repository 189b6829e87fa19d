"""Who may see and send which unit: the city command sends any unit; a ward station sends only
its own; a patrol officer sends none and sees only their own unit's assignment."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.dispatch.models import PatrolUnit, UnitStatus
from safecity.dispatch.services import assign_units
from safecity.incidents.models import Incident
from tests import factories
from tests.conftest import bearer
from tests.dispatch.conftest import fresh_unit, incident_of, north_of, patrol_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def their_car(other_station: Unit) -> PatrolUnit:
    """BT-01, a patrol car of the Bến Thành station, near the Sài Gòn incident."""
    return patrol_unit(other_station, call_sign="BT-01", at=north_of(300))


def _assign(client: Client, user: User, incident: Incident, *units: PatrolUnit) -> object:
    return client.post(
        f"/api/v1/incidents/{incident.pk}/assignments",
        {"unit_ids": [u.pk for u in units]},
        content_type="application/json",
        **bearer(client, user),
    )


def test_a_ward_station_sends_its_own_unit(
    client: Client, tam: User, incident: Incident, car: PatrolUnit
) -> None:
    response = _assign(client, tam, incident, car)

    assert response.status_code == 201  # type: ignore[attr-defined]
    assert fresh_unit(car).status == UnitStatus.DISPATCHED


def test_a_ward_station_cannot_send_another_station_s_unit(
    client: Client, tam: User, incident: Incident, their_car: PatrolUnit
) -> None:
    response = _assign(client, tam, incident, their_car)

    assert response.status_code == 404  # type: ignore[attr-defined]
    assert fresh_unit(their_car).status == UnitStatus.AVAILABLE


def test_the_command_centre_sends_any_station_s_unit(
    client: Client, minh: User, incident: Incident, their_car: PatrolUnit
) -> None:
    response = _assign(client, minh, incident, their_car)

    assert response.status_code == 201  # type: ignore[attr-defined]
    assert fresh_unit(their_car).incident_id == incident.pk


def test_a_ward_station_is_recommended_only_its_own_units(
    client: Client,
    tam: User,
    minh: User,
    incident: Incident,
    car: PatrolUnit,
    their_car: PatrolUnit,
) -> None:
    url = f"/api/v1/incidents/{incident.pk}/recommendations"

    station_view = client.get(url, **bearer(client, tam)).json()
    command_view = client.get(url, **bearer(client, minh)).json()

    assert [r["call_sign"] for r in station_view] == ["TT-01"]
    assert {r["call_sign"] for r in command_view} == {"TT-01", "BT-01"}


def test_a_patrol_officer_cannot_dispatch(
    client: Client, hung: User, incident: Incident, car: PatrolUnit
) -> None:
    assign = _assign(client, hung, incident, car)
    recommend = client.get(
        f"/api/v1/incidents/{incident.pk}/recommendations", **bearer(client, hung)
    )

    assert assign.status_code == 403  # type: ignore[attr-defined]
    assert recommend.status_code == 403


def test_the_units_board_shows_each_dispatcher_their_scope(
    client: Client, tam: User, minh: User, car: PatrolUnit, their_car: PatrolUnit
) -> None:
    station_board = client.get("/api/v1/dispatch/units", **bearer(client, tam)).json()
    command_board = client.get("/api/v1/dispatch/units", **bearer(client, minh)).json()
    foreign = client.get(f"/api/v1/dispatch/units/{their_car.pk}", **bearer(client, tam))

    assert [u["call_sign"] for u in station_board] == ["TT-01"]
    assert [u["call_sign"] for u in command_board] == ["BT-01", "TT-01"]
    assert foreign.status_code == 404


def test_a_citizen_sees_no_unit(client: Client, lan: User, car: PatrolUnit) -> None:
    client.force_login(lan)

    assert client.get("/api/v1/dispatch/units").status_code == 403
    assert client.get("/api/v1/my-unit").status_code == 403


# --- An officer sees only their own assignment ---------------------------------------------------


@pytest.fixture
def two_assignments(
    station: Unit, hung: User, khoa: User, minh: User, car: PatrolUnit
) -> tuple[Incident, Incident]:
    """Hùng's car on one incident, Khoa's car on another, both of the Sài Gòn station."""
    khoas_car = patrol_unit(station, call_sign="TT-02", at=north_of(500), members=[khoa])
    mine, theirs = incident_of(station), incident_of(station, reporter_phone="+84912345678")
    assign_units(incident=mine, units=[car], actor=minh)
    assign_units(incident=theirs, units=[khoas_car], actor=minh)
    return mine, theirs


def test_an_officer_sees_their_own_assignment_with_the_reporter_s_contact(
    client: Client, hung: User, two_assignments: tuple[Incident, Incident]
) -> None:
    mine, _theirs = two_assignments

    response = client.get("/api/v1/my-unit", **bearer(client, hung))

    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["call_sign"] == "TT-01"
    assert body["assignment"]["incident"]["id"] == mine.pk
    assert body["assignment"]["incident"]["address"] == "Chợ Bến Thành, Lê Lợi"
    assert body["contacts"] == [{"name": "Trương Thị Lan", "phone": "+84901234567"}]
    assert body["allowed_next"] == ["en_route", "on_scene", "available"]


def test_reading_the_reporter_s_contact_is_audited(
    client: Client, hung: User, two_assignments: tuple[Incident, Incident]
) -> None:
    from safecity.core.models import AuditEntry

    client.get("/api/v1/my-unit", **bearer(client, hung))

    entry = AuditEntry.objects.get(action="incident.contact_read")
    assert entry.actor_username == "hung"
    assert entry.object_id == str(two_assignments[0].pk)


def test_an_officer_without_the_clearance_does_not_see_the_contact(
    client: Client, hung: User, two_assignments: tuple[Incident, Incident]
) -> None:
    Incident.objects.filter(pk=two_assignments[0].pk).update(classification=1)

    body = client.get("/api/v1/my-unit", **bearer(client, hung)).json()

    assert body["contacts"] is None and body["contact_hidden"] is True
    assert body["assignment"]["incident"]["id"] == two_assignments[0].pk


def test_an_officer_does_not_see_another_unit_s_assignment(
    client: Client, hung: User, two_assignments: tuple[Incident, Incident]
) -> None:
    mine, theirs = two_assignments
    headers = bearer(client, hung)

    own = client.get(f"/api/v1/incidents/{mine.pk}/assignments", **headers).json()
    other = client.get(f"/api/v1/incidents/{theirs.pk}/assignments", **headers).json()
    other_unit = PatrolUnit.objects.get(call_sign="TT-02")
    detail = client.get(f"/api/v1/dispatch/units/{other_unit.pk}", **headers).json()

    assert [a["call_sign"] for a in own] == ["TT-01"]
    assert other == []
    assert detail["assignment"] is None  # the board shows the unit, not its assignment


def test_an_officer_cannot_acknowledge_or_move_another_unit(
    client: Client, hung: User, two_assignments: tuple[Incident, Incident]
) -> None:
    other_unit = PatrolUnit.objects.get(call_sign="TT-02")
    assignment = other_unit.assignments.get()
    headers = bearer(client, hung)

    ack = client.post(f"/api/v1/assignments/{assignment.pk}/acknowledge", **headers)
    move = client.post(
        f"/api/v1/units/{other_unit.pk}/status",
        {"status": "en_route"},
        content_type="application/json",
        **headers,
    )
    release = client.post(
        f"/api/v1/assignments/{assignment.pk}/release",
        {},
        content_type="application/json",
        **headers,
    )

    assert ack.status_code == 404 and move.status_code == 404
    assert release.status_code == 404
    assert fresh_unit(other_unit).status == UnitStatus.DISPATCHED


def test_an_officer_in_no_crew_is_told_so(client: Client, station: Unit) -> None:
    loner = factories.officer(unit_=station, roles=["patrol_officer"])

    response = client.get("/api/v1/my-unit", **bearer(client, loner))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_unit"


def test_a_ward_dispatcher_cannot_release_another_station_s_unit(
    client: Client, tam: User, minh: User, incident: Incident, their_car: PatrolUnit
) -> None:
    [assignment] = assign_units(incident=incident, units=[their_car], actor=minh)

    response = client.post(
        f"/api/v1/assignments/{assignment.pk}/release",
        {},
        content_type="application/json",
        **bearer(client, tam),
    )

    assert response.status_code == 404
    assert fresh_unit(their_car).status == UnitStatus.DISPATCHED


def test_a_dispatcher_does_not_see_an_assignment_above_their_clearance(
    client: Client, tam: User, minh: User, incident: Incident, car: PatrolUnit
) -> None:
    assign_units(incident=incident, units=[car], actor=minh)
    url = f"/api/v1/dispatch/units/{car.pk}"
    seen = client.get(url, **bearer(client, tam)).json()["assignment"]
    assert seen is not None and seen["incident_id"] == incident.pk

    Incident.objects.filter(pk=incident.pk).update(classification=tam.clearance + 1)
    answer = client.get(url, **bearer(client, tam))
    assert answer.status_code == 200
    assert answer.json()["assignment"] is None
    assert incident.address not in answer.content.decode()
