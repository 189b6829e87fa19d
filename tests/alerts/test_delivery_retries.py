"""A delivery whose gateway fails is tried again later (one minute, then five), up to three
attempts, each recorded with its error; after the third failure it is marked failed and
audited. A gateway that recovers in time delivers on the next attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from safecity.accounts.models import User
from safecity.alerts import notifications
from safecity.alerts.models import Delivery
from safecity.core import notify
from safecity.core.models import AuditEntry
from safecity.geography.models import Ward
from tests.alerts.conftest import SAI_GON, publish

pytestmark = pytest.mark.django_db(transaction=True)


class BrokenGateway:
    """An SMS gateway that is down."""

    calls: ClassVar[int] = 0

    def send(self, message: notify.Message) -> str:
        type(self).calls += 1
        raise ConnectionError("gateway timed out")


class FlakyGateway:
    """An SMS gateway that fails once, then works."""

    calls: ClassVar[int] = 0

    def send(self, message: notify.Message) -> str:
        type(self).calls += 1
        if type(self).calls == 1:
            raise ConnectionError("503 Service Unavailable")
        return "gw-42"


def _use_sms_backend(settings: Any, backend: type) -> None:
    backend.calls = 0  # type: ignore[attr-defined]
    settings.SAFECITY_NOTIFY_BACKENDS = {
        **django_settings.SAFECITY_NOTIFY_BACKENDS,
        "sms": f"{__name__}.{backend.__name__}",
    }


def _waiting() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY"))


def _make_due() -> None:
    """Let the retries' time come (instead of sleeping)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


@pytest.fixture
def mai(wards: dict[int, Ward]) -> None:
    notifications.subscription_create(phone="0901234567", ward_codes=[SAI_GON])


@pytest.mark.usefixtures("mai")
def test_it_retries_with_backoff_then_marks_the_delivery_failed(
    settings: Any, ngoc: User, thang: User
):
    """GIVEN the SMS gateway is down
    WHEN the worker runs, and again each time the next retry is due
    THEN the delivery is tried three times — the second a minute after the first, the third
    five minutes after the second — then marked failed with the gateway's error."""
    _use_sms_backend(settings, BrokenGateway)
    alert = publish(ngoc, thang)

    call_command("worker", "--batch")

    delivery = Delivery.objects.get(alert=alert)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error == "ConnectionError: gateway timed out"
    (retry,) = _waiting()
    assert retry.run_after is not None
    wait = retry.run_after - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    assert delivery.next_attempt_at == retry.run_after

    call_command("worker", "--batch")  # not due yet: nothing happens
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1

    _make_due()
    call_command("worker", "--batch")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 2)
    (retry,) = _waiting()
    assert timedelta(minutes=4) < retry.run_after - timezone.now() <= timedelta(minutes=5)

    _make_due()
    call_command("worker", "--batch")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert delivery.last_error == "ConnectionError: gateway timed out"
    assert _waiting() == []
    assert BrokenGateway.calls == 3
    failed = AuditEntry.objects.get(action="alert_delivery.failed")
    assert (failed.object_id, failed.outcome) == (str(delivery.pk), "failure")
    assert "+84901234567" not in str(failed.detail)


@pytest.mark.usefixtures("mai")
def test_it_delivers_on_the_next_attempt_when_the_gateway_recovers(
    settings: Any, ngoc: User, thang: User
):
    _use_sms_backend(settings, FlakyGateway)
    alert = publish(ngoc, thang)

    call_command("worker", "--batch")
    _make_due()
    call_command("worker", "--batch")

    delivery = Delivery.objects.get(alert=alert)
    assert (delivery.status, delivery.attempts, delivery.gateway_id) == ("sent", 2, "gw-42")
    assert delivery.last_error == "ConnectionError: 503 Service Unavailable"
    assert _waiting() == []


@pytest.mark.usefixtures("mai")
def test_it_keeps_the_other_channels_going_while_sms_is_down(
    settings: Any, ngoc: User, thang: User, wards: dict[int, Ward]
):
    _use_sms_backend(settings, BrokenGateway)
    notifications.subscription_create(email="tuan@example.vn", ward_codes=[SAI_GON])
    alert = publish(ngoc, thang)

    call_command("worker", "--batch")

    statuses = dict(Delivery.objects.filter(alert=alert).values_list("channel", "status"))
    assert statuses == {"sms": "queued", "email": "sent"}
    assert [m["to"] for m in notify.outbox("email")] == ["tuan@example.vn"]


def test_it_skips_a_delivery_already_sent(wards: dict[int, Ward], ngoc: User, thang: User):
    """A job run twice (a worker restarted mid-way) does not send twice."""
    notifications.subscription_create(phone="0901234567", ward_codes=[SAI_GON])
    alert = publish(ngoc, thang)
    call_command("worker", "--batch")
    delivery = Delivery.objects.get(alert=alert)

    assert notifications.delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert len(notify.outbox("sms")) == 1
