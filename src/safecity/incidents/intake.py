"""Group commit for reports that arrive at once.

A report is answered 201 only after it is committed, and on SQLite every writer waits its
turn; one transaction per report spends most of a report's cost on the transaction itself
(the write turn, the audit head's lock, one statement per row). So reports sent while
another is being stored wait in a queue, and whoever stores next takes the whole queue (up
to ``SAFECITY_INTAKE_BATCH``) into ONE transaction: one duplicate search per category over
the batch's area, one insert per table, one lock of the audit head, and the reports'
idempotency answers in that same transaction. Each sender is answered when the batch
commits. No thread of its own (``core.groupcommit``): the first sender to find no batch being
stored stores one, then hands the queue to the next waiting sender.

Nothing is lost or doubled by grouping: a batch that fails for any reason is rolled back as a
whole and each of its reports is then stored on its own, the ordinary way
(``idempotency.run_once`` around ``services.report_submit``), which also answers retries of
keys already used (they are sent that way from the start). Checking, locating and finding the
owning station happen before a report joins the queue, in the sender's own thread, so bad
input is refused there and never reaches a batch.

Within a batch, reports are taken in arrival order, and a report may join an incident an
earlier report of the same batch opened, as it would have one committed just before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from safecity.accounts.models import Unit
from safecity.core import audit, idempotency
from safecity.core.audit import client_context
from safecity.core.groupcommit import GroupCommit
from safecity.incidents import duplicates, services
from safecity.incidents.models import Incident, IncidentEvent, Report

SCOPE = "reports"
Answer = Callable[[Report], dict[str, Any]]


@dataclass(eq=False)
class _Pending:
    data: services.ReportInput
    place: services.Place
    owner: Unit
    channel: str
    reporter: Any
    key: str | None
    fingerprint: str
    client_ip: str
    answer: Answer
    result: dict[str, Any] | None = None


_queue: GroupCommit[_Pending] = GroupCommit(
    lambda batch: _store(batch), limit=lambda: settings.SAFECITY_INTAKE_BATCH
)


def report_submit_once(
    *,
    data: services.ReportInput,
    channel: str,
    reporter: Any,
    key: str | None,
    body: Any,
    answer: Answer,
) -> tuple[int, dict[str, Any], bool]:
    """Accept a report sent with an optional ``Idempotency-Key``, as ``idempotency.run_once``
    around ``services.report_submit`` would, grouping its commit with concurrent reports.
    Returns (status, body, replayed)."""
    key = idempotency.checked_key(key)

    def alone() -> tuple[int, dict[str, Any], bool]:
        def act() -> tuple[int, dict[str, Any]]:
            report = services.report_submit(data=data, channel=channel, reporter=reporter)
            return 201, answer(report)

        return idempotency.run_once(scope=SCOPE, key=key, body=body, action=act)

    if settings.SAFECITY_INTAKE_BATCH <= 1 or connection.in_atomic_block:
        return alone()
    cleaned = services.clean_input(data)
    place = services.locate(cleaned)
    item = _Pending(
        data=cleaned,
        place=place,
        owner=services.owning_unit(place.ward.code if place.ward else None),
        channel=channel,
        reporter=reporter,
        key=key,
        fingerprint=idempotency.body_fingerprint(body) if key is not None else "",
        client_ip=client_context.get().ip,
        answer=answer,
    )
    _queue.submit(item)
    if item.result is None:
        return alone()
    return 201, item.result, False


def _store(batch: list[_Pending]) -> None:
    """Store ``batch`` in one transaction and set each item's ``result``; on any failure,
    roll back and mark every item to be stored alone."""
    keyed = [item.key for item in batch if item.key is not None]
    try:
        taken = idempotency.taken_keys(SCOPE, keyed)
        seen: set[str] = set()
        group: list[_Pending] = []
        for item in batch:
            if item.key is not None and (item.key in taken or item.key in seen):
                continue  # a retry: stored alone, it is answered from the stored answer
            if item.key is not None:
                seen.add(item.key)
            group.append(item)
        if group:
            with transaction.atomic(savepoint=False):
                results = _write(group)
            for item, result in zip(group, results, strict=True):
                item.result = result
    except Exception:  # noqa: BLE001 - every report is then stored alone, the ordinary way
        for item in batch:
            item.result = None


def _write(group: list[_Pending]) -> list[dict[str, Any]]:
    now = timezone.now()
    by_category: dict[str, list[_Pending]] = defaultdict(list)
    for item in group:
        by_category[item.data.category].append(item)
    duplicates.duplicate_search_lock(
        {c: [(i.place.lat, i.place.lon) for i in items] for c, items in by_category.items()}
    )
    candidates = {
        category: duplicates.duplicate_candidates(
            category=category,
            points=[(i.place.lat, i.place.lon) for i in items],
            now=now,
        )
        for category, items in by_category.items()
    }
    opened: list[Incident] = []
    joined: dict[int, int] = defaultdict(int)  # id of an incident stored before -> reports
    reports: list[Report] = []
    for item in group:
        found = duplicates.nearest_duplicate(
            candidates[item.data.category],
            category=item.data.category,
            lat=item.place.lat,
            lon=item.place.lon,
        )
        if found is None:
            found = services.incident_row(
                data=item.data, place=item.place, owner=item.owner, priority=None, now=now
            )
            opened.append(found)
            candidates[item.data.category].append(found)
            is_joined = False
        else:
            is_joined = True
            if found.pk is None:
                found.report_count += 1
            else:
                joined[found.pk] += 1
        reports.append(
            services.report_row(
                data=item.data,
                place=item.place,
                incident=found,
                joined=is_joined,
                channel=item.channel,
                reporter=item.reporter,
                taken_by=None,
                notes="",
                now=now,
            )
        )
    Incident.objects.bulk_create(opened)
    for pk, count in joined.items():
        Incident.objects.filter(pk=pk).update(
            report_count=F("report_count") + count, last_report_at=now
        )
    if joined:
        counts = dict(Incident.objects.filter(pk__in=joined).values_list("pk", "report_count"))
        for report in reports:
            if report.incident.pk in counts:
                report.incident.report_count = counts[report.incident.pk]
                report.incident.last_report_at = now
    events = []
    for item, report in zip(group, reports, strict=True):
        kind = IncidentEvent.Kind.OPENED
        if report.joined_existing:
            kind = IncidentEvent.Kind.REPORT_LINKED
        events.append(
            services.event_row(
                report.incident,
                kind,
                actor=item.reporter,
                public=not report.joined_existing,
                channel=item.channel,
            )
        )
    IncidentEvent.objects.bulk_create(events)
    Report.objects.bulk_create(reports)
    audit.record_many(
        [
            {
                **services.report_audit(report, actor=item.reporter, channel=item.channel),
                "client_ip": item.client_ip,
            }
            for item, report in zip(group, reports, strict=True)
        ]
    )
    results = [item.answer(report) for item, report in zip(group, reports, strict=True)]
    idempotency.store_many(
        SCOPE,
        [
            (item.key, item.fingerprint, 201, result)
            for item, result in zip(group, results, strict=True)
            if item.key is not None
        ],
    )
    for item, report in zip(group, reports, strict=True):
        services.report_announce(report, ward=item.place.ward)
    return results
