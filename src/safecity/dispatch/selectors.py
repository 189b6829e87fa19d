"""Reads of patrol units, assignments and recommendations, limited to what the caller
may see, and the ``access_*`` look-ups every dispatch view and API handler goes through.

Who sees what:
- the units board (``units_visible``): call-takers, dispatchers, commanders and patrol officers,
  within their unit's scope (the city command sees every unit, a station its own subtree's);
- assignments (which unit is on which incident, with the incident's address): dispatchers in
  scope; a patrol officer only their own unit's;
- dispatching a unit needs ``dispatch_units`` and the unit's home station in the dispatcher's
  scope: a ward station cannot send another station's unit; the city command can send any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from safecity.accounts.access import (
    access_scoped,
    clearance_filter,
    has_capability,
    is_officer,
    require_capability,
    require_officer,
    scope_filter,
    scoped,
    sees_all,
)
from safecity.accounts.models import DeviceKey, User
from safecity.core.errors import Forbidden, NotFound
from safecity.dispatch.models import (
    Assignment,
    PatrolUnit,
    UnitKind,
    UnitStatus,
)

# Recommendations live in their own module; they are named here, where reads are looked for.
from safecity.dispatch.recommend import Recommendation, recommend_units, suited_kinds
from safecity.dispatch.timer_reads import amber_s, thresholds
from safecity.incidents import selectors as incidents
from safecity.incidents.models import Incident, Report

DISPATCH = "accounts.dispatch_units"
# Officers who see the units board: call-takers, dispatchers, commanders and the patrol
# officers themselves (who see their own station's units).
UNIT_CAPABILITIES = (
    "accounts.take_calls",
    "accounts.dispatch_units",
    "accounts.command_operations",
    "accounts.work_patrol",
)
# Officers who see every assignment in their scope, not only their own unit's.
ASSIGNMENT_CAPABILITIES = (
    "accounts.take_calls",
    "accounts.dispatch_units",
    "accounts.command_operations",
)
# Officers who may read the reporter's name and phone of the incident their unit works.
CONTACT_CAPABILITIES = ("accounts.work_patrol", "accounts.dispatch_units")


# Officers who work the dispatch console (/ops/console/): dispatchers and commanders.
CONSOLE_CAPABILITIES = ("accounts.dispatch_units", "accounts.command_operations")


def access_console(user: Any) -> User:
    """The officer, if they may open the dispatch console; else ``Forbidden``. What the
    console shows is still limited by scope, row by row, in the reads and the API."""
    officer = require_officer(user)
    if not any(has_capability(officer, c) for c in CONSOLE_CAPABILITIES):
        raise Forbidden()
    return officer


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses a unit in ``status`` may move to (``SAFECITY_DISPATCH_TRANSITIONS``)."""
    return tuple(settings.SAFECITY_DISPATCH_TRANSITIONS.get(status, ()))


def _require_unit_role(user: Any) -> None:
    require_officer(user)
    if not any(user.has_perm(c) for c in UNIT_CAPABILITIES):
        raise Forbidden()


def units_visible(user: Any) -> QuerySet[PatrolUnit]:
    """Patrol units the officer may see: the city command all, a station its own subtree's."""
    _require_unit_role(user)
    return scoped(user, PatrolUnit.objects.select_related("station"), unit_field="station")


def _is_member_of(user: Any) -> Exists:
    through = PatrolUnit.members.through
    return Exists(through.objects.filter(patrolunit_id=OuterRef("pk"), user_id=user.pk))


def is_member(user: Any, unit: PatrolUnit) -> bool:
    return is_officer(user) and unit.members.filter(pk=user.pk).exists()


def access_patrol_unit(user: Any, unit_id: Any) -> PatrolUnit:
    return access_scoped(user, units_visible(user), unit_id, unit_field="station")


def access_unit_to_dispatch(user: Any, unit_id: Any) -> PatrolUnit:
    """A unit the dispatcher may send: its home station is in the dispatcher's scope."""
    require_capability(user, DISPATCH)
    return access_patrol_unit(user, unit_id)


