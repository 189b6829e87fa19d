"""Cameras, their plate reads, watchlists and the hits that join a read to a watchlist entry.

SafeCity does no video analytics: cameras (or their analytics, e.g. Frigate, commercial ALPR
units) send plate reads; ``services.reads_ingest`` normalises them, matches the watchlists and
raises hits. Plates are kept as the compact key of ``core.identifiers`` ("51F12345").

``cameras`` sits beside ``incidents`` in the dependency order (ARCHITECTURE.md: a camera hit
that opens an incident is "a lower module reacting to a higher one"), so a hit names its
incident by id rather than by a foreign key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Clearance, DeviceKey, Unit
from safecity.geography.models import Ward


class Camera(models.Model):
    class Kind(models.TextChoices):
        PLATE_READER = "plate_reader", _("Plate reader")
        OVERVIEW = "overview", _("Overview camera")

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Offline")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PLATE_READER
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    ward = models.ForeignKey(
        Ward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cameras",
        verbose_name=_("ward"),
    )
    heading_deg = models.FloatField(_("heading (degrees)"), null=True, blank=True)
    fov_deg = models.FloatField(_("field of view (degrees)"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="cameras", verbose_name=_("owning unit")
    )
    device_key = models.ForeignKey(
        DeviceKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cameras",
        verbose_name=_("device key"),
    )
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OFFLINE
    )
    offline_alerted_at = models.DateTimeField(_("offline alert sent at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        indexes = [models.Index(fields=["lat", "lon"], name="camera_place")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# Where the reads' snapshots are kept, under MEDIA_ROOT (by day).
SNAPSHOTS = "cameras/reads"


class PlateRead(models.Model):
    """One plate a camera saw. Kept even when nothing could be read from it (``unreadable``,
    with the raw text); purged after ``SAFECITY_CAMERAS_READ_RETENTION_DAYS`` unless a hit
    points at it."""

    # No index of its own: (camera, ts) serves it (see Meta: on SQLite in ``PlateReadIndex``),
    # and every index costs the feed.
    camera = models.ForeignKey(
        Camera,
        on_delete=models.PROTECT,
        related_name="reads",
        verbose_name=_("camera"),
        db_index=False,
    )
    ts = models.DateTimeField(_("seen at"))
    raw_text = models.CharField(_("text as read"), max_length=40, blank=True)
    # The compact key, look-alikes resolved when the text fits the plate grammar; the text's
    # own letters and digits otherwise.
    plate_key = models.CharField(_("plate"), max_length=20, blank=True)
    display = models.CharField(_("plate as shown"), max_length=30, blank=True)
    kind = models.CharField(_("plate kind"), max_length=20, blank=True)
    locality = models.PositiveSmallIntegerField(_("locality code"), null=True, blank=True)
    # ``valid``: the text fitted the plate grammar as the camera sent it, with no look-alike
    # corrected. ``unreadable``: no reading fits the grammar (kept with its raw text).
    valid = models.BooleanField(_("valid as read"), default=False)
    unreadable = models.BooleanField(_("unreadable"), default=False)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    candidates = models.JSONField(_("other readings"), default=list, blank=True)
    vehicle_type = models.CharField(_("vehicle type"), max_length=30, blank=True)
    color = models.CharField(_("colour"), max_length=30, blank=True)
    direction = models.CharField(_("direction"), max_length=30, blank=True)
    # Relative to MEDIA_ROOT (outside the web root); served only through access checks.
    image = models.FileField(_("snapshot"), upload_to=f"{SNAPSHOTS}/%Y/%m/%d", blank=True)
    source = models.CharField(_("source"), max_length=20, blank=True, default="http")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["ts", "id"]
        verbose_name = _("plate read")
        verbose_name_plural = _("plate reads")
        # The indexes by plate and by camera: on PostgreSQL "plateread_plate_ts" (plate_key,
        # ts) and "plateread_camera_ts" (camera, ts), made by migration 0001 and left out of
        # the model state (0002, 0003) so that SQLite does not keep them; on SQLite the table
        # below, filled behind ingestion (``cameras.plate_index``).

    def __str__(self) -> str:
        return f"{self.display or self.raw_text} @ {self.camera_id}"


class PlateReadIndex(models.Model):
    """On SQLite, the reads' indexes by plate and by camera, kept in their own table and filled
    in the background by ``cameras.plate_index`` (one statement that SQLite runs without
    Python's lock), so that storing a read does not also insert it at a random place of two
    indexes. Holds every read up to its highest id; later reads are found by scanning that
    tail. Empty on PostgreSQL, where the reads table has its own indexes."""

    id = models.IntegerField(primary_key=True)  # the read's id (no foreign key: purged alike)
    plate_key = models.CharField(max_length=20)
    ts = models.DateTimeField()
    camera_id = models.IntegerField(default=0)  # no foreign key: a copy, as the id

    class Meta:
        indexes = [
            models.Index(fields=["plate_key", "ts"], name="platereadindex_plate_ts"),
            models.Index(fields=["camera_id", "ts"], name="platereadindex_camera_ts"),
        ]

    def __str__(self) -> str:
        return f"{self.plate_key} → {self.pk}"


class Watchlist(models.Model):
    class Kind(models.TextChoices):
        STOLEN = "stolen", _("Stolen vehicles")
        WANTED = "wanted", _("Wanted")
        BOLO = "bolo", _("Be on the lookout")
        CUSTOM = "custom", _("Unit's own list")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="watchlists", verbose_name=_("owning unit")
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Clearance.choices, default=Clearance.UNCLASSIFIED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("watchlist")
        verbose_name_plural = _("watchlists")

    def __str__(self) -> str:
        return self.name


class WatchlistEntry(models.Model):
    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    watchlist = models.ForeignKey(
        Watchlist, on_delete=models.PROTECT, related_name="entries", verbose_name=_("watchlist")
    )
    plate_key = models.CharField(_("plate"), max_length=20, db_index=True)
    display = models.CharField(_("plate as shown"), max_length=30)
    reason = models.CharField(_("reason"), max_length=500)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owning unit")
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Clearance.choices, default=Clearance.UNCLASSIFIED
    )
    # Match reads one character away from the plate too (a plate partly covered, a camera that
    # often misses a character); off by default because it raises more false hits.
    allow_one_edit = models.BooleanField(_("match one further edit"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("removed by"),
    )
    removal_reason = models.CharField(_("why removed"), max_length=500, blank=True)
    # ``WatchlistVersion.version`` when this entry last changed: a process's matching index
    # reads only the entries changed since the version it has.
    version = models.BigIntegerField(default=0, db_index=True, editable=False)

    class Meta:
        ordering = ["watchlist_id", "plate_key", "id"]
        verbose_name = _("watchlist entry")
        verbose_name_plural = _("watchlist entries")

    def __str__(self) -> str:
        return self.display

    def is_active_at(self, moment: object) -> bool:
        return (
            self.removed_at is None
            and self.valid_from <= moment  # type: ignore[operator]
            and (self.valid_until is None or self.valid_until > moment)  # type: ignore[operator]
        )


class WatchlistVersion(models.Model):
    """One row whose ``version`` goes up with every change to the watchlists, in the same
    transaction: each process's in-memory matching index checks it (at most once a second)
    instead of re-reading 100,000 entries."""

    version = models.BigIntegerField(default=0)
    # Goes up when a whole watchlist changes (switched off or on): indexes are rebuilt.
    epoch = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("watchlist version")

    def __str__(self) -> str:
        return f"watchlists v{self.version}/{self.epoch}"


class CameraCapability(models.Model):
    """Carries the cameras app's capability permissions (like ``accounts.Capability``); it
    has no rows. ``accounts.roles`` grants them to roles."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_hits", _("See watchlist hits and confirm or dismiss them")),
            ("manage_watchlists", _("Create watchlists and add or remove entries")),
            ("trace_vehicles", _("Trace vehicles and list plates read near an incident")),
        ]

    def __str__(self) -> str:
        return "capability"


