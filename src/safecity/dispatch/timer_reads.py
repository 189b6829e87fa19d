"""Reads of the response timers: the limits by priority (``SAFECITY_DISPATCH_TIMERS``), every
running timer (an incident waiting for a unit, an assignment not yet en route or on scene), and
those of the incidents an officer may see, for the console to count down between live events.
``dispatch.timers`` ticks them into overdue marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from safecity.dispatch.models import Assignment, OverdueMark
from safecity.incidents import selectors as incidents
from safecity.incidents.models import Incident


@dataclass(frozen=True)
class Thresholds:
    unassigned: int
    dispatched: int
    en_route: int

    def limit(self, timer: str) -> int:
        return int(getattr(self, timer))


def thresholds(priority: int) -> Thresholds:
    """The timer limits (seconds) for an incident of ``priority`` (``SAFECITY_DISPATCH_TIMERS``)."""
    table = settings.SAFECITY_DISPATCH_TIMERS
    values = table.get(priority) or table[max(table)]
    return Thresholds(*values)


def amber_s(limit_s: int) -> int:
    return max(1, limit_s * settings.SAFECITY_DISPATCH_TIMER_AMBER_PERCENT // 100)


@dataclass(frozen=True)
class RunningTimer:
    timer: str  # OverdueMark.Timer
    subject_type: str  # "incident" | "assignment"
    subject_id: int
    incident_id: int
    priority: int
    started_at: datetime
    limit_s: int
    incident_unit_path: str
    classification: int
    unit_id: int | None = None
    call_sign: str = ""

    @property
    def amber_s(self) -> int:
        return amber_s(self.limit_s)

    def elapsed_s(self, now: datetime) -> float:
        return (now - self.started_at).total_seconds()

    def state(self, now: datetime) -> str:
        elapsed = self.elapsed_s(now)
        if elapsed >= self.limit_s:
            return "red"
        return "amber" if elapsed >= self.amber_s else "green"

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "timer": self.timer,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "incident_id": self.incident_id,
            "unit_id": self.unit_id,
            "call_sign": self.call_sign,
            "priority": self.priority,
            "started_at": self.started_at,
            "limit_s": self.limit_s,
            "amber_s": self.amber_s,
            "elapsed_s": round(self.elapsed_s(now), 1),
            "state": self.state(now),
        }


def running_timers(incident_ids: QuerySet[Incident, Any] | None = None) -> list[RunningTimer]:
    """Every running timer: incidents waiting for a unit (since they opened, or since their
    last unit left) and assignments not yet en route / not yet on scene. ``incident_ids``
    limits them to those incidents (a subquery of the caller's visible incidents)."""
    waiting = Incident.objects.filter(
        status__in=(Incident.Status.NEW, Incident.Status.ACKNOWLEDGED)
    ).exclude(Exists(Assignment.objects.filter(incident=OuterRef("pk"), released_at__isnull=True)))
    open_assignments = Assignment.objects.filter(released_at__isnull=True, on_scene_at__isnull=True)
    if incident_ids is not None:
        waiting = waiting.filter(pk__in=incident_ids)
        open_assignments = open_assignments.filter(incident__in=incident_ids)
    out: list[RunningTimer] = []
    released: dict[int, datetime] = {}
    rows = list(waiting.values_list("pk", "priority", "opened_at", "unit__path", "classification"))
    if rows:
        for incident_id, last in (
            Assignment.objects.filter(incident_id__in=[r[0] for r in rows])
            .values_list("incident_id", "released_at")
            .order_by("released_at")
        ):
            if last is not None:
                released[incident_id] = last
    for pk, priority, opened_at, path, classification in rows:
        out.append(
            RunningTimer(
                timer=OverdueMark.Timer.UNASSIGNED,
                subject_type="incident",
                subject_id=pk,
                incident_id=pk,
                priority=priority,
                started_at=max(opened_at, released.get(pk, opened_at)),
                limit_s=thresholds(priority).unassigned,
                incident_unit_path=path,
                classification=classification,
            )
        )
    for row in open_assignments.values_list(
        "pk",
        "incident_id",
        "incident__priority",
        "incident__unit__path",
        "incident__classification",
        "unit_id",
        "unit__call_sign",
        "assigned_at",
        "en_route_at",
    ):
        pk, incident_id, priority, path, classification, unit_id, call_sign, assigned, en_route = (
            row
        )
        timer = OverdueMark.Timer.DISPATCHED if en_route is None else OverdueMark.Timer.EN_ROUTE
        limits = thresholds(priority)
        out.append(
            RunningTimer(
                timer=timer,
                subject_type="assignment",
                subject_id=pk,
                incident_id=incident_id,
                priority=priority,
                started_at=assigned if en_route is None else en_route,
                limit_s=limits.dispatched if en_route is None else limits.en_route,
                incident_unit_path=path,
                classification=classification,
                unit_id=unit_id,
                call_sign=call_sign,
            )
        )
    return out


def timers_visible(user: Any) -> dict[str, Any]:
    """The running timers of the incidents the officer may see, and the thresholds, so a
    console can count them down itself between live events."""
    now = timezone.now()
    visible = incidents.incidents_visible(user).values("pk")
    timers = running_timers(visible)
    return {
        "now": now,
        "amber_percent": settings.SAFECITY_DISPATCH_TIMER_AMBER_PERCENT,
        "thresholds": {
            str(p): {"unassigned": t[0], "dispatched": t[1], "en_route": t[2]}
            for p, t in sorted(settings.SAFECITY_DISPATCH_TIMERS.items())
        },
        "timers": [t.as_dict(now) for t in timers],
    }
