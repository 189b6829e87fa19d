"""Every change to the integrated database made by an officer: persons, vehicles, phones,
organisations and cases entered or changed (kept as the officer's own source, beside what
imports said), and links between them. Each in one transaction, audited. Callers check the
officer's capability through ``records.selectors`` first; imports are ``records.imports``,
merges ``records.resolution``, accountable reads ``records.lookups``."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.access import in_scope
from safecity.accounts.models import Unit
from safecity.core import audit
from safecity.core.errors import Conflict, Forbidden, InvalidInput
from safecity.core.text import clean
from safecity.geography.models import Ward
from safecity.records import rows as checks
from safecity.records import selectors
from safecity.records.imports import fingerprint, note_name_words
from safecity.records.keys import name_fold, name_key, number_key
from safecity.records.models import (
    ROLE_ENDS,
    Case,
    EntityKind,
    Link,
    Organisation,
    Person,
    Phone,
    Role,
    SourceRecord,
    Vehicle,
    end_fields,
)

MANUAL_SOURCE = "manual"


# --- Entering and changing records (source "manual", the officer as author) -----------------------


def _known_wards(values: dict[str, Any]) -> set[int]:
    """Of the ward codes given, those that exist (the check refuses the others)."""
    given = (str(values.get(k) or "") for k in ("ward_code", "temporary_ward_code"))
    codes = {int(code) for code in given if code.isdigit()}
    return set(Ward.objects.filter(code__in=codes).values_list("code", flat=True))


def _checked(kind: str, values: dict[str, Any], *, units: dict[str, int] | None = None) -> Any:
    try:
        return checks.CHECKS[kind](1, values, ward_codes=_known_wards(values), units=units or {})
    except checks.RowError as error:
        raise InvalidInput(
            error.message, code=error.code, fields={error.column or "__all__": [error.message]}
        ) from None


def _manual_record(actor: Any, kind: str, entity: Any, data: dict[str, Any]) -> SourceRecord:
    """The officer's own source record for this entity, holding every value they entered."""
    external_id = f"{getattr(actor, 'username', 'system')}:{kind}:{entity.pk}"
    record = SourceRecord.objects.filter(
        kind=kind, source=MANUAL_SOURCE, external_id=external_id
    ).first()
    merged = {**(record.data if record else {}), **data}
    if record is None:
        record = SourceRecord(
            kind=kind, source=MANUAL_SOURCE, external_id=external_id, entity_id=entity.pk
        )
    record.data = merged
    record.fingerprint = fingerprint(merged)
    record.imported_at = timezone.now()
    record.imported_by = actor if getattr(actor, "pk", None) else None
    record.save()
    return record


@transaction.atomic
def person_create(*, actor: Any, values: dict[str, Any]) -> Person:
    """A person entered by an officer (the same checks as an import row). A CCCD another
    person has is a conflict: open that person instead."""
    row = _checked("person", values)
    cccd = row.fields["cccd"]
    if cccd:
        other = Person.objects.filter(cccd=cccd, merged_into__isnull=True).first()
        if other is not None:
            raise Conflict(
                _("A person with this citizen ID exists already."),
                code="cccd_exists",
                fields={"cccd": [str(other.pk)]},
            )
    person = checks.person_object(row, now=timezone.now())
    person.save()
    if row.extra["phones"]:
        for number in row.extra["phones"]:
            phone = phone_ensure(actor=actor, number=number)
            _link_create(actor, Role.SUBSCRIBER, person=person, phone=phone)
    note_name_words(Counter(checks.person_words(person)))
    _manual_record(actor, EntityKind.PERSON, person, row.data)
    audit.record("records.person.create", actor=actor, object_type="person", object_id=person.pk)
    return person


def _person_values(person: Person) -> dict[str, Any]:
    return {
        "full_name": person.full_name,
        "aliases": "|".join(person.aliases or []),
        "cccd": person.cccd,
        "old_id": person.old_id,
        "birth_date": person.birth_date.isoformat()
        if person.birth_date
        else str(person.birth_year or ""),
        "gender": person.gender,
        "nationality": person.nationality,
        "permanent_address": person.permanent_address,
        "ward_code": str(person.permanent_ward_id or ""),
        "temporary_address": person.temporary_address,
        "temporary_ward_code": str(person.temporary_ward_id or ""),
        "photo": person.photo,
    }


