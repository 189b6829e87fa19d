"""Citizens' subscriptions and the notification fan-out of published warnings.

Publishing a warning writes one ``Delivery`` row per recipient address (inside the publish
transaction, so the two commit or roll back together) and, after commit, queues one
background job that queues one send job per delivery. A send that fails is tried again later
(``RETRY_DELAYS``) up to ``MAX_ATTEMPTS`` times, then marked failed. Nothing here ever runs
inside the request that published the warning, and a slow or broken gateway never holds it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db import DatabaseBackend

from safecity.alerts import areas
from safecity.alerts.models import Alert, Delivery, Subscription
from safecity.core import audit, notify, ratelimit
from safecity.core.errors import InvalidInput
from safecity.core.phones import to_e164
from safecity.geography.models import Ward

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Wait after the first and the second failed attempt (the third failure is final).
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5))
MAX_SUBSCRIPTION_WARDS = 50
# Subscribing is public and sends messages to the number given: limit it per client address
# and per phone number / e-mail address, so nobody floods a stranger's phone with sign-ups.
RATE_PER_ADDRESS = "20/h"
RATE_PER_RECIPIENT = "3/h"
SMS_LENGTH = 480  # three concatenated Vietnamese (UCS-2) SMS parts at most


# --- Subscriptions --------------------------------------------------------------------------------


def normalize_phone(text: str) -> str:
    """A Vietnamese mobile number in E.164, or ``InvalidInput`` naming the ``phone`` field."""
    phone = to_e164(text.strip()[:30]) if text.strip() else None
    if phone is None or phonenumbers.number_type(phonenumbers.parse(phone)) not in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }:
        raise InvalidInput(fields={"phone": [_("Enter a mobile phone number, e.g. 0901234567.")]})
    return phone


def normalize_email(text: str) -> str:
    email = text.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(fields={"email": [_("Enter a valid e-mail address.")]}) from None
    return email.lower()


def subscription_rate_check(*, client_address: str, phone: str = "", email: str = "") -> None:
    """Count one sign-up against the limits; raises ``RateLimited`` (429 with Retry-After)."""
    ratelimit.hit("alerts.subscribe.address", client_address, RATE_PER_ADDRESS)
    if phone:
        ratelimit.hit("alerts.subscribe.phone", phone, RATE_PER_RECIPIENT)
    if email:
        ratelimit.hit("alerts.subscribe.email", email, RATE_PER_RECIPIENT)


@transaction.atomic
def subscription_create(
    *, phone: str = "", email: str = "", ward_codes: list[int], language: str = "vi"
) -> Subscription:
    """Sign up for warnings about ``ward_codes`` by SMS and/or e-mail (already normalised
    with ``normalize_phone``/``normalize_email``, or raw: they are normalised again)."""
    errors: dict[str, list[str]] = {}
    if not phone and not email:
        errors["phone"] = [_("Give a mobile number or an e-mail address (or both).")]
    try:
        phone = normalize_phone(phone) if phone else ""
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        email = normalize_email(email) if email else ""
    except InvalidInput as exc:
        errors.update(exc.fields)
    codes = sorted(set(ward_codes))
    wards = list(Ward.objects.filter(code__in=codes, province_id=settings.SAFECITY_PROVINCE_CODE))
    if not codes:
        errors["ward_codes"] = [_("Choose at least one ward.")]
    elif len(codes) > MAX_SUBSCRIPTION_WARDS:
        errors["ward_codes"] = [_("At most %(n)d wards.") % {"n": MAX_SUBSCRIPTION_WARDS}]
    elif len(wards) != len(codes):
        errors["ward_codes"] = [_("Not wards of this province.")]
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Not one of the allowed values.")]
    if errors:
        raise InvalidInput(fields=errors)
    subscription = Subscription.objects.create(phone=phone, email=email, language=language)
    subscription.wards.set(wards)
    audit.record(
        "alert_subscription.create",
        object_type="alert_subscription",
        object_id=subscription.pk,
        # No phone number or address in the trail: it is personal data and not needed there.
        detail={"wards": len(wards), "sms": bool(phone), "email": bool(email)},
    )
    return subscription


@transaction.atomic
def subscription_cancel(*, token: str) -> Subscription | None:
    """End the subscription holding ``token``; ``None`` if there is none. Idempotent."""
    subscription = (
        Subscription.objects.select_for_update().filter(token=token[:64]).first() if token else None
    )
    if subscription is None or subscription.unsubscribed_at is not None:
        return subscription
    subscription.unsubscribed_at = timezone.now()
    subscription.save(update_fields=["unsubscribed_at"])
    audit.record(
        "alert_subscription.cancel", object_type="alert_subscription", object_id=subscription.pk
    )
    return subscription


# --- Fan-out --------------------------------------------------------------------------------------


def affected_ward_codes(alert: Alert) -> set[int]:
    """The wards chosen from the list, and every ward a drawn circle or polygon touches."""
    codes = set(alert.wards.values_list("code", flat=True))
    shapes = areas.drawn_shapes(alert.circles, alert.polygons)
    if shapes:
        codes |= areas.wards_touching(shapes)
    return codes


def deliveries_queue(*, alert: Alert) -> int:
    """Write a queued delivery per recipient of ``alert`` and queue the job that sends them
    (``_enqueue``: with the database queue, in the same transaction). Call inside the
    transaction that publishes the warning. One address gets one message per warning even if
    several of its subscriptions match."""
    codes = affected_ward_codes(alert)
    subscriptions = (
        Subscription.objects.filter(unsubscribed_at__isnull=True, wards__code__in=codes)
        .distinct()
        .order_by("id")
    )
    seen: set[tuple[str, str]] = set()
    rows = []
    for subscription in subscriptions.iterator(chunk_size=2000):
        for channel, to in (("sms", subscription.phone), ("email", subscription.email)):
            if to and (channel, to) not in seen:
                seen.add((channel, to))
                rows.append(
                    Delivery(alert=alert, subscription=subscription, channel=channel, to=to)
                )
    Delivery.objects.bulk_create(rows, batch_size=1000)
    if rows:
        from safecity.alerts.tasks import deliveries_dispatch_task

        _enqueue(deliveries_dispatch_task, alert.pk)
    return len(rows)


def _enqueue(task: Any, *args: Any) -> None:
    """Queue ``task`` so that no job is lost between the commit and the queue. With the
    database queue (the default) the job is written in the caller's transaction: it commits
    with the deliveries it will send, or neither does (queued after the commit instead, a
    failure to queue would leave deliveries that nobody sends). The worker sees the job only
    once committed. A queue elsewhere (the immediate backend runs the job on the spot) is
    told after the commit."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)


