"""Named locks held until the end of the current transaction, for check-then-insert work that
two processes must not do at once (each would miss what the other is about to insert).

On PostgreSQL these are advisory locks (``pg_advisory_xact_lock``), released by the commit or
rollback; a name is hashed to the lock's 64-bit key (two names sharing a key only wait for
each other, never skip a lock). On SQLite one transaction writes at a time, so there is
nothing to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection


def _key(name: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def hold(names: Iterable[str]) -> None:
    """Take the locks ``names`` for the rest of the current transaction, waiting for any that
    another transaction holds. All in one statement and in key order: two transactions that
    both call this once never wait for each other in a circle."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_key(name) for name in names})
    if not keys:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("locks.hold needs a transaction: the locks last until its end")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys]
        )
