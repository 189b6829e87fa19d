"""Import persons, vehicles, phones and cases from CSV or JSON through one service.

- Each row is checked on its own; a bad row is rejected with its line and a reason and never
  stops the good ones. Rows that are fine but refer to something missing (a vehicle's owner
  CCCD no person has) go in, with a warning.
- Rows are applied in batches, each in one transaction: a batch never half-applies. If the
  database refuses a batch, its rows are retried one by one so only the offending row fails.
- Idempotent: a row is identified by its source and external id (the ``external_id`` column,
  else its natural key: CCCD or old ID or name + birth date for a person, the plate for a
  vehicle, the number for a phone or a case). Re-importing it updates that source's record
  and changes nothing when its values are the same.
- A row matching an existing entity by identifier (same valid CCCD, plate, phone number or
  case number) adds its source to that entity — the one merge done without review, because
  the identifier is the same and valid. The entity shows the newest non-empty values; every
  source's values stay in its ``SourceRecord``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import Unit
from safecity.core import audit
from safecity.geography.models import Ward
from safecity.records import bulk
from safecity.records import rows as validate
from safecity.records.backends import backend_for, vocabulary_reset
from safecity.records.import_files import parse_column_map, read_file, rows_from_text, write_rejects
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
from safecity.records.rows import RowError

KINDS = ("person", "vehicle", "phone", "case")


@dataclass(frozen=True)
class Reject:
    line: int
    code: str
    message: str
    row: dict[str, Any]
    severity: str = "rejected"  # or "warning": the row went in
    column: str = ""


@dataclass
class Progress:
    done: int
    total: int | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    elapsed: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if not self.total or not self.rate:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


@dataclass
class ImportResult:
    kind: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None
    entity_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def fingerprint(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


# --- Applying batches -----------------------------------------------------------------------------


@dataclass
class _Context:
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


def _existing_records(ctx: _Context, rows: list[validate.Row]) -> dict[str, SourceRecord]:
    ids = [r.external_id for r in rows]
    found = SourceRecord.objects.filter(kind=ctx.kind, source=ctx.source, external_id__in=ids)
    return {sr.external_id: sr for sr in found}


def _save_records(
    ctx: _Context, pairs: list[tuple[validate.Row, int]], existing: dict[str, SourceRecord]
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
    ctx: _Context, rows: list[validate.Row], existing: dict[str, SourceRecord]
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


def _count(ctx: _Context, created: int, updated: int, unchanged: int, ids: Iterable[int]) -> None:
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


def _phone_links(ctx: _Context, pairs: Iterable[tuple[int, str]], role: str) -> None:
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


def _apply_persons(ctx: _Context, rows: list[validate.Row]) -> None:
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


def _owner_links(ctx: _Context, pairs: list[tuple[validate.Row, int]], role: str, end: str) -> None:
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
    ctx: _Context,
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


def _apply_vehicles(ctx: _Context, rows: list[validate.Row]) -> None:
    pairs = _apply_simple(
        ctx, rows, model=Vehicle, natural_field="plate_key", update_fields=validate.VEHICLE_FIELDS
    )
    _owner_links(ctx, pairs, Role.OWNER, "vehicle")


def _apply_phones(ctx: _Context, rows: list[validate.Row]) -> None:
    pairs = _apply_simple(
        ctx, rows, model=Phone, natural_field="number", update_fields=validate.PHONE_FIELDS
    )
    _owner_links(ctx, pairs, Role.SUBSCRIBER, "phone")


def _apply_cases(ctx: _Context, rows: list[validate.Row]) -> None:
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


_APPLY: dict[str, Callable[[_Context, list[validate.Row]], None]] = {
    "person": _apply_persons,
    "vehicle": _apply_vehicles,
    "phone": _apply_phones,
    "case": _apply_cases,
}


def _apply_batch(ctx: _Context, rows: list[validate.Row]) -> None:
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
        _apply_batch(ctx, [row])


# --- The service ----------------------------------------------------------------------------------


def import_rows(
    *,
    kind: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    source: str,
    actor: Any = None,
    total: int | None = None,
    column_map: dict[str, str] | None = None,
    batch_size: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    file_name: str = "",
    collect_ids: bool = False,
    record_run: bool = True,
) -> ImportResult:
    """Import ``rows`` ((line, mapping) pairs) of one ``kind`` from ``source``. Permission
    checks are the caller's (the command runs as the operator; the API checks
    ``accounts.manage_records``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    source = validate.source_name(source)
    batch_size = batch_size or settings.SAFECITY_RECORDS_IMPORT_BATCH
    started = time.monotonic()
    result = ImportResult(kind=kind, source=source)
    run = (
        ImportRun.objects.create(kind=kind, source=source, file_name=file_name[:300], actor=actor)
        if record_run
        else None
    )
    ctx = _Context(
        kind=kind,
        source=source,
        actor=actor,
        run=run,
        now=timezone.now(),
        result=result,
        collect_ids=collect_ids,
        ward_codes=set(Ward.objects.values_list("code", flat=True)),
        units=dict(Unit.objects.values_list("code", "id")),
    )
    check = validate.CHECKS[kind]
    rename = {k.strip().lower(): v for k, v in (column_map or {}).items()}
    batch: list[validate.Row] = []
    keys: set[str] = set()

    def flush() -> None:
        _apply_batch(ctx, batch)
        batch.clear()
        keys.clear()
        if progress is not None:
            progress(
                Progress(
                    done=result.rows,
                    total=total,
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                    rejected=result.rejected,
                    elapsed=time.monotonic() - started,
                )
            )

    for line, raw in rows:
        result.rows += 1
        if not isinstance(raw, dict) or "__invalid__" in raw:
            bad = raw if isinstance(raw, dict) else {"value": raw}
            result.rejects.append(Reject(line, "invalid_row", _("Not a JSON object."), bad))
            continue
        mapped = validate.rename_columns(raw, rename)
        try:
            row = check(line, mapped, ward_codes=ctx.ward_codes, units=ctx.units)
        except RowError as error:
            result.rejects.append(
                Reject(line, error.code, error.message, dict(raw), column=error.column)
            )
            continue
        for code, message in row.warnings:
            result.warnings.append(Reject(line, code, message, dict(raw), "warning"))
        # Two rows of one entity in a batch would race each other: the earlier goes first.
        if row.match_keys & keys:
            flush()
        batch.append(row)
        keys |= row.match_keys
        if len(batch) >= batch_size:
            flush()
    flush()
    result.seconds = time.monotonic() - started
    if run is not None:
        ImportRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
        )
        result.run_id = run.pk
        with transaction.atomic():
            audit.record(
                "records.import",
                actor=actor,
                object_type="import_run",
                object_id=run.pk,
                detail={
                    "kind": kind,
                    "source": source,
                    "file": file_name,
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": result.rejected,
                    "warnings": len(result.warnings),
                },
            )
    return result


def import_file(
    *,
    path: Path,
    kind: str,
    source: str,
    actor: Any = None,
    fmt: str = "",
    column_map: dict[str, str] | None = None,
    batch_size: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ImportResult:
    rows, total = read_file(path, fmt=fmt)
    return import_rows(
        kind=kind,
        rows=rows,
        source=source,
        actor=actor,
        total=total,
        column_map=column_map,
        batch_size=batch_size,
        progress=progress,
        file_name=path.name,
    )


__all__ = [
    "KINDS",
    "ImportResult",
    "Progress",
    "Reject",
    "fingerprint",
    "import_file",
    "import_rows",
    "note_name_words",
    "parse_column_map",
    "read_file",
    "rows_from_text",
    "write_rejects",
]
