from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.core import live
from tests import factories


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test writes uploads and the notification outbox into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFY_OUTBOX = tmp_path / "outbox"
    yield


@pytest.fixture(autouse=True)
def _no_throttle(settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db: None) -> Unit:
    return factories.force()


@pytest.fixture
def command_centre(city: Unit) -> Unit:
    return factories.unit(
        name="Trung tâm Chỉ huy", kind=Unit.Kind.COMMAND, parent=city, city_wide=True
    )


@pytest.fixture
def station(city: Unit) -> Unit:
    return factories.unit(name="Công an phường Sài Gòn", parent=city)


@pytest.fixture
def other_station(city: Unit) -> Unit:
    return factories.unit(name="Công an phường Bến Thành", parent=city)


@pytest.fixture
def minh(command_centre: Unit) -> User:
    """Minh, a dispatcher at the command centre."""
    return factories.officer(
        username="minh", unit_=command_centre, roles=["dispatcher"], full_name="Nguyễn Văn Minh"
    )


@pytest.fixture
def hung(station: Unit) -> User:
    """Hùng, a patrol officer at the Sài Gòn ward station."""
    return factories.officer(
        username="hung", unit_=station, roles=["patrol_officer"], full_name="Võ Văn Hùng"
    )


@pytest.fixture
def lan(db: None) -> User:
    """Lan, a citizen with an account."""
    return factories.citizen(username="lan", full_name="Trương Thị Lan")


@pytest.fixture
def thu(city: Unit) -> User:
    """Thu, an auditor."""
    return factories.officer(username="thu", unit_=city, roles=["auditor"], full_name="Ngô Thị Thu")


def bearer(client: Client, user: User) -> dict[str, str]:
    from safecity.accounts.services import token_create

    _token, raw = token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@dataclass
class Published:
    """Live events as the services queued them: (event, payload, routing keywords)."""

    events: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def named(self, event: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(payload, kw) for name, payload, kw in self.events if name == event]


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Published:
    """Every live event the services queue (what, to whom), recorded instead of sent. (The
    alerts tests have a fixture of this name of their own: a published alert.)"""
    record = Published()

    defaults = live.Event("", {})

    def fake(events: Iterable[live.Event]) -> None:
        for one in events:
            routing = {
                name: getattr(one, name)
                for name in ("unit_path", "user_ids", "classification", "capability")
                if getattr(one, name) != getattr(defaults, name)
            }
            record.events.append((one.event, one.payload, routing))

    monkeypatch.setattr(live, "publish_many", fake)  # ``publish`` queues through it
    return record


@pytest.fixture(scope="session", autouse=True)
def _close_connections_of_async_tests(django_db_setup: None) -> Iterator[None]:
    """Async tests reach the database through asgiref's threads (``database_sync_to_async``),
    and each of those threads keeps its own persistent connection. Close them before the
    test database is dropped: PostgreSQL refuses to drop a database others are connected to."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    executor = SyncToAsync.single_thread_executor
    executor.submit(connections.close_all).result(timeout=10)
