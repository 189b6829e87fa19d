"""Applying a batch of checked import rows (``records.imports``): each kind's rows matched to
their source records and entities, created or updated in bulk, their links made; a batch the
database refuses is retried row by row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from safecity.records import bulk
from safecity.records import rows as validate
from safecity.records.backends import backend_for, vocabulary_reset
from safecity.records.import_types import ImportResult, Reject, fingerprint
from safecity.records.keys import name_tokens
from safecity.records.models import (
    Case,
    ImportRun,
    Link,
    NameToken,
    Person,
    Phone,
    Role,
    SourceRecord,
    Vehicle,
)


@dataclass
class ApplyContext:
    kind: str
    source: str
    actor: Any
    run: ImportRun | None
    now: datetime
    result: ImportResult
    collect_ids: bool
    ward_codes: set[int]
    units: dict[str, int]

    @property
    def actor_id(self) -> int | None:
        return getattr(self.actor, "pk", None) if self.actor is not None else None

    def link(self, role: str, **ends: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "role": role,
            "person_id": None,
            "other_person_id": None,
            "vehicle_id": None,
            "organisation_id": None,
            "phone_id": None,
            "case_id": None,
            "incident_id": None,
            "source": self.source,
            "imported_at": self.now,
            "imported_by_id": self.actor_id,
        }
        values.update(ends)
        return values


def _existing_records(ctx: ApplyContext, rows: list[validate.Row]) -> dict[str, SourceRecord]:
    ids = [r.external_id for r in rows]
    found = SourceRecord.objects.filter(kind=ctx.kind, source=ctx.source, external_id__in=ids)
    return {sr.external_id: sr for sr in found}


def _save_records(
    ctx: ApplyContext, pairs: list[tuple[validate.Row, int]], existing: dict[str, SourceRecord]
) -> None:
    fresh: list[dict[str, Any]] = []
    changed = []
    for row, entity_id in pairs:
        record = existing.get(row.external_id)
        if record is None:
            fresh.append(
                {
                    "kind": ctx.kind,
                    "source": ctx.source,
                    "external_id": row.external_id,
                    "entity_id": entity_id,
                    "data": row.data,
                    "fingerprint": fingerprint(row.data),
                    "imported_at": ctx.now,
                    "imported_by_id": ctx.actor_id,
                    "run_id": ctx.run.pk if ctx.run else None,
                }
            )
        else:
            record.data = row.data
            record.fingerprint = fingerprint(row.data)
            record.imported_at = ctx.now
            record.imported_by_id = ctx.actor_id
            record.run = ctx.run
            changed.append(record)
    bulk.insert(SourceRecord, fresh)
    SourceRecord.objects.bulk_update(
        changed, ["data", "fingerprint", "imported_at", "imported_by", "run"]
    )


def _split(
    ctx: ApplyContext, rows: list[validate.Row], existing: dict[str, SourceRecord]
) -> tuple[list[validate.Row], list[validate.Row]]:
    """(rows to apply, rows whose source record already says exactly this)."""
    apply, same = [], []
    for row in rows:
        record = existing.get(row.external_id)
        if record is not None and record.fingerprint == fingerprint(row.data):
            same.append(row)
        else:
            apply.append(row)
    return apply, same


def _count(
    ctx: ApplyContext, created: int, updated: int, unchanged: int, ids: Iterable[int]
) -> None:
    ctx.result.created += created
    ctx.result.updated += updated
    ctx.result.unchanged += unchanged
    if ctx.collect_ids:
        ctx.result.entity_ids.extend(ids)


def note_name_words(words: Counter[str]) -> None:
    """Add name words to the typo vocabulary (``NameToken``), counting them."""
    if not words:
        return
    table = NameToken._meta.db_table
    rows = sorted(words.items())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (token, count) VALUES (%s, %s) "  # noqa: S608 - fixed table
            "ON CONFLICT (token) DO UPDATE SET count = "
            f"{table}.count + excluded.count",
            rows,
        )
    vocabulary_reset()


def _phone_links(ctx: ApplyContext, pairs: Iterable[tuple[int, str]], role: str) -> None:
    """Link persons to phone numbers (E.164), creating the phones; existing links stay."""
    pairs = list(pairs)
    if not pairs:
        return
    numbers = {number for _pid, number in pairs}
    bulk.insert(
        Phone,
        [validate.phone_values(n, now=ctx.now) for n in sorted(numbers)],
        ignore_conflicts_on="number",
    )
    phone_ids = dict(Phone.objects.filter(number__in=numbers).values_list("number", "id"))
    wanted = {(person_id, phone_ids[number]) for person_id, number in pairs if number in phone_ids}
    have = set(
        Link.objects.filter(
            role=role,
            person_id__in={p for p, _n in wanted},
            phone_id__in={n for _p, n in wanted},
        ).values_list("person_id", "phone_id")
    )
    bulk.insert(Link, [ctx.link(role, person_id=p, phone_id=n) for p, n in sorted(wanted - have)])


def _persons_by_cccd(cccds: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    rows = Person.objects.filter(cccd__in=set(cccds), merged_into__isnull=True).order_by("id")
    for cccd, pk in rows.values_list("cccd", "id"):
        found.setdefault(cccd, pk)
    return found


def _apply_persons(ctx: ApplyContext, rows: list[validate.Row]) -> None:
    existing = _existing_records(ctx, rows)
    apply, same = _split(ctx, rows, existing)
    by_cccd = _persons_by_cccd(
        r.fields["cccd"] for r in apply if r.external_id not in existing and r.fields["cccd"]
    )
    targets: dict[int, validate.Row] = {}  # person id -> its row (update)
    fresh: list[validate.Row] = []
    for row in apply:
        record = existing.get(row.external_id)
        person_id = record.entity_id if record is not None else by_cccd.get(row.fields["cccd"])
        if person_id is not None:
            targets[person_id] = row
        else:
            fresh.append(row)
    words: Counter[str] = Counter()
    updated = list(Person.objects.filter(pk__in=targets))
    for person in updated:
        row = targets[person.pk]
        validate.person_update(person, row, now=ctx.now)
        words.update(validate.person_words(person))
    if updated:
        Person.objects.bulk_update(updated, validate.PERSON_UPDATE_FIELDS)
    created = [validate.person_values(row, now=ctx.now) for row in fresh]
    for values, pk in zip(created, bulk.allocate_ids(Person, len(created)), strict=True):
        values["id"] = pk
        words.update(name_tokens(values["full_name"], values["aliases"]))
    backend_for().insert_persons(created)
    pairs = [(targets[p.pk], p.pk) for p in updated] + [
        (row, values["id"]) for row, values in zip(fresh, created, strict=True)
    ]
    _save_records(ctx, pairs, existing)
    _phone_links(
        ctx, ((pk, number) for row, pk in pairs for number in row.extra["phones"]), Role.SUBSCRIBER
    )
    note_name_words(words)
    unchanged_ids = [existing[r.external_id].entity_id for r in same]
    _count(
        ctx,
        len(created),
        len(updated),
        len(same),
        [p for _r, p in pairs] + [p for p in unchanged_ids if p is not None],
    )


def _owner_links(
    ctx: ApplyContext, pairs: list[tuple[validate.Row, int]], role: str, end: str
) -> None:
    """Owner (vehicle) or subscriber (phone) links from the rows' ``owner_cccd``; a CCCD no
    person has is a warning, the row itself stays in."""
    wanted = [(row, pk) for row, pk in pairs if row.extra.get("owner_cccd")]
    if not wanted:
        return
    owners = _persons_by_cccd(row.extra["owner_cccd"] for row, _pk in wanted)
    links = []
    for row, pk in wanted:
        person_id = owners.get(row.extra["owner_cccd"])
        if person_id is None:
            ctx.result.warnings.append(
                Reject(
                    row.line,
                    "owner_not_found",
                    _("No person has CCCD %(cccd)s; imported without owner.")
                    % {"cccd": row.extra["owner_cccd"]},
                    row.raw,
                    "warning",
                )
            )
            continue
        links.append((person_id, pk))
    have = set(
        Link.objects.filter(
            role=role,
            person_id__in={p for p, _e in links},
            **{f"{end}_id__in": {e for _p, e in links}},
        ).values_list("person_id", f"{end}_id")
    )
    bulk.insert(
        Link,
        [ctx.link(role, person_id=p, **{f"{end}_id": e}) for p, e in sorted(set(links) - have)],
    )


def _creation_values(model: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """A row's fields for a new object: a value the row left empty (None) in a column that
    cannot be null takes the field's default (a case opened "now")."""
    values = dict(fields)
    for name, value in fields.items():
        if value is None:
            field = model._meta.get_field(name.removesuffix("_id"))
            if not field.null:
                values[name] = field.get_default()
    return values