@transaction.atomic
def deliveries_dispatch(*, alert_id: int) -> int:
    """Queue a send job for each delivery of the warning not yet handed to the queue (the
    background job behind ``deliveries_queue``; running it twice queues nothing twice)."""
    from safecity.alerts.tasks import delivery_send_task

    pending = list(
        Delivery.objects.select_for_update()
        .filter(
            alert_id=alert_id,
            status=Delivery.Status.QUEUED,
            attempts=0,
            next_attempt_at__isnull=True,
        )
        .values_list("id", flat=True)
    )
    Delivery.objects.filter(id__in=pending).update(next_attempt_at=timezone.now())
    for delivery_id in pending:
        delivery_send_task.enqueue(delivery_id)
    return len(pending)


def _links(delivery: Delivery) -> tuple[str, str]:
    alert = delivery.alert
    page = alert.web or reverse("alerts:detail", args=[alert.identifier])
    unsubscribe = urljoin(
        alert.web or "", reverse("alerts:unsubscribe", args=[delivery.subscription.token])
    )
    return page, unsubscribe


def message_for(delivery: Delivery) -> notify.Message:
    """The text a recipient gets, in the language they chose (English only when the warning
    has an English version)."""
    alert = delivery.alert
    language = delivery.subscription.language
    page, unsubscribe = _links(delivery)
    with translation.override(language):
        lead = {
            Alert.MsgType.ALERT: _("WARNING"),
            Alert.MsgType.UPDATE: _("WARNING UPDATE"),
            Alert.MsgType.CANCEL: _("WARNING CANCELLED"),
        }[Alert.MsgType(alert.msg_type)]
        headline = alert.localized("headline", language)
        instruction = alert.localized("instruction", language)
        more = _("Details: %(url)s") % {"url": page}
        stop = _("Stop these messages: %(url)s") % {"url": unsubscribe}
    meta = {"alert": str(alert.identifier), "delivery": str(delivery.pk)}
    if delivery.channel == "sms":
        tail = f" {more} {stop}"
        text = f"{lead}: {headline}. {instruction}".strip()
        body = text[: max(SMS_LENGTH - len(tail), 80)].rstrip() + tail
        return notify.Message(channel="sms", to=delivery.to, body=body, meta=meta)
    description = alert.localized("description", language)
    parts = [headline, description, instruction, more, stop]
    return notify.Message(
        channel="email",
        to=delivery.to,
        subject=f"[{lead}] {headline}",
        body="\n\n".join(p for p in parts if p),
        meta=meta,
    )


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery now (in the worker). The gateway is called outside any transaction,
    so a slow gateway holds no database lock; the outcome is written after."""
    delivery = (
        Delivery.objects.select_related("alert", "subscription").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != Delivery.Status.QUEUED:
        return "skipped"
    try:
        gateway_id = notify.backend_for(delivery.channel).send(message_for(delivery))  # type: ignore[arg-type]
    except Exception as exc:  # any gateway failure: recorded, retried, never lost
        logger.warning("delivery %s failed: %s", delivery_id, exc)
        return delivery_failed(delivery_id=delivery_id, error=f"{type(exc).__name__}: {exc}")
    return delivery_sent(delivery_id=delivery_id, gateway_id=str(gateway_id or ""))


@transaction.atomic
def delivery_sent(*, delivery_id: int, gateway_id: str) -> str:
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    now = timezone.now()
    delivery.status, delivery.gateway_id, delivery.sent_at = Delivery.Status.SENT, gateway_id, now
    delivery.attempts += 1
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "gateway_id", "sent_at", "attempts", "next_attempt_at"])
    return "sent"


@transaction.atomic
def delivery_failed(*, delivery_id: int, error: str) -> str:
    """Count a failed attempt; try again after a growing delay, or give up after the last."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    delivery.attempts += 1
    delivery.last_error = error[:500]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
        audit.record(
            "alert_delivery.failed",
            object_type="alert_delivery",
            object_id=delivery.pk,
            outcome="failure",
            detail={"alert": delivery.alert_id, "channel": delivery.channel, "error": error[:200]},
        )
    else:
        delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
        delivery.next_attempt_at = timezone.now() + delay
        _retry_later(delivery.pk, delivery.next_attempt_at)
    delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    return str(delivery.status) if delivery.status == Delivery.Status.FAILED else "retry"


def _retry_later(delivery_id: int, when: Any) -> None:
    from safecity.alerts.tasks import delivery_send_task

    task = delivery_send_task
    if task.get_backend().supports_defer:
        task = task.using(run_after=when)
    # In the transaction that saves the attempt count (``_enqueue``): the retry cannot run
    # before it, nor be lost after it. A backend that cannot defer (the immediate one)
    # retries at once, after the commit.
    _enqueue(task, delivery_id)


def delivery_counts(alert: Alert) -> dict[str, int]:
    counts = dict.fromkeys(Delivery.Status.values, 0)
    for row in alert.deliveries.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts
