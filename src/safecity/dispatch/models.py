"""Patrol and response units (crews and vehicles), their status history, positions (AVL) and
assignments to incidents.

``accounts.Unit`` is the organisation tree (stations, departments); a ``PatrolUnit`` is one
crew or vehicle that a station fields and the command centre dispatches.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Unit
from safecity.incidents.models import Incident


class UnitKind(models.TextChoices):
    PATROL_CAR = "patrol_car", _("Patrol car")  # xe tuần tra
    MOTORBIKE = "motorbike", _("Motorbike patrol")  # tổ tuần tra mô tô
    FOOT = "foot", _("Foot patrol")  # tuần tra bộ
    TRAFFIC = "traffic", _("Traffic-police team")  # tổ CSGT
    FIRE_ENGINE = "fire_engine", _("Fire engine")  # xe chữa cháy
    RESCUE = "rescue", _("Rescue team")  # đội cứu nạn cứu hộ


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    DISPATCHED = "dispatched", _("Dispatched")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    BUSY = "busy", _("Busy (other task)")
    RETURNING = "returning", _("Returning")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    OFF_DUTY = "off_duty", _("Off duty")


# The statuses in which a unit works an incident (it has an open assignment).
ASSIGNED_STATUSES = (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)


class PatrolUnit(models.Model):
    call_sign = models.CharField(_("call sign"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    station = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="patrol_units",
        verbose_name=_("home station"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="patrol_units",
        verbose_name=_("members"),
    )
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    on_duty = models.BooleanField(_("on duty"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.OFF_DUTY
    )
    status_since = models.DateTimeField(_("status since"), default=timezone.now)
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units_assigned",
        verbose_name=_("current incident"),
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    heading = models.FloatField(_("heading"), null=True, blank=True)
    speed_mps = models.FloatField(_("speed (m/s)"), null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    position_at = models.DateTimeField(_("position at"), null=True, blank=True)
    shift_started_at = models.DateTimeField(_("shift started at"), null=True, blank=True)

    class Meta:
        ordering = ["call_sign"]
        verbose_name = _("patrol unit")
        verbose_name_plural = _("patrol units")
        indexes = [
            # The recommendation's candidate filter: available units of some kinds in a
            # latitude band (dispatch/recommend.py).
            models.Index(fields=["status", "on_duty", "kind", "lat"], name="patrolunit_free_near"),
        ]

    def __str__(self) -> str:
        return self.call_sign


class UnitStatusChange(models.Model):
    unit = models.ForeignKey(PatrolUnit, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=UnitStatus.choices)
    to_status = models.CharField(max_length=20, choices=UnitStatus.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["unit", "at"], name="unitstatus_unit_at")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_status} → {self.to_status}"


class Position(models.Model):
    """One accepted fix of a unit's tracker or officer's phone."""

    unit = models.ForeignKey(PatrolUnit, on_delete=models.CASCADE, related_name="positions")
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    speed_mps = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)
    ts = models.DateTimeField(help_text="When the device took the fix")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "ts"], name="position_unit_ts")]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.ts:%H:%M:%S}"


class Assignment(models.Model):
    """One unit sent to one incident, from dispatch to release. A unit has at most one open
    assignment; the partial unique index makes that a fact of the database, not of the code."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(PatrolUnit, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(released_at__isnull=True),
                name="assignment_one_open_per_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "released_at"], name="assignment_incident_open"),
            models.Index(fields=["released_at"], name="assignment_open"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.incident_id}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class OverdueMark(models.Model):
    """A status timer that went overdue. The unique row is what makes the ``overdue`` live
    event fire once per subject and timer, however many tickers run and however often."""

    class Timer(models.TextChoices):
        UNASSIGNED = "unassigned", _("Waiting for a unit")
        DISPATCHED = "dispatched", _("Dispatched, not yet en route")
        EN_ROUTE = "en_route", _("En route, not yet on scene")

    subject_type = models.CharField(max_length=20)  # "incident" | "assignment"
    subject_id = models.BigIntegerField()
    timer = models.CharField(max_length=20, choices=Timer.choices)
    # When the timer started: an incident waits for a unit again after its units are released,
    # and that new wait is a new timer.
    started_at = models.DateTimeField()
    raised_at = models.DateTimeField(default=timezone.now)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "timer", "started_at"],
                name="overdue_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.timer}"
