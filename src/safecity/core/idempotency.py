"""``Idempotency-Key`` for POST endpoints that must never act twice (a citizen's retry on a
bad connection must not open a second report).

The first answer is stored in the same transaction as the change it describes, so either both
exist or neither does. A retry with the same key and the same body gets that answer again; the
same key with a different body is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from safecity.core.errors import Conflict, InvalidInput
from safecity.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def body_fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def checked_key(key: str | None) -> str | None:
    """The header's key without surrounding spaces, ``None`` when none was sent; a blank or
    over-long key is invalid input."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("The Idempotency-Key header must be 1 to 200 characters."),
            fields={"Idempotency-Key": [str(_("1 to 200 characters"))]},
        )
    return key


def taken_keys(scope: str, keys: list[str]) -> set[str]:
    """Which of ``keys`` already have a stored answer (one query for a batch)."""
    if not keys:
        return set()
    return set(
        IdempotencyRecord.objects.filter(scope=scope, key__in=keys).values_list("key", flat=True)
    )


def store_many(scope: str, answers: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    """Store first answers ``(key, fingerprint, status, body)`` in the caller's transaction,
    in one insert; a key stored meanwhile fails the whole transaction (IntegrityError)."""
    IdempotencyRecord.objects.bulk_create(
        IdempotencyRecord(scope=scope, key=k, fingerprint=f, status=st, response=body)
        for k, f, st, body in answers
    )


def run_once(
    *, scope: str, key: str | None, body: Any, action: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], bool]:
    """Run ``action`` (which returns status and JSON body) at most once per ``(scope, key)``.

    Returns (status, body, replayed). Without a key the action simply runs.
    """
    key = checked_key(key)
    if key is None:
        with transaction.atomic():
            status, answer = action()
        return status, answer, False
    fingerprint = body_fingerprint(body)
    # Try first, look later: a fresh key (nearly every request) costs no extra query; a retry
    # runs the action, collides on the unique key, rolls back, and then reads the first answer.
    for attempt in range(2):
        if attempt:
            existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if existing is not None:
                if existing.fingerprint != fingerprint:
                    raise Conflict(
                        _("This Idempotency-Key was already used with a different request."),
                        code="idempotency_conflict",
                    )
                return existing.status, existing.response, True
        try:
            with transaction.atomic():
                status, answer = action()
                IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, status=status, response=answer
                )
            return status, answer, False
        except IntegrityError:
            # The key is taken (a retry, or another request with this key committed first):
            # nothing of this attempt was kept; read the first answer.
            continue
    raise Conflict(_("This request is being processed; retry in a moment."), code="in_progress")
