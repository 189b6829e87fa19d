"""Publishing queues one notification per subscriber whose wards meet the warning's area —
wards chosen from the list, or wards a drawn circle or polygon touches — as Delivery rows and
a background job, never sending inside the publishing request. The worker sends them through
the configured backends."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from safecity.accounts.models import User
from safecity.alerts import notifications, services
from safecity.alerts.models import Alert, Delivery, Subscription
from safecity.core import notify
from safecity.geography.models import Ward
from tests.alerts.conftest import (
    BEN_THANH,
    CAU_ONG_LANH,
    SAI_GON,
    THU_DAU_MOT,
    content,
    publish,
)
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)

MAI, HOA, AN = "+84901234567", "+84912345678", "+84987654321"
TUAN = "tuan@example.vn"
# Touches Phường Sài Gòn and Phường Bến Thành, not Phường Cầu Ông Lãnh.
BORDER_CIRCLE = {"lat": 10.7745, "lon": 106.6985, "radius_km": 0.3}


@pytest.fixture
def subscribers(wards: dict[int, Ward]) -> dict[str, Subscription]:
    """Mai (SMS, Sài Gòn), Tuấn (e-mail, Bến Thành), Hoa (SMS, far away in Thủ Dầu Một),
    An (SMS, Cầu Ông Lãnh), Bình (Sài Gòn, but unsubscribed), and Mai again for Bến Thành."""
    made = {
        "mai": notifications.subscription_create(phone="0901 234 567", ward_codes=[SAI_GON]),
        "tuan": notifications.subscription_create(email="Tuan@Example.vn", ward_codes=[BEN_THANH]),
        "hoa": notifications.subscription_create(phone="0912345678", ward_codes=[THU_DAU_MOT]),
        "an": notifications.subscription_create(phone=AN, ward_codes=[CAU_ONG_LANH]),
        "binh": notifications.subscription_create(
            phone="0933333333", email="binh@example.vn", ward_codes=[SAI_GON]
        ),
        "mai_again": notifications.subscription_create(phone=MAI, ward_codes=[BEN_THANH]),
    }
    notifications.subscription_cancel(token=made["binh"].token)
    return made


def _deliveries(alert: Alert) -> set[tuple[str, str, str]]:
    return {(d.channel, d.to, d.status) for d in Delivery.objects.filter(alert=alert)}


def test_it_queues_deliveries_for_exactly_the_wards_a_drawn_circle_touches(
    client: Client, subscribers: dict[str, Subscription], ngoc: User, thang: User
):
    """GIVEN subscribers of five wards
    WHEN a warning with a circle on the Sài Gòn / Bến Thành border is published through the API
    THEN the answer comes back with deliveries queued for Mai and Tuấn only (Mai once), nothing
    sent yet, and one job waiting in the queue."""
    draft = services.alert_draft_create(
        actor=ngoc, content=content(ward_codes=(), circles=(BORDER_CIRCLE,))
    )
    services.alert_approve(actor=thang, alert=draft)

    response = client.post(f"/api/v1/alerts/{draft.pk}/publish", **bearer(client, ngoc))

    assert response.status_code == 200
    assert _deliveries(draft) == {("sms", MAI, "queued"), ("email", TUAN, "queued")}
    assert notify.outbox("sms") == [] and notify.outbox("email") == []
    assert [t.status for t in DBTaskResult.objects.all()] == ["READY"]


def test_it_sends_the_queued_deliveries_when_the_worker_runs(
    subscribers: dict[str, Subscription], ngoc: User, thang: User
):
    alert = publish(ngoc, thang, ward_codes=(), circles=(BORDER_CIRCLE,))

    call_command("worker", "--batch")

    assert _deliveries(alert) == {("sms", MAI, "sent"), ("email", TUAN, "sent")}
    for delivery in Delivery.objects.filter(alert=alert):
        assert delivery.attempts == 1
        assert delivery.gateway_id.startswith(f"file:{delivery.channel}:")
        assert delivery.sent_at is not None
    (sms,) = notify.outbox("sms")
    assert sms["to"] == MAI
    with translation.override("vi"):
        lead = gettext("WARNING")
    assert sms["body"].startswith(f"{lead}: {alert.headline_vi}. {alert.instruction_vi}")
    assert f"/alerts/{alert.identifier}/" in sms["body"]
    assert f"/alerts/unsubscribe/{subscribers['mai'].token}/" in sms["body"]
    (email,) = notify.outbox("email")
    assert email["to"] == TUAN
    assert "Triều cường dâng cao" in email["subject"]
    assert alert.description_vi in email["body"]
    assert {t.status for t in DBTaskResult.objects.all()} == {"SUCCESSFUL"}


def test_it_notifies_subscribers_of_the_wards_chosen_from_the_list(
    subscribers: dict[str, Subscription], ngoc: User, thang: User
):
    alert = publish(ngoc, thang, ward_codes=(THU_DAU_MOT, CAU_ONG_LANH))

    assert _deliveries(alert) == {("sms", HOA, "queued"), ("sms", AN, "queued")}


def test_it_notifies_the_wards_a_drawn_polygon_touches(
    subscribers: dict[str, Subscription], ngoc: User, thang: User
):
    inside_sai_gon = ((10.7768, 106.7002), (10.7755, 106.7030), (10.7750, 106.7000))

    alert = publish(ngoc, thang, ward_codes=(), polygons=(inside_sai_gon,))

    assert _deliveries(alert) == {("sms", MAI, "queued")}


def test_it_writes_in_the_language_the_subscriber_chose(
    wards: dict[int, Ward], ngoc: User, thang: User
):
    notifications.subscription_create(phone=HOA, ward_codes=[SAI_GON], language="en")
    publish(ngoc, thang)

    call_command("worker", "--batch")

    (sms,) = notify.outbox("sms")
    assert sms["body"].startswith("WARNING: High tide: central streets may flood.")
    assert "Stop these messages:" in sms["body"]


def test_it_queues_nothing_when_nobody_subscribed_to_the_area(
    subscribers: dict[str, Subscription], ngoc: User, thang: User
):
    far = {"lat": 10.9, "lon": 106.3, "radius_km": 1}

    alert = publish(ngoc, thang, ward_codes=(), circles=(far,))

    assert not Delivery.objects.filter(alert=alert).exists()
    assert not DBTaskResult.objects.exists()


def test_the_delivery_job_is_written_in_the_publishing_transaction(
    subscribers: dict[str, Subscription], ngoc: User, thang: User
):
    """The job that sends the deliveries commits with them (a job queued only after the
    commit could fail to be queued and leave deliveries nobody sends)."""
    with transaction.atomic():
        alert = publish(ngoc, thang, ward_codes=(SAI_GON,))
        queued_inside = [t.task_path for t in DBTaskResult.objects.all()]

    assert queued_inside == ["safecity.alerts.tasks.deliveries_dispatch_task"]
    call_command("worker", "--batch")
    assert _deliveries(alert) == {("sms", MAI, "sent")}


def test_a_warning_whose_job_cannot_be_queued_is_not_published(
    subscribers: dict[str, Subscription], ngoc: User, thang: User, monkeypatch: pytest.MonkeyPatch
):
    draft = services.alert_draft_create(actor=ngoc, content=content(ward_codes=(SAI_GON,)))
    services.alert_approve(actor=thang, alert=draft)

    def queue_down(*args: object, **kwargs: object) -> None:
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(DatabaseBackend, "enqueue", queue_down)
    with pytest.raises(DatabaseError):
        services.alert_publish(actor=ngoc, alert=draft, base_url="https://canhbao.test")

    draft.refresh_from_db()
    assert draft.status == Alert.Status.APPROVED  # not published without its deliveries' job
    assert not Delivery.objects.exists()
    monkeypatch.undo()
    services.alert_publish(actor=ngoc, alert=draft, base_url="https://canhbao.test")
    call_command("worker", "--batch")
    assert _deliveries(draft) == {("sms", MAI, "sent")}
