"""Write and verify the audit trail.

Every service that changes state, every log-in and every sensitive read calls ``record``.
Entries form a hash chain: each stores the previous entry's hash and a SHA-256 over its own
fields, so editing or deleting a row breaks the chain at that row, and ``verify`` names it.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from safecity.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


@dataclass(frozen=True)
class ClientContext:
    ip: str = ""


# Set by ``core.middleware.LanguageMiddleware`` for each request; services need not pass it.
# ClientContext is frozen, so sharing the default instance is safe.
client_context: contextvars.ContextVar[ClientContext] = contextvars.ContextVar(
    "safecity_client",
    default=ClientContext(),  # noqa: B039
)


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "actor_kind": entry.actor_kind,
        "unit_code": entry.unit_code,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "client_ip": entry.client_ip,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", True):
        return {"actor_id": None, "actor_username": "", "actor_kind": "anonymous", "unit_code": ""}
    unit = getattr(actor, "unit", None)
    return {
        "actor_id": getattr(actor, "pk", None),
        "actor_username": str(getattr(actor, "username", "") or getattr(actor, "name", "")),
        "actor_kind": str(getattr(actor, "audit_kind", "") or "user"),
        "unit_code": str(getattr(unit, "code", "") or ""),
    }


def _entry(
    action: str,
    *,
    actor: Any = None,
    object_type: str = "",
    object_id: Any = "",
    purpose: str = "",
    outcome: str = AuditEntry.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        # Truncated to whole microseconds in UTC so the hash survives the database round trip.
        at=timezone.now().astimezone(UTC),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else "",
        purpose=purpose[:300],
        outcome=outcome,
        client_ip=client_context.get().ip if client_ip is None else client_ip,
        detail=json.loads(json.dumps(detail or {}, default=str)),
        **_actor_fields(actor),
    )


def _append(entries: list[AuditEntry]) -> None:
    """Chain ``entries`` after the head and store them, holding the head's lock."""
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        seq, prev = head.seq, head.hash
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = entry_hash(entry)
        if len(entries) == 1:
            entries[0].save()
        else:
            AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(id=1).update(seq=seq, hash=prev)


def record(
    action: str,
    *,
    actor: Any = None,
    object_type: str = "",
    object_id: Any = "",
    purpose: str = "",
    outcome: str = AuditEntry.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the transaction of the change it records, so that
    the entry and the change commit or roll back together (no savepoint of its own: an error
    here fails the caller's whole transaction, which is what must happen)."""
    entry = _entry(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        outcome=outcome,
        detail=detail,
    )
    _append([entry])
    return entry


def record_many(items: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append several entries in order under one lock of the head, in one insert (a batch of
    reports committed together). Each item holds ``record``'s keyword arguments, with
    ``action`` and optionally ``client_ip`` (the request the entry came from, when it is not
    the current one)."""
    entries = [_entry(**item) for item in items]
    if entries:
        _append(entries)
    return entries


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(*, chunk_size: int = 2000) -> tuple[int, Break | None]:
    """Walk the chain oldest first. Returns (entries checked, first break or None)."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    rows: Iterator[AuditEntry] = AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for entry in rows:
        if entry.seq != expected_seq:
            return checked, Break(expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return checked, Break(entry.seq, f"entry #{entry.seq} does not follow the entry before")
        if entry_hash(entry) != entry.hash:
            return checked, Break(entry.seq, f"entry #{entry.seq} was altered")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != checked or head_hash != prev:
        return checked, Break(checked + 1, f"entries after #{checked} are missing")
    return checked, None


def entries(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    unit_code: str = "",
    outcome: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    """Entries matching the filters, newest first (for the auditor's page and API)."""
    rows = AuditEntry.objects.all()
    if actor:
        rows = rows.filter(actor_username__icontains=actor)
    if action:
        rows = rows.filter(action__startswith=action)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if object_id:
        rows = rows.filter(object_id=object_id)
    if unit_code:
        rows = rows.filter(unit_code=unit_code)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if since:
        rows = rows.filter(at__gte=since)
    if until:
        rows = rows.filter(at__lt=until)
    return rows.order_by("-seq")
