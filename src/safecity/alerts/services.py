"""Every change to public warnings and awareness articles: keyword-only, one transaction each,
audited inside it; publishing also tells the consoles and queues the notifications after
commit. Subscriptions and deliveries are in ``alerts.notifications``.

The life of a warning: draft → approved (by a second person: four-eyes) → published. A
published message never changes; ``alert_update_draft`` and ``alert_cancel_draft`` start a new
message that references it, and publishing that one supersedes or cancels the earlier one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safecity.accounts.access import require_capability
from safecity.accounts.models import Unit, User
from safecity.alerts import areas, cap
from safecity.alerts.models import (
    Alert,
    Article,
    Category,
    Certainty,
    IdentifierCounter,
    ResponseType,
    Severity,
    Urgency,
)
from safecity.alerts.notifications import deliveries_queue
from safecity.core import audit, live
from safecity.core.errors import Conflict, Forbidden, InvalidInput
from safecity.core.text import clean, fold
from safecity.geography.models import Ward

PUBLISH = "accounts.publish_alerts"
APPROVE = "accounts.approve_alerts"
MAX_DURATION = timedelta(days=31)
MAX_WARDS = 200
MAX_SHAPES = 10


# --- Content --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertContent:
    """What a warning says and where; the same for a new warning, an Update and a Cancel."""

    category: str
    urgency: str
    severity: str
    certainty: str
    event_vi: str
    headline_vi: str
    description_vi: str
    expires: datetime
    response_type: str = ""
    instruction_vi: str = ""
    event_en: str = ""
    headline_en: str = ""
    description_en: str = ""
    instruction_en: str = ""
    effective: datetime | None = None
    area_desc_vi: str = ""
    area_desc_en: str = ""
    ward_codes: tuple[int, ...] = ()
    circles: tuple[dict[str, float], ...] = ()
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    article_ids: tuple[int, ...] = ()
    note: str = ""

    @classmethod
    def of(cls, alert: Alert) -> AlertContent:
        """The content of an existing warning (to start an Update from it)."""
        return cls(
            **{name: getattr(alert, name) for name in _TEXT_FIELDS + _CHOICE_FIELDS},
            effective=alert.effective,
            expires=alert.expires,
            ward_codes=tuple(alert.wards.values_list("code", flat=True)),
            circles=tuple(alert.circles),
            polygons=tuple(tuple(tuple(p) for p in ring) for ring in alert.polygons),
            article_ids=tuple(alert.articles.values_list("id", flat=True)),
        )


_CHOICE_FIELDS = ("category", "urgency", "severity", "certainty", "response_type")
_LINE_FIELDS: tuple[str, ...] = (
    "event_vi",
    "event_en",
    "headline_vi",
    "headline_en",
    "area_desc_vi",
    "area_desc_en",
    "note",
)
_TEXT_FIELDS = (
    *_LINE_FIELDS,
    "description_vi",
    "description_en",
    "instruction_vi",
    "instruction_en",
)
_CHOICES = {
    "category": Category.values,
    "urgency": Urgency.values,
    "severity": Severity.values,
    "certainty": Certainty.values,
    "response_type": ["", *ResponseType.values],
}


def _multiline(text: str) -> str:
    """NFC, Đ not Ð, each line's spaces collapsed; paragraphs kept."""
    lines = [clean(line) for line in unicodedata.normalize("NFC", text).splitlines()]
    return "\n".join(lines).strip()


@dataclass
class _Checked:
    values: dict[str, Any]
    wards: list[Ward]
    articles: list[Article]


