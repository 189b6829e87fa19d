"""Which units to send: available, on-duty units of a kind suited to the incident's category,
ranked by estimated time of arrival, each with its distance, ETA and the reason for its place.

The candidates are read in boxes around the incident, one per suited kind, each as wide as
that kind could travel in a time budget (``Router.reach_m``), on an index of status, duty,
kind and latitude: a call costs what the units near the incident cost, not what all of them
do, and a slow foot patrol nearby does not make the search read every car in the city. The
budget grows until no unit outside the boxes could arrive sooner than the last one kept, so
the list is exactly the one a full scan would give.

The read is one hand-written SELECT: this runs on every incident a dispatcher opens, the goal
is a p99 of 5 ms among 5,000 units in process (``bench/dispatch.py``), and the ORM's query
compilation and per-row converters cost more than the rest of the call together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from safecity.accounts.access import sees_all
from safecity.dispatch.models import PatrolUnit, UnitKind, UnitStatus
from safecity.dispatch.routing import Origin, Router, router
from safecity.incidents.models import Incident

_FIRST_BUDGET_S = 240.0  # the first read: units that could arrive within four minutes
_LAST_BUDGET_S = 6 * 3600.0  # beyond this the boxes are dropped: every candidate is read
_M_PER_DEG_LAT = 111_320.0
STALE_POSITION_S = 300


@dataclass(frozen=True)
class Recommendation:
    rank: int
    unit_id: int
    call_sign: str
    kind: str
    station_id: int
    lat: float
    lon: float
    position_at: datetime | None
    distance_m: float
    eta_s: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "unit_id": self.unit_id,
            "call_sign": self.call_sign,
            "kind": self.kind,
            "station_id": self.station_id,
            "lat": self.lat,
            "lon": self.lon,
            "position_at": self.position_at,
            "distance_m": round(self.distance_m),
            "eta_s": round(self.eta_s),
            "reason": self.reason,
        }


def suited_kinds(category: str) -> tuple[str, ...]:
    """The unit kinds suited to an incident category, best first (``SAFECITY_DISPATCH_KINDS``)."""
    return tuple(settings.SAFECITY_DISPATCH_KINDS.get(category, ()))


def _sql(kinds: int, *, boxed: bool, scoped: bool) -> str:
    """One SELECT per kind, joined by UNION ALL: each is a range on the index (status, on duty,
    kind, latitude). (Written as one SELECT with OR, SQLite's planner uses only the index's
    first two columns and reads every available unit.)"""
    unit = connection.ops.quote_name(PatrolUnit._meta.db_table)
    select = (
        f"SELECT id, call_sign, kind, station_id, lat, lon, position_at FROM {unit} "  # noqa: S608
        "WHERE status = %s AND on_duty = %s AND kind = %s AND lat IS NOT NULL"
    )
    if boxed:  # as far as that kind can come in the time allowed
        select += " AND lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s"
    if scoped:
        select += " AND station_id IN (SELECT id FROM accounts_unit WHERE path LIKE %s)"
    return " UNION ALL ".join([select] * kinds)


def _candidates(
    kinds: tuple[str, ...],
    lat: float,
    lon: float,
    seconds: float | None,
    route: Router,
    path: str | None,
) -> list[tuple[Any, ...]]:
    """The available units of ``kinds`` that could arrive within ``seconds`` (all of them for
    ``None``), by a box around the incident per kind."""
    params: list[Any] = []
    shrink = max(math.cos(math.radians(lat)), 0.01)
    for kind in kinds:
        params += [UnitStatus.AVAILABLE, True, kind]
        if seconds is not None:
            dlat = route.reach_m(seconds, kind) / _M_PER_DEG_LAT
            dlon = dlat / shrink
            params += [lat - dlat, lat + dlat, lon - dlon, lon + dlon]
        if path is not None:
            params.append(path + "%")  # a path is digits and slashes: nothing special to LIKE
    with connection.cursor() as cursor:
        cursor.execute(_sql(len(kinds), boxed=seconds is not None, scoped=path is not None), params)
        return list(cursor.fetchall())


def _next_budget(seconds: float, found: int, etas: list[float], limit: int) -> float | None:
    """The time budget to read next: ``0.0`` when the list is complete, ``None`` for every
    unit.

    Every unit outside the boxes needs more than ``seconds``. With ``limit`` units in hand of
    which the last arrives within ``seconds``, nothing outside can displace it: done. With
    ``limit`` units but a later last one, the budget grows to that ETA, after which the same
    test passes (one more read). With fewer, it grows by the density found so far."""
    if len(etas) == limit:
        if etas[-1] <= seconds:
            return 0.0
        grown = etas[-1] * 1.001
    else:
        grown = seconds * min(max(math.sqrt(limit / max(found, 1)) * 1.3, 1.5), 4.0)
    return grown if grown < _LAST_BUDGET_S else None


def recommend_units(
    incident: Incident,
    *,
    user: Any = None,
    limit: int = 10,
    route: Router | None = None,
    now: datetime | None = None,
) -> list[Recommendation]:
    """The ``limit`` units to send first. ``user``: only units that officer may dispatch (their
    scope); ``None`` for every unit (the demo, the simulator)."""
    kinds = suited_kinds(incident.category)
    if not kinds or limit < 1:
        return []
    route = route or router()
    path: str | None = None
    if user is not None and not sees_all(user):
        if user.unit is None:
            return []
        path = user.unit.path
    budget: float | None = _FIRST_BUDGET_S
    while True:
        rows = _candidates(kinds, incident.lat, incident.lon, budget, route, path)
        estimates = route.estimate(
            [Origin(lat=r[4], lon=r[5], kind=r[2]) for r in rows], incident.lat, incident.lon
        )
        ranked = sorted(
            zip(rows, estimates, strict=True),
            key=lambda pair: (pair[1].eta_s, kinds.index(pair[0][2]), pair[0][1]),
        )[:limit]
        if budget is None:
            break
        budget = _next_budget(budget, len(rows), [e.eta_s for _r, e in ranked], limit)
        if budget == 0.0:
            break
    seen = {row[0]: _moment(row[6]) for row, _estimate in ranked}
    reasons = _Reasons(kinds, now or timezone.now())
    return [
        Recommendation(
            rank=rank,
            unit_id=row[0],
            call_sign=row[1],
            kind=row[2],
            station_id=row[3],
            lat=row[4],
            lon=row[5],
            position_at=seen.get(row[0]),
            distance_m=estimate.distance_m,
            eta_s=estimate.eta_s,
            reason=reasons(rank, row[2], estimate.distance_m, estimate.eta_s, seen.get(row[0])),
        )
        for rank, (row, estimate) in enumerate(ranked, start=1)
    ]


def _moment(value: Any) -> datetime | None:
    """A ``position_at`` as the driver gave it: aware (PostgreSQL), or on SQLite naive UTC (a
    datetime, or the stored text). Only the kept rows are converted."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class _Reasons:
    """Why a unit is where it is in the list; the sentences translated once per call."""

    def __init__(self, kinds: tuple[str, ...], now: datetime) -> None:
        self.kinds = kinds
        self.stale_before = now - timedelta(seconds=STALE_POSITION_S)
        self.now = now
        self.lead = _(
            "#%(rank)d by arrival time: %(kind)s about %(km).1f km by road, about %(min)d min away"
        )
        self.best = _("the kind of unit best suited to this incident")
        self.suitable = _("a suitable kind of unit")
        self.stale = _("its position is %(min)d min old")
        self.labels = {k: str(UnitKind(k).label) for k in kinds if k in UnitKind.values}

    def __call__(
        self, rank: int, kind: str, metres: float, eta_s: float, position_at: datetime | None
    ) -> str:
        parts = [
            self.lead
            % {
                "rank": rank,
                "kind": self.labels.get(kind, kind),
                "km": metres / 1000,
                "min": max(1, round(eta_s / 60)),
            },
            self.best if kind == self.kinds[0] else self.suitable,
        ]
        if position_at is not None and position_at < self.stale_before:
            age = (self.now - position_at).total_seconds()
            parts.append(self.stale % {"min": round(age / 60)})
        return "; ".join(parts)
