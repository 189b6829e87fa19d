"""Reports that arrive while another is being stored are committed together (``incidents.intake``):
nothing is lost, doubled or linked differently from storing them one by one.

These tests need real concurrent transactions, so they run outside the test transaction and
load the wards themselves. To make a batch form on purpose, a second connection holds the
audit head's lock: the first sender's batch waits on it while the others queue behind it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections

from safecity.core import audit, idempotency
from safecity.core.errors import Conflict
from safecity.core.models import AuditEntry, IdempotencyRecord
from safecity.demo import units_load
from safecity.geography.models import Ward
from safecity.geography.selectors import ward_locator_reset
from safecity.geography.services import geography_load
from safecity.incidents import intake
from safecity.incidents.models import Channel, Incident, IncidentEvent, Report
from safecity.incidents.services import ReportInput

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wards() -> Iterator[dict[str, tuple[float, float]]]:
    ward_locator_reset()
    geography_load()
    units_load(say=lambda _message: None)
    points = {}
    for name in ("Phường Sài Gòn", "Phường Bến Thành", "Phường Tân Định"):
        ward = Ward.objects.get(province_id=79, name=name)
        assert ward.label_lat is not None and ward.label_lon is not None
        points[name] = (ward.label_lat, ward.label_lon)
    yield points
    ward_locator_reset()


def _answer(report: Report) -> dict[str, Any]:
    return {"id": report.pk, "incident_id": report.incident_id, "joined": report.joined_existing}


def send(
    point: tuple[float, float], *, key: str | None = None, category: str = "fire", **body: Any
):
    lat, lon = point
    payload = {"category": category, "lat": lat, "lon": lon, **body}
    try:
        return intake.report_submit_once(
            data=ReportInput(category=category, lat=lat, lon=lon, description=body.get("d", "")),
            channel=Channel.API,
            reporter=None,
            key=key,
            body=payload,
            answer=_answer,
        )
    finally:
        connection.close()  # each sending thread has its own connection


class HeadLock:
    """Hold the audit head's row lock from another connection, as a long transaction would."""

    def __enter__(self) -> HeadLock:
        self.conn = connections.create_connection("default")
        self.conn.set_autocommit(False)
        with self.conn.cursor() as cursor:
            if self.conn.vendor == "sqlite":
                # The Django backend opened a deferred transaction; take the write lock now.
                cursor.execute("UPDATE core_audithead SET seq = seq WHERE id = 1")
            else:
                cursor.execute("SELECT seq FROM core_audithead WHERE id = 1 FOR UPDATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.commit()
        self.conn.close()


def _queued(count: int, timeout: float = 30.0) -> None:
    """Wait until ``count`` reports wait behind the batch being stored."""
    deadline = time.monotonic() + timeout
    while len(intake._queue._waiting) < count:  # noqa: SLF001 - waiting for the queue to fill
        assert time.monotonic() < deadline, "the reports never queued up"
        time.sleep(0.01)


def _storing(timeout: float = 30.0) -> None:
    """Wait until a sender has taken its batch and is storing it (held up by the lock)."""
    deadline = time.monotonic() + timeout
    queue = intake._queue  # noqa: SLF001
    while not (queue._storing and not queue._waiting):  # noqa: SLF001
        assert time.monotonic() < deadline, "no batch started"
        time.sleep(0.01)


def _start(targets: list[Any]) -> list[threading.Thread]:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    return threads


def test_reports_sent_together_are_stored_together_and_join_one_incident(wards, settings) -> None:
    """GIVEN a batch being stored is held up (the audit head is locked)
    WHEN 1 report is sent in Tân Định and then 12 fire reports at one spot in Sài Gòn
    THEN the 12 queue and are committed in one transaction: the first opens an incident, the
    other 11 join it within the same batch; every sender gets its own answer; the audit chain
    is intact with one entry per report and one stored answer per key."""
    settings.SAFECITY_INTAKE_BATCH = 32
    # Something must exist for the head lock to hold: write one audit entry first.
    audit.record("test.start")
    answers: dict[str, tuple[int, dict[str, Any], bool]] = {}
    keys = [str(uuid.uuid4()) for _ in range(12)]

    def one(key: str, point: tuple[float, float]) -> Any:
        return lambda: answers.__setitem__(key, send(point, key=key, d=key))

    with HeadLock():
        first = _start([one("first", wards["Phường Tân Định"])])
        _storing()  # the first sender is storing its batch, waiting for the lock
        rest = _start([one(k, wards["Phường Sài Gòn"]) for k in keys])
        _queued(12)
    for t in first + rest:
        t.join(timeout=30)

    assert sorted(answers) == sorted([*keys, "first"])
    assert {status for status, _body, _replayed in answers.values()} == {201}
    fire = [answers[k][1] for k in keys]
    incident_ids = {a["incident_id"] for a in fire}
    assert len(incident_ids) == 1
    incident = Incident.objects.get(pk=incident_ids.pop())
    assert incident.report_count == 12
    assert sorted(a["joined"] for a in fire) == [False] + [True] * 11
    reports = Report.objects.filter(incident=incident)
    assert reports.count() == 12
    assert len({r.received_at for r in reports}) == 1  # one transaction stored them
    assert IncidentEvent.objects.filter(incident=incident, kind="opened").count() == 1
    assert IncidentEvent.objects.filter(incident=incident, kind="report_linked").count() == 11
    assert AuditEntry.objects.filter(action="report.submit").count() == 13
    assert audit.verify() == (AuditEntry.objects.count(), None)
    assert IdempotencyRecord.objects.filter(scope="reports", key__in=keys).count() == 12


def test_a_retry_in_a_batch_gets_the_first_answer_and_a_changed_body_is_a_conflict(
    wards,
) -> None:
    key = str(uuid.uuid4())
    point = wards["Phường Bến Thành"]

    status, first, replayed = send(point, key=key, d="Cháy")
    again = send(point, key=key, d="Cháy")

    assert (status, replayed) == (201, False)
    assert again == (201, first, True)
    with pytest.raises(Conflict):
        send(point, key=key, d="Cháy to")
    assert Report.objects.count() == 1


def test_the_same_key_twice_in_one_batch_makes_one_report(wards) -> None:
    key = str(uuid.uuid4())
    answers: list[Any] = []
    with HeadLock():
        first = _start([lambda: answers.append(send(wards["Phường Tân Định"], d="khác"))])
        _storing()
        twins = _start([lambda: answers.append(send(wards["Phường Sài Gòn"], key=key, d="x"))] * 2)
        _queued(2)
    for t in first + twins:
        t.join(timeout=30)

    assert len(answers) == 3
    assert Report.objects.count() == 2
    twins_answers = [a for a in answers if a[1]["id"] != answers_of_first(answers)]
    assert len(twins_answers) == 2
    assert twins_answers[0][1] == twins_answers[1][1]  # one report, the same answer twice
    assert sorted(a[2] for a in twins_answers) == [False, True]  # the second is a replay


def answers_of_first(answers: list[Any]) -> int:
    tan_dinh = Report.objects.get(description="khác")
    return tan_dinh.pk


def test_a_batch_that_fails_is_stored_report_by_report(wards, monkeypatch) -> None:
    """GIVEN storing the stored answers of a batch fails once (as a key taken meanwhile would)
    WHEN reports are sent together
    THEN the batch rolls back whole, each report is then stored on its own, and every sender
    still gets a 201 for exactly one stored report."""
    failures = []
    store_many = idempotency.store_many

    def fail_once(scope: str, answers: list[Any]) -> None:
        if not failures:
            failures.append(len(answers))
            raise IntegrityError("injected: a key was taken meanwhile")
        store_many(scope, answers)

    monkeypatch.setattr(idempotency, "store_many", fail_once)
    results: list[Any] = []
    keys = [str(uuid.uuid4()) for _ in range(6)]
    with HeadLock():
        first = _start([lambda: results.append(send(wards["Phường Tân Định"], d="đầu"))])
        _storing()
        rest = _start(
            [lambda k=k: results.append(send(wards["Phường Sài Gòn"], key=k, d=k)) for k in keys]
        )
        _queued(6)
    for t in first + rest:
        t.join(timeout=30)

    assert failures  # the injected failure happened on a batch
    assert len(results) == 7 and {r[0] for r in results} == {201}
    assert Report.objects.count() == 7
    assert {r[1]["id"] for r in results} == set(Report.objects.values_list("pk", flat=True))
    assert IdempotencyRecord.objects.filter(key__in=keys).count() == 6
    assert Incident.objects.get(pk=results[-1][1]["incident_id"]).report_count == (
        Report.objects.filter(incident_id=results[-1][1]["incident_id"]).count()
    )
    assert audit.verify()[1] is None
