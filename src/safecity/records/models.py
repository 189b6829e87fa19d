"""The integrated database: persons, vehicles, organisations, phones, cases and the links between
them, each fact with where it came from.

Provenance: every import row, and every entry an officer makes, is kept as a ``SourceRecord``
(source name, external id, the values it gave, when, by whom) attached to the entity it
describes. The entity's own columns are the *resolved view* used for search and display: the
newest non-empty value of each attribute. When two sources disagree, both values stay in
their source records and the record page lists each with its sources; nothing is overwritten
silently. Links carry their own source, time and author.

Records sit below incidents in the dependency order, so a case's incidents are linked by id
(``Link.incident_id``), not by a foreign key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Clearance, Unit
from safecity.geography.models import Ward


class EntityKind(models.TextChoices):
    PERSON = "person", _("Person")
    VEHICLE = "vehicle", _("Vehicle")
    ORGANISATION = "organisation", _("Organisation")
    PHONE = "phone", _("Phone")
    CASE = "case", _("Case")
    INCIDENT = "incident", _("Incident")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


def _classification() -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        _("classification"), choices=Clearance.choices, default=Clearance.UNCLASSIFIED
    )


class Person(models.Model):
    full_name = models.CharField(_("full name"), max_length=150)
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    # Search keys (core.text): match_key ignores case and tone-mark placement; fold drops every
    # diacritic. The given name is the last word of a Vietnamese name.
    name_key = models.CharField(max_length=150, db_index=True, editable=False)
    name_fold = models.CharField(max_length=150, db_index=True, editable=False)
    given_key = models.CharField(max_length=40, editable=False)
    given_fold = models.CharField(max_length=40, editable=False)
    # Folded names and aliases plus filter tokens (y1985, w26734, g1): what the search backend
    # indexes (SQLite FTS5 / PostgreSQL full text). Built by ``records.keys.person_keys``.
    search_doc = models.TextField(editable=False, blank=True)
    cccd = models.CharField(_("citizen ID (CCCD)"), max_length=12, blank=True, db_index=True)
    old_id = models.CharField(_("old ID card (CMND)"), max_length=9, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=6, choices=Gender.choices, blank=True, default=Gender.UNKNOWN
    )
    nationality = models.CharField(_("nationality"), max_length=2, default="VN")
    permanent_address = models.CharField(_("permanent address"), max_length=300, blank=True)
    permanent_ward = models.ForeignKey(
        Ward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("permanent ward"),
        db_index=False,  # filters apply after a name or identifier look-up
    )
    temporary_address = models.CharField(_("temporary address"), max_length=300, blank=True)
    temporary_ward = models.ForeignKey(
        Ward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("temporary ward"),
        db_index=False,
    )
    photo = models.CharField(
        _("photo"), max_length=300, blank=True, help_text=_("Path under the media folder.")
    )
    classification = _classification()
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_persons",
        verbose_name=_("merged into"),
        db_index=False,  # see the partial index in Meta: almost every row is NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["given_key", "birth_year"], name="person_given_year"),
            models.Index(fields=["given_fold", "birth_year"], name="person_given_fold_year"),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="person_merged_into",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Vehicle(models.Model):
    class Kind(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        CAR = "car", _("Car")
        MOTORBIKE = "motorbike", _("Motorbike")
        MOPED = "moped", _("Moped (under 50 cc)")
        TRUCK = "truck", _("Truck")
        BUS = "bus", _("Bus or coach")
        TRAILER = "trailer", _("Trailer")
        OTHER = "other", _("Other")

    class Registration(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        REGISTERED = "registered", _("Registered")
        TEMPORARY = "temporary", _("Temporary registration")
        REVOKED = "revoked", _("Revoked")
        DEREGISTERED = "deregistered", _("Deregistered")

    plate = models.CharField(_("plate"), max_length=20)  # display form: 51F-123.45
    plate_key = models.CharField(max_length=12, db_index=True, editable=False)  # 51F12345
    plate_lookalike = models.CharField(max_length=12, db_index=True, editable=False)
    plate_kind = models.CharField(_("plate kind"), max_length=12, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, blank=True)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    colour = models.CharField(_("colour"), max_length=40, blank=True)
    # Stored as keys (letters and digits, upper case) so any spelling finds them.
    chassis_number = models.CharField(_("chassis number"), max_length=30, blank=True, db_index=True)
    engine_number = models.CharField(_("engine number"), max_length=30, blank=True, db_index=True)
    registration = models.CharField(
        _("registration status"), max_length=14, choices=Registration.choices, blank=True
    )
    classification = _classification()
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        HOUSEHOLD_BUSINESS = "household", _("Household business")
        ASSOCIATION = "association", _("Association or NGO")
        AGENCY = "agency", _("State agency")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    name_fold = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPANY)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    classification = _classification()
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Phone(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        LANDLINE = "landline", _("Landline")
        PREMIUM = "premium", _("Premium rate (1900)")
        OTHER = "other", _("Other")

    number = models.CharField(_("number (E.164)"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    classification = _classification()
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self) -> str:
        return self.number


class Case(models.Model):
    class Kind(models.TextChoices):
        CRIMINAL = "criminal", _("Criminal")
        ADMINISTRATIVE = "administrative", _("Administrative violation")
        TRAFFIC = "traffic", _("Traffic")
        CYBER = "cyber", _("Cyber")
        MISSING_PERSON = "missing", _("Missing person")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("case number"), max_length=40, unique=True)
    # Letters and digits only, upper case: "VA-2025/0012" and "va 2025 0012" are one number.
    number_key = models.CharField(max_length=40, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=14, choices=Kind.choices, default=Kind.CRIMINAL)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("handling unit")
    )
    classification = _classification()
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    DRIVER = "driver", _("Driver")
    SUSPECT = "suspect", _("Suspect")
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")
    REPORTER = "reporter", _("Reporter")
    RELATIVE = "relative", _("Relative")
    ASSOCIATE = "associate", _("Associate")
    EMPLOYEE = "employee", _("Employee")
    DIRECTOR = "director", _("Director or owner")
    MEMBER = "member", _("Member")
    INVOLVED = "involved", _("Involved vehicle")
    INCIDENT = "incident", _("Incident of the case")
    SUBSCRIBER = "subscriber", _("Registered subscriber")
    USER = "user", _("Uses the number")


# What each role links: (kind of end a, kind of end b). End fields in ``Link``: person,
# vehicle, organisation, phone, case by their kind; the second person of a person–person link is
# ``other_person``; an incident is ``incident_id``.
ROLE_ENDS: dict[str, tuple[str, str]] = {
    Role.OWNER: ("person", "vehicle"),
    Role.DRIVER: ("person", "vehicle"),
    Role.SUSPECT: ("person", "case"),
    Role.VICTIM: ("person", "case"),
    Role.WITNESS: ("person", "case"),
    Role.REPORTER: ("person", "case"),
    Role.RELATIVE: ("person", "person"),
    Role.ASSOCIATE: ("person", "person"),
    Role.EMPLOYEE: ("person", "organisation"),
    Role.DIRECTOR: ("person", "organisation"),
    Role.MEMBER: ("person", "organisation"),
    Role.INVOLVED: ("vehicle", "case"),
    Role.INCIDENT: ("case", "incident"),
    Role.SUBSCRIBER: ("phone", "person"),
    Role.USER: ("phone", "person"),
}
END_FIELDS = {
    "person": "person",
    "vehicle": "vehicle",
    "organisation": "organisation",
    "phone": "phone",
    "case": "case",
    "incident": "incident_id",
}


def end_fields(role: str) -> tuple[str, str]:
    """The two ``Link`` columns a role fills: ("person", "vehicle"), ("person", "other_person")."""
    a, b = ROLE_ENDS[role]
    return END_FIELDS[a], "other_person" if a == b == "person" else END_FIELDS[b]


def _ends_filled() -> Q:
    check = Q()
    for role in Role:
        field_a, field_b = end_fields(role)
        check |= Q(role=role, **{f"{field_a}__isnull": False, f"{field_b}__isnull": False})
    return check


class Link(models.Model):
    """A relation between two entities, with its role, time and provenance."""

    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    other_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="links_as_other"
    )
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    phone = models.ForeignKey(
        Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    incident_id = models.PositiveBigIntegerField(_("incident"), null=True, blank=True)
    detail = models.CharField(
        _("detail"), max_length=200, blank=True, help_text=_("e.g. 'elder brother', 'director'.")
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_to = models.DateTimeField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=80)
    imported_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        indexes = [models.Index(fields=["incident_id"], name="link_incident")]
        constraints = [models.CheckConstraint(condition=_ends_filled(), name="link_ends_filled")]

    def __str__(self) -> str:
        return f"{self.role} #{self.pk}"


class ImportRun(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=EntityKind.choices)
    source = models.CharField(_("source"), max_length=80)
    file_name = models.CharField(_("file"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.kind} from {self.source}"


class SourceRecord(models.Model):
    """What one source said about one entity: an import row, or an officer's entry (source
    ``manual``). Re-importing the same source and external id updates this row; a row whose
    values did not change (same fingerprint) is left alone."""

    kind = models.CharField(_("kind"), max_length=12, choices=EntityKind.choices)
    source = models.CharField(_("source"), max_length=80)
    external_id = models.CharField(_("external id"), max_length=120)
    # The entity of ``kind`` this row describes. An id, not five foreign keys: an import
    # writes one index entry per row instead of six (merges move it; records are not deleted).
    entity_id = models.PositiveBigIntegerField(_("entity"))
    data = models.JSONField(_("values"), default=dict)
    fingerprint = models.CharField(max_length=32)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["imported_at", "id"]
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "external_id"], name="source_record_identity"
            ),
        ]
        indexes = [models.Index(fields=["kind", "entity_id"], name="source_record_entity")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class NameToken(models.Model):
    """The folded words of every indexed name with how many times each was indexed: the
    vocabulary the SQLite backend corrects one typo against. Counts only grow (a merged or
    renamed person leaves its old words counted); they rank corrections, nothing more."""

    token = models.CharField(max_length=40, primary_key=True)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.token


class DuplicateCandidate(models.Model):
    """Two persons that may be one, found by blocking and scored; a reviewer decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Marked distinct")

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair"),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")), name="duplicate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id}"


class Merge(models.Model):
    """One merge of ``loser`` into ``winner``, with what moved, so it can be undone."""

    winner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    loser = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        DuplicateCandidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    moved = models.JSONField(default=dict)
    at = models.DateTimeField(_("merged at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.loser_id} → {self.winner_id}"


class RecordAccess(models.Model):
    """One entity returned by a search, opened, or exported: the index behind "who looked at
    this person, and why". The hash-chained audit entry (``audit_seq``) is the evidence."""

    class Action(models.TextChoices):
        LISTED = "listed", _("Listed (search results, links, graph)")
        VIEW = "view", _("Opened")
        EXPORT = "export", _("Exported")

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150)
    unit_code = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    purpose = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=EntityKind.choices)
    entity_id = models.PositiveBigIntegerField()
    audit_seq = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["kind", "entity_id", "at"], name="record_access_entity")]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.action} {self.kind}:{self.entity_id}"
