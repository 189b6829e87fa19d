"""The demo city: about sixty units over the HCMC wards, each at a point inside its ward's
boundary, patrol1 in the crew of one, a few incidents already dispatched; and the simulator,
which moves the units and answers their assignments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from safecity.demo import accounts_load, reports_load, units_load
from safecity.dispatch.demo import demo_load
from safecity.dispatch.models import Assignment, PatrolUnit, Position, UnitStatus
from safecity.dispatch.simulate import Simulator, Timing, run
from safecity.geography.selectors import ward_at, ward_locator_reset
from safecity.geography.services import geography_load

HCMC = 79


@pytest.fixture(scope="module")
def _demo_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Geography, units, demo accounts, reports and patrol units, loaded once for the module
    in a transaction rolled back after it."""
    ward_locator_reset()
    with django_db_blocker.unblock(), transaction.atomic():
        geography_load()
        units = units_load(say=lambda _m: None)
        accounts_load(units, "demo-password-123", say=lambda _m: None)
        reports_load(say=lambda _m: None)
        demo_load(say=lambda _m: None)
        yield
        transaction.set_rollback(True)
    ward_locator_reset()


@pytest.fixture
def demo_city(_demo_city: None, db: None) -> None:
    return None


@pytest.mark.usefixtures("demo_city")
def test_the_demo_has_about_sixty_units_inside_hcmc_wards() -> None:
    units = list(PatrolUnit.objects.all())

    assert 55 <= len(units) <= 65
    for unit in units:
        assert unit.lat is not None and unit.lon is not None
        ward = ward_at(unit.lat, unit.lon)
        assert ward is not None and ward.province_id == HCMC, unit.call_sign
    assert len({ward_at(u.lat, u.lon).code for u in units}) >= 30  # type: ignore[union-attr]
    assert {u.kind for u in units} == {
        "patrol_car",
        "motorbike",
        "foot",
        "traffic",
        "fire_engine",
        "rescue",
    }
    assert sum(u.status == UnitStatus.AVAILABLE for u in units) >= 40


@pytest.mark.usefixtures("demo_city")
def test_patrol1_crews_a_unit_on_an_assignment() -> None:
    unit = PatrolUnit.objects.get(members__username="patrol1")

    assert unit.call_sign == "TT-01"
    assert Assignment.objects.filter(unit=unit, released_at__isnull=True).exists()


@pytest.mark.usefixtures("demo_city")
def test_a_few_demo_incidents_are_in_progress() -> None:
    open_assignments = Assignment.objects.filter(released_at__isnull=True)

    assert open_assignments.count() >= 3
    assert open_assignments.filter(on_scene_at__isnull=False).exists()
    assert open_assignments.filter(en_route_at__isnull=False).exists()


@pytest.mark.usefixtures("demo_city")
def test_loading_the_demo_again_adds_nothing() -> None:
    before = PatrolUnit.objects.count()

    demo_load(say=lambda _m: None)

    assert PatrolUnit.objects.count() == before


@pytest.mark.usefixtures("demo_city")
def test_the_simulator_moves_units_and_answers_assignments() -> None:
    """GIVEN the demo city with units on assignments
    WHEN the simulator runs a few ticks, a minute of simulated time each
    THEN free units have moved (inside the province), a dispatched unit has acknowledged and
    gone en route, and the positions went through the normal ingest."""
    before = {u.pk: (u.lat, u.lon) for u in PatrolUnit.objects.filter(status="available")}
    positions_before = Position.objects.count()
    sim = Simulator(timing=Timing(acknowledge=0, en_route=0, on_scene=0))
    now = timezone.now()

    for step in range(1, 4):
        sim.tick(dt=60, now=now + timedelta(minutes=step))

    after = {u.pk: (u.lat, u.lon) for u in PatrolUnit.objects.filter(pk__in=before)}
    moved = [pk for pk, place in before.items() if after[pk] != place]
    assert len(moved) >= len(before) // 2
    assert all(ward_at(lat, lon) is not None for lat, lon in after.values())  # type: ignore[arg-type]
    assert Position.objects.count() > positions_before
    own = Assignment.objects.filter(unit__call_sign="TT-01").order_by("-id").first()
    assert own is not None and own.acknowledged_at is not None and own.en_route_at is not None
    assert sim.actions >= 2


@pytest.mark.usefixtures("demo_city")
def test_simulate_runs_for_the_seconds_asked() -> None:
    lines: list[str] = []
    before = Position.objects.count()

    sim = run(seconds=1.2, tick=0.4, say=lines.append)

    assert sim.moves > 0 and Position.objects.count() > before
    assert "positions posted" in lines[-1]
