"""The demo's month of past incidents: every one closed with recorded times in the right
order, dispatched to units of a suitable kind, and loaded only once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.core.models import AuditEntry
from safecity.dispatch.models import Assignment
from safecity.incidents.models import Incident
from safecity.map.demo import DAYS, INCIDENTS, history_load
from safecity.map.stats import response_times, stats_query
from tests.map.conftest import IN_BEN_THANH, IN_SAI_GON, patrol_unit


def _fleet(station: Unit, other_station: Unit) -> None:
    patrol_unit(station, "TT-01", IN_SAI_GON)
    patrol_unit(other_station, "TT-02", IN_BEN_THANH)
    patrol_unit(station, "CC-01", IN_SAI_GON, kind="fire_engine")


def test_it_loads_a_month_of_past_incidents_with_ordered_times(station: Unit, other_station: Unit):
    _fleet(station, other_station)
    now = timezone.now()

    history_load(say=lambda _line: None)

    incidents = list(Incident.objects.all())
    assert len(incidents) == INCIDENTS
    assert all(now - timedelta(days=DAYS + 1) < i.opened_at < now for i in incidents)
    assert {i.status for i in incidents} <= {"closed", "cancelled", "false_report"}
    assert all(i.opened_at < i.acknowledged_at < i.ended_at for i in incidents)  # type: ignore[operator]
    assert {i.ward_code for i in incidents} <= {station.ward_code, other_station.ward_code}
    for a in Assignment.objects.select_related("incident"):
        assert a.incident.acknowledged_at < a.assigned_at < a.on_scene_at  # type: ignore[operator]
        assert a.released_at is not None
    assert AuditEntry.objects.filter(action="demo.history_load").count() == 1


def test_it_sends_fire_engines_to_fires(station: Unit, other_station: Unit):
    _fleet(station, other_station)

    history_load(say=lambda _line: None)

    kinds = set(
        Assignment.objects.filter(incident__category="fire").values_list("unit__kind", flat=True)
    )
    assert kinds == {"fire_engine"}


def test_it_gives_the_statistics_something_to_show(station: Unit, other_station: Unit, thang: User):
    _fleet(station, other_station)
    history_load(say=lambda _line: None)

    result = response_times(thang, stats_query(since=timezone.now() - timedelta(days=DAYS + 1)))

    assert result.overall.incidents == INCIDENTS
    assert 0 < result.overall.within_target < result.overall.dispatched
    assert result.overall.on_scene.p50 is not None and result.overall.on_scene.p50 > 60


def test_it_adds_nothing_when_run_again(station: Unit, other_station: Unit):
    _fleet(station, other_station)
    history_load(say=lambda _line: None)

    history_load(say=lambda _line: None)

    assert Incident.objects.count() == INCIDENTS


def test_it_waits_for_patrol_units(wards, station: Unit):
    said: list[str] = []

    history_load(say=said.append)

    assert not Incident.objects.exists()
    assert said == ["  no patrol units or ward stations yet: no history"]