class Hit(models.Model):
    """A read that matched a watchlist entry."""

    class Match(models.TextChoices):
        EXACT = "exact", _("Exact")
        LOOKALIKE = "lookalike", _("Look-alike characters")
        ONE_EDIT = "one_edit", _("One character different")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    class Dismissal(models.TextChoices):
        MISREAD = "misread", _("Misread plate")
        WRONG_VEHICLE = "wrong_vehicle", _("Wrong vehicle")
        ENTRY_STALE = "entry_stale", _("Watchlist entry out of date")

    read = models.ForeignKey(
        PlateRead, on_delete=models.PROTECT, related_name="hits", verbose_name=_("read")
    )
    entry = models.ForeignKey(
        WatchlistEntry, on_delete=models.PROTECT, related_name="hits", verbose_name=_("entry")
    )
    # Copied from the read and the entry: the hits queue and the repeat check read no join.
    # Hits are written with the feed: the foreign keys below that no query looks up by have
    # no index of their own (each index is a write per hit).
    camera = models.ForeignKey(
        Camera, on_delete=models.PROTECT, related_name="hits", db_index=False
    )
    plate_key = models.CharField(_("listed plate"), max_length=20)
    read_plate = models.CharField(_("plate as read"), max_length=30, blank=True)
    ts = models.DateTimeField(_("seen at"))
    # The station the hit goes to (the camera ward's station, else the camera's unit).
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    classification = models.PositiveSmallIntegerField(default=Clearance.UNCLASSIFIED)
    match = models.CharField(_("match"), max_length=10, choices=Match.choices)
    score = models.FloatField(_("score"))
    # A repeat of an alerted hit (same plate, same camera, within the repeat window): kept as
    # a sighting, not alerted again.
    repeat_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    dismissal_reason = models.CharField(
        _("why dismissed"), max_length=20, choices=Dismissal.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
        db_index=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    incident_id = models.BigIntegerField(_("incident"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hit")
        verbose_name_plural = _("hits")
        indexes = [
            models.Index(fields=["status", "created_at"], name="hit_queue"),
            models.Index(fields=["plate_key", "camera", "ts"], name="hit_repeat"),
        ]

    def __str__(self) -> str:
        return f"hit {self.pk}: {self.plate_key}"
