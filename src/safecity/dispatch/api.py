"""Patrol units, their status and positions, recommendations and assignments.

``/units/{unit_id}/…`` (status, shift, positions) take a patrol unit's id; the organisation's
units (stations, departments) are ``/units`` and ``/units/{unit_id}`` of the accounts app, so
the units board is ``/dispatch/units``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from safecity.accounts.access import (
    access_officer,
    access_unit,
    has_capability,
    require_capability,
    require_officer,
)
from safecity.accounts.auth import DEVICE_OR_USER_AUTH
from safecity.core import audit
from safecity.core.api import ERROR_RESPONSES
from safecity.core.errors import Forbidden
from safecity.dispatch import positions, selectors, services, timer_reads
from safecity.dispatch.models import Assignment, PatrolUnit
from safecity.dispatch.schemas import (
    AssignIn,
    AssignmentOut,
    MyUnitOut,
    PositionsIn,
    PositionsOut,
    RecommendationFilter,
    RecommendationOut,
    ReleaseIn,
    ShiftIn,
    StatusIn,
    TimersOut,
    UnitDetailOut,
    UnitFilter,
    UnitIn,
    UnitOut,
)

router = Router(tags=["dispatch"])

# Commanders and system administrators set up units; dispatchers crew them for a shift.
SETUP_CAPABILITIES = ("accounts.command_operations", "accounts.manage_accounts")


def _caller(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _fresh(unit: PatrolUnit) -> PatrolUnit:
    return PatrolUnit.objects.select_related("station", "incident").get(pk=unit.pk)


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return selectors.assignment_row(
        Assignment.objects.select_related("unit", "incident").get(pk=assignment.pk)
    )


# --- Units -------------------------------------------------------------------------------------


@router.get("/dispatch/units", response={200: list[UnitOut], **ERROR_RESPONSES})
def unit_list(request: HttpRequest, filters: Query[UnitFilter]) -> list[dict[str, Any]]:
    """The units board: patrol units in the caller's scope with status, position and the
    running timer (dispatched → en route, en route → on scene)."""
    return selectors.units_board(
        _caller(request),
        status=filters.status,
        kind=filters.kind,
        station_id=filters.station_id,
        on_duty=filters.on_duty,
        limit=filters.limit,
    )


@router.post("/dispatch/units", response={201: UnitOut, **ERROR_RESPONSES})
def unit_create(request: HttpRequest, payload: UnitIn) -> Status[dict[str, Any]]:
    """Set up a patrol unit (off duty until its shift starts)."""
    user = require_officer(_caller(request))
    if not any(has_capability(user, c) for c in SETUP_CAPABILITIES):
        raise Forbidden()
    station = access_unit(user, payload.station_id)
    members = [access_officer(user, pk) for pk in payload.member_ids]
    unit = services.unit_create(
        call_sign=payload.call_sign,
        kind=payload.kind,
        station=station,
        members=members,
        capabilities=payload.capabilities,
        actor=user,
    )
    return Status(201, selectors.unit_row(_fresh(unit)))


@router.get("/dispatch/units/{unit_id}", response={200: UnitDetailOut, **ERROR_RESPONSES})
def unit_detail(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    """One patrol unit: crew, allowed next statuses, last status changes and (for dispatchers
    and its own crew) its current assignment."""
    user = _caller(request)
    return selectors.unit_detail(user, selectors.access_patrol_unit(user, unit_id))


@router.post("/units/{unit_id}/status", response={200: UnitOut, **ERROR_RESPONSES})
def unit_status(request: HttpRequest, unit_id: int, payload: StatusIn) -> dict[str, Any]:
    """Change a patrol unit's status (its crew, or a dispatcher in scope). A transition the
    status model forbids is a 409 `transition_forbidden` whose `fields.allowed` lists the
    statuses allowed next. Leaving an incident (any status but en route / on scene) releases
    the assignment; `outcome` from the last unit to leave the scene resolves the incident."""
    user = _caller(request)
    unit = selectors.access_unit_to_operate(user, unit_id)
    unit = services.unit_set_status(
        unit=unit,
        status=payload.status,
        reason=payload.reason,
        outcome=payload.outcome,
        actor=user,
    )
    return selectors.unit_row(_fresh(unit))


@router.post("/units/{unit_id}/shift", response={200: UnitOut, **ERROR_RESPONSES})
def unit_shift(request: HttpRequest, unit_id: int, payload: ShiftIn) -> dict[str, Any]:
    """Start (`on_duty: true`, optionally with the crew's officer ids, dispatchers only) or end
    a patrol unit's shift."""
    user = _caller(request)
    unit = selectors.access_unit_to_operate(user, unit_id)
    if payload.on_duty:
        members = None
        if payload.member_ids is not None:
            require_capability(user, selectors.DISPATCH)
            members = [access_officer(user, pk) for pk in payload.member_ids]
        unit = services.unit_shift_start(unit=unit, actor=user, members=members)
    else:
        unit = services.unit_shift_end(unit=unit, actor=user)
    return selectors.unit_row(_fresh(unit))


@router.post(
    "/units/{unit_id}/positions",
    auth=DEVICE_OR_USER_AUTH,
    response={200: PositionsOut, **ERROR_RESPONSES},
)
def unit_positions(request: HttpRequest, unit_id: int, payload: PositionsIn) -> dict[str, Any]:
    """Post a batch of up to 1,000 fixes of a patrol unit: its tracker's device key (whose
    subject is the unit's id or call sign), an officer of its crew, or a dispatcher in scope.
    Each fix is accepted or rejected on its own: `{"accepted": N, "rejected": [{"index",
    "code", "message"}]}` with codes `invalid`, `outside_area`, `in_future`, `too_old`,
    `impossible_speed`, `duplicate`."""
    target = selectors.access_unit_for_positions(_caller(request), unit_id)
    fixes = [
        positions.Fix(
            lat=f.lat,
            lon=f.lon,
            ts=f.ts,
            accuracy_m=f.accuracy_m,
            speed_mps=f.speed_mps,
            heading=f.heading,
        )
        for f in payload.fixes
    ]
    return positions.positions_record(target=target, fixes=fixes).as_dict()


@router.get("/my-unit", response={200: MyUnitOut, **ERROR_RESPONSES})
def my_unit(request: HttpRequest) -> dict[str, Any]:
    """The caller's own unit, its allowed next statuses and its current assignment with the
    address, a `geo:` link and — for officers allowed to see it — the reporters' contact."""
    user = _caller(request)
    out = selectors.my_unit(user)
    if out["contacts"]:
        audit.record(
            "incident.contact_read",
            actor=user,
            object_type="incident",
            object_id=out["assignment"]["incident_id"],
            purpose="responding to an assignment",
        )
    return out


# --- Incidents: recommendations and assignments --------------------------------------------------


@router.get(
    "/incidents/{incident_id}/recommendations",
    response={200: list[RecommendationOut], **ERROR_RESPONSES},
)
def incident_recommendations(
    request: HttpRequest, incident_id: int, filters: Query[RecommendationFilter]
) -> list[dict[str, Any]]:
    """Available, on-duty units of a kind suited to the incident's category that the caller
    may dispatch, fastest first, each with distance, ETA and why it is ranked there."""
    user = _caller(request)
    incident = selectors.access_incident_to_dispatch(user, incident_id)
    ranked = selectors.recommend_units(incident, user=user, limit=filters.limit)
    return [r.as_dict() for r in ranked]


@router.get(
    "/incidents/{incident_id}/assignments",
    response={200: list[AssignmentOut], **ERROR_RESPONSES},
)
def incident_assignments(request: HttpRequest, incident_id: int) -> list[dict[str, Any]]:
    """Every unit sent to the incident, open and released (a patrol officer: their own)."""
    user = _caller(request)
    from safecity.incidents.selectors import access_incident

    return selectors.incident_assignments(user, access_incident(user, incident_id))


@router.post(
    "/incidents/{incident_id}/assignments",
    response={201: list[AssignmentOut], **ERROR_RESPONSES},
)
def incident_assign(
    request: HttpRequest, incident_id: int, payload: AssignIn
) -> Status[list[dict[str, Any]]]:
    """Dispatch units to the incident: all of them or none. A unit another dispatcher took a
    moment ago (or otherwise not available) is a 409 `unit_unavailable` naming it. With
    `reassign`, units working other incidents are moved here."""
    user = _caller(request)
    incident = selectors.access_incident_to_dispatch(user, incident_id)
    units = [selectors.access_unit_to_dispatch(user, pk) for pk in dict.fromkeys(payload.unit_ids)]
    made = services.assign_units(
        incident=incident, units=units, actor=user, reassign=payload.reassign
    )
    return Status(201, [_assignment_out(a) for a in made])


@router.post(
    "/assignments/{assignment_id}/acknowledge", response={200: AssignmentOut, **ERROR_RESPONSES}
)
def assignment_acknowledge(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    """The unit's officer has seen the assignment."""
    user = _caller(request)
    assignment = selectors.access_assignment_as_member(user, assignment_id)
    return _assignment_out(services.assignment_acknowledge(assignment=assignment, actor=user))


@router.post(
    "/assignments/{assignment_id}/release", response={200: AssignmentOut, **ERROR_RESPONSES}
)
def assignment_release(
    request: HttpRequest, assignment_id: int, payload: ReleaseIn
) -> dict[str, Any]:
    """Take the unit off the incident (a dispatcher in scope of the unit); the unit goes to
    `status` (available by default)."""
    user = _caller(request)
    assignment = selectors.access_assignment(user, assignment_id)
    selectors.access_unit_to_dispatch(user, assignment.unit_id)
    released = services.assignment_release(
        assignment=assignment, actor=user, reason=payload.reason, status=payload.status
    )
    return _assignment_out(released)


@router.get("/dispatch/timers", response={200: TimersOut, **ERROR_RESPONSES})
def timers(request: HttpRequest) -> dict[str, Any]:
    """Running timers of the incidents the caller may see, with the thresholds per priority,
    so the console counts them down between live events (amber, then red when overdue)."""
    return timer_reads.timers_visible(_caller(request))
