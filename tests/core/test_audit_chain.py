"""The audit trail is an append-only hash chain: the application cannot change it, and a change
made behind the application's back (raw SQL) is found and named by ``audit verify``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client

from safecity.accounts.models import User
from safecity.core import audit
from safecity.core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def _chain(n: int) -> list[AuditEntry]:
    return [
        audit.record(f"test.step{i}", object_type="report", object_id=i, detail={"i": i})
        for i in range(1, n + 1)
    ]


def _sql(statement: str, *params: Any) -> None:
    """Tamper behind the ORM's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- Appending ------------------------------------------------------------------------------------


def test_it_appends_entries_in_sequence_each_linked_to_the_one_before() -> None:
    entries = _chain(3)

    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == audit.GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert len({e.hash for e in entries}) == 3
    stored = AuditEntry.objects.get(seq=2)
    assert stored.hash == audit.entry_hash(stored)  # the hash survives the database round trip


def test_it_records_who_did_it(hung: User) -> None:
    entry = audit.record("report.view", actor=hung, object_type="report", object_id=7)

    assert entry.actor_id == hung.pk
    assert entry.actor_username == "hung"
    assert entry.actor_kind == "officer"
    assert entry.unit_code == hung.unit.code


def test_it_verifies_an_intact_chain() -> None:
    _chain(4)

    assert audit.verify() == (4, None)


def test_it_verifies_an_empty_chain() -> None:
    assert audit.verify() == (0, None)


# --- Tampering through raw SQL is detected --------------------------------------------------------


def test_it_names_an_entry_edited_in_the_database() -> None:
    _chain(4)
    _sql("UPDATE core_auditentry SET action = %s WHERE seq = 2", "test.innocent")

    checked, broken = audit.verify()

    assert checked == 1
    assert broken is not None
    assert broken.seq == 2
    assert broken.reason == "entry #2 was altered"


def test_it_notices_an_edited_entry_even_when_its_own_hash_was_recomputed() -> None:
    """GIVEN a chain of four entries
    WHEN someone edits entry #2 and rewrites its hash to match the edit
    THEN entry #3 no longer follows it, and verify says so."""
    _chain(4)
    forged = AuditEntry.objects.get(seq=2)
    forged.action = "test.innocent"
    _sql(
        "UPDATE core_auditentry SET action = %s, hash = %s WHERE seq = 2",
        forged.action,
        audit.entry_hash(forged),
    )

    _checked, broken = audit.verify()

    assert broken is not None
    assert broken.seq == 3
    assert "entry #3 does not follow" in broken.reason


def test_it_names_an_entry_deleted_from_the_middle() -> None:
    _chain(4)
    _sql("DELETE FROM core_auditentry WHERE seq = 2")

    checked, broken = audit.verify()

    assert checked == 1
    assert broken is not None
    assert broken.seq == 2
    assert broken.reason == "entry #2 is missing"


def test_it_notices_the_newest_entry_deleted_from_the_end() -> None:
    """GIVEN a chain of four entries
    WHEN someone deletes entry #4, leaving a chain that is consistent on its own
    THEN the head row (which still says #4) shows that the end was cut off."""
    _chain(4)
    _sql("DELETE FROM core_auditentry WHERE seq = 4")

    checked, broken = audit.verify()

    assert checked == 3
    assert broken is not None
    assert broken.seq == 4
    assert "after #3 are missing" in broken.reason


def test_it_notices_the_head_row_deleted() -> None:
    _chain(2)
    _sql("DELETE FROM core_audithead")

    _checked, broken = audit.verify()

    assert broken is not None


# --- The application itself cannot change the trail -----------------------------------------------


def test_it_refuses_to_save_an_existing_entry_again() -> None:
    entry = _chain(1)[0]
    entry.action = "test.innocent"

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert AuditEntry.objects.get(seq=1).action == "test.step1"


def test_it_refuses_to_delete_an_entry() -> None:
    entry = _chain(1)[0]

    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert AuditEntry.objects.filter(seq=1).exists()


def test_it_refuses_bulk_updates_and_deletes() -> None:
    entries = _chain(2)

    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(action="test.innocent")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    entries[0].action = "test.innocent"
    # bulk_update runs in a transaction without a savepoint; give it one so this test's
    # transaction survives the refusal.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entries[0]], ["action"])

    assert AuditEntry.objects.count() == 2
    assert audit.verify() == (2, None)


# --- Transactions ---------------------------------------------------------------------------------


def test_it_leaves_no_entry_when_the_change_it_records_rolls_back() -> None:
    """GIVEN one entry in the trail
    WHEN a service records an entry and then fails inside its transaction
    THEN the entry is gone with the change, the chain is intact and the next entry is #2."""
    _chain(1)

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.doomed")
        raise RuntimeError("the change failed")

    assert not AuditEntry.objects.filter(action="test.doomed").exists()
    assert audit.verify() == (1, None)
    assert audit.record("test.after").seq == 2
    assert audit.verify() == (2, None)


# --- The management command -----------------------------------------------------------------------


def test_it_reports_an_intact_chain_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _chain(3)

    call_command("audit", "verify")

    assert "audit chain intact: 3 entries" in capsys.readouterr().out


def test_it_fails_the_command_naming_the_broken_entry() -> None:
    _chain(3)
    _sql("UPDATE core_auditentry SET outcome = %s WHERE seq = 2", "denied")

    with pytest.raises(CommandError, match=r"broken at entry #2: entry #2 was altered"):
        call_command("audit", "verify")


# --- The client's address -------------------------------------------------------------------------


def test_it_records_the_client_address_of_a_failed_log_in(client: Client, hung: User) -> None:
    response = client.post("/accounts/login/", {"username": "hung", "password": "wrong password"})

    assert response.status_code == 200  # the form again, with an error
    entry = AuditEntry.objects.filter(action="login.failure").get()
    assert entry.client_ip == "127.0.0.1"
    assert entry.actor_id == hung.pk
    assert entry.outcome == "failure"
    assert audit.verify()[1] is None


def test_it_ignores_a_forwarded_address_unless_behind_a_proxy(client: Client, hung: User) -> None:
    client.post(
        "/accounts/login/",
        {"username": "hung", "password": "wrong password"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )

    assert AuditEntry.objects.get(action="login.failure").client_ip == "127.0.0.1"


def test_it_takes_the_address_our_proxy_added_behind_a_proxy(
    client: Client, hung: User, settings: Any
) -> None:
    """GIVEN SafeCity runs behind its reverse proxy
    WHEN a client sends its own X-Forwarded-For and the proxy appends the address it saw
    THEN the entry holds the proxy's entry, not the one the client wrote."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    client.post(
        "/accounts/login/",
        {"username": "hung", "password": "wrong password"},
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert AuditEntry.objects.get(action="login.failure").client_ip == "203.0.113.9"


def test_it_records_no_address_outside_a_request() -> None:
    assert audit.record("test.cli").client_ip == ""
