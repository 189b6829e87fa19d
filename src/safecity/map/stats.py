"""Response-time statistics: how fast incidents were acknowledged, dispatched and reached.

Every figure comes from recorded timestamps, never an estimate:
- **time to acknowledge** = ``Incident.acknowledged_at − opened_at``;
- **time to dispatch** = the first ``Assignment.assigned_at`` of the incident − ``opened_at``;
- **time to first unit on scene** = the first ``Assignment.on_scene_at`` − ``opened_at``.
An incident without the timestamp is left out of that measure (and counted in ``n`` of the
others); nothing is filled in.

**Percentiles are nearest-rank**: the p-th percentile of n sorted values is the value at rank
⌈p·n/100⌉ (1-based). It is always a time that really happened, and p50 of an even count is the
lower middle value, not an average of two.

**Processed within the target** (NFPA 1225: 90 % of alarms processed within 60 s): among the
incidents with a recorded dispatch, the share whose first unit was dispatched at most
``SAFECITY_STATS_PROCESSING_SECONDS`` after the incident opened. Incidents never dispatched are
shown as their own count, not as failures or successes.

The population is the incidents the officer may see (scope, clearance) opened in
``[since, until)``. Merged incidents are counted under their status but left out of every time:
they duplicate the incident they went into.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import User
from safecity.core.errors import InvalidInput
from safecity.incidents.models import Category, Incident
from safecity.incidents.selectors import incidents_visible
from safecity.map.selectors import period_check, scope_ward_codes, ward_names

STATS_MAX_DAYS = 366
PERCENTILES = (50, 90)
TARGET_SHARE = 0.9  # NFPA 1225's 90 %


def percentile(values: Sequence[float], p: int) -> float | None:
    """Nearest-rank percentile (see the module's docstring); ``None`` for no values."""
    if not values:
        return None
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))  # ⌈p·n/100⌉ in integers: no float rounding
    return ordered[rank - 1]


@dataclass(frozen=True)
class TimelineRow:
    """One incident's recorded moments."""

    ward_code: int | None
    category: str
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None
    first_assigned_at: datetime | None
    first_on_scene_at: datetime | None


@dataclass(frozen=True)
class Measure:
    n: int
    p50: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Measure:
        return cls(n=len(seconds), p50=percentile(seconds, 50), p90=percentile(seconds, 90))


@dataclass(frozen=True)
class GroupStats:
    key: str
    label: str
    incidents: int
    by_status: dict[str, int]
    acknowledge: Measure
    dispatch: Measure
    on_scene: Measure
    dispatched: int
    within_target: int
    not_dispatched: int

    @property
    def share_within_target(self) -> float | None:
        return self.within_target / self.dispatched if self.dispatched else None

    @property
    def meets_target(self) -> bool | None:
        share = self.share_within_target
        return None if share is None else share >= TARGET_SHARE