def access_unit_to_operate(user: Any, unit_id: Any) -> PatrolUnit:
    """A unit whose status the officer may change: a member of its crew, or a dispatcher
    whose scope holds its station."""
    require_officer(user)
    allowed = Q(members=user)
    if has_capability(user, DISPATCH):
        # ``Q() | Q(…)`` drops the empty Q, so "sees everything" must be said explicitly.
        allowed = Q() if sees_all(user) else allowed | scope_filter(user, "station")
    try:
        return (
            PatrolUnit.objects.select_related("station").filter(allowed).distinct().get(pk=unit_id)
        )
    except (PatrolUnit.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_incident_to_dispatch(user: Any, incident_id: Any) -> Incident:
    require_capability(user, DISPATCH)
    return incidents.access_incident(user, incident_id)


def sees_all_assignments(user: Any) -> bool:
    return any(has_capability(user, c) for c in ASSIGNMENT_CAPABILITIES)


def assignments_visible(user: Any) -> QuerySet[Assignment]:
    """Assignments of units or incidents in the officer's scope; a patrol officer's own only."""
    require_officer(user)
    rows = Assignment.objects.select_related("unit", "unit__station", "incident", "incident__unit")
    if not sees_all_assignments(user):
        if not has_capability(user, "accounts.work_patrol"):
            raise Forbidden()
        return rows.filter(unit__members=user)
    # An incident above the officer's clearance stays hidden here as everywhere else (its
    # address and summary travel with the assignment).
    rows = rows.filter(clearance_filter(user, "incident__classification"))
    if sees_all(user):
        return rows
    return rows.filter(scope_filter(user, "unit__station") | scope_filter(user, "incident__unit"))


def access_assignment(user: Any, assignment_id: Any) -> Assignment:
    try:
        return assignments_visible(user).get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_assignment_as_member(user: Any, assignment_id: Any) -> Assignment:
    """An assignment of a unit the officer crews (to acknowledge it)."""
    require_officer(user)
    try:
        return Assignment.objects.select_related(
            "unit", "unit__station", "incident", "incident__unit"
        ).get(pk=assignment_id, unit__members=user)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- Positions: who may post a unit's fixes ------------------------------------------------------


@dataclass(frozen=True)
class PositionTarget:
    """What the position ingest needs of a unit, read in one query with the permission."""

    id: int
    call_sign: str
    status: str
    station_path: str
    lat: float | None
    lon: float | None
    position_at: datetime | None


_TARGET_FIELDS = ("id", "call_sign", "status", "station__path", "lat", "lon", "position_at")


def _target(row: dict[str, Any]) -> PositionTarget:
    return PositionTarget(
        id=row["id"],
        call_sign=row["call_sign"],
        status=row["status"],
        station_path=row["station__path"],
        lat=row["lat"],
        lon=row["lon"],
        position_at=row["position_at"],
    )


def access_unit_for_positions(auth: Any, unit_id: int) -> PositionTarget:
    """The unit whose fixes ``auth`` may post: its tracker's device key (subject = the unit's
    id or call sign), an officer of its crew, or a dispatcher whose scope holds it."""
    units = PatrolUnit.objects.filter(pk=unit_id)
    if isinstance(auth, DeviceKey):
        row = units.values(*_TARGET_FIELDS).first()
        if (
            row is None
            or auth.kind != DeviceKey.Kind.TRACKER
            or auth.subject not in {str(row["id"]), row["call_sign"]}
        ):
            raise NotFound()
        return _target(row)
    require_officer(auth)
    row = units.annotate(is_member=_is_member_of(auth)).values(*_TARGET_FIELDS, "is_member").first()
    if row is None:
        raise NotFound()
    if row["is_member"]:
        return _target(row)
    visible = sees_all(auth) or (
        auth.unit is not None and row["station__path"].startswith(auth.unit.path)
    )
    if not visible:
        raise NotFound()
    if not has_capability(auth, DISPATCH):
        raise Forbidden()
    return _target(row)


# --- Rows: what the API and the live events say about units and assignments -------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _unit_timer(unit: PatrolUnit, priority: int | None) -> dict[str, Any] | None:
    """The unit's running timer: dispatched → en route, or en route → on scene. Either starts
    when the unit entered its status, so ``status_since`` is the start."""
    if priority is None or unit.status not in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE):
        return None
    limit = thresholds(priority).limit(str(unit.status))
    return {
        "name": str(unit.status),
        "started_at": _iso(unit.status_since),
        "limit_s": limit,
        "amber_s": amber_s(limit),
    }


