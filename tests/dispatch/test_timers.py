"""Status timers: an incident waiting for a unit, a unit dispatched but not moving, a unit en
route but not arriving — each past its threshold for the incident's priority raises one
``dispatch.overdue`` event, however often the timers are checked."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.core.models import AuditEntry
from safecity.core.periodic import DAY_S, Every
from safecity.dispatch import timers
from safecity.dispatch.models import Assignment, OverdueMark, PatrolUnit, UnitStatus
from safecity.dispatch.services import assign_units, assignment_release, unit_set_status
from safecity.dispatch.timer_reads import running_timers, thresholds
from safecity.dispatch.timers import check_timers
from safecity.incidents import media
from safecity.incidents.models import Incident
from tests.conftest import Published, bearer
from tests.dispatch.conftest import incident_of

pytestmark = pytest.mark.django_db


def test_the_default_thresholds_are_the_issue_s() -> None:
    p1 = thresholds(1)
    assert (p1.unassigned, p1.dispatched, p1.en_route) == (30, 60, 480)
    for priority in (2, 3, 4):
        lower = thresholds(priority)
        assert lower.unassigned >= p1.unassigned and lower.en_route >= p1.en_route


def test_an_unassigned_p1_goes_overdue_after_30_seconds_once(
    station: Unit, published: Published
) -> None:
    opened = timezone.now()
    fire = incident_of(station, category="fire", priority=1, opened_at=opened)

    assert check_timers(now=opened + timedelta(seconds=29)) == []
    first = check_timers(now=opened + timedelta(seconds=31))
    second = check_timers(now=opened + timedelta(seconds=90))

    assert [(m.subject_type, m.subject_id, m.timer) for m in first] == [
        ("incident", fire.pk, "unassigned")
    ]
    assert second == []
    [(payload, kw)] = published.named("dispatch.overdue")
    assert payload["incident_id"] == fire.pk and payload["limit_s"] == 30
    assert payload["state"] == "red"
    assert station.pk in kw["unit_path"]
    assert AuditEntry.objects.filter(action="timer.overdue").count() == 1


def test_the_unique_row_keeps_a_second_ticker_quiet(station: Unit, published: Published) -> None:
    """Another ticker raised the timer a moment ago: this one finds the row and says nothing."""
    opened = timezone.now() - timedelta(minutes=5)
    waiting = incident_of(station, priority=1, opened_at=opened)
    OverdueMark.objects.create(
        subject_type="incident",
        subject_id=waiting.pk,
        timer="unassigned",
        started_at=opened,
        incident=waiting,
    )

    assert check_timers() == []
    assert published.named("dispatch.overdue") == []


def test_a_dispatched_unit_not_moving_goes_overdue_then_en_route_restarts_the_clock(
    incident: Incident, car: PatrolUnit, minh: User, hung: User, published: Published
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)
    p2 = thresholds(incident.priority)
    start = assignment.assigned_at

    made = check_timers(now=start + timedelta(seconds=p2.dispatched + 1))
    unit_set_status(unit=car, status=UnitStatus.EN_ROUTE, actor=hung)
    en_route_at = Assignment.objects.get(pk=assignment.pk).en_route_at
    assert en_route_at is not None
    quiet = check_timers(now=en_route_at + timedelta(seconds=p2.en_route - 1))
    late = check_timers(now=en_route_at + timedelta(seconds=p2.en_route + 1))
    again = check_timers(now=en_route_at + timedelta(seconds=p2.en_route + 60))

    assert [m.timer for m in made] == ["dispatched"]
    assert quiet == []
    assert [m.timer for m in late] == ["en_route"] and again == []
    events = [payload for payload, _kw in published.named("dispatch.overdue")]
    assert [(e["timer"], e["call_sign"]) for e in events] == [
        ("dispatched", "TT-01"),
        ("en_route", "TT-01"),
    ]


def test_a_unit_on_scene_stops_its_timers(
    incident: Incident, car: PatrolUnit, minh: User, hung: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)
    unit_set_status(unit=car, status=UnitStatus.ON_SCENE, actor=hung)

    assert check_timers(now=assignment.assigned_at + timedelta(hours=2)) == []


def test_an_incident_waiting_again_after_its_units_left_is_a_new_timer(
    station: Unit, car: PatrolUnit, minh: User
) -> None:
    opened = timezone.now() - timedelta(minutes=10)
    waiting = incident_of(station, priority=1, opened_at=opened)
    assert [m.timer for m in check_timers()] == ["unassigned"]
    [assignment] = assign_units(incident=waiting, units=[car], actor=minh)
    released = assignment_release(assignment=assignment, actor=minh, reason="Sai loại xe")
    assert released.released_at is not None

    later = check_timers(now=released.released_at + timedelta(seconds=31))

    assert [(m.timer, m.started_at) for m in later] == [("unassigned", released.released_at)]


def test_the_thresholds_come_from_the_settings(station: Unit, settings: Any) -> None:
    settings.SAFECITY_DISPATCH_TIMERS = {1: (5, 5, 5), 2: (7, 7, 7), 3: (9, 9, 9), 4: (11, 11, 11)}
    opened = timezone.now()
    incident_of(station, priority=3, opened_at=opened)

    assert check_timers(now=opened + timedelta(seconds=8)) == []
    assert len(check_timers(now=opened + timedelta(seconds=9))) == 1


def test_the_ticker_command_checks_once(station: Unit, capsys: pytest.CaptureFixture[str]) -> None:
    incident_of(station, priority=1, opened_at=timezone.now() - timedelta(minutes=1))

    call_command("dispatch", "timers", "--once")

    assert "1 timer(s) went overdue" in capsys.readouterr().out
    assert OverdueMark.objects.count() == 1


def test_the_ticker_sweeps_report_media_once_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ticker's housekeeping: the orphan photo sweep (``incidents.media``) runs on its first
    tick and not again the same day, however often it ticks."""
    sweeps: list[int] = []
    ticks: list[int] = []
    stop = threading.Event()

    def tick() -> None:
        ticks.append(1)
        if len(ticks) == 3:
            stop.set()

    monkeypatch.setattr(media, "sweep_turn", Every(DAY_S))
    monkeypatch.setattr(media, "media_orphans_sweep", lambda: sweeps.append(1) or 0)
    monkeypatch.setattr(timers, "camera_housekeeping", tick)

    timers.run_ticker(stop=stop, tick=0.001)

    assert (len(ticks), len(sweeps)) == (3, 1)


def test_the_console_reads_the_running_timers_with_their_colours(
    client: Client, station: Unit, incident: Incident, minh: User
) -> None:
    amber_age = thresholds(incident.priority).unassigned * 0.8
    Incident.objects.filter(pk=incident.pk).update(
        opened_at=timezone.now() - timedelta(seconds=amber_age)
    )

    response = client.get("/api/v1/dispatch/timers", **bearer(client, minh))

    assert response.status_code == 200
    body = response.json()
    assert body["thresholds"]["1"] == {"unassigned": 30, "dispatched": 60, "en_route": 480}
    [timer] = body["timers"]
    assert (timer["timer"], timer["subject_id"], timer["state"]) == (
        "unassigned",
        incident.pk,
        "amber",
    )
    assert len(running_timers()) == 1