def _check(content: AlertContent, *, now: datetime | None = None) -> _Checked:
    """Normalise and check the content; raise ``InvalidInput`` naming every bad field."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    values: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        raw = str(getattr(content, name) or "")
        value = clean(raw) if name in _LINE_FIELDS else _multiline(raw)
        limit = getattr(Alert._meta.get_field(name), "max_length", None)
        if limit and len(value) > limit:
            bad(name, _("At most %(n)d characters.") % {"n": limit})
        values[name] = value
    for name in _CHOICE_FIELDS:
        value = str(getattr(content, name) or "")
        if value not in _CHOICES[name]:
            bad(name, _("Not one of the allowed values."))
        values[name] = value
    for name in ("event_vi", "headline_vi", "description_vi"):
        if not values[name]:
            bad(name, _("Required."))
    if any(values[n] for n in ("event_en", "headline_en", "description_en", "instruction_en")):
        # An English <info> block must be whole: CAP readers show it instead of the Vietnamese.
        for name in ("event_en", "headline_en", "description_en"):
            if not values[name]:
                bad(name, _("Required when the warning has an English version."))
    effective, expires = content.effective, content.expires
    if expires <= now:
        bad("expires", _("Must be in the future."))
    if expires > now + MAX_DURATION:
        bad("expires", _("At most 31 days ahead; publish an update to extend a warning."))
    if effective is not None:
        if effective >= expires:
            bad("effective", _("Must be before the expiry."))
        if effective > now + MAX_DURATION:
            bad("effective", _("Must be within the next 31 days."))
    values["effective"], values["expires"] = effective, expires

    codes = sorted(set(content.ward_codes))
    wards = list(Ward.objects.filter(code__in=codes, province_id=settings.SAFECITY_PROVINCE_CODE))
    unknown = sorted(set(codes) - {w.code for w in wards})
    if unknown:
        bad("ward_codes", _("Not wards of this province: %(codes)s") % {"codes": unknown[:10]})
    if len(codes) > MAX_WARDS:
        bad("ward_codes", _("At most %(n)d wards.") % {"n": MAX_WARDS})
    circles = []
    for circle in content.circles:
        lat, lon, radius = circle.get("lat"), circle.get("lon"), circle.get("radius_km")
        numbers = (lat, lon, radius)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
            bad("circles", _("Each circle needs lat, lon and radius_km."))
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
            bad("circles", _("The centre is not a valid position."))
        if not 0 < radius <= areas.MAX_RADIUS_KM:  # type: ignore[operator]
            bad("circles", _("The radius must be above 0 and at most 100 km."))
        circles.append({"lat": float(lat), "lon": float(lon), "radius_km": float(radius)})  # type: ignore[arg-type]
    polygons = []
    for ring in content.polygons:
        problem = areas.polygon_problem(ring)
        if problem:
            bad("polygons", _("Not a usable polygon: %(why)s.") % {"why": problem})
        else:
            polygons.append([[float(lat), float(lon)] for lat, lon in ring])
    if len(circles) > MAX_SHAPES or len(polygons) > MAX_SHAPES:
        bad("polygons", _("At most %(n)d circles and %(n)d polygons.") % {"n": MAX_SHAPES})
    if not (codes or content.circles or content.polygons):
        bad("area", _("Choose wards, or draw a circle or a polygon on the map."))
    values["circles"], values["polygons"] = circles, polygons

    articles = list(Article.objects.filter(pk__in=set(content.article_ids)))
    if len(articles) != len(set(content.article_ids)):
        bad("article_ids", _("Unknown article."))
    if errors:
        raise InvalidInput(fields=errors)
    return _Checked(values=values, wards=wards, articles=articles)


def _apply(alert: Alert, checked: _Checked) -> None:
    for name, value in checked.values.items():
        setattr(alert, name, value)
    alert.updated_at = timezone.now()
    alert.save()
    alert.wards.set(checked.wards)
    alert.articles.set(checked.articles)


def _detail(alert: Alert) -> dict[str, Any]:
    return {
        "msg_type": alert.msg_type,
        "status": alert.status,
        "headline": alert.headline_vi,
        "identifier": alert.identifier,
    }


# --- Drafts ---------------------------------------------------------------------------------------


def _new_draft(
    *, actor: User, content: AlertContent, msg_type: str, replaces: Alert | None
) -> Alert:
    require_capability(actor, PUBLISH)
    checked = _check(content)
    alert = Alert(msg_type=msg_type, replaces=replaces, unit=actor.unit, author=actor)
    _apply(alert, checked)
    audit.record(
        "alert.draft",
        actor=actor,
        object_type="alert",
        object_id=alert.pk,
        detail=_detail(alert) | {"replaces": replaces.identifier if replaces else None},
    )
    return alert


@transaction.atomic
def alert_draft_create(*, actor: User, content: AlertContent) -> Alert:
    """A new warning, as a draft of the officer's unit."""
    return _new_draft(actor=actor, content=content, msg_type=Alert.MsgType.ALERT, replaces=None)


