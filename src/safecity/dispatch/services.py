"""Every change to patrol units and assignments: keyword-only, one transaction each, the status
history, the audit trail and the live events written inside (sent after commit).

A unit's status moves along ``SAFECITY_DISPATCH_TRANSITIONS``. It becomes "dispatched" only by
``assign_units``, which takes it with a conditional UPDATE (``WHERE status = 'available'``):
of two dispatchers taking the same unit at once exactly one changes the row, and the other is
told who has it. The partial unique index on open assignments backs this in the database.
The incident follows its units: dispatched on the first assignment, on scene with the first
unit there, back to acknowledged when the last unit leaves without resolving it.

Positions are in ``dispatch.positions``; status timers in ``dispatch.timers``; the live events
these changes send in ``dispatch.events``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import Unit, User
from safecity.core import audit
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.text import clean
from safecity.dispatch.events import publish_assignment, publish_unit
from safecity.dispatch.models import (
    ASSIGNED_STATUSES,
    Assignment,
    PatrolUnit,
    UnitKind,
    UnitStatus,
    UnitStatusChange,
)
from safecity.dispatch.selectors import allowed_next
from safecity.incidents import services as incidents
from safecity.incidents.models import Incident

MAX_UNITS_PER_ASSIGNMENT = 20


class TransitionForbidden(Conflict):
    code = "transition_forbidden"


class UnitUnavailable(Conflict):
    code = "unit_unavailable"


def _label(status: str) -> str:
    try:
        return str(UnitStatus(status).label)
    except ValueError:
        return status


def transition_forbidden(current: str, wanted: str) -> TransitionForbidden:
    allowed = list(allowed_next(current))
    return TransitionForbidden(
        _("A unit that is %(current)s cannot become %(wanted)s. Allowed next: %(allowed)s.")
        % {
            "current": _label(current),
            "wanted": _label(wanted),
            "allowed": ", ".join(_label(s) for s in allowed) or "—",
        },
        fields={"status": [_("Not allowed from %(s)s.") % {"s": current}], "allowed": allowed},
    )


def _user(actor: Any) -> User | None:
    """The officer behind an action, for foreign keys (a device key is no user)."""
    return actor if isinstance(actor, User) else None


# --- Units ------------------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    call_sign: str,
    kind: str,
    station: Unit,
    members: Iterable[User] = (),
    capabilities: Sequence[str] = (),
    actor: Any = None,
) -> PatrolUnit:
    call_sign = clean(call_sign)[:30]
    errors: dict[str, list[str]] = {}
    if not call_sign:
        errors["call_sign"] = [_("Give the unit a call sign.")]
    elif PatrolUnit.objects.filter(call_sign=call_sign).exists():
        errors["call_sign"] = [_("This call sign is taken.")]
    if kind not in UnitKind.values:
        errors["kind"] = [_("Choose one of: %(k)s.") % {"k": ", ".join(UnitKind.values)}]
    if errors:
        raise InvalidInput(fields=errors)
    unit = PatrolUnit.objects.create(
        call_sign=call_sign,
        kind=kind,
        station=station,
        capabilities=[clean(c)[:40] for c in capabilities if clean(c)],
        on_duty=False,
        status=UnitStatus.OFF_DUTY,
    )
    members = list(members)
    if members:
        unit.members.set(members)
    audit.record(
        "patrol_unit.create",
        actor=actor,
        object_type="patrol_unit",
        object_id=unit.pk,
        detail={"call_sign": call_sign, "kind": kind, "station": station.code},
    )
    publish_unit(unit, event="unit.created")
    return unit


@transaction.atomic
def unit_set_members(*, unit: PatrolUnit, members: Iterable[User], actor: Any) -> PatrolUnit:
    """The crew of a unit for the shift. Only officers are members."""
    members = list(members)
    if any(m.kind != User.Kind.OFFICER for m in members):
        raise InvalidInput(fields={"members": [_("Only officers can crew a unit.")]})
    unit = _lock_unit(unit.pk)
    unit.members.set(members)
    audit.record(
        "patrol_unit.members",
        actor=actor,
        object_type="patrol_unit",
        object_id=unit.pk,
        detail={"members": sorted(m.username for m in members)},
    )
    publish_unit(unit)
    return unit


# ``of=("self",)``: on PostgreSQL, lock the row itself, not the station or incident joined to
# it (every unit of a station would otherwise queue behind one another's changes).
_SELF = ("self",)


def _lock_unit(unit_id: int) -> PatrolUnit:
    return PatrolUnit.objects.select_for_update(of=_SELF).select_related("station").get(pk=unit_id)


def _open_assignment(unit: PatrolUnit) -> Assignment | None:
    return (
        Assignment.objects.select_for_update(of=_SELF)
        .select_related("incident", "incident__unit")
        .filter(unit=unit, released_at__isnull=True)
        .first()
    )


def _record_change(
    unit: PatrolUnit,
    before: str,
    *,
    actor: Any,
    at: datetime,
    incident_id: int | None = None,
    reason: str = "",
) -> UnitStatusChange:
    return UnitStatusChange.objects.create(
        unit=unit,
        from_status=before,
        to_status=unit.status,
        at=at,
        actor=_user(actor),
        incident_id=incident_id,
        reason=reason[:300],
    )


@transaction.atomic
def unit_set_status(
    *, unit: PatrolUnit, status: str, actor: Any, reason: str = "", outcome: str = ""
) -> PatrolUnit:
    """Move a unit to ``status`` if the status model allows it.

    On an assignment, "en route" and "on scene" stamp it (and "on scene" brings the incident
    on scene); any other status releases it. ``outcome``, given by the last unit to leave the
    scene, resolves the incident with that outcome.
    """
    if status not in UnitStatus.values:
        raise InvalidInput(
            fields={"status": [_("Choose one of: %(s)s.") % {"s": ", ".join(UnitStatus.values)}]}
        )
    reason, outcome = clean(reason)[:300], clean(outcome)[:500]
    unit = _lock_unit(unit.pk)
    if unit.status == status:
        return unit  # pressing the same button twice is not an error
    if status == UnitStatus.DISPATCHED:
        raise TransitionForbidden(
            _("A unit is dispatched by assigning it to an incident."),
            code="needs_incident",
            fields={"status": [_("Assign the unit to an incident instead.")]},
        )
    if status not in allowed_next(unit.status):
        raise transition_forbidden(unit.status, status)
    now = timezone.now()
    before = unit.status
    assignment = _open_assignment(unit) if before in ASSIGNED_STATUSES else None
    released: Assignment | None = None
    if assignment is not None and status in ASSIGNED_STATUSES:
        _progress(assignment, status, now)
    elif assignment is not None:
        released = assignment
        assignment.released_at = now
        assignment.released_by = _user(actor)
        assignment.release_reason = (reason or outcome or _("Cleared by the unit"))[:300]
        assignment.save(update_fields=["released_at", "released_by", "release_reason"])
        unit.incident = None
    unit.status = status
    unit.status_since = now
    unit.on_duty = status != UnitStatus.OFF_DUTY
    if status not in ASSIGNED_STATUSES:
        unit.incident = None
    if before == UnitStatus.OFF_DUTY:
        unit.shift_started_at = now
    unit.save(update_fields=["status", "status_since", "on_duty", "incident", "shift_started_at"])
    incident_id = assignment.incident_id if assignment else None
    _record_change(unit, before, actor=actor, at=now, incident_id=incident_id, reason=reason)
    audit.record(
        "patrol_unit.status",
        actor=actor,
        object_type="patrol_unit",
        object_id=unit.pk,
        detail={"from": before, "to": status, "incident": incident_id, "reason": reason},
    )
    if assignment is not None:
        incident = assignment.incident
        publish_assignment(
            "assignment.updated" if released is None else "assignment.released",
            assignment,
            unit,
            incident,
        )
        publish_unit(unit, extra_path=incident.unit.path)
        if released is None and status == UnitStatus.ON_SCENE:
            _incident_to(incident, Incident.Status.ON_SCENE, actor)
        elif released is not None:
            _incident_follow(incident.pk, actor=actor, outcome=outcome)
    else:
        publish_unit(unit)
    return unit


def _progress(assignment: Assignment, status: str, now: datetime) -> None:
    fields = []
    if assignment.acknowledged_at is None:  # moving is the clearest acknowledgement
        assignment.acknowledged_at = now
        fields.append("acknowledged_at")
    if status == UnitStatus.EN_ROUTE and assignment.en_route_at is None:
        assignment.en_route_at = now
        fields.append("en_route_at")
    if status == UnitStatus.ON_SCENE and assignment.on_scene_at is None:
        assignment.on_scene_at = now
        fields.append("on_scene_at")
    if fields:
        assignment.save(update_fields=fields)


def unit_shift_start(
    *, unit: PatrolUnit, actor: Any, members: Iterable[User] | None = None
) -> PatrolUnit:
    """Start a shift: the crew (if given) and the unit available, on duty."""
    with transaction.atomic():
        if members is not None:
            unit = unit_set_members(unit=unit, members=members, actor=actor)
        return unit_set_status(unit=unit, status=UnitStatus.AVAILABLE, actor=actor)


def unit_shift_end(*, unit: PatrolUnit, actor: Any) -> PatrolUnit:
    return unit_set_status(unit=unit, status=UnitStatus.OFF_DUTY, actor=actor)


# --- The incident follows its units -------------------------------------------------------------


def _incident_to(incident: Incident, status: str, actor: Any) -> None:
    current = Incident.objects.filter(pk=incident.pk).values_list("status", flat=True).first()
    if current in Incident.OPEN_STATUSES and current != status:
        incidents.incident_set_status(incident=incident, status=status, actor=actor)


def _incident_follow(incident_id: int, *, actor: Any, outcome: str = "") -> None:
    """After a unit left an incident: with no unit left, resolve it (an outcome was given by a
    unit that had been on scene) or put it back in the queue for dispatch."""
    incident = Incident.objects.select_related("unit").get(pk=incident_id)
    if not incident.is_open:
        return
    if Assignment.objects.filter(incident=incident, released_at__isnull=True).exists():
        return
    reached = Assignment.objects.filter(incident=incident, on_scene_at__isnull=False).exists()
    if outcome and reached:
        incidents.incident_close(
            incident=incident, outcome=outcome, actor=actor, status=Incident.Status.RESOLVED
        )
    elif incident.status in (Incident.Status.DISPATCHED, Incident.Status.ON_SCENE):
        incidents.incident_set_status(
            incident=incident, status=Incident.Status.ACKNOWLEDGED, actor=actor
        )


# --- Assignments --------------------------------------------------------------------------------


def _unavailable(unit_ids: list[int]) -> UnitUnavailable:
    rows = PatrolUnit.objects.filter(pk__in=unit_ids).values_list(
        "pk", "call_sign", "status", "incident_id"
    )
    fields: dict[str, list[str]] = {}
    names = []
    for pk, call_sign, status, incident_id in rows:
        names.append(call_sign)
        why = _label(status)
        if incident_id is not None:
            why = _("%(status)s on incident #%(incident)s") % {
                "status": why,
                "incident": incident_id,
            }
        fields[str(pk)] = [why]
    return UnitUnavailable(
        _("Not available any more: %(units)s. Another dispatcher may have taken them.")
        % {"units": ", ".join(sorted(names))},
        fields={"unit_ids": [str(pk) for pk in unit_ids], **fields},
    )


def _take(unit_id: int, incident: Incident, now: datetime) -> bool:
    """Take one available unit for ``incident``: the conditional UPDATE that decides races."""
    return (
        PatrolUnit.objects.filter(
            pk=unit_id, status=UnitStatus.AVAILABLE, on_duty=True, incident__isnull=True
        ).update(status=UnitStatus.DISPATCHED, status_since=now, incident=incident)
        == 1
    )


def _take_from_other(
    unit_id: int, incident: Incident, now: datetime, actor: Any
) -> tuple[Assignment, str] | None:
    """Reassign: take a unit working another incident, releasing it there. The released
    assignment and the unit's status on it are returned (that incident must then follow);
    ``None`` if the unit cannot be taken."""
    unit = (
        PatrolUnit.objects.select_for_update()
        .filter(pk=unit_id, status__in=ASSIGNED_STATUSES, on_duty=True)
        .exclude(incident=incident)
        .first()
    )
    if unit is None:
        return None
    old = _open_assignment(unit)
    if old is None:
        return None
    old.released_at = now
    old.released_by = _user(actor)
    old.release_reason = (_("Reassigned to incident #%(id)s") % {"id": incident.pk})[:300]
    old.save(update_fields=["released_at", "released_by", "release_reason"])
    PatrolUnit.objects.filter(pk=unit_id).update(
        status=UnitStatus.DISPATCHED, status_since=now, incident=incident
    )
    return old, unit.status


@transaction.atomic
def assign_units(
    *, incident: Incident, units: Sequence[PatrolUnit], actor: Any, reassign: bool = False
) -> list[Assignment]:
    """Dispatch ``units`` to ``incident``: all of them or none.

    A unit not available (another dispatcher took it, it went busy) fails the whole call with
    ``unit_unavailable`` naming it. With ``reassign`` a unit working another incident is
    released from it and comes here; the other incident follows (back to the queue when it
    has no unit left).
    """
    unit_ids = sorted({u.pk for u in units})
    if not unit_ids:
        raise InvalidInput(fields={"unit_ids": [_("Choose at least one unit.")]})
    if len(unit_ids) > MAX_UNITS_PER_ASSIGNMENT:
        raise InvalidInput(
            fields={
                "unit_ids": [_("At most %(n)d units at once.") % {"n": MAX_UNITS_PER_ASSIGNMENT}]
            }
        )
    incident = (
        Incident.objects.select_for_update(of=_SELF).select_related("unit").get(pk=incident.pk)
    )
    if not incident.is_open:
        raise Conflict(
            _("This incident has ended (%(status)s).") % {"status": incident.get_status_display()},
            code="incident_ended",
        )
    if UnitStatus.DISPATCHED not in allowed_next(UnitStatus.AVAILABLE):
        raise transition_forbidden(UnitStatus.AVAILABLE, UnitStatus.DISPATCHED)
    now = timezone.now()
    failed: list[int] = []
    previous: dict[int, tuple[Assignment, str]] = {}
    for unit_id in unit_ids:  # in id order, so two multi-unit calls cannot deadlock
        if _take(unit_id, incident, now):
            continue
        moved = _take_from_other(unit_id, incident, now, actor) if reassign else None
        if moved is None:
            failed.append(unit_id)
        else:
            previous[unit_id] = moved
    if failed:
        raise _unavailable(failed)
    taken = list(
        PatrolUnit.objects.select_related("station", "incident")
        .filter(pk__in=unit_ids)
        .order_by("pk")
    )
    try:
        assignments = Assignment.objects.bulk_create(
            [
                Assignment(incident=incident, unit=u, assigned_at=now, assigned_by=_user(actor))
                for u in taken
            ]
        )
    except IntegrityError:  # the partial unique index: a unit with an open assignment
        raise _unavailable(unit_ids) from None
    changes = []
    for u in taken:
        before: str = UnitStatus.AVAILABLE
        reason = ""
        if u.pk in previous:
            before = previous[u.pk][1]
            reason = _("Reassigned from incident #%(id)s") % {"id": previous[u.pk][0].incident_id}
        changes.append(
            UnitStatusChange(
                unit=u,
                from_status=before,
                to_status=UnitStatus.DISPATCHED,
                at=now,
                actor=_user(actor),
                incident=incident,
                reason=reason,
            )
        )
    UnitStatusChange.objects.bulk_create(changes)
    audit.record(
        "incident.assign",
        actor=actor,
        object_type="incident",
        object_id=incident.pk,
        detail={
            "units": [u.call_sign for u in taken],
            "reassigned_from": {str(k): v[0].incident_id for k, v in previous.items()},
        },
    )
    if incident.status in (Incident.Status.NEW, Incident.Status.ACKNOWLEDGED):
        incidents.incident_set_status(
            incident=incident, status=Incident.Status.DISPATCHED, actor=actor
        )
        incident.status = Incident.Status.DISPATCHED
    for unit, assignment in zip(taken, assignments, strict=True):
        if unit.pk in previous:
            released = previous[unit.pk][0]
            publish_assignment("assignment.released", released, unit, released.incident)
        publish_assignment("assignment.created", assignment, unit, incident)
        publish_unit(unit, extra_path=incident.unit.path)
    for released, _before in previous.values():
        _incident_follow(released.incident_id, actor=actor)
    return assignments


@transaction.atomic
def assignment_acknowledge(*, assignment: Assignment, actor: Any) -> Assignment:
    """The unit's officer has seen the assignment."""
    assignment = (
        Assignment.objects.select_for_update(of=_SELF)
        .select_related("unit", "unit__station", "incident", "incident__unit")
        .get(pk=assignment.pk)
    )
    if assignment.released_at is not None:
        raise Conflict(_("This assignment has been released."), code="assignment_released")
    if assignment.acknowledged_at is not None:
        return assignment
    assignment.acknowledged_at = timezone.now()
    assignment.save(update_fields=["acknowledged_at"])
    audit.record(
        "assignment.acknowledge",
        actor=actor,
        object_type="assignment",
        object_id=assignment.pk,
        detail={"incident": assignment.incident_id, "unit": assignment.unit.call_sign},
    )
    publish_assignment("assignment.updated", assignment, assignment.unit, assignment.incident)
    return assignment


