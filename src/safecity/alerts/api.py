"""Public warnings: the active ones and one by identifier (public), subscriptions (public,
rate-limited), and the officers' draft → approve → publish → update/cancel actions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from safecity.alerts import notifications, selectors, services
from safecity.alerts.schemas import AlertIn, AlertOut, CancelIn, SubscriptionIn, SubscriptionOut
from safecity.core.api import ERROR_RESPONSES
from safecity.core.middleware import client_ip

router = Router(tags=["public warnings"])


def content_of(payload: AlertIn) -> services.AlertContent:
    return services.AlertContent(
        category=payload.category,
        urgency=payload.urgency,
        severity=payload.severity,
        certainty=payload.certainty,
        response_type=payload.response_type,
        event_vi=payload.event_vi,
        headline_vi=payload.headline_vi,
        description_vi=payload.description_vi,
        instruction_vi=payload.instruction_vi,
        event_en=payload.event_en,
        headline_en=payload.headline_en,
        description_en=payload.description_en,
        instruction_en=payload.instruction_en,
        effective=payload.effective,
        expires=payload.expires,
        area_desc_vi=payload.area.desc_vi,
        area_desc_en=payload.area.desc_en,
        ward_codes=tuple(payload.area.ward_codes),
        circles=tuple(c.model_dump() for c in payload.area.circles),
        polygons=tuple(tuple((p.lat, p.lon) for p in ring) for ring in payload.area.polygons),
        article_ids=tuple(payload.article_ids),
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- Public ---------------------------------------------------------------------------------------
# Fixed paths come before "/{identifier}" so that one never swallows them.


@router.get("", auth=None, response={200: list[AlertOut], **ERROR_RESPONSES})
def alert_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Warnings in force now (not expired, not superseded or cancelled), most severe first."""
    return [AlertOut.of(a) for a in selectors.active_warnings().select_related("replaces")]


@router.post("/subscriptions", auth=None, response={201: SubscriptionOut, **ERROR_RESPONSES})
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    """Get warnings for some wards by SMS and/or e-mail. Limited per client address and per
    phone number or e-mail address (429 with `Retry-After`). Every message carries a link to
    stop them; the answer carries it too."""
    phone = notifications.normalize_phone(payload.phone) if payload.phone.strip() else ""
    email = notifications.normalize_email(payload.email) if payload.email.strip() else ""
    notifications.subscription_rate_check(
        client_address=client_ip(request), phone=phone, email=email
    )
    subscription = notifications.subscription_create(
        phone=phone, email=email, ward_codes=payload.ward_codes, language=payload.language
    )
    return Status(
        201,
        {
            "id": subscription.pk,
            "phone": subscription.phone,
            "email": subscription.email,
            "ward_codes": sorted(w.pk for w in subscription.wards.all()),
            "language": subscription.language,
            "unsubscribe_url": request.build_absolute_uri(
                reverse("alerts:unsubscribe", args=[subscription.token])
            ),
        },
    )


# --- Officers -------------------------------------------------------------------------------------


@router.post("/drafts", response={201: AlertOut, **ERROR_RESPONSES})
def draft_create(request: HttpRequest, payload: AlertIn) -> Status[dict[str, Any]]:
    """Write a new warning as a draft (alert publishers)."""
    user = request.auth  # type: ignore[attr-defined]
    alert = services.alert_draft_create(actor=user, content=content_of(payload))
    return Status(201, AlertOut.of(alert))


@router.post("/{alert_id}/approve", response={200: AlertOut, **ERROR_RESPONSES})
def alert_approve(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """Approve someone else's draft (four-eyes: never your own)."""
    user = request.auth  # type: ignore[attr-defined]
    alert = selectors.access_alert(user, alert_id, capability=selectors.APPROVE)
    return AlertOut.of(services.alert_approve(actor=user, alert=alert))


@router.post("/{alert_id}/publish", response={200: AlertOut, **ERROR_RESPONSES})
def alert_publish(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """Publish an approved message. It is refused (422, code `cap_invalid`) unless its CAP
    XML passes the CAP 1.2 schema. Notifications are queued, not sent, by this call."""
    user = request.auth  # type: ignore[attr-defined]
    alert = selectors.access_alert(user, alert_id, capability=selectors.PUBLISH)
    published = services.alert_publish(actor=user, alert=alert, base_url=_base_url(request))
    return AlertOut.of(published)


@router.post("/{alert_id}/update", response={201: AlertOut, **ERROR_RESPONSES})
def alert_update(request: HttpRequest, alert_id: int, payload: AlertIn) -> Status[dict[str, Any]]:
    """Start an Update of a published warning: a new draft (approve and publish it as usual);
    when published, the earlier warning is superseded."""
    user = request.auth  # type: ignore[attr-defined]
    alert = selectors.access_alert(user, alert_id, capability=selectors.PUBLISH)
    draft = services.alert_update_draft(actor=user, alert=alert, content=content_of(payload))
    return Status(201, AlertOut.of(draft))


@router.post("/{alert_id}/cancel", response={201: AlertOut, **ERROR_RESPONSES})
def alert_cancel(request: HttpRequest, alert_id: int, payload: CancelIn) -> Status[dict[str, Any]]:
    """Start a Cancel of a published warning: a new draft (approve and publish it as usual);
    when published, the earlier warning is cancelled."""
    user = request.auth  # type: ignore[attr-defined]
    alert = selectors.access_alert(user, alert_id, capability=selectors.PUBLISH)
    draft = services.alert_cancel_draft(
        actor=user, alert=alert, reason=payload.reason_vi, reason_en=payload.reason_en
    )
    return Status(201, AlertOut.of(draft))


@router.get("/{identifier}", auth=None, response={200: AlertOut, **ERROR_RESPONSES})
def alert_detail(request: HttpRequest, identifier: str) -> dict[str, Any]:
    """One published message by its CAP identifier, also after it was superseded or
    cancelled (see `status`)."""
    return AlertOut.of(selectors.public_alert(identifier))