@transaction.atomic
def alert_draft_edit(*, actor: User, alert: Alert, content: AlertContent) -> Alert:
    """Change a draft. Only its author may (so the approver never approves their own words);
    an approved draft that changes goes back to draft and needs approving again."""
    require_capability(actor, PUBLISH)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_editable:
        raise Conflict(_("A published warning cannot change; publish an update instead."))
    if alert.author_id != actor.pk:
        raise Forbidden(_("Only the author can change a draft."), code="not_author")
    checked = _check(content)
    if alert.msg_type == Alert.MsgType.CANCEL:
        checked.values["response_type"] = ResponseType.ALL_CLEAR
    alert.status, alert.approved_by, alert.approved_at = Alert.Status.DRAFT, None, None
    _apply(alert, checked)
    audit.record(
        "alert.edit", actor=actor, object_type="alert", object_id=alert.pk, detail=_detail(alert)
    )
    return alert


def require_current(alert: Alert) -> None:
    if alert.status != Alert.Status.PUBLISHED or alert.msg_type == Alert.MsgType.CANCEL:
        raise Conflict(
            _("Only a published warning that is still current can be updated or cancelled."),
            code="not_current",
        )


@transaction.atomic
def alert_update_draft(*, actor: User, alert: Alert, content: AlertContent) -> Alert:
    """Start an Update of a published warning: a new draft that will replace it."""
    require_current(alert)
    return _new_draft(actor=actor, content=content, msg_type=Alert.MsgType.UPDATE, replaces=alert)


@transaction.atomic
def alert_cancel_draft(*, actor: User, alert: Alert, reason: str, reason_en: str = "") -> Alert:
    """Start a Cancel of a published warning: same area and expiry, "all clear", the reason as
    the description. Like any message it is approved by a second person before it goes out."""
    require_current(alert)
    reason, reason_en = _multiline(reason), _multiline(reason_en)
    if not reason:
        raise InvalidInput(fields={"reason": [_("Required.")]})
    base = AlertContent.of(alert)
    english = bool(alert.headline_en)
    content = AlertContent(
        **{
            **base.__dict__,
            "response_type": ResponseType.ALL_CLEAR,
            "headline_vi": f"Đã hủy: {alert.headline_vi}"[:160],
            "description_vi": reason,
            "instruction_vi": "",
            "headline_en": f"Cancelled: {alert.headline_en}"[:160] if english else "",
            "description_en": (reason_en or "This warning has been cancelled.") if english else "",
            "instruction_en": "",
            "effective": None,
            "expires": max(alert.expires, timezone.now() + timedelta(hours=1)),
            "note": reason[:500],
        }
    )
    return _new_draft(actor=actor, content=content, msg_type=Alert.MsgType.CANCEL, replaces=alert)


# --- Four-eyes and publication --------------------------------------------------------------------


def alert_approve(*, actor: User, alert: Alert) -> Alert:
    """A second person approves a draft. The author can never approve their own: the refusal
    is audited (outside the change's transaction, so it is kept although nothing changes)."""
    require_capability(actor, APPROVE)
    if alert.author_id == actor.pk:
        audit.record(
            "alert.approve",
            actor=actor,
            object_type="alert",
            object_id=alert.pk,
            outcome="denied",
            detail={"reason": "four_eyes"},
        )
        raise Forbidden(
            _("You wrote this warning: another officer must approve it."), code="four_eyes"
        )
    return _approve(actor=actor, alert=alert)