@transaction.atomic
def person_update(*, actor: Any, person: Person, values: dict[str, Any]) -> Person:
    """Change a person's values; the officer's entries are kept as their own source, so the
    earlier sources' values stay visible beside them."""
    given = {k: v for k, v in values.items() if v not in (None,)}
    row = _checked("person", {**_person_values(person), **given})
    before = _person_values(person)
    checks.person_update(person, row, now=timezone.now())
    person.save()
    for number in row.extra["phones"] if "phone" in given else ():
        _link_create(
            actor, Role.SUBSCRIBER, person=person, phone=phone_ensure(actor=actor, number=number)
        )
    note_name_words(Counter(checks.person_words(person)))
    entered = {k: v for k, v in row.data.items() if k in given or k == "phones"}
    _manual_record(actor, EntityKind.PERSON, person, entered)
    changed = sorted(k for k, v in _person_values(person).items() if before.get(k) != v)
    audit.record(
        "records.person.update",
        actor=actor,
        object_type="person",
        object_id=person.pk,
        detail={"changed": changed},
    )
    return person


@transaction.atomic
def vehicle_create(*, actor: Any, values: dict[str, Any]) -> Vehicle:
    row = _checked("vehicle", values)
    if Vehicle.objects.filter(plate_key=row.fields["plate_key"]).exists():
        raise Conflict(_("A vehicle with this plate exists already."), code="plate_exists")
    vehicle = Vehicle.objects.create(**row.fields)
    _manual_record(actor, EntityKind.VEHICLE, vehicle, row.data)
    owner_cccd = row.extra.get("owner_cccd")
    owner = Person.objects.filter(cccd=owner_cccd, merged_into__isnull=True).first()
    if owner_cccd and owner is not None:
        _link_create(actor, Role.OWNER, person=owner, vehicle=vehicle)
    audit.record("records.vehicle.create", actor=actor, object_type="vehicle", object_id=vehicle.pk)
    return vehicle


@transaction.atomic
def phone_ensure(*, actor: Any, number: str, note: str = "") -> Phone:
    """The phone with this number (any spelling), created if new."""
    row = _checked("phone", {"number": number, "note": note})
    phone, created = Phone.objects.get_or_create(
        number=row.fields["number"],
        defaults={k: v for k, v in row.fields.items() if k != "number"},
    )
    if created:
        _manual_record(actor, EntityKind.PHONE, phone, row.data)
        audit.record("records.phone.create", actor=actor, object_type="phone", object_id=phone.pk)
    return phone


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    name: str,
    kind: str = Organisation.Kind.COMPANY,
    tax_code: str = "",
    address: str = "",
    ward_code: int | None = None,
) -> Organisation:
    name = clean(name)
    if not name:
        raise InvalidInput(fields={"name": [_("Required.")]})
    if kind not in Organisation.Kind.values:
        raise InvalidInput(fields={"kind": [_("Not a kind of organisation.")]})
    if ward_code is not None and not Ward.objects.filter(code=ward_code).exists():
        raise InvalidInput(fields={"ward_code": [_("Not a ward code.")]})
    org = Organisation.objects.create(
        name=name,
        name_key=name_key(name),
        name_fold=name_fold(name),
        kind=kind,
        tax_code=number_key(tax_code)[:14],
        address=clean(address)[:300],
        ward_id=ward_code,
    )
    data = {"name": org.name, "kind": kind, "tax_code": org.tax_code, "address": org.address}
    _manual_record(actor, EntityKind.ORGANISATION, org, {k: v for k, v in data.items() if v})
    audit.record(
        "records.organisation.create", actor=actor, object_type="organisation", object_id=org.pk
    )
    return org


