"""The live events of patrol units and assignments (``dispatch.services`` sends them inside its
transactions; ``core.live`` delivers them after the commit)."""

from __future__ import annotations

from safecity.accounts.models import path_ids
from safecity.core import live
from safecity.dispatch.models import Assignment, PatrolUnit
from safecity.dispatch.selectors import DISPATCH, assignment_row, unit_row
from safecity.incidents.models import Incident


def publish_unit(unit: PatrolUnit, *, event: str = "unit.updated", extra_path: str = "") -> None:
    """Tell the consoles of the unit's station (and of the incident it works, when another
    station owns that) that the unit changed."""
    live.publish(event, unit_row(unit), unit_path=path_ids(unit.station.path, extra_path))


def _member_ids(unit: PatrolUnit) -> list[int]:
    return list(unit.members.values_list("id", flat=True))


def publish_assignment(
    event: str, assignment: Assignment, unit: PatrolUnit, incident: Incident
) -> None:
    """Dispatchers who see the unit or the incident get the assignment; of the patrol
    officers, only the unit's own members do (on their phones)."""
    payload = assignment_row(assignment, unit=unit, incident=incident)
    live.publish(
        event,
        payload,
        unit_path=path_ids(unit.station.path, incident.unit.path),
        classification=incident.classification,
        capability=DISPATCH,
    )
    members = _member_ids(unit)
    if members:
        live.publish(
            event,
            payload,
            unit_path=[],
            user_ids=members,
            classification=incident.classification,
        )
