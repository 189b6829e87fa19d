"""Public warnings (OASIS CAP 1.2), awareness articles, and the citizens' subscriptions with
one delivery row per recipient of each published warning.

A warning is written as a draft, approved by a second person (four-eyes), then published: at
that moment it gets its CAP identifier and ``sent`` time, and the CAP message is stored as it
was validated and served. A published message never changes; an Update or a Cancel is a new
message that references it, and the earlier one becomes superseded or cancelled.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Unit
from safecity.geography.models import Ward


class Category(models.TextChoices):
    """CAP 1.2 ``category`` (OASIS CAP 1.2, §3.2.2)."""

    GEO = "Geo", _("Geophysical (landslide, earthquake)")
    MET = "Met", _("Weather (storm, flooding)")
    SAFETY = "Safety", _("General safety")
    SECURITY = "Security", _("Security and public order")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Pollution and environment")
    TRANSPORT = "Transport", _("Traffic and transport")
    INFRA = "Infra", _("Utilities and infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological or explosive")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate — act now")
    EXPECTED = "Expected", _("Expected — act within the hour")
    FUTURE = "Future", _("Future — act in the near future")
    PAST = "Past", _("Past — no action needed any more")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme — threat to life")
    SEVERE = "Severe", _("Severe — significant threat")
    MODERATE = "Moderate", _("Moderate — possible threat")
    MINOR = "Minor", _("Minor — little or no threat")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed — it is happening")
    LIKELY = "Likely", _("Likely (over 50%)")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class ResponseType(models.TextChoices):
    SHELTER = "Shelter", _("Take shelter")
    EVACUATE = "Evacuate", _("Evacuate")
    PREPARE = "Prepare", _("Prepare")
    EXECUTE = "Execute", _("Carry out the instructions")
    AVOID = "Avoid", _("Avoid the area")
    MONITOR = "Monitor", _("Follow the news")
    ASSESS = "Assess", _("Assess the situation")
    ALL_CLEAR = "AllClear", _("All clear")
    NONE = "None", _("No action")


class Article(models.Model):
    """Awareness reading: how a scam works, fire safety at home, riding safely."""

    class Topic(models.TextChoices):
        SCAM = "scam", _("Scams and fraud")
        FIRE = "fire", _("Fire safety")
        TRAFFIC = "traffic", _("Traffic safety")
        SECURITY = "security", _("Security and public order")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("address name"), max_length=120, unique=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_vi = models.CharField(_("summary (Vietnamese)"), max_length=500, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=500, blank=True)
    body_vi = models.TextField(_("text (Vietnamese)"), max_length=20000)
    body_en = models.TextField(_("text (English)"), max_length=20000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("awareness article")
        verbose_name_plural = _("awareness articles")

    def __str__(self) -> str:
        return self.title_vi

    def localized(self, field: str, language: str) -> str:
        """``title``/``summary``/``body`` in ``language``, falling back to Vietnamese."""
        english = str(getattr(self, f"{field}_en", ""))
        return english if language == "en" and english else str(getattr(self, f"{field}_vi"))


class Alert(models.Model):
    """One CAP message: an Alert, or an Update or Cancel of an earlier one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved, not yet published")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Replaced by an update")
        CANCELLED = "cancelled", _("Cancelled")

    class MsgType(models.TextChoices):
        ALERT = "Alert", _("New warning")
        UPDATE = "Update", _("Update")
        CANCEL = "Cancel", _("Cancellation")

    EDITABLE = (Status.DRAFT, Status.APPROVED)
    SENT = (Status.PUBLISHED, Status.SUPERSEDED, Status.CANCELLED)

    # --- The CAP <alert> envelope, fixed when published ---------------------------------------
    identifier = models.CharField(
        _("CAP identifier"), max_length=120, unique=True, null=True, blank=True, editable=False
    )
    sender = models.CharField(_("CAP sender"), max_length=200, blank=True, editable=False)
    sent = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    msg_type = models.CharField(
        _("message type"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
        verbose_name=_("updates or cancels"),
    )
    references = models.TextField(_("CAP references"), blank=True, editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    web = models.CharField(_("web page"), max_length=300, blank=True, editable=False)
    xml = models.TextField(_("CAP message"), blank=True, editable=False)

    # --- The <info> blocks: vi-VN always, en-US when the English fields are filled ------------
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    response_type = models.CharField(
        _("what people should do"), max_length=10, choices=ResponseType.choices, blank=True
    )
    event_vi = models.CharField(_("event (Vietnamese)"), max_length=120)
    event_en = models.CharField(_("event (English)"), max_length=120, blank=True)
    headline_vi = models.CharField(_("headline (Vietnamese)"), max_length=160)
    headline_en = models.CharField(_("headline (English)"), max_length=160, blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), max_length=4000)
    description_en = models.TextField(_("description (English)"), max_length=4000, blank=True)
    instruction_vi = models.TextField(_("instruction (Vietnamese)"), max_length=2000, blank=True)
    instruction_en = models.TextField(_("instruction (English)"), max_length=2000, blank=True)
    effective = models.DateTimeField(_("effective from"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), db_index=True)

    # --- The <area>: wards from the list, and shapes drawn on the map -------------------------
    wards = models.ManyToManyField(Ward, blank=True, related_name="+", verbose_name=_("wards"))
    area_desc_vi = models.CharField(_("area description (Vietnamese)"), max_length=300, blank=True)
    area_desc_en = models.CharField(_("area description (English)"), max_length=300, blank=True)
    # [{"lat": 10.77, "lon": 106.70, "radius_km": 1.5}, …]
    circles = models.JSONField(_("circles"), default=list, blank=True)
    # [[[lat, lon], [lat, lon], …], …] — each an outer ring, not necessarily closed
    polygons = models.JSONField(_("polygons"), default=list, blank=True)

    articles = models.ManyToManyField(
        Article, blank=True, related_name="alerts", verbose_name=_("awareness articles")
    )

    # --- Who and when --------------------------------------------------------------------------
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("owning unit")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("superseded or cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-sent", "-created_at"]
        verbose_name = _("public warning")
        verbose_name_plural = _("public warnings")
        indexes = [models.Index(fields=["status", "expires"], name="alert_active")]

    def __str__(self) -> str:
        return self.identifier or f"#{self.pk} {self.headline_vi}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.expires > timezone.now()

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def localized(self, field: str, language: str) -> str:
        """``event``/``headline``/``description``/``instruction``/``area_desc`` in
        ``language``, falling back to Vietnamese."""
        english = str(getattr(self, f"{field}_en", ""))
        return english if language == "en" and english else str(getattr(self, f"{field}_vi"))

    def area_payload(self) -> dict[str, Any]:
        """The area as the maps draw it."""
        return {
            "ward_codes": sorted(w.pk for w in self.wards.all()),
            "circles": list(self.circles),
            "polygons": list(self.polygons),
        }


class IdentifierCounter(models.Model):
    """The last number handed out per year, for identifiers like
    ``vn.gov.ca.hcm.safecity.2026.000001``. Locked while publishing, so numbers never repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """A citizen's wish to be told about warnings for some wards, by SMS and/or e-mail.

    No account is needed; the unsubscribe token in every message (and on the page shown after
    subscribing) ends it.
    """

    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    wards = models.ManyToManyField(Ward, related_name="+", verbose_name=_("wards"))
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="vi"
    )
    token = models.CharField(max_length=64, unique=True, default=new_unsubscribe_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("warning subscription")
        verbose_name_plural = _("warning subscriptions")

    def __str__(self) -> str:
        return f"subscription #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.unsubscribed_at is None


class Delivery(models.Model):
    """One warning to one recipient address, through one channel, with its attempts."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10)
    to = models.CharField(_("to"), max_length=254)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=200, blank=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel", "to"], name="delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"
