"""A unit's status moves only along the status model (``SAFECITY_DISPATCH_TRANSITIONS``); each
change is recorded with its time and who made it, and audited. A forbidden move is a 409 that
names the statuses allowed next."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from safecity.accounts.models import User
from safecity.core.models import AuditEntry
from safecity.dispatch import conf
from safecity.dispatch.models import PatrolUnit, UnitKind, UnitStatus, UnitStatusChange
from safecity.dispatch.services import TransitionForbidden, unit_set_status, unit_shift_end
from tests.conftest import bearer
from tests.dispatch.conftest import fresh_unit

pytestmark = pytest.mark.django_db


def test_the_settings_parser_knows_every_status_and_kind() -> None:
    assert set(conf.STATUSES) == set(UnitStatus.values)
    assert set(conf.KINDS) == set(UnitKind.values)
    assert set(conf.DEFAULT_TRANSITIONS) == set(UnitStatus.values)


@pytest.mark.parametrize(
    ("path", "end"),
    [
        ([UnitStatus.BUSY], UnitStatus.BUSY),
        ([UnitStatus.BUSY, UnitStatus.RETURNING, UnitStatus.AVAILABLE], UnitStatus.AVAILABLE),
        ([UnitStatus.OUT_OF_SERVICE, UnitStatus.OFF_DUTY], UnitStatus.OFF_DUTY),
        ([UnitStatus.OFF_DUTY, UnitStatus.AVAILABLE], UnitStatus.AVAILABLE),
    ],
)
def test_it_allows_the_moves_of_the_status_model(
    car: PatrolUnit, hung: User, path: list[str], end: str
) -> None:
    for status in path:
        unit_set_status(unit=car, status=status, actor=hung)

    assert fresh_unit(car).status == end


@pytest.mark.parametrize(
    ("start", "wanted"),
    [
        (UnitStatus.AVAILABLE, UnitStatus.ON_SCENE),
        (UnitStatus.AVAILABLE, UnitStatus.EN_ROUTE),
        (UnitStatus.OFF_DUTY, UnitStatus.BUSY),
        (UnitStatus.OUT_OF_SERVICE, UnitStatus.RETURNING),
    ],
)
def test_it_refuses_a_move_the_model_forbids_and_names_the_allowed_ones(
    car: PatrolUnit, hung: User, start: str, wanted: str
) -> None:
    if start != UnitStatus.AVAILABLE:
        unit_set_status(unit=car, status=start, actor=hung)

    with pytest.raises(TransitionForbidden) as caught:
        unit_set_status(unit=car, status=wanted, actor=hung)

    assert caught.value.status == 409
    assert caught.value.fields["allowed"] == list(conf.DEFAULT_TRANSITIONS[start])
    assert fresh_unit(car).status == start


def test_it_dispatches_a_unit_only_through_an_assignment(car: PatrolUnit, hung: User) -> None:
    with pytest.raises(TransitionForbidden) as caught:
        unit_set_status(unit=car, status=UnitStatus.DISPATCHED, actor=hung)

    assert caught.value.code == "needs_incident"


def test_it_records_every_change_with_its_time_actor_and_reason(
    car: PatrolUnit, hung: User
) -> None:
    before = fresh_unit(car).status_since

    unit_set_status(unit=car, status=UnitStatus.BUSY, actor=hung, reason="Tuần tra mục tiêu")

    change = UnitStatusChange.objects.filter(unit=car).latest("at")
    assert (change.from_status, change.to_status) == ("available", "busy")
    assert change.actor == hung
    assert change.reason == "Tuần tra mục tiêu"
    assert change.at > before
    assert fresh_unit(car).status_since == change.at
    entry = (
        AuditEntry.objects.filter(action="patrol_unit.status", object_id=str(car.pk))
        .order_by("seq")
        .last()
    )
    assert entry is not None and entry.detail["to"] == "busy"
    assert entry.actor_username == "hung"


def test_a_shift_end_takes_the_unit_off_duty_and_a_start_puts_it_back(
    car: PatrolUnit, hung: User
) -> None:
    unit_shift_end(unit=car, actor=hung)
    assert (fresh_unit(car).status, fresh_unit(car).on_duty) == ("off_duty", False)

    unit_set_status(unit=car, status=UnitStatus.AVAILABLE, actor=hung)

    unit = fresh_unit(car)
    assert (unit.status, unit.on_duty) == ("available", True)
    assert unit.shift_started_at is not None


def test_pressing_the_same_status_twice_changes_nothing(car: PatrolUnit, hung: User) -> None:
    unit_set_status(unit=car, status=UnitStatus.BUSY, actor=hung)
    count = UnitStatusChange.objects.filter(unit=car).count()

    unit_set_status(unit=car, status=UnitStatus.BUSY, actor=hung)

    assert UnitStatusChange.objects.filter(unit=car).count() == count


def test_the_transitions_can_be_configured(car: PatrolUnit, hung: User, settings: Any) -> None:
    settings.SAFECITY_DISPATCH_TRANSITIONS = conf.parse_transitions(
        "SAFECITY_DISPATCH_TRANSITIONS", "available=dispatched|on_scene;on_scene=available"
    )

    unit_set_status(unit=car, status=UnitStatus.ON_SCENE, actor=hung)  # self-dispatched

    assert fresh_unit(car).status == UnitStatus.ON_SCENE
    with pytest.raises(TransitionForbidden):
        unit_set_status(unit=car, status=UnitStatus.RETURNING, actor=hung)


@pytest.mark.parametrize(
    "value",
    ["available=flying", "nowhere=available", "available", "busy=busy"],
)
def test_a_bad_transition_setting_stops_the_start(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SAFECITY_DISPATCH_TRANSITIONS"):
        conf.parse_transitions("SAFECITY_DISPATCH_TRANSITIONS", value)


@pytest.mark.parametrize(
    ("parser", "value"),
    [
        (lambda v: conf.parse_timers("T", v), "1=30/60/480"),  # P2-P4 missing
        (lambda v: conf.parse_timers("T", v), "1=30/60,2=1/1/1,3=1/1/1,4=1/1/1"),
        (lambda v: conf.parse_speeds("T", v), "tank=3"),
        (lambda v: conf.parse_speeds("T", v), "foot=-1"),
        (lambda v: conf.parse_kinds("T", v), "fire=tank"),
    ],
)
def test_bad_dispatch_settings_stop_the_start(parser: Any, value: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parser(value)


# --- Over the API -------------------------------------------------------------------------------


def test_the_crew_changes_status_over_the_api(client: Client, car: PatrolUnit, hung: User) -> None:
    response = client.post(
        f"/api/v1/units/{car.pk}/status",
        {"status": "busy", "reason": "Hỗ trợ tổ khác"},
        content_type="application/json",
        **bearer(client, hung),
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "busy"
    assert fresh_unit(car).status == "busy"


def test_a_forbidden_move_is_a_409_with_the_allowed_next_statuses(
    client: Client, car: PatrolUnit, hung: User
) -> None:
    response = client.post(
        f"/api/v1/units/{car.pk}/status",
        {"status": "on_scene"},
        content_type="application/json",
        **bearer(client, hung),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "transition_forbidden"
    assert error["fields"]["allowed"] == ["dispatched", "busy", "out_of_service", "off_duty"]
    assert "Busy" in error["message"]