def unit_row(unit: PatrolUnit, *, priority: int | None = None) -> dict[str, Any]:
    """A unit as the board, the map and the live events show it. ``priority``: its incident's
    (read from ``unit.incident`` when not given and the unit has one)."""
    if priority is None and unit.incident_id is not None:
        priority = unit.incident.priority if unit.incident else None
    return {
        "id": unit.pk,
        "call_sign": unit.call_sign,
        "kind": unit.kind,
        "kind_label": str(UnitKind(unit.kind).label) if unit.kind in UnitKind.values else unit.kind,
        "station_id": unit.station_id,
        "status": unit.status,
        "status_label": str(UnitStatus(unit.status).label),
        "status_since": _iso(unit.status_since),
        "on_duty": unit.on_duty,
        "incident_id": unit.incident_id,
        "lat": unit.lat,
        "lon": unit.lon,
        "heading": unit.heading,
        "speed_mps": unit.speed_mps,
        "accuracy_m": unit.accuracy_m,
        "position_at": _iso(unit.position_at),
        "capabilities": list(unit.capabilities or []),
        "timer": _unit_timer(unit, priority),
    }


def incident_brief(incident: Incident) -> dict[str, Any]:
    """The incident as a unit's crew needs it: where to go and what for."""
    return {
        "id": incident.pk,
        "category": incident.category,
        "category_label": str(incident.get_category_display()),
        "priority": incident.priority,
        "status": incident.status,
        "address": incident.address,
        "summary": incident.summary,
        "ward_code": incident.ward_code,
        "lat": incident.lat,
        "lon": incident.lon,
        # Opens the phone's navigation app at the incident (RFC 5870).
        "geo_uri": f"geo:{incident.lat:.6f},{incident.lon:.6f}",
    }


def assignment_row(
    assignment: Assignment, *, unit: PatrolUnit | None = None, incident: Incident | None = None
) -> dict[str, Any]:
    unit = unit or assignment.unit
    incident = incident or assignment.incident
    return {
        "id": assignment.pk,
        "incident_id": assignment.incident_id,
        "unit_id": assignment.unit_id,
        "call_sign": unit.call_sign,
        "assigned_at": _iso(assignment.assigned_at),
        "assigned_by": assignment.assigned_by_id,
        "acknowledged_at": _iso(assignment.acknowledged_at),
        "en_route_at": _iso(assignment.en_route_at),
        "on_scene_at": _iso(assignment.on_scene_at),
        "released_at": _iso(assignment.released_at),
        "release_reason": assignment.release_reason,
        "incident": incident_brief(incident),
    }


# --- The units board and the officer's own unit --------------------------------------------------


