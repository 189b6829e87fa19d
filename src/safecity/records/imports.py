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

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import Unit
from safecity.core import audit
from safecity.geography.models import Ward
from safecity.records import rows as validate
from safecity.records.import_apply import ApplyContext, apply_batch, note_name_words
from safecity.records.import_files import parse_column_map, read_file, rows_from_text, write_rejects
from safecity.records.import_types import KINDS, ImportResult, Progress, Reject, fingerprint
from safecity.records.models import ImportRun
from safecity.records.rows import RowError

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
    ctx = ApplyContext(
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
        apply_batch(ctx, batch)
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
