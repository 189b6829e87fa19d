"""What officers do to an incident: acknowledge it, change its priority with a reason, close it
with an outcome. Each action writes the timeline and the audit trail and tells the consoles that
may see the incident; an ended incident refuses every further action.

This module needs no map (its incidents are made directly, owned by a station), so its live
delivery tests can run in real transactions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.asgi import application
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.models import AuditEntry
from safecity.incidents.models import Channel, Incident, IncidentEvent, Priority, Report
from safecity.incidents.services import (
    incident_acknowledge,
    incident_close,
    incident_set_priority,
    incident_set_status,
)
from tests import factories
from tests.conftest import bearer

TIMEOUT = 2  # seconds to wait for something that should arrive


def incident_of(unit: Unit, *, category: str = "security") -> Incident:
    """An open incident owned by ``unit`` with one citizen's report."""
    incident = Incident.objects.create(
        category=category,
        priority=Priority.P2,
        lat=10.7769,
        lon=106.7009,
        h3_cell="8965b5612c7ffff",
        unit=unit,
        report_count=1,
        summary="Nhóm thanh niên gây rối",
    )
    Report.objects.create(
        incident=incident,
        channel=Channel.WEB,
        category=category,
        lat=incident.lat,
        lon=incident.lon,
        reporter_name="Trương Thị Lan",
        reporter_phone="+84901234567",
    )
    return incident


@pytest.fixture
def incident(station: Unit) -> Incident:
    """An open incident of Hùng's station (Sài Gòn)."""
    return incident_of(station)


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def audited(action: str, incident: Incident) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_id=str(incident.pk)))


# --- Acknowledge ----------------------------------------------------------------------------------


def test_it_acknowledges_a_new_incident(incident: Incident, minh: User):
    incident_acknowledge(incident=incident, actor=minh)

    incident = fresh(incident)
    assert incident.status == Incident.Status.ACKNOWLEDGED
    assert incident.acknowledged_at is not None
    event = incident.events.get()
    assert (event.kind, event.actor, event.public) == (IncidentEvent.Kind.ACKNOWLEDGED, minh, True)
    assert [e.actor_username for e in audited("incident.acknowledge", incident)] == ["minh"]


def test_it_acknowledges_only_once_however_often_it_is_pressed(incident: Incident, minh: User):
    """GIVEN Minh acknowledged an incident
    WHEN he (or the API, on a retry) acknowledges it again
    THEN nothing changes: one timeline line, one audit entry, the first time kept."""
    first = incident_acknowledge(incident=incident, actor=minh)

    again = incident_acknowledge(incident=incident, actor=minh)

    assert again.status == Incident.Status.ACKNOWLEDGED
    assert fresh(incident).acknowledged_at == first.acknowledged_at
    assert incident.events.count() == 1
    assert len(audited("incident.acknowledge", incident)) == 1


def test_it_acknowledges_twice_through_the_api_without_error(
    client: Client, incident: Incident, minh: User
):
    auth = bearer(client, minh)

    first = client.post(f"/api/v1/incidents/{incident.pk}/acknowledge", **auth)
    second = client.post(f"/api/v1/incidents/{incident.pk}/acknowledge", **auth)

    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "acknowledged"
    assert second.json()["acknowledged_at"] == first.json()["acknowledged_at"]


# --- Priority -------------------------------------------------------------------------------------


def test_it_changes_the_priority_with_a_reason(incident: Incident, minh: User):
    incident_set_priority(
        incident=incident, priority=Priority.P1, reason="  Có người bị thương ", actor=minh
    )

    assert fresh(incident).priority == Priority.P1
    event = incident.events.get()
    assert event.kind == IncidentEvent.Kind.PRIORITY
    assert event.detail == {"before": 2, "after": 1, "reason": "Có người bị thương"}
    assert event.public is False  # the reason is internal
    [entry] = audited("incident.priority", incident)
    assert entry.detail == {"before": 2, "after": 1, "reason": "Có người bị thương"}


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_a_priority_change_without_a_reason(incident: Incident, minh: User, reason: str):
    with pytest.raises(InvalidInput) as refused:
        incident_set_priority(incident=incident, priority=Priority.P1, reason=reason, actor=minh)

    assert set(refused.value.fields) == {"reason"}
    assert fresh(incident).priority == Priority.P2
    assert not incident.events.exists()


@pytest.mark.parametrize("priority", [0, 5, -1])
def test_it_refuses_a_priority_outside_1_to_4(incident: Incident, minh: User, priority: int):
    with pytest.raises(InvalidInput) as refused:
        incident_set_priority(incident=incident, priority=priority, reason="Thử", actor=minh)

    assert set(refused.value.fields) == {"priority"}
    assert fresh(incident).priority == Priority.P2


def test_it_names_the_bad_priority_fields_on_the_api(
    client: Client, incident: Incident, minh: User
):
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/priority",
        {"priority": 5},
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"priority", "reason"}


# --- Status and close -----------------------------------------------------------------------------


def test_it_moves_the_status_along_with_timeline_and_audit(incident: Incident, minh: User):
    incident_set_status(incident=incident, status=Incident.Status.DISPATCHED, actor=minh)

    incident = fresh(incident)
    assert incident.status == Incident.Status.DISPATCHED
    assert incident.acknowledged_at is not None
    assert incident.events.get().detail == {"status_to": "dispatched"}
    assert [e.detail for e in audited("incident.status", incident)] == [{"status": "dispatched"}]


def test_it_closes_an_incident_with_its_outcome(incident: Incident, minh: User):
    incident_close(incident=incident, outcome=" Đã giải tán nhóm gây rối ", actor=minh)

    incident = fresh(incident)
    assert incident.status == Incident.Status.CLOSED
    assert incident.outcome == "Đã giải tán nhóm gây rối"
    assert incident.ended_at is not None
    event = incident.events.get()
    assert (event.kind, event.status, event.public) == (IncidentEvent.Kind.CLOSED, "closed", True)
    assert [e.detail for e in audited("incident.close", incident)] == [{"status": "closed"}]