@transaction.atomic
def case_create(
    *,
    actor: Any,
    number: str,
    unit: Unit,
    kind: str = Case.Kind.CRIMINAL,
    summary: str = "",
    classification: int = 0,
    opened_at: datetime | None = None,
) -> Case:
    """Open a case handled by ``unit``, which must be in the officer's scope, at a
    classification the officer holds."""
    if not in_scope(actor, unit):
        raise Forbidden()
    if classification > int(getattr(actor, "clearance", 0)):
        raise Forbidden(_("You cannot create a case above your clearance."))
    row = _checked(
        "case",
        {"number": number, "unit_code": unit.code, "type": kind, "summary": summary},
        units={unit.code: unit.pk},
    )
    if Case.objects.filter(number_key=row.fields["number_key"]).exists():
        raise Conflict(_("A case with this number exists already."), code="case_exists")
    case = Case.objects.create(
        **{k: v for k, v in row.fields.items() if v is not None and k != "classification"},
        classification=classification,
        **({"opened_at": opened_at} if opened_at else {}),
    )
    _manual_record(actor, EntityKind.CASE, case, row.data)
    audit.record(
        "records.case.create",
        actor=actor,
        object_type="case",
        object_id=case.pk,
        detail={"number": case.number, "unit": unit.code, "classification": classification},
    )
    return case


@transaction.atomic
def case_set_status(*, actor: Any, case: Case, status: str) -> Case:
    if status not in Case.Status.values:
        raise InvalidInput(fields={"status": [_("Not a case status.")]})
    previous = case.status
    case.status = status
    case.closed_at = timezone.now() if status == Case.Status.CLOSED else None
    case.save(update_fields=["status", "closed_at"])
    audit.record(
        "records.case.status",
        actor=actor,
        object_type="case",
        object_id=case.pk,
        detail={"from": previous, "to": status},
    )
    return case


def _link_create(actor: Any, role: str, **ends: Any) -> Link:
    existing = Link.objects.filter(role=role, valid_to__isnull=True, **ends).first()
    if existing is not None:
        return existing
    return Link.objects.create(
        role=role,
        source=MANUAL_SOURCE,
        imported_by=actor if getattr(actor, "pk", None) else None,
        **ends,
    )


@transaction.atomic
def link_add(
    *,
    actor: Any,
    role: str,
    a: Any,
    b: Any,
    detail: str = "",
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> Link:
    """Link two records (``a`` and ``b`` are the objects, in the role's order: person then
    vehicle for an owner …; for a case–incident link ``b`` is the incident id)."""
    if role not in ROLE_ENDS:
        raise InvalidInput(fields={"role": [_("Not a link role.")]})
    kind_a, kind_b = ROLE_ENDS[role]
    field_a, field_b = end_fields(role)
    models_of = selectors.MODELS
    if not isinstance(a, models_of[kind_a]) or (
        kind_b != EntityKind.INCIDENT and not isinstance(b, models_of[kind_b])
    ):
        raise InvalidInput(
            _("A %(role)s link joins a %(a)s and a %(b)s.")
            % {"role": role, "a": kind_a, "b": kind_b},
            fields={"role": [_("These records cannot be linked in this role.")]},
        )
    if kind_a == kind_b and a.pk == b.pk:
        raise InvalidInput(fields={"b": [_("A record cannot be linked to itself.")]})
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInput(fields={"valid_to": [_("Before valid_from.")]})
    ends = {field_a: a, field_b: b}
    if kind_b == EntityKind.INCIDENT:
        ends = {field_a: a, "incident_id": int(b)}
    link = _link_create(actor, role, **ends)
    changed = []
    if detail and link.detail != clean(detail)[:200]:
        link.detail = clean(detail)[:200]
        changed.append("detail")
    if valid_from is not None:
        link.valid_from = valid_from
        changed.append("valid_from")
    if valid_to is not None:
        link.valid_to = valid_to
        changed.append("valid_to")
    if changed:
        link.save(update_fields=changed)
    audit.record(
        "records.link.add",
        actor=actor,
        object_type="link",
        object_id=link.pk,
        detail={"role": role, kind_a: getattr(a, "pk", a), kind_b: getattr(b, "pk", b)},
    )
    return link


@transaction.atomic
def link_end(*, actor: Any, link: Link, at: datetime | None = None) -> Link:
    """The relation stopped (sold the vehicle, left the company); the link stays as history."""
    link.valid_to = at or timezone.now()
    link.save(update_fields=["valid_to"])
    audit.record("records.link.end", actor=actor, object_type="link", object_id=link.pk)
    return link


def case_link_incident(*, actor: Any, case: Case, incident_id: int) -> Link:
    """For the incidents side: attach an incident to a case (records keeps the id only)."""
    return link_add(actor=actor, role=Role.INCIDENT, a=case, b=incident_id)
