"""Cameras as the tests see them: two plate cameras of the Sài Gòn ward station on a road near
Bến Thành market, a stolen-vehicles watchlist of the command centre with one listed car, and
the people — Quân, camera operator at the command centre; Minh, dispatcher there (root
fixture); Hùng, patrol officer at the station (root fixture).

Reads are built with ``read(...)`` as the API's JSON objects. Live events the services queue
are recorded by ``published`` (the consoles' delivery is tested in tests/core).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from safecity.accounts.models import DeviceKey, Unit, User
from safecity.cameras import matching, services
from safecity.cameras.camera_cache import camera_cache
from safecity.cameras.models import Camera, Watchlist, WatchlistEntry
from tests import factories

CENTRE = (10.7725, 106.6980)


@pytest.fixture(autouse=True)
def _fresh_memory(settings: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """The matching index, the camera cache and the ward locator live per process; each test
    starts afresh (its database rolls back, or is flushed after a transactional test)."""
    from safecity.geography.selectors import ward_locator_reset

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    matching.index_reset()
    camera_cache.forget()
    if "wards" not in request.fixturenames:
        ward_locator_reset()  # a transactional test elsewhere may have left one of its wards
    yield
    matching.index_reset()
    camera_cache.forget()


@pytest.fixture(scope="module")
def _wards_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """HCMC's wards with their boundaries, loaded once for the module inside a transaction
    rolled back after it (each test's own changes roll back to a savepoint within it)."""
    from django.db import transaction

    from safecity.geography.selectors import ward_locator_reset
    from safecity.geography.services import geography_load

    ward_locator_reset()
    with django_db_blocker.unblock(), transaction.atomic():
        geography_load()
        yield
        transaction.set_rollback(True)
    ward_locator_reset()


@pytest.fixture
def wards(_wards_loaded: None, db: None) -> None:
    """Modules that need places (an incident opened at a camera) ask for this."""


@pytest.fixture
def quan(command_centre: Unit) -> User:
    """Quân, camera operator at the command centre."""
    return factories.officer(
        username="quan", unit_=command_centre, roles=["camera_operator"], full_name="Lê Minh Quân"
    )


@pytest.fixture
def camera(station: Unit) -> Camera:
    return services.camera_create(
        code="CAM-LELOI-01",
        name="Lê Lợi – Nam Kỳ Khởi Nghĩa",
        lat=CENTRE[0],
        lon=CENTRE[1],
        unit=station,
        ward_code=None,
    )


@pytest.fixture
def other_camera(station: Unit) -> Camera:
    return services.camera_create(
        code="CAM-HAMNGHI-02",
        name="Hàm Nghi – Pasteur",
        lat=CENTRE[0] + 0.002,
        lon=CENTRE[1] + 0.001,
        unit=station,
        ward_code=None,
    )


@pytest.fixture
def camera_key(camera: Camera) -> str:
    return services.camera_key_issue(camera=camera)


@pytest.fixture
def stolen(command_centre: Unit, quan: User) -> Watchlist:
    return services.watchlist_create(
        name="Xe bị trộm", kind=Watchlist.Kind.STOLEN, reason="Báo mất", actor=quan
    )


@pytest.fixture
def listed(stolen: Watchlist, quan: User) -> WatchlistEntry:
    """51F-123.45, a car reported stolen."""
    return services.entry_add(
        watchlist=stolen, plate="51F-123.45", reason="Trình báo mất xe ngày 01/07", actor=quan
    )


def read(
    camera: Camera | str, plate: Any, *, ts: datetime | str | None = None, **extra: Any
) -> dict[str, Any]:
    """A read as the API takes it; ``ts`` a datetime, or text sent as it is."""
    code = camera if isinstance(camera, str) else camera.code
    when = ts or timezone.now() - timedelta(seconds=5)
    body: dict[str, Any] = {
        "camera": code,
        "ts": when if isinstance(when, str) else when.isoformat(),
        "plate": plate,
        "confidence": 0.92,
    }
    body.update(extra)
    return body


def device(raw: str) -> DeviceKey:
    from safecity.accounts.services import device_key_authenticate

    key = device_key_authenticate(raw)
    assert key is not None
    return key
