"""Reports are what people sent; incidents are what the police work on. Many reports of the
same event link to one incident (Sahana's model), each keeping its own tracking code."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Unit


class Category(models.TextChoices):
    SECURITY = "security", _("Security and order")
    FIRE = "fire", _("Fire and explosion")
    TRAFFIC_ACCIDENT = "traffic_accident", _("Traffic accident")
    RESCUE = "rescue", _("Rescue")
    MEDICAL = "medical", _("Medical emergency")
    OTHER = "other", _("Other")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 — immediate danger to life")
    P2 = 2, _("P2 — urgent")
    P3 = 3, _("P3 — prompt")
    P4 = 4, _("P4 — routine")


# Starting priority by category; a call-taker or dispatcher may change it with a reason.
DEFAULT_PRIORITY = {
    Category.FIRE: Priority.P1,
    Category.RESCUE: Priority.P1,
    Category.MEDICAL: Priority.P2,
    Category.SECURITY: Priority.P2,
    Category.TRAFFIC_ACCIDENT: Priority.P2,
    Category.OTHER: Priority.P3,
}


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("App / API")
    CALL = "call", _("Phone call (113/114)")


# Unambiguous letters and digits (no 0/O, 1/I/L) so a code read over the phone is typed right.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_tracking_code(length: int = 10) -> str:
    """Random characters of ``_CODE_ALPHABET``, each equally likely: one read of the system's
    random source (not one per character), bytes past the largest multiple of the alphabet's
    size thrown away so none is favoured."""
    size = len(_CODE_ALPHABET)
    limit = 256 - 256 % size
    code: list[str] = []
    while len(code) < length:
        code += [_CODE_ALPHABET[b % size] for b in secrets.token_bytes(length + 6) if b < limit]
    return "".join(code[:length])


class Incident(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPATCHED = "dispatched", _("Units dispatched")
        ON_SCENE = "on_scene", _("Units on scene")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        FALSE_REPORT = "false_report", _("False report")
        MERGED = "merged", _("Merged into another incident")

    OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SCENE)
    ENDED_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.FALSE_REPORT, Status.MERGED)

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    ward_code = models.PositiveIntegerField(_("ward code"), null=True, blank=True, db_index=True)
    h3_cell = models.CharField(_("H3 cell"), max_length=16, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("owning unit")
    )
    classification = models.PositiveSmallIntegerField(_("classification"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    last_report_at = models.DateTimeField(_("last report at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_incidents"
    )

    class Meta:
        ordering = ["priority", "opened_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["status", "category", "lat"], name="incident_open_near"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Report(models.Model):
    tracking_code = models.CharField(
        _("tracking code"), max_length=12, unique=True, default=new_tracking_code
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="reports", verbose_name=_("incident")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    location_source = models.CharField(
        _("location source"),
        max_length=10,
        choices=[("pin", _("map pin")), ("device", _("phone location")), ("address", _("address"))],
        default="pin",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    ward_code = models.PositiveIntegerField(_("ward code"), null=True, blank=True)
    reporter_name = models.CharField(_("reporter's name"), max_length=150, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls_taken",
        help_text=_("The call-taker who entered a phone call."),
    )
    notes = models.TextField(_("internal notes"), max_length=4000, blank=True)
    joined_existing = models.BooleanField(
        _("joined an incident already open"), default=False, editable=False
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["received_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.tracking_code


class ReportMedia(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Paths relative to MEDIA_ROOT, which is outside the web root; served only through views
    # that check access. ``public_path`` is a re-encoded copy without EXIF/GPS for images.
    path = models.CharField(max_length=300)
    public_path = models.CharField(max_length=300, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.report_id}"


class IncidentEvent(models.Model):
    """One line of an incident's timeline: who did what, when. ``public`` lines are shown
    (without names) to the people who reported it."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Incident opened")
        REPORT_LINKED = "report_linked", _("Another report joined")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the command centre")
        PRIORITY = "priority", _("Priority changed")
        STATUS = "status", _("Status changed")
        MERGED = "merged", _("Merged")
        UNLINKED = "unlinked", _("Report moved to its own incident")
        CLOSED = "closed", _("Closed")
        NOTE = "note", _("Note")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, blank=True, help_text="Incident status after it")
    detail = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"