def _apply_simple(
    ctx: ApplyContext,
    rows: list[validate.Row],
    *,
    model: Any,
    natural_field: str,
    update_fields: list[str],
) -> list[tuple[validate.Row, int]]:
    """Vehicles, phones and cases: match by source record, then by natural key; update with
    the row's non-empty values or create."""
    existing = _existing_records(ctx, rows)
    apply, same = _split(ctx, rows, existing)
    natural = {r.fields[natural_field] for r in apply if r.external_id not in existing}
    by_key = dict(
        model.objects.filter(**{f"{natural_field}__in": natural}).values_list(natural_field, "id")
    )
    targets: dict[int, validate.Row] = {}
    fresh: list[validate.Row] = []
    for row in apply:
        record = existing.get(row.external_id)
        entity_id = record.entity_id if record else by_key.get(row.fields[natural_field])
        if entity_id is not None:
            targets[entity_id] = row
        else:
            fresh.append(row)
    updated = list(model.objects.filter(pk__in=targets))
    for obj in updated:
        for name, value in targets[obj.pk].fields.items():
            if value not in ("", None) and name.removesuffix("_id") in update_fields:
                setattr(obj, name, value)
        if hasattr(obj, "updated_at"):
            obj.updated_at = ctx.now
    if updated:
        fields = update_fields + (["updated_at"] if hasattr(model, "updated_at") else [])
        model.objects.bulk_update(updated, fields)
    created = [_creation_values(model, row.fields) for row in fresh]
    for values, pk in zip(created, bulk.allocate_ids(model, len(created)), strict=True):
        values["id"] = pk
    bulk.insert(model, created, with_ids=True)
    pairs = [(targets[o.pk], o.pk) for o in updated] + [
        (row, values["id"]) for row, values in zip(fresh, created, strict=True)
    ]
    _save_records(ctx, pairs, existing)
    unchanged_ids = [existing[r.external_id].entity_id for r in same]
    _count(
        ctx,
        len(created),
        len(updated),
        len(same),
        [e for _r, e in pairs] + [e for e in unchanged_ids if e is not None],
    )
    return pairs


