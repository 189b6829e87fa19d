"""Officers, citizens, the unit tree, roles' capabilities, API tokens and device keys."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Clearance(models.IntegerChoices):
    """Law 29/2018/QH14 on Protection of State Secrets: Mật < Tối mật < Tuyệt mật; below them
    unclassified ("thường"). The same scale classifies records and documents."""

    UNCLASSIFIED = 0, _("Unclassified")
    CONFIDENTIAL = 1, _("Confidential")  # Mật
    SECRET = 2, _("Secret")  # Tối mật
    TOP_SECRET = 3, _("Top secret")  # Tuyệt mật


class Rank(models.TextChoices):
    """People's Public Security ranks (Law on People's Public Security 2018, Art. 21)."""

    NONE = "", _("No rank")
    CORPORAL = "ha_si", _("Corporal")
    SERGEANT = "trung_si", _("Sergeant")
    SENIOR_SERGEANT = "thuong_si", _("Senior sergeant")
    SECOND_LIEUTENANT = "thieu_uy", _("Second lieutenant")
    FIRST_LIEUTENANT = "trung_uy", _("First lieutenant")
    SENIOR_LIEUTENANT = "thuong_uy", _("Senior lieutenant")
    CAPTAIN = "dai_uy", _("Captain")
    MAJOR = "thieu_ta", _("Major")
    LIEUTENANT_COLONEL = "trung_ta", _("Lieutenant colonel")
    SENIOR_COLONEL = "thuong_ta", _("Senior lieutenant colonel")
    COLONEL = "dai_ta", _("Colonel")
    MAJOR_GENERAL = "thieu_tuong", _("Major general")
    LIEUTENANT_GENERAL = "trung_tuong", _("Lieutenant general")
    COLONEL_GENERAL = "thuong_tuong", _("Colonel general")
    GENERAL = "dai_tuong", _("General")


def path_ids(*paths: str) -> list[int]:
    """Unit ids along materialised paths ("/1/5/42/"), root first, each id once."""
    ids: dict[int, None] = {}
    for path in paths:
        for part in path.strip("/").split("/"):
            if part:
                ids[int(part)] = None
    return list(ids)


class Unit(models.Model):
    """A node of the force's organisation tree.

    ``path`` is the materialised list of ancestor ids ("/1/7/42/"), so "everything in my
    subtree" is one indexed prefix query on any database.
    """

    class Kind(models.TextChoices):
        FORCE = "force", _("Provincial police")
        COMMAND = "command", _("Command centre")
        DEPARTMENT = "department", _("Functional department")
        STATION = "station", _("Commune-level police station")
        TEAM = "team", _("Team")

    class Function(models.TextChoices):
        GENERAL = "general", pgettext_lazy("unit function", "General")
        TRAFFIC = "traffic", _("Traffic police")
        ADMINISTRATIVE = "administrative", _("Administrative and social-order police")
        CYBER = "cyber", _("Cyber-security police")
        CRIMINAL = "criminal", _("Criminal investigation")
        FIRE = "fire", _("Fire and rescue")
        RAPID_RESPONSE = "rapid_response", _("Rapid-response patrol")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    function = models.CharField(
        _("function"), max_length=20, choices=Function.choices, default=Function.GENERAL
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    city_wide = models.BooleanField(
        _("sees the whole city"),
        default=False,
        help_text=_("Officers of this unit see every unit's work (the city command)."),
    )
    ward_code = models.PositiveIntegerField(_("ward code"), null=True, blank=True, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """This unit's id and its ancestors', root first."""
        return path_ids(self.path)


class OfficerManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """An officer or a citizen. Officers belong to a unit and hold roles (groups) and a
    clearance; citizens have optional accounts for tracking their reports and applications."""

    class Kind(models.TextChoices):
        OFFICER = "officer", _("Officer")
        CITIZEN = "citizen", _("Citizen")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    badge_number = models.CharField(
        _("badge number"), max_length=20, null=True, blank=True, unique=True
    )
    rank = models.CharField(
        _("rank"), max_length=20, choices=Rank.choices, blank=True, default=Rank.NONE
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
        verbose_name=_("unit"),
    )
    clearance = models.PositiveSmallIntegerField(
        _("clearance"), choices=Clearance.choices, default=Clearance.UNCLASSIFIED
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("failed log-ins"), default=0, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, editable=False)

    objects: ClassVar[OfficerManager] = OfficerManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="citizen") | models.Q(unit__isnull=False),
                name="officer_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_officer(self) -> bool:
        return self.kind == self.Kind.OFFICER and self.is_active

    @property
    def audit_kind(self) -> str:
        return str(self.kind)

    def is_locked(self, now: Any = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class Capability(models.Model):
    """Carries the platform's capability permissions; it has no rows.

    Roles (groups) are granted these explicitly in ``accounts.roles``. Domain apps check them
    through ``accounts.access``; later apps may add capabilities of their own.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("use_ops", _("Use the officers' area")),
            ("take_calls", _("Take emergency calls and reports")),
            ("dispatch_units", _("Dispatch units to incidents")),
            ("command_operations", _("Command operations")),
            ("work_patrol", _("Work as a patrol officer")),
            ("work_traffic", _("Work as a traffic officer")),
            ("investigate", _("Investigate cases")),
            ("read_records", _("Read personal records")),
            ("manage_records", _("Create and edit records")),
            ("export_records", _("Export personal records (CSV/PDF)")),
            ("operate_cameras", _("Operate cameras and watchlists")),
            ("publish_alerts", _("Compose and publish public warnings")),
            ("approve_alerts", _("Approve public warnings")),
            ("view_audit", _("Read the audit trail")),
            ("manage_accounts", _("Manage accounts and units")),
        ]

    def __str__(self) -> str:
        return "capability"


class ApiToken(models.Model):
    """A bearer token for an officer's app. Only a SHA-256 of the token is kept: the tokens
    are 256-bit random strings, so a fast hash is enough and lookups stay one index probe."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class DeviceKey(models.Model):
    """A key for a device that posts data on its own: a camera or a vehicle tracker."""

    class Kind(models.TextChoices):
        CAMERA = "camera", _("Camera")
        TRACKER = "tracker", _("Vehicle tracker")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="device_keys", verbose_name=_("unit")
    )
    subject = models.CharField(
        _("subject"),
        max_length=80,
        blank=True,
        help_text=_("What the key speaks for, e.g. a camera code or a patrol unit id."),
    )
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device key")
        verbose_name_plural = _("device keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    audit_kind = "device"

    @property
    def username(self) -> str:
        return f"device:{self.kind}:{self.subject or self.pk}"

    @property
    def is_authenticated(self) -> bool:
        return True

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
