"""Dispatching units to an incident, the crew answering, reassigning and releasing; the
incident follows its units. Every change is audited and told live to the people concerned."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from safecity.accounts.models import Unit, User
from safecity.core.errors import Conflict
from safecity.core.models import AuditEntry
from safecity.dispatch.models import Assignment, PatrolUnit, UnitStatus
from safecity.dispatch.services import (
    UnitUnavailable,
    assign_units,
    assignment_acknowledge,
    assignment_release,
    unit_set_status,
)
from safecity.incidents.models import Incident, IncidentEvent
from safecity.incidents.services import incident_close, incident_merge
from tests.conftest import Published, bearer
from tests.dispatch.conftest import (
    fresh_incident,
    fresh_unit,
    incident_of,
    north_of,
    patrol_unit,
)

pytestmark = pytest.mark.django_db


def test_it_dispatches_a_unit_and_the_incident_follows(
    incident: Incident, car: PatrolUnit, minh: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)

    unit = fresh_unit(car)
    assert (unit.status, unit.incident_id) == ("dispatched", incident.pk)
    assert assignment.assigned_by == minh and assignment.released_at is None
    assert fresh_incident(incident).status == Incident.Status.DISPATCHED
    assert unit.status_changes.latest("at").to_status == "dispatched"
    entry = AuditEntry.objects.get(action="incident.assign", object_id=str(incident.pk))
    assert entry.detail["units"] == ["TT-01"]


def test_the_crew_is_told_live_and_so_are_the_dispatchers(
    incident: Incident, car: PatrolUnit, minh: User, hung: User, published: Published
) -> None:
    assign_units(incident=incident, units=[car], actor=minh)

    created = published.named("assignment.created")
    to_crew = [kw for payload, kw in created if list(kw.get("user_ids", [])) == [hung.pk]]
    to_dispatchers = [kw for payload, kw in created if kw.get("capability")]
    assert len(to_crew) == 1 and to_crew[0].get("capability") is None
    assert to_dispatchers[0]["capability"] == "accounts.dispatch_units"
    assert incident.unit.pk in to_dispatchers[0]["unit_path"]
    payload = created[0][0]
    assert payload["incident"]["address"] == "Chợ Bến Thành, Lê Lợi"
    assert payload["incident"]["geo_uri"].startswith("geo:10.772")
    assert "reporter_phone" not in str(payload)
    [(unit_event, _kw)] = published.named("unit.updated")
    assert unit_event["status"] == "dispatched" and unit_event["timer"]["name"] == "dispatched"


def test_the_live_events_leave_only_after_commit(
    incident: Incident, car: PatrolUnit, minh: User, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        assign_units(incident=incident, units=[car], actor=minh)

    assert len(callbacks) >= 3  # unit, assignment to dispatchers and to the crew, incident


def test_a_unit_not_available_fails_the_whole_assignment_and_is_named(
    station: Unit, incident: Incident, car: PatrolUnit, minh: User
) -> None:
    busy = patrol_unit(station, call_sign="TT-02", status=UnitStatus.BUSY)

    with pytest.raises(UnitUnavailable) as caught:
        assign_units(incident=incident, units=[car, busy], actor=minh)

    assert "TT-02" in str(caught.value.message)  # (a call sign reads the same in any language)
    assert caught.value.fields[str(busy.pk)]
    assert fresh_unit(car).status == "available"  # all or nothing
    assert not Assignment.objects.exists()


def test_an_ended_incident_takes_no_unit(incident: Incident, car: PatrolUnit, minh: User) -> None:
    incident_close(incident=incident, outcome="Đã giải tán", actor=minh)

    with pytest.raises(Conflict) as caught:
        assign_units(incident=incident, units=[car], actor=minh)

    assert caught.value.code == "incident_ended"


def test_the_database_refuses_a_unit_on_two_incidents(
    station: Unit, incident: Incident, car: PatrolUnit, minh: User
) -> None:
    assign_units(incident=incident, units=[car], actor=minh)
    other = incident_of(station)

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(incident=other, unit=car)


def test_the_crew_acknowledges_goes_en_route_and_arrives(
    incident: Incident, car: PatrolUnit, minh: User, hung: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)

    assignment_acknowledge(assignment=assignment, actor=hung)
    unit_set_status(unit=car, status=UnitStatus.EN_ROUTE, actor=hung)
    assert fresh_incident(incident).status == Incident.Status.DISPATCHED
    unit_set_status(unit=car, status=UnitStatus.ON_SCENE, actor=hung)

    assignment.refresh_from_db()
    assert assignment.acknowledged_at is not None
    assert assignment.acknowledged_at <= assignment.en_route_at <= assignment.on_scene_at  # type: ignore[operator]
    assert fresh_incident(incident).status == Incident.Status.ON_SCENE
    statuses = list(
        IncidentEvent.objects.filter(incident=incident, kind="status").values_list(
            "status", flat=True
        )
    )
    assert statuses == ["dispatched", "on_scene"]


def test_the_last_unit_leaving_with_an_outcome_resolves_the_incident(
    incident: Incident, car: PatrolUnit, minh: User, hung: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)
    unit_set_status(unit=car, status=UnitStatus.ON_SCENE, actor=hung)

    unit_set_status(
        unit=car, status=UnitStatus.AVAILABLE, actor=hung, outcome="Đã giải tán nhóm gây rối"
    )

    assignment.refresh_from_db()
    assert assignment.released_at is not None and assignment.released_by == hung
    assert (fresh_unit(car).status, fresh_unit(car).incident_id) == ("available", None)
    resolved = fresh_incident(incident)
    assert resolved.status == Incident.Status.RESOLVED
    assert resolved.outcome == "Đã giải tán nhóm gây rối"


def test_an_incident_whose_units_all_leave_unresolved_goes_back_to_the_queue(
    incident: Incident, car: PatrolUnit, minh: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)

    released = assignment_release(assignment=assignment, actor=minh, reason="Cần cho vụ khác")

    assert released.release_reason == "Cần cho vụ khác" and released.released_by == minh
    assert fresh_unit(car).status == "available"
    assert fresh_incident(incident).status == Incident.Status.ACKNOWLEDGED


def test_one_unit_leaving_keeps_the_incident_with_the_others(
    station: Unit, incident: Incident, car: PatrolUnit, minh: User, hung: User
) -> None:
    second = patrol_unit(station, call_sign="TT-02", at=north_of(300))
    assign_units(incident=incident, units=[car, second], actor=minh)
    unit_set_status(unit=car, status=UnitStatus.ON_SCENE, actor=hung)

    unit_set_status(unit=car, status=UnitStatus.AVAILABLE, actor=hung, outcome="Xong phần việc")

    assert fresh_incident(incident).status == Incident.Status.ON_SCENE
    assert fresh_unit(second).incident_id == incident.pk


def test_a_reassignment_moves_the_unit_and_records_it(
    station: Unit, incident: Incident, car: PatrolUnit, minh: User
) -> None:
    [first] = assign_units(incident=incident, units=[car], actor=minh)
    fire = incident_of(station, category="fire", priority=1)
    with pytest.raises(UnitUnavailable):
        assign_units(incident=fire, units=[car], actor=minh)

    with translation.override("en"):
        [second] = assign_units(incident=fire, units=[car], actor=minh, reassign=True)

    first.refresh_from_db()
    assert first.released_at is not None
    assert f"#{fire.pk}" in first.release_reason
    assert fresh_unit(car).incident_id == fire.pk and second.incident_id == fire.pk
    assert Assignment.objects.filter(unit=car, released_at__isnull=True).count() == 1
    assert fresh_incident(incident).status == Incident.Status.ACKNOWLEDGED  # no unit left
    change = fresh_unit(car).status_changes.latest("at")
    assert change.reason.endswith(f"#{incident.pk}")


def test_closing_an_incident_frees_its_units(
    incident: Incident, car: PatrolUnit, minh: User, hung: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)
    unit_set_status(unit=car, status=UnitStatus.EN_ROUTE, actor=hung)

    incident_close(incident=incident, outcome="Người báo huỷ", actor=minh, status="cancelled")

    assignment.refresh_from_db()
    assert assignment.released_at is not None
    assert (fresh_unit(car).status, fresh_unit(car).incident_id) == ("available", None)


def test_merging_an_incident_frees_the_units_of_the_merged_one(
    station: Unit, incident: Incident, car: PatrolUnit, minh: User
) -> None:
    assign_units(incident=incident, units=[car], actor=minh)
    target = incident_of(station)

    incident_merge(source=incident, target=target, actor=minh)

    assert fresh_unit(car).status == "available"


# --- Over the API -------------------------------------------------------------------------------


def test_a_dispatcher_assigns_over_the_api(
    client: Client, incident: Incident, car: PatrolUnit, minh: User
) -> None:
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/assignments",
        {"unit_ids": [car.pk]},
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code == 201, response.content
    [row] = response.json()
    assert (row["unit_id"], row["call_sign"], row["incident"]["id"]) == (
        car.pk,
        "TT-01",
        incident.pk,
    )
    listed = client.get(
        f"/api/v1/incidents/{incident.pk}/assignments", **bearer(client, minh)
    ).json()
    assert [a["id"] for a in listed] == [row["id"]]


def test_the_officer_acknowledges_and_the_dispatcher_releases_over_the_api(
    client: Client, incident: Incident, car: PatrolUnit, minh: User, hung: User
) -> None:
    [assignment] = assign_units(incident=incident, units=[car], actor=minh)

    ack = client.post(f"/api/v1/assignments/{assignment.pk}/acknowledge", **bearer(client, hung))
    unit_set_status(unit=car, status=UnitStatus.EN_ROUTE, actor=hung)
    release = client.post(
        f"/api/v1/assignments/{assignment.pk}/release",
        {"reason": "Điều sang vụ khác", "status": "returning"},
        content_type="application/json",
        **bearer(client, minh),
    )
    again = client.post(
        f"/api/v1/assignments/{assignment.pk}/release",
        {},
        content_type="application/json",
        **bearer(client, minh),
    )

    assert ack.status_code == 200 and ack.json()["acknowledged_at"] is not None
    assert release.status_code == 200, release.content
    assert release.json()["release_reason"] == "Điều sang vụ khác"
    assert fresh_unit(car).status == "returning"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "assignment_released"


def test_a_taken_unit_is_a_clear_409_over_the_api(
    client: Client, station: Unit, incident: Incident, car: PatrolUnit, minh: User
) -> None:
    assign_units(incident=incident, units=[car], actor=minh)
    other = incident_of(station)

    response = client.post(
        f"/api/v1/incidents/{other.pk}/assignments",
        {"unit_ids": [car.pk]},
        content_type="application/json",
        **bearer(client, minh),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "unit_unavailable"
    assert "TT-01" in error["message"]
    assert f"#{incident.pk}" in error["fields"][str(car.pk)][0]


def test_a_unit_with_no_way_off_an_ended_incident_is_released_on_the_record(
    incident: Incident,
    car: PatrolUnit,
    minh: User,
    published: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safecity.dispatch import services

    [assignment] = assign_units(incident=incident, units=[car], actor=minh)

    def no_way_off(**_kwargs: Any) -> None:
        raise Conflict("no transition")

    monkeypatch.setattr(services, "unit_set_status", no_way_off)
    incident_close(incident=incident, outcome="Đã giải tán", actor=minh)

    assignment.refresh_from_db()
    assert assignment.released_at is not None
    assert fresh_unit(car).incident_id is None
    assert AuditEntry.objects.filter(
        action="assignment.release_forced", object_id=str(assignment.pk)
    ).exists()
    assert "assignment.released" in [event for event, _payload, _kw in published.events]