def test_it_refuses_to_close_without_an_outcome(incident: Incident, minh: User):
    with pytest.raises(InvalidInput) as refused:
        incident_close(incident=incident, outcome="  ", actor=minh)

    assert set(refused.value.fields) == {"outcome"}
    assert fresh(incident).status == Incident.Status.NEW
    assert not audited("incident.close", incident)


def test_it_refuses_to_close_as_an_unknown_status(incident: Incident, minh: User):
    with pytest.raises(InvalidInput) as refused:
        incident_close(incident=incident, outcome="Xong", status="merged", actor=minh)

    assert set(refused.value.fields) == {"status"}


def test_it_refuses_every_action_on_an_ended_incident(incident: Incident, minh: User):
    incident_close(incident=incident, outcome="Báo nhầm", status="false_report", actor=minh)
    events = incident.events.count()

    for action in (
        lambda: incident_acknowledge(incident=incident, actor=minh),
        lambda: incident_set_priority(incident=incident, priority=1, reason="Gấp", actor=minh),
        lambda: incident_set_status(incident=incident, status="dispatched", actor=minh),
        lambda: incident_close(incident=incident, outcome="Đóng lại", actor=minh),
    ):
        with pytest.raises(Conflict) as refused:
            action()
        assert refused.value.code == "incident_ended"

    incident = fresh(incident)
    assert incident.status == Incident.Status.FALSE_REPORT
    assert incident.priority == Priority.P2
    assert incident.events.count() == events


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("acknowledge", None),
        ("priority", {"priority": 1, "reason": "Gấp"}),
        ("close", {"outcome": "Đóng lại"}),
    ],
)
def test_it_answers_409_for_an_action_on_an_ended_incident(
    client: Client, incident: Incident, minh: User, path: str, body: dict[str, Any] | None
):
    incident_close(incident=incident, outcome="Đã xử lý", actor=minh)

    response = client.post(
        f"/api/v1/incidents/{incident.pk}/{path}",
        body,
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "incident_ended"
    assert error["message"]
    assert error["fields"] == {}


# --- Live delivery --------------------------------------------------------------------------------


def _session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@asynccontextmanager
async def officer_console(user: User) -> AsyncIterator[WebsocketCommunicator]:
    cookie = await sync_to_async(_session_cookie)(user)
    communicator = WebsocketCommunicator(
        application, "/ws/ops/", headers=[(b"origin", b"http://testserver"), (b"cookie", cookie)]
    )
    connected, _detail = await communicator.connect(timeout=TIMEOUT)
    try:
        assert connected
        assert (await communicator.receive_json_from(timeout=TIMEOUT))["event"] == "hello"
        yield communicator
    finally:
        await communicator.disconnect()


async def next_event(communicator: WebsocketCommunicator) -> dict[str, Any]:
    message: dict[str, Any] = await communicator.receive_json_from(timeout=TIMEOUT)
    return message


@pytest.mark.django_db(transaction=True)
async def test_it_tells_the_command_centre_and_the_station_but_not_another_station(
    minh: User, hung: User, station: Unit, other_station: Unit
):
    """GIVEN consoles open for Minh (command centre), Hùng (Sài Gòn station, which owns the
    incident) and Tú (Bến Thành station)
    WHEN Minh acknowledges the Sài Gòn incident, then one of Bến Thành's
    THEN Minh and Hùng get "incident.updated" for Sài Gòn's after it commits; Tú's first event
    is his own station's."""
    tu = await database_sync_to_async(factories.officer)(
        username="tu", unit_=other_station, roles=["patrol_officer"], full_name="Lê Văn Tú"
    )
    sai_gon = await database_sync_to_async(incident_of)(station)
    ben_thanh = await database_sync_to_async(incident_of)(other_station)

    async with (
        officer_console(minh) as minh_console,
        officer_console(hung) as hung_console,
        officer_console(tu) as tu_console,
    ):
        await database_sync_to_async(incident_acknowledge)(incident=sai_gon, actor=minh)
        await database_sync_to_async(incident_acknowledge)(incident=ben_thanh, actor=minh)

        minh_first = await next_event(minh_console)
        hung_first = await next_event(hung_console)
        tu_first = await next_event(tu_console)

    assert minh_first["event"] == hung_first["event"] == "incident.updated"
    assert minh_first["payload"]["id"] == hung_first["payload"]["id"] == sai_gon.pk
    assert minh_first["payload"]["status"] == "acknowledged"
    assert "+84901234567" not in str(minh_first)  # no reporter's data on the consoles
    assert tu_first["payload"]["id"] == ben_thanh.pk


@pytest.mark.django_db(transaction=True)
async def test_it_tells_no_console_about_a_refused_action(minh: User, station: Unit):
    """GIVEN Minh's console is open and an incident has been closed
    WHEN he tries to change its priority (refused, rolled back) and then acknowledges another
    THEN the first event he gets is the acknowledgement."""
    closed = await database_sync_to_async(incident_of)(station)
    other = await database_sync_to_async(incident_of)(station)
    await database_sync_to_async(incident_close)(incident=closed, outcome="Xong", actor=minh)

    async with officer_console(minh) as console:
        with pytest.raises(Conflict):
            await database_sync_to_async(incident_set_priority)(
                incident=closed, priority=1, reason="Gấp", actor=minh
            )
        await database_sync_to_async(incident_acknowledge)(incident=other, actor=minh)

        first = await next_event(console)

    assert first["payload"]["id"] == other.pk