def units_board(
    user: Any,
    *,
    status: str = "",
    kind: str = "",
    station_id: int | None = None,
    on_duty: bool | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Units the officer may see, with status, position and the running timer: one query."""
    rows = units_visible(user).select_related("incident")
    if status:
        rows = rows.filter(status__in=status.split(","))
    if kind:
        rows = rows.filter(kind__in=kind.split(","))
    if station_id is not None:
        rows = rows.filter(station_id=station_id)
    if on_duty is not None:
        rows = rows.filter(on_duty=on_duty)
    return [unit_row(u) for u in rows.order_by("call_sign")[:limit]]


def unit_detail(user: Any, unit: PatrolUnit) -> dict[str, Any]:
    """One unit with its crew and last status changes; its assignment if the officer may see
    assignments (dispatchers in scope, or a member of this unit)."""
    out = unit_row(unit)
    out["station_name"] = unit.station.name
    out["members"] = [
        {"id": m.pk, "username": m.username, "full_name": m.display_name, "rank": m.rank}
        for m in unit.members.order_by("username")
    ]
    out["allowed_next"] = list(allowed_next(unit.status))
    out["status_changes"] = [
        {
            "from_status": c.from_status,
            "to_status": c.to_status,
            "at": c.at,
            "actor": c.actor.username if c.actor else "",
            "incident_id": c.incident_id,
            "reason": c.reason,
        }
        for c in unit.status_changes.select_related("actor").order_by("-at", "-id")[:20]
    ]
    out["assignment"] = None
    if sees_all_assignments(user) or is_member(user, unit):
        assignment = assignments_visible(user).filter(unit=unit, released_at__isnull=True).first()
        if assignment is not None:
            out["assignment"] = assignment_row(assignment, unit=unit)
    return out


def may_see_contact(user: Any, incident: Incident) -> bool:
    return any(has_capability(user, c) for c in CONTACT_CAPABILITIES) and int(
        user.clearance
    ) >= int(incident.classification)


def reporter_contacts(incident: Incident) -> list[dict[str, str]]:
    """The reporters' names and phones of an incident, one per phone number, oldest first."""
    seen: set[str] = set()
    out = []
    for name, phone in (
        Report.objects.filter(incident=incident)
        .exclude(reporter_phone="")
        .order_by("received_at")
        .values_list("reporter_name", "reporter_phone")
    ):
        if phone not in seen:
            seen.add(phone)
            out.append({"name": name, "phone": phone})
    return out


def crewed_unit(user: Any) -> PatrolUnit | None:
    """The unit the officer crews (the on-duty one first, if they crew several), or None."""
    require_officer(user)
    return (
        PatrolUnit.objects.select_related("station", "incident", "incident__unit")
        .filter(members=user)
        .order_by("-on_duty", "-status_since", "pk")
        .first()
    )


def my_unit(user: Any) -> dict[str, Any]:
    """The officer's own unit (the on-duty one first, if they crew several) and its current
    assignment with the address and, for officers allowed to see it, the reporters' contact.
    The caller audits the contact read."""
    unit = crewed_unit(user)
    if unit is None:
        raise NotFound(_("You are not in the crew of any unit."), code="no_unit")
    out: dict[str, Any] = {
        "unit": unit_row(unit),
        "allowed_next": list(allowed_next(unit.status)),
        "assignment": None,
        "contacts": None,
        "contact_hidden": False,
    }
    assignment = (
        Assignment.objects.select_related("incident", "incident__unit")
        .filter(unit=unit, released_at__isnull=True)
        .first()
    )
    if assignment is not None:
        out["assignment"] = assignment_row(assignment, unit=unit)
        if may_see_contact(user, assignment.incident):
            out["contacts"] = reporter_contacts(assignment.incident)
        else:
            out["contact_hidden"] = True
    return out


def incident_assignments(user: Any, incident: Incident) -> list[dict[str, Any]]:
    rows = assignments_visible(user).filter(incident=incident).order_by("assigned_at", "id")
    return [assignment_row(a) for a in rows]


__all__ = [
    "access_assignment",
    "access_console",
    "access_incident_to_dispatch",
    "access_patrol_unit",
    "access_unit_for_positions",
    "access_unit_to_dispatch",
    "access_unit_to_operate",
    "allowed_next",
    "crewed_unit",
    "my_unit",
    "Recommendation",
    "recommend_units",
    "suited_kinds",
    "unit_detail",
    "units_board",
    "units_visible",
]
