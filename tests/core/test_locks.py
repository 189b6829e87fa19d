"""``core.locks.hold``: on PostgreSQL, named locks that another connection cannot take until
the holder's transaction ends; nothing on SQLite (one writer at a time)."""

from __future__ import annotations

import pytest
from django.db import connection, connections, transaction

from safecity.core import locks

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's"),
]


def _other_may_take(name: str) -> bool:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [locks._key(name)])
            return bool(cursor.fetchone()[0])
    finally:
        other.close()


def test_a_held_name_is_taken_by_nobody_else_until_the_transaction_ends() -> None:
    with transaction.atomic():
        locks.hold(["area:1:2", "area:1:3"])
        assert not _other_may_take("area:1:2")
        assert not _other_may_take("area:1:3")
        assert _other_may_take("area:9:9")
    assert _other_may_take("area:1:2")


def test_holding_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="needs a transaction"):
        locks.hold(["area:1:2"])
    locks.hold([])  # nothing to hold: nothing asked of the database
