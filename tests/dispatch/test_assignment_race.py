"""Two dispatchers press "assign" on the same unit at the same moment, for two incidents: exactly
one wins; the other is told the unit is taken; the unit is never on two incidents.

Real transactions on separate database connections, one per thread (SQLite queues the two
writers; PostgreSQL makes the second UPDATE wait for the first and then find no available row).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from safecity.accounts.models import Unit, User
from safecity.dispatch.models import Assignment, PatrolUnit, UnitStatus
from safecity.dispatch.services import UnitUnavailable, assign_units
from safecity.incidents.models import Incident
from tests import factories
from tests.dispatch.conftest import incident_of, patrol_unit

pytestmark = pytest.mark.django_db(transaction=True)


def _race(incidents: list[Incident], unit: PatrolUnit, dispatchers: list[User]) -> list[Any]:
    """Both threads start assigning at once; each returns its assignments or its error."""
    barrier = threading.Barrier(len(incidents))
    results: list[Any] = [None] * len(incidents)

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = assign_units(
                incident=incidents[index], units=[unit], actor=dispatchers[index]
            )
        except Exception as exc:  # the loser's conflict, or a failure the test reports
            results[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(incidents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_exactly_one_of_two_simultaneous_assignments_wins(
    station: Unit, command_centre: Unit, round_: int
) -> None:
    minh = factories.officer(unit_=command_centre, roles=["dispatcher"])
    tam = factories.officer(unit_=command_centre, roles=["dispatcher"])
    unit = patrol_unit(station, call_sign=f"TT-R{round_}")
    first, second = incident_of(station), incident_of(station)

    results = _race([first, second], unit, [minh, tam])

    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, UnitUnavailable)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].status == 409 and "TT-R" in str(lost[0].message)
    open_rows = list(Assignment.objects.filter(unit=unit, released_at__isnull=True))
    assert len(open_rows) == 1
    refreshed = PatrolUnit.objects.get(pk=unit.pk)
    assert refreshed.status == UnitStatus.DISPATCHED
    assert refreshed.incident_id == open_rows[0].incident_id == won[0][0].incident_id


def test_the_same_unit_asked_for_the_same_incident_twice_is_taken_once(
    station: Unit, command_centre: Unit
) -> None:
    minh = factories.officer(unit_=command_centre, roles=["dispatcher"])
    tam = factories.officer(unit_=command_centre, roles=["dispatcher"])
    unit = patrol_unit(station, call_sign="TT-S1")
    incident = incident_of(station)

    results = _race([incident, incident], unit, [minh, tam])

    assert sum(isinstance(r, list) for r in results) == 1
    assert sum(isinstance(r, UnitUnavailable) for r in results) == 1
    assert Assignment.objects.filter(unit=unit).count() == 1
