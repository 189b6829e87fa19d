"""Many people report the same event: a report of the same kind close to an open incident, soon
after its last report, joins that incident instead of opening another one. The distance and
time come from ``SAFECITY_DUPLICATE_RULES``."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from safecity.accounts.models import User
from safecity.geography.distance import EARTH_RADIUS_M, distance_m
from safecity.incidents.models import Channel, Incident, IncidentEvent, Report
from safecity.incidents.selectors import report_public_status
from safecity.incidents.services import (
    ReportInput,
    incident_close,
    incident_merge,
    report_submit,
)
from tests.incidents.conftest import Hcmc

Point = tuple[float, float]


@pytest.fixture
def origin(hcmc: Hcmc) -> Point:
    """Where the first report of each test is: the middle of Phường Sài Gòn."""
    return hcmc.point("Phường Sài Gòn")


def north(point: Point, metres: float) -> Point:
    """The point ``metres`` due north (exact for the haversine distance the service uses)."""
    lat, lon = point
    return lat + math.degrees(metres / EARTH_RADIUS_M), lon


def rule(settings: Any, category: str) -> tuple[int, int]:
    metres, minutes = settings.SAFECITY_DUPLICATE_RULES[category]
    return metres, minutes


def submit(point: Point, category: str = "fire", **fields: Any) -> Report:
    lat, lon = point
    return report_submit(
        data=ReportInput(category=category, lat=lat, lon=lon, **fields), channel=Channel.WEB
    )


def test_it_joins_an_open_incident_of_the_same_kind_nearby(origin: Point, settings: Any):
    """GIVEN an open fire incident
    WHEN a second fire report comes from inside the rule's distance, within its time
    THEN it joins that incident: two reports, one incident, the second marked as joined."""
    metres, _minutes = rule(settings, "fire")
    first = submit(origin)

    second = submit(north(origin, metres * 0.9), reporter_phone="0912345678")

    assert second.incident_id == first.incident_id
    assert second.joined_existing is True
    incident = Incident.objects.get(pk=first.incident_id)
    assert incident.report_count == 2
    assert incident.last_report_at == second.received_at
    assert Incident.objects.count() == 1
    assert list(incident.events.values_list("kind", flat=True)) == [
        IncidentEvent.Kind.OPENED,
        IncidentEvent.Kind.REPORT_LINKED,
    ]


def test_it_tells_the_second_reporter_their_report_joined(origin: Point, settings: Any):
    metres, _minutes = rule(settings, "fire")
    submit(origin)
    second = submit(north(origin, metres / 2))

    status = report_public_status(second.tracking_code)

    assert status["joined_existing"] is True
    assert [item["event"] for item in status["timeline"]] == ["received", "joined"]


def test_it_joins_an_incident_at_the_edge_of_the_distance(origin: Point, settings: Any):
    metres, _minutes = rule(settings, "fire")
    first = submit(origin)
    edge = north(origin, metres - 0.2)
    assert distance_m(*origin, *edge) <= metres

    second = submit(edge)

    assert second.incident_id == first.incident_id


def test_it_opens_a_new_incident_just_outside_the_distance(origin: Point, settings: Any):
    metres, _minutes = rule(settings, "fire")
    first = submit(origin)

    second = submit(north(origin, metres + 1))

    assert second.incident_id != first.incident_id
    assert second.joined_existing is False
    assert Incident.objects.get(pk=first.incident_id).report_count == 1


def test_it_opens_a_new_incident_after_the_time_window(origin: Point, settings: Any):
    """GIVEN an open fire incident whose last report is just older than the rule's window
    WHEN a fire report comes from the same spot
    THEN it opens a new incident."""
    _metres, minutes = rule(settings, "fire")
    first = submit(origin)
    Incident.objects.filter(pk=first.incident_id).update(
        last_report_at=timezone.now() - timedelta(minutes=minutes, seconds=1)
    )

    second = submit(origin)

    assert second.incident_id != first.incident_id


def test_it_counts_the_window_from_the_last_report_not_the_first(origin: Point, settings: Any):
    _metres, minutes = rule(settings, "fire")
    first = submit(origin)
    Incident.objects.filter(pk=first.incident_id).update(
        opened_at=timezone.now() - timedelta(minutes=minutes * 3),
        last_report_at=timezone.now() - timedelta(minutes=minutes - 1),
    )

    second = submit(origin)

    assert second.incident_id == first.incident_id


def test_it_opens_a_new_incident_for_another_kind_of_event(origin: Point):
    first = submit(origin, category="fire")

    second = submit(origin, category="traffic_accident")

    assert second.incident_id != first.incident_id
    assert second.incident.category == "traffic_accident"


def test_it_never_adds_a_report_to_a_closed_incident(origin: Point, minh: User):
    first = submit(origin)
    incident_close(incident=first.incident, outcome="Đã dập lửa", actor=minh)

    second = submit(origin)

    assert second.incident_id != first.incident_id
    assert Incident.objects.get(pk=first.incident_id).report_count == 1


def test_it_never_adds_a_report_to_a_merged_incident(origin: Point, settings: Any, minh: User):
    """GIVEN two fire incidents far apart, the first merged into the second
    WHEN a fire report comes from the first one's spot
    THEN it does not join the merged incident (it is far from the target, so it opens a new
    one)."""
    metres, _minutes = rule(settings, "fire")
    source = submit(origin).incident
    target = submit(north(origin, metres * 3)).incident
    incident_merge(source=source, target=target, actor=minh)

    report = submit(origin)

    assert report.incident_id not in {source.pk, target.pk}
    assert report.joined_existing is False


def test_it_joins_the_nearest_of_two_open_incidents(origin: Point, settings: Any):
    """GIVEN two open fire incidents, one a little north of here and one nearer to the south,
    created in that order and far enough apart not to have joined each other
    WHEN a fire report comes from here
    THEN it joins the nearer one, not the older one."""
    metres, _minutes = rule(settings, "fire")
    farther = submit(north(origin, metres * 0.8)).incident
    nearer = submit(north(origin, -metres * 0.3)).incident
    assert farther.pk != nearer.pk

    report = submit(origin)

    assert report.incident_id == nearer.pk


def test_it_takes_the_distance_and_time_from_the_settings(origin: Point, settings: Any):
    settings.SAFECITY_DUPLICATE_RULES = {"security": (1000, 5)}
    first = submit(origin, category="security")

    far_but_within_rule = submit(north(origin, 900), category="security")

    assert far_but_within_rule.incident_id == first.incident_id


def test_it_never_joins_a_category_without_a_rule(origin: Point, settings: Any):
    settings.SAFECITY_DUPLICATE_RULES = {"fire": (300, 60)}
    first = submit(origin, category="medical")

    second = submit(origin, category="medical")

    assert second.incident_id != first.incident_id