@transaction.atomic
def assignment_release(
    *, assignment: Assignment, actor: Any, reason: str = "", status: str = UnitStatus.AVAILABLE
) -> Assignment:
    """A dispatcher (or the unit) takes the unit off the incident; the unit goes to ``status``
    (available by default) if the status model allows it from where the unit is."""
    if status in ASSIGNED_STATUSES or status not in UnitStatus.values:
        raise InvalidInput(fields={"status": [_("Release the unit to a status off the incident.")]})
    current = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if current.released_at is not None:
        raise Conflict(_("This assignment has been released."), code="assignment_released")
    unit_set_status(
        unit=current.unit,
        status=status,
        actor=actor,
        reason=clean(reason) or _("Released by the dispatcher"),
    )
    return Assignment.objects.select_related("unit", "incident").get(pk=current.pk)


def assignments_release_for_ended(*, incident: Incident, actor: Any = None) -> int:
    """Free the units still on an incident that ended (closed, cancelled, merged …). Called
    inside the transaction that ended it (``dispatch.signals``)."""
    open_ids = list(
        Assignment.objects.filter(incident=incident, released_at__isnull=True).values_list(
            "unit_id", flat=True
        )
    )
    reason = _("Incident ended (%(status)s)") % {"status": incident.get_status_display()}
    for unit_id in open_ids:
        unit = PatrolUnit.objects.get(pk=unit_id)
        nxt: str = UnitStatus.AVAILABLE
        if nxt not in allowed_next(unit.status):
            nxt = next((s for s in allowed_next(unit.status) if s not in ASSIGNED_STATUSES), nxt)
        try:
            unit_set_status(unit=unit, status=nxt, actor=actor, reason=reason)
        except Conflict:
            # The status model allows the unit no way off the incident: release the
            # assignment anyway, leaving the unit's status for the dispatcher to correct.
            now = timezone.now()
            for assignment in Assignment.objects.filter(unit_id=unit_id, released_at__isnull=True):
                assignment.released_at = now
                assignment.released_by = _user(actor)
                assignment.release_reason = reason[:300]
                assignment.save(update_fields=["released_at", "released_by", "release_reason"])
                audit.record(
                    "assignment.release_forced",
                    actor=actor,
                    object_type="assignment",
                    object_id=assignment.pk,
                    detail={"incident": incident.pk, "unit": unit_id, "status": unit.status},
                )
                publish_assignment("assignment.released", assignment, unit, incident)
            PatrolUnit.objects.filter(pk=unit_id).update(incident=None)
            unit.incident = None
            publish_unit(unit)
    return len(open_ids)


__all__ = [
    "allowed_next",
    "assign_units",
    "assignment_acknowledge",
    "assignment_release",
    "unit_create",
    "unit_set_members",
    "unit_set_status",
    "unit_shift_end",
    "unit_shift_start",
]