@transaction.atomic
def _approve(*, actor: User, alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != Alert.Status.DRAFT:
        raise Conflict(_("Only a draft can be approved."), code="not_draft")
    alert.status, alert.approved_by, alert.approved_at = (
        Alert.Status.APPROVED,
        actor,
        timezone.now(),
    )
    alert.save(update_fields=["status", "approved_by", "approved_at"])
    audit.record(
        "alert.approve", actor=actor, object_type="alert", object_id=alert.pk, detail=_detail(alert)
    )
    return alert


def _next_identifier(sent: datetime) -> str:
    year = sent.astimezone(cap.VIETNAM).year
    IdentifierCounter.objects.get_or_create(year=year)
    counter = IdentifierCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return cap.identifier_for(year, counter.last)


def sender_name() -> str:
    """The force's own name (the root of the unit tree) as the CAP ``senderName``."""
    root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    return root.name if root else cap.SENDER_NAME


def _references(earlier: Alert) -> str:
    """Every message of the chain, oldest first, ending with the one being replaced."""
    assert earlier.identifier and earlier.sent  # noqa: S101 - published messages have both
    own = cap.reference_for(earlier.sender, earlier.identifier, earlier.sent)
    return " ".join([*earlier.references.split(), own])


def alert_publish(*, actor: User, alert: Alert, base_url: str = "") -> Alert:
    """Publish an approved message: give it its identifier and ``sent`` time, build the CAP
    XML, refuse it (422, code ``cap_invalid``) unless the XML passes the CAP 1.2 schema and
    rules, store it, end the message it updates or cancels, and queue one notification per
    subscriber of the area. A refusal is audited outside the publishing transaction, which
    rolls back.

    ``base_url`` (``https://host``) makes the warning's web page link absolute in the CAP
    message and the notifications.
    """
    try:
        return _publish(actor=actor, alert=alert, base_url=base_url)
    except InvalidInput as exc:
        if exc.code == "cap_invalid":
            audit.record(
                "alert.publish",
                actor=actor,
                object_type="alert",
                object_id=alert.pk,
                outcome="failure",
                detail={"cap_problems": exc.fields.get("cap", [])[:10]},
            )
        raise


@transaction.atomic
def _publish(*, actor: User, alert: Alert, base_url: str) -> Alert:
    require_capability(actor, PUBLISH)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != Alert.Status.APPROVED:
        raise Conflict(_("Only an approved warning can be published."), code="not_approved")
    now = timezone.now().replace(microsecond=0)
    if alert.expires <= now:
        raise InvalidInput(fields={"expires": [_("This warning has already expired.")]})
    earlier = None
    if alert.replaces_id is not None:
        earlier = Alert.objects.select_for_update().get(pk=alert.replaces_id)
        require_current(earlier)
    sender = str(settings.SAFECITY_CAP_SENDER)
    identifier = _next_identifier(now)
    web = f"{base_url.rstrip('/')}/alerts/{identifier}/" if base_url else ""
    envelope = cap.Envelope(
        identifier=identifier,
        sender=sender,
        sent=now,
        references=_references(earlier) if earlier else "",
        web=web,
        sender_name=sender_name(),
    )
    xml = cap.build(alert, envelope)
    found = cap.problems(xml)
    if found:
        raise InvalidInput(
            _("This warning does not make a valid CAP 1.2 message: %(problems)s")
            % {"problems": "; ".join(found[:5])},
            code="cap_invalid",
            fields={"cap": found[:20]},
        )
    alert.identifier, alert.sender, alert.sent = identifier, sender, now
    alert.references, alert.web, alert.xml = envelope.references, web, xml.decode()
    alert.status, alert.published_by, alert.updated_at = Alert.Status.PUBLISHED, actor, now
    alert.save()
    if earlier is not None:
        earlier.status = (
            Alert.Status.CANCELLED
            if alert.msg_type == Alert.MsgType.CANCEL
            else Alert.Status.SUPERSEDED
        )
        earlier.ended_at = now
        earlier.save(update_fields=["status", "ended_at"])
        audit.record(
            f"alert.{earlier.status}",
            actor=actor,
            object_type="alert",
            object_id=earlier.pk,
            detail={"identifier": earlier.identifier, "by": identifier},
        )
    queued = deliveries_queue(alert=alert)
    audit.record(
        "alert.publish",
        actor=actor,
        object_type="alert",
        object_id=alert.pk,
        detail=_detail(alert) | {"references": alert.references, "deliveries": queued},
    )
    live.publish(
        "alert.published",
        {
            "id": alert.pk,
            "identifier": identifier,
            "msg_type": alert.msg_type,
            "headline": alert.headline_vi,
            "severity": alert.severity,
            "expires": alert.expires.isoformat(),
            "replaces": earlier.identifier if earlier else None,
        },
    )
    return alert


def alert_preview(alert: Alert) -> tuple[str, list[str]]:
    """The CAP message a draft would make now, and its problems (for the officers' page)."""
    envelope = cap.Envelope(
        identifier=cap.identifier_for(timezone.now().year, 0),
        sender=str(settings.SAFECITY_CAP_SENDER),
        sent=timezone.now(),
        references=_references(alert.replaces) if alert.replaces else "",
        sender_name=sender_name(),
    )
    xml = cap.build(alert, envelope)
    return xml.decode(), cap.problems(xml)


# --- Awareness articles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleContent:
    topic: str
    title_vi: str
    body_vi: str
    slug: str = ""
    summary_vi: str = ""
    title_en: str = ""
    summary_en: str = ""
    body_en: str = ""


def _article_values(content: ArticleContent, *, article: Article | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in ("title_vi", "title_en", "summary_vi", "summary_en", "body_vi", "body_en"):
        raw = str(getattr(content, name) or "")
        value = _multiline(raw) if name.startswith("body") else clean(raw)
        limit = getattr(Article._meta.get_field(name), "max_length", None)
        if limit and len(value) > limit:
            errors.setdefault(name, []).append(_("At most %(n)d characters.") % {"n": limit})
        values[name] = value
    for name in ("title_vi", "body_vi"):
        if not values[name]:
            errors.setdefault(name, []).append(_("Required."))
    if content.topic not in Article.Topic.values:
        errors.setdefault("topic", []).append(_("Not one of the allowed values."))
    values["topic"] = content.topic
    slug = slugify(fold(content.slug or values["title_vi"]))[:120].strip("-")
    taken = Article.objects.filter(slug=slug)
    if article is not None:
        taken = taken.exclude(pk=article.pk)
    if not slug:
        errors.setdefault("slug", []).append(_("Required."))
    elif taken.exists():
        errors.setdefault("slug", []).append(_("Another article already uses this address."))
    values["slug"] = slug
    if errors:
        raise InvalidInput(fields=errors)
    return values


@transaction.atomic
def article_create(*, actor: User, content: ArticleContent) -> Article:
    require_capability(actor, PUBLISH)
    article = Article.objects.create(author=actor, **_article_values(content, article=None))
    audit.record(
        "article.create",
        actor=actor,
        object_type="article",
        object_id=article.pk,
        detail={"slug": article.slug},
    )
    return article


@transaction.atomic
def article_edit(*, actor: User, article: Article, content: ArticleContent) -> Article:
    require_capability(actor, PUBLISH)
    for name, value in _article_values(content, article=article).items():
        setattr(article, name, value)
    article.updated_at = timezone.now()
    article.save()
    audit.record(
        "article.edit",
        actor=actor,
        object_type="article",
        object_id=article.pk,
        detail={"slug": article.slug},
    )
    return article


@transaction.atomic
def article_set_published(*, actor: User, article: Article, published: bool) -> Article:
    """Show the article on the public site, or take it down (links from warnings stay, and
    lead to a "not found" page until it is published again)."""
    require_capability(actor, PUBLISH)
    now = timezone.now()
    article.status = Article.Status.PUBLISHED if published else Article.Status.DRAFT
    if published and article.published_at is None:
        article.published_at = now
    article.updated_at = now
    article.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(
        "article.publish" if published else "article.unpublish",
        actor=actor,
        object_type="article",
        object_id=article.pk,
        detail={"slug": article.slug},
    )
    return article
