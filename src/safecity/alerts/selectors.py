"""Reads of warnings and articles: what the public may see, and the officers' look-ups
(``access_*``), built on ``accounts.access`` so scope and capability rules stay in one place."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from safecity.accounts.access import access_scoped, has_capability, require_capability, scoped
from safecity.alerts.models import Alert, Article
from safecity.core.errors import Forbidden, NotFound

PUBLISH = "accounts.publish_alerts"
APPROVE = "accounts.approve_alerts"
ALERT_CAPABILITIES = (PUBLISH, APPROVE)


# --- The public ---------------------------------------------------------------------------------


def _sent() -> QuerySet[Alert]:
    return Alert.objects.filter(status__in=Alert.SENT).prefetch_related("wards", "articles")


def active_messages(now: Any = None) -> QuerySet[Alert]:
    """Published messages still in force: not expired, not superseded or cancelled. Includes
    Cancel messages (until the cancelled warning would have expired), so CAP readers polling
    the feed learn of the cancellation."""
    return _sent().filter(status=Alert.Status.PUBLISHED, expires__gt=now or timezone.now())


def active_warnings(now: Any = None) -> QuerySet[Alert]:
    """What citizens should heed now: active Alert and Update messages, most severe first."""
    severity_order = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
    rows = active_messages(now).exclude(msg_type=Alert.MsgType.CANCEL)
    return sorted_by_severity(rows, severity_order)


def sorted_by_severity(rows: QuerySet[Alert], order: list[str]) -> QuerySet[Alert]:
    rank = Case(
        *[When(severity=s, then=Value(i)) for i, s in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )
    return rows.annotate(severity_rank=rank).order_by("severity_rank", "-sent")


def public_alert(identifier: str) -> Alert:
    """A published message by its CAP identifier (also after it was superseded or cancelled:
    its XML and page stay for the record). Drafts do not exist for the public."""
    alert = _sent().filter(identifier=identifier[:120]).first()
    if alert is None:
        raise NotFound()
    return alert


def replacement_of(alert: Alert) -> Alert | None:
    """The published message that updated or cancelled ``alert``."""
    return (
        Alert.objects.filter(replaces=alert, status__in=Alert.SENT).order_by("sent").first()
        if alert.status in {Alert.Status.SUPERSEDED, Alert.Status.CANCELLED}
        else None
    )


def published_articles(*, topic: str = "") -> QuerySet[Article]:
    rows = Article.objects.filter(status=Article.Status.PUBLISHED)
    if topic:
        rows = rows.filter(topic=topic)
    return rows.order_by("-published_at")


def public_article(slug: str) -> Article:
    article = published_articles().filter(slug=slug[:120]).first()
    if article is None:
        raise NotFound()
    return article


# --- Officers -----------------------------------------------------------------------------------


def _require_alert_role(user: Any) -> None:
    if not any(has_capability(user, c) for c in ALERT_CAPABILITIES):
        raise Forbidden()


def alerts_visible(user: Any, *, status: str = "") -> QuerySet[Alert]:
    """Messages of the officer's scope (their unit's subtree; all for the city command)."""
    _require_alert_role(user)
    rows = scoped(user, Alert.objects.select_related("author", "approved_by", "replaces"))
    if status == "active":
        rows = rows.filter(status=Alert.Status.PUBLISHED, expires__gt=timezone.now())
    elif status == "waiting":
        rows = rows.filter(status__in=Alert.EDITABLE)
    elif status in Alert.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-updated_at", "-id")


def access_alert(user: Any, alert_id: Any, *, capability: str = "") -> Alert:
    """One message the officer may see; with ``capability``, also one they may act on with
    it (a refusal is audited)."""
    if capability:
        require_capability(user, capability, audit_action=f"alert.access:{capability}")
    _require_alert_role(user)
    return access_scoped(
        user, Alert.objects.select_related("author", "approved_by", "replaces"), alert_id
    )


def awaiting_approval(user: Any) -> QuerySet[Alert]:
    """Drafts the officer could approve: written by someone else."""
    if not has_capability(user, APPROVE):
        return Alert.objects.none()
    return alerts_visible(user, status=Alert.Status.DRAFT).filter(~Q(author=user))


def articles_for_officer(user: Any) -> QuerySet[Article]:
    require_capability(user, PUBLISH)
    return Article.objects.select_related("author").order_by("-updated_at")


def access_article(user: Any, article_id: Any) -> Article:
    require_capability(user, PUBLISH)
    try:
        return Article.objects.get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