def _seconds(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else (later - earlier).total_seconds()


def summarise(
    rows: Iterable[TimelineRow], *, key: str, label: str, target_seconds: int
) -> GroupStats:
    """The figures of one group of incidents (pure: testable on a hand-built timeline)."""
    acknowledge: list[float] = []
    dispatch: list[float] = []
    on_scene: list[float] = []
    statuses: Counter[str] = Counter()
    within = not_dispatched = total = 0
    for row in rows:
        total += 1
        statuses[row.status] += 1
        if row.status == Incident.Status.MERGED:
            continue
        ack = _seconds(row.acknowledged_at, row.opened_at)
        if ack is not None:
            acknowledge.append(ack)
        sent = _seconds(row.first_assigned_at, row.opened_at)
        if sent is None:
            not_dispatched += 1
        else:
            dispatch.append(sent)
            within += sent <= target_seconds
        arrived = _seconds(row.first_on_scene_at, row.opened_at)
        if arrived is not None:
            on_scene.append(arrived)
    return GroupStats(
        key=key,
        label=label,
        incidents=total,
        by_status=dict(sorted(statuses.items())),
        acknowledge=Measure.of(acknowledge),
        dispatch=Measure.of(dispatch),
        on_scene=Measure.of(on_scene),
        dispatched=len(dispatch),
        within_target=within,
        not_dispatched=not_dispatched,
    )


@dataclass(frozen=True)
class StatsQuery:
    since: datetime
    until: datetime
    ward_code: int | None = None
    category: str = ""


@dataclass(frozen=True)
class ResponseTimes:
    query: StatsQuery
    target_seconds: int
    overall: GroupStats
    by_ward: list[GroupStats] = field(default_factory=list)
    by_category: list[GroupStats] = field(default_factory=list)


def stats_query(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    ward_code: int | None = None,
    category: str | None = None,
) -> StatsQuery:
    """A validated question; by default the last ``SAFECITY_STATS_DAYS`` days up to now."""
    until = until or timezone.now()
    since = since or until - timedelta(days=settings.SAFECITY_STATS_DAYS)
    period_check(since, until, max_days=STATS_MAX_DAYS)
    if category and category not in Category.values:
        raise InvalidInput(
            fields={"category": [_("Choose one of: %(c)s.") % {"c": ", ".join(Category.values)}]}
        )
    return StatsQuery(since=since, until=until, ward_code=ward_code, category=category or "")


def timeline(user: User, query: StatsQuery) -> list[TimelineRow]:
    """The recorded moments of every incident in the question, as the officer may see them."""
    rows = incidents_visible(user).filter(opened_at__gte=query.since, opened_at__lt=query.until)
    if query.ward_code is not None:
        rows = rows.filter(ward_code=query.ward_code)
    if query.category:
        rows = rows.filter(category=query.category)
    values = (
        rows.order_by()
        .annotate(
            first_assigned_at=Min("assignments__assigned_at"),
            first_on_scene_at=Min("assignments__on_scene_at"),
        )
        .values_list(
            "ward_code",
            "category",
            "status",
            "opened_at",
            "acknowledged_at",
            "first_assigned_at",
            "first_on_scene_at",
        )
    )
    return [TimelineRow(*v) for v in values]


def _grouped(
    rows: list[TimelineRow],
    key: Callable[[TimelineRow], Any],
    label: Callable[[Any], str],
    target_seconds: int,
) -> list[GroupStats]:
    groups: dict[Any, list[TimelineRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    out = [
        summarise(
            members,
            key="" if k is None else str(k),
            label=label(k),
            target_seconds=target_seconds,
        )
        for k, members in groups.items()
    ]
    return sorted(out, key=lambda g: (-g.incidents, g.label))


def response_times(user: User, query: StatsQuery) -> ResponseTimes:
    """The statistics of one question: overall, per ward (where the incidents were) and per
    category, busiest group first. A ward station sees its own incidents; the command all."""
    target = settings.SAFECITY_STATS_PROCESSING_SECONDS
    rows = timeline(user, query)
    names = ward_names({r.ward_code for r in rows})
    categories = dict(Category.choices)
    return ResponseTimes(
        query=query,
        target_seconds=target,
        overall=summarise(rows, key="all", label=_("All incidents"), target_seconds=target),
        by_ward=_grouped(
            rows,
            lambda r: r.ward_code,
            lambda code: names.get(code, str(code)) if code is not None else _("No ward"),
            target,
        ),
        by_category=_grouped(
            rows, lambda r: r.category, lambda c: str(categories.get(c, c)), target
        ),
    )


def ward_choices(user: User) -> list[tuple[int, str]]:
    """The wards the officer may filter by: their scope's, or every ward of the province."""
    codes = scope_ward_codes(user)
    names = ward_names(codes)
    return sorted(names.items(), key=lambda item: item[1])


# --- CSV ------------------------------------------------------------------------------------------

CSV_HEADER = (
    "group",
    "key",
    "name",
    "incidents",
    "acknowledged",
    "acknowledge_p50_s",
    "acknowledge_p90_s",
    "dispatched",
    "dispatch_p50_s",
    "dispatch_p90_s",
    "on_scene",
    "on_scene_p50_s",
    "on_scene_p90_s",
    "within_target",
    "share_within_target",
    "not_dispatched",
    *(f"status_{s}" for s in Incident.Status.values),
)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def csv_rows(result: ResponseTimes) -> list[list[str]]:
    """The CSV export's rows (header first): the overall line, then wards, then categories.
    Times in whole seconds (one decimal where recorded so)."""
    out: list[list[str]] = [list(CSV_HEADER)]
    sections = (
        ("all", [result.overall]),
        ("ward", result.by_ward),
        ("category", result.by_category),
    )
    for group, items in sections:
        for g in items:
            share = g.share_within_target
            out.append(
                [
                    group,
                    _cell(g.key),
                    _cell(g.label),
                    str(g.incidents),
                    str(g.acknowledge.n),
                    _number(g.acknowledge.p50),
                    _number(g.acknowledge.p90),
                    str(g.dispatch.n),
                    _number(g.dispatch.p50),
                    _number(g.dispatch.p90),
                    str(g.on_scene.n),
                    _number(g.on_scene.p50),
                    _number(g.on_scene.p90),
                    str(g.within_target),
                    "" if share is None else f"{share:.4f}",
                    str(g.not_dispatched),
                    *(str(g.by_status.get(s, 0)) for s in Incident.Status.values),
                ]
            )
    return out
