"""Two reports of the same event stored at the same moment by two processes (two threads here,
each with its own connection, past this process's group commit) open ONE incident: the second
waits for the first's area lock, then finds and joins its incident (``duplicates.
duplicate_search_lock``; on SQLite the single writer already orders them). Real concurrent
transactions, so outside the test transaction."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from safecity.demo import units_load
from safecity.geography.distance import EARTH_RADIUS_M
from safecity.geography.models import Ward
from safecity.geography.selectors import ward_locator_reset
from safecity.geography.services import geography_load
from safecity.incidents import duplicates, intake, services
from safecity.incidents.models import Channel, Incident, Report
from safecity.incidents.services import ReportInput

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sai_gon() -> Iterator[tuple[float, float]]:
    ward_locator_reset()
    geography_load()
    units_load(say=lambda _message: None)
    ward = Ward.objects.get(province_id=79, name="Phường Sài Gòn")
    assert ward.label_lat is not None and ward.label_lon is not None
    yield ward.label_lat, ward.label_lon
    ward_locator_reset()


def _in_step(monkeypatch: Any) -> None:
    """Each sender, having searched for an incident to join, waits (up to a second) for the
    other to have searched too: without a lock both find nothing and both open one."""
    barrier = threading.Barrier(2)
    search = duplicates.duplicate_candidates

    def searched_together(**kwargs: Any) -> list[Incident]:
        found = search(**kwargs)
        # A broken barrier: the other sender is waiting for the lock this one holds.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1.0)
        return found

    monkeypatch.setattr(duplicates, "duplicate_candidates", searched_together)


def _run(*senders: Any) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(send: Any) -> None:
        try:
            send()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(send,)) for send in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _alone(point: tuple[float, float]) -> Any:
    lat, lon = point
    return lambda: services.report_submit(
        data=ReportInput(category="fire", lat=lat, lon=lon), channel=Channel.WEB
    )


def _batched(point: tuple[float, float]) -> Any:
    lat, lon = point
    return lambda: intake.report_submit_once(
        data=ReportInput(category="fire", lat=lat, lon=lon),
        channel=Channel.API,
        reporter=None,
        key=None,
        body={"category": "fire", "lat": lat, "lon": lon},
        answer=lambda report: {"id": report.pk},
    )


@pytest.mark.parametrize("second", [_alone, _batched], ids=["alone", "batched"])
def test_two_reports_of_one_fire_stored_at_once_open_one_incident(
    sai_gon: tuple[float, float], monkeypatch: Any, second: Any
) -> None:
    lat, lon = sai_gon
    metres = 100  # apart: well inside the fire rule's distance (300 m)
    near = (lat + math.degrees(metres / EARTH_RADIUS_M), lon)
    _in_step(monkeypatch)

    errors = _run(_alone(sai_gon), second(near))

    assert errors == []
    assert Report.objects.count() == 2
    [incident] = Incident.objects.all()
    assert incident.report_count == 2
    assert sorted(Report.objects.values_list("joined_existing", flat=True)) == [False, True]


def test_reports_far_apart_do_not_wait_for_each_other(
    sai_gon: tuple[float, float], monkeypatch: Any
) -> None:
    """Areas, not the whole city: two fires 3 km apart meet at the barrier (neither holds a
    lock the other wants) and each opens its own incident."""
    lat, lon = sai_gon
    far = (lat + math.degrees(3000 / EARTH_RADIUS_M), lon)
    met = threading.Event()
    barrier = threading.Barrier(2)
    search = duplicates.duplicate_candidates

    def searched_together(**kwargs: Any) -> list[Incident]:
        found = search(**kwargs)
        # On SQLite the single writer orders them anyway: no need to wait long.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5.0 if connection.vendor == "postgresql" else 0.2)
            met.set()
        return found

    monkeypatch.setattr(duplicates, "duplicate_candidates", searched_together)

    errors = _run(_alone(sai_gon), _alone(far))

    assert errors == []
    assert Incident.objects.count() == 2
    if connection.vendor == "postgresql":
        assert met.is_set()  # on SQLite the single writer orders them anyway