def _apply_vehicles(ctx: ApplyContext, rows: list[validate.Row]) -> None:
    pairs = _apply_simple(
        ctx, rows, model=Vehicle, natural_field="plate_key", update_fields=validate.VEHICLE_FIELDS
    )
    _owner_links(ctx, pairs, Role.OWNER, "vehicle")


def _apply_phones(ctx: ApplyContext, rows: list[validate.Row]) -> None:
    pairs = _apply_simple(
        ctx, rows, model=Phone, natural_field="number", update_fields=validate.PHONE_FIELDS
    )
    _owner_links(ctx, pairs, Role.SUBSCRIBER, "phone")


def _apply_cases(ctx: ApplyContext, rows: list[validate.Row]) -> None:
    pairs = _apply_simple(
        ctx, rows, model=Case, natural_field="number_key", update_fields=validate.CASE_FIELDS
    )
    wanted = {(pk, incident) for row, pk in pairs for incident in row.extra["incident_ids"]}
    if wanted:
        have = set(
            Link.objects.filter(
                role=Role.INCIDENT, case_id__in={c for c, _i in wanted}
            ).values_list("case_id", "incident_id")
        )
        bulk.insert(
            Link,
            [ctx.link(Role.INCIDENT, case_id=c, incident_id=i) for c, i in sorted(wanted - have)],
        )


_APPLY: dict[str, Callable[[ApplyContext, list[validate.Row]], None]] = {
    "person": _apply_persons,
    "vehicle": _apply_vehicles,
    "phone": _apply_phones,
    "case": _apply_cases,
}


def apply_batch(ctx: ApplyContext, rows: list[validate.Row]) -> None:
    if not rows:
        return
    try:
        with transaction.atomic():
            _APPLY[ctx.kind](ctx, rows)
        return
    except DatabaseError:
        if len(rows) == 1:
            row = rows[0]
            ctx.result.rejects.append(
                Reject(row.line, "database", _("The database refused this row."), row.raw)
            )
            return
    # Somewhere in the batch is a row the database refuses: find it, keep the others.
    for row in rows:
        apply_batch(ctx, [row])
