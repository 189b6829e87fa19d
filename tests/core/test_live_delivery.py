"""Live events reach the officers' consoles at ``/ws/ops/`` only after the change commits, and
only the officers who may see them: by unit scope, clearance and capability.

Runs on the in-memory channel layer by default and on Redis when ``REDIS_URL`` is set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from safecity.accounts.models import Clearance, Unit, User
from safecity.asgi import application
from safecity.core import live
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 2  # seconds to wait for something that should arrive
QUIET = 0.3  # seconds of silence that count as "nothing arrived"


def _session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@asynccontextmanager
async def console(
    user: User | None, *, origin: bytes = b"http://testserver"
) -> AsyncIterator[tuple[WebsocketCommunicator, bool, Any]]:
    """Open the ops WebSocket as ``user`` (anonymous if ``None``); always disconnect."""
    headers = [(b"origin", origin)]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/ops/", headers=headers)
    connected, detail = await communicator.connect(timeout=TIMEOUT)
    try:
        yield communicator, connected, detail
    finally:
        await communicator.disconnect()


@asynccontextmanager
async def officer_console(user: User) -> AsyncIterator[WebsocketCommunicator]:
    async with console(user) as (communicator, connected, _detail):
        assert connected
        hello = await communicator.receive_json_from(timeout=TIMEOUT)
        assert hello["event"] == "hello"
        yield communicator


@database_sync_to_async
def publish_committed(event: str, payload: dict[str, Any], **kwargs: Any) -> None:
    with transaction.atomic():
        live.publish(event, payload, **kwargs)


@database_sync_to_async
def publish_rolled_back(event: str, payload: dict[str, Any], **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            live.publish(event, payload, **kwargs)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass


@database_sync_to_async
def publish_many_committed(events: list[live.Event]) -> None:
    with transaction.atomic():
        live.publish_many(events)


@database_sync_to_async
def publish_many_rolled_back(events: list[live.Event]) -> None:
    try:
        with transaction.atomic():
            live.publish_many(events)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass


async def next_event(communicator: WebsocketCommunicator) -> dict[str, Any]:
    message: dict[str, Any] = await communicator.receive_json_from(timeout=TIMEOUT)
    return message


# --- Who may connect ------------------------------------------------------------------------


async def test_it_refuses_an_anonymous_connection() -> None:
    async with console(None) as (_communicator, connected, close_code):
        assert connected is False
        assert close_code == 4403


async def test_it_refuses_a_citizen(lan: User) -> None:
    async with console(lan) as (_communicator, connected, close_code):
        assert connected is False
        assert close_code == 4403


async def test_it_refuses_an_officer_without_the_ops_capability(station: Unit) -> None:
    tam = await database_sync_to_async(factories.officer)(
        username="tam", unit_=station, full_name="Lê Văn Tâm"
    )  # an officer with no role yet

    async with console(tam) as (_communicator, connected, _close_code):
        assert connected is False


async def test_it_refuses_a_connection_from_another_site(hung: User) -> None:
    async with console(hung, origin=b"https://evil.example") as (_c, connected, _detail):
        assert connected is False


async def test_it_greets_an_officer_with_the_groups_joined(hung: User) -> None:
    async with console(hung) as (communicator, connected, _detail):
        assert connected is True
        hello = await next_event(communicator)

    # the city-wide group, the officer's own unit subtree, the officer personally
    assert hello == {"event": "hello", "payload": {"groups": 3}}


# --- Delivery after commit only ---------------------------------------------------------------


async def test_it_delivers_an_event_once_its_transaction_commits(minh: User) -> None:
    async with officer_console(minh) as communicator:
        await publish_committed("incident.created", {"id": 42})

        message = await next_event(communicator)

    assert message["event"] == "incident.created"
    assert message["payload"] == {"id": 42}
    assert message["sent_at"]


async def test_it_never_delivers_an_event_whose_transaction_rolled_back(minh: User) -> None:
    """GIVEN Minh's console is open
    WHEN a service publishes an event and its transaction rolls back
    THEN nothing arrives, and the next committed event is the first he sees."""
    async with officer_console(minh) as communicator:
        await publish_rolled_back("incident.created", {"id": 13})

        assert await communicator.receive_nothing(timeout=QUIET)

        await publish_committed("incident.created", {"id": 14})
        message = await next_event(communicator)

    assert message["payload"] == {"id": 14}


# --- Who receives what ------------------------------------------------------------------------


async def test_it_keeps_another_stations_event_from_a_sibling_station(
    hung: User, minh: User, other_station: Unit
) -> None:
    """GIVEN Hùng (Sài Gòn station) and Minh (command centre) are both connected
    WHEN an event owned by the Bến Thành station is published
    THEN Minh receives it and Hùng does not (his next event is one of his own station's)."""
    async with officer_console(hung) as hung_console, officer_console(minh) as minh_console:
        await publish_committed("incident.created", {"id": 1}, unit_path=other_station.ancestor_ids)
        await publish_committed("incident.created", {"id": 2}, unit_path=hung.unit.ancestor_ids)

        minh_first = await next_event(minh_console)
        hung_first = await next_event(hung_console)
        assert await hung_console.receive_nothing(timeout=QUIET)

    assert minh_first["payload"] == {"id": 1}
    assert hung_first["payload"] == {"id": 2}


async def test_it_delivers_a_batch_of_events_each_to_its_own_audience(
    hung: User, minh: User, other_station: Unit
) -> None:
    """GIVEN Hùng (Sài Gòn station) and Minh (command centre) are connected
    WHEN one transaction publishes three events together, one of them Bến Thành's
    THEN Minh receives all three in order and Hùng only his station's two."""
    events = [
        live.Event("camera.hit", {"id": 1}, unit_path=other_station.ancestor_ids),
        live.Event("camera.hit", {"id": 2}, unit_path=hung.unit.ancestor_ids),
        live.Event("camera.hit", {"id": 3}, unit_path=hung.unit.ancestor_ids),
    ]
    async with officer_console(hung) as hung_console, officer_console(minh) as minh_console:
        await publish_many_rolled_back(events)
        await publish_many_committed(events)

        minh_ids = [(await next_event(minh_console))["payload"]["id"] for _ in range(3)]
        hung_ids = [(await next_event(hung_console))["payload"]["id"] for _ in range(2)]
        assert await hung_console.receive_nothing(timeout=QUIET)
        assert await minh_console.receive_nothing(timeout=QUIET)

    assert minh_ids == [1, 2, 3]
    assert hung_ids == [2, 3]


async def test_it_delivers_an_event_addressed_to_an_officer_outside_its_unit(
    hung: User, other_station: Unit
) -> None:
    async with officer_console(hung) as communicator:
        await publish_committed(
            "unit.assigned",
            {"incident": 5},
            unit_path=other_station.ancestor_ids,
            user_ids=[hung.pk],
        )

        message = await next_event(communicator)

    assert message["event"] == "unit.assigned"


async def test_it_filters_events_classified_above_the_officers_clearance(
    hung: User, command_centre: Unit
) -> None:
    """GIVEN Hùng (unclassified) and Quân (cleared for Secret) are connected
    WHEN a Secret event and then an unclassified one are published
    THEN Quân gets both, Hùng only the unclassified one."""
    quan = await database_sync_to_async(factories.officer)(
        username="quan",
        unit_=command_centre,
        roles=["investigator"],
        clearance=Clearance.SECRET,
        full_name="Phạm Minh Quân",
    )
    async with officer_console(hung) as hung_console, officer_console(quan) as quan_console:
        await publish_committed("case.updated", {"id": "secret"}, classification=Clearance.SECRET)
        await publish_committed("case.updated", {"id": "open"})

        hung_first = await next_event(hung_console)
        quan_events = [await next_event(quan_console), await next_event(quan_console)]

    assert hung_first["payload"] == {"id": "open"}
    assert [m["payload"]["id"] for m in quan_events] == ["secret", "open"]


async def test_it_filters_events_needing_a_capability_the_officer_lacks(
    hung: User, minh: User
) -> None:
    async with officer_console(hung) as hung_console, officer_console(minh) as minh_console:
        await publish_committed(
            "dispatch.recommendation", {"id": 1}, capability="accounts.dispatch_units"
        )
        await publish_committed("incident.created", {"id": 2})

        hung_first = await next_event(hung_console)
        minh_first = await next_event(minh_console)

    assert hung_first["payload"] == {"id": 2}
    assert minh_first["payload"] == {"id": 1}


async def test_it_closes_the_console_when_the_officer_logs_out(minh: User) -> None:
    """GIVEN Minh's console is open
    WHEN Minh logs out (the service records it)
    THEN the server closes his socket, so it stops receiving events."""
    from safecity.accounts.services import logout_record

    async with officer_console(minh) as communicator:
        await database_sync_to_async(logout_record)(user=minh)
        closed = await communicator.receive_output(timeout=TIMEOUT)
        assert closed["type"] == "websocket.close"
        assert closed["code"] == 4401


async def test_it_closes_the_console_when_the_officers_access_changes(minh: User) -> None:
    from safecity.accounts.services import access_changed

    async with officer_console(minh) as communicator:
        await database_sync_to_async(access_changed)(user=minh, fields={"name"})
        assert await communicator.receive_nothing(timeout=QUIET)
        await database_sync_to_async(access_changed)(user=minh, fields={"clearance"})
        closed = await communicator.receive_output(timeout=TIMEOUT)
        assert closed["type"] == "websocket.close"


def test_an_events_text_is_the_json_a_console_parses() -> None:
    """``event_text`` writes what ``json.dumps(default=str)`` wrote, read back the same:
    times and decimals as ``str`` writes them, ids as keys become text, Vietnamese kept."""
    import json
    from dataclasses import dataclass
    from datetime import UTC, datetime
    from decimal import Decimal

    @dataclass
    class Place:
        lat: float
        lon: float

    message = {
        "event": "camera.hit",
        "payload": {
            "ts": datetime(2026, 11, 30, 3, 5, 9, 123000, tzinfo=UTC),
            "score": 0.9,
            "amount": Decimal("1.50"),
            "counts": {7: 2},
            "place": Place(10.77, 106.7),
            "entry": {"reason": "Trình báo mất xe", "image_url": None, "ids": [1, 2]},
        },
        "sent_at": "2026-11-30T03:05:09+00:00",
    }
    text = live.event_text(message)
    assert '": ' not in text and ', "' not in text  # compact
    assert json.loads(text) == json.loads(json.dumps(message, default=str))
    assert json.loads(text)["payload"]["ts"] == "2026-11-30 03:05:09.123000+00:00"
    assert json.loads(text)["payload"]["place"].endswith("Place(lat=10.77, lon=106.7)")
    # An integer past 64 bits, which orjson refuses, is still written.
    big = {"event": "x", "payload": {"n": 2**70}, "sent_at": ""}
    assert json.loads(live.event_text(big)) == big
