"""Log-in through the real page: failed passwords lock the account for a while; every outcome
is audited."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import User
from safecity.core.models import AuditEntry
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def _log_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def _logged_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def _entries(user: User, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, actor_id=user.pk).order_by("seq"))


def test_it_logs_in_with_the_right_password(client: Client, hung: User):
    response = _log_in(client, "hung", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/ops/"
    assert _logged_in_as(client) == "hung"
    success = _entries(hung, "login.success")
    assert len(success) == 1
    assert success[0].outcome == "success"
    assert success[0].detail == {"method": "password"}


def test_it_counts_a_wrong_password_and_audits_it(client: Client, hung: User):
    response = _log_in(client, "hung", "wrong password")

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert _logged_in_as(client) is None
    assert User.objects.get(pk=hung.pk).failed_logins == 1
    [failure] = _entries(hung, "login.failure")
    assert failure.outcome == "failure"
    assert failure.detail == {"failed_logins": 1, "reason": "password"}


def test_it_does_not_lock_before_the_limit(client: Client, hung: User):
    for _ in range(settings.SAFECITY_LOGIN_MAX_FAILURES - 1):
        _log_in(client, "hung", "wrong password")

    assert not User.objects.get(pk=hung.pk).is_locked()
    assert not _entries(hung, "login.lock")
    _log_in(client, "hung", PASSWORD)
    assert _logged_in_as(client) == "hung"


def test_it_locks_the_account_after_too_many_wrong_passwords(client: Client, hung: User):
    """GIVEN Hùng's account
    WHEN someone types a wrong password SAFECITY_LOGIN_MAX_FAILURES times
    THEN the account is locked for SAFECITY_LOGIN_LOCK_MINUTES, and the lock is audited."""
    limit = settings.SAFECITY_LOGIN_MAX_FAILURES
    for _ in range(limit):
        _log_in(client, "hung", "wrong password")

    hung.refresh_from_db()
    assert hung.is_locked()
    expected_until = timezone.now() + timedelta(minutes=settings.SAFECITY_LOGIN_LOCK_MINUTES)
    assert abs(hung.locked_until - expected_until) < timedelta(minutes=1)
    assert len(_entries(hung, "login.failure")) == limit - 1
    [lock] = _entries(hung, "login.lock")
    assert lock.outcome == "denied"
    assert lock.detail["failed_logins"] == limit


def test_it_refuses_a_locked_account_even_with_the_right_password(client: Client, hung: User):
    """GIVEN Hùng's account was locked by wrong passwords
    WHEN the right password is typed
    THEN the log-in is refused and audited as ``login.locked``, and nothing else is counted."""
    for _ in range(settings.SAFECITY_LOGIN_MAX_FAILURES):
        _log_in(client, "hung", "wrong password")

    response = _log_in(client, "hung", PASSWORD)

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert _logged_in_as(client) is None
    assert client.get("/ops/").status_code == 302
    [locked] = _entries(hung, "login.locked")
    assert locked.outcome == "denied"
    assert not _entries(hung, "login.success")


def test_it_logs_in_again_once_the_lock_runs_out(client: Client, hung: User):
    """GIVEN Hùng's account was locked, and the lock has run out
    WHEN one more wrong password is typed, then the right one
    THEN he is logged in and the failure counter and the lock are cleared."""
    for _ in range(settings.SAFECITY_LOGIN_MAX_FAILURES):
        _log_in(client, "hung", "wrong password")
    User.objects.filter(pk=hung.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    _log_in(client, "hung", "wrong password")
    assert User.objects.get(pk=hung.pk).failed_logins == 1
    response = _log_in(client, "hung", PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client) == "hung"
    hung.refresh_from_db()
    assert hung.failed_logins == 0
    assert hung.locked_until is None
    assert len(_entries(hung, "login.success")) == 1


def test_it_audits_an_unknown_username_without_failing(client: Client, hung: User):
    response = _log_in(client, "khong-ai-ca", "any password")

    assert response.status_code == 200
    assert _logged_in_as(client) is None
    entry = AuditEntry.objects.filter(action="login.failure").latest("seq")
    assert entry.actor_id is None
    assert entry.outcome == "failure"
    assert entry.detail == {"username": "khong-ai-ca", "reason": "unknown user"}


def test_it_gives_the_same_answer_for_an_unknown_user_and_a_wrong_password(
    client: Client, hung: User
):
    unknown = _log_in(client, "khong-ai-ca", "any password")
    wrong = _log_in(client, "hung", "wrong password")

    def error(response) -> str:
        return str(response.context["form"].non_field_errors())

    assert error(unknown) == error(wrong)
    assert error(unknown)


def test_it_refuses_an_inactive_officer_with_the_right_password(client: Client, hung: User):
    User.objects.filter(pk=hung.pk).update(is_active=False)

    response = _log_in(client, "hung", PASSWORD)

    assert response.status_code == 200
    assert _logged_in_as(client) is None
    assert not _entries(hung, "login.success")


def test_it_sends_a_citizen_to_the_public_site(client: Client, lan: User):
    response = _log_in(client, "lan", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_as(client) == "lan"


def test_it_follows_a_local_next_url_but_not_a_foreign_one(client: Client, hung: User):
    local = client.post(LOGIN, {"username": "hung", "password": PASSWORD, "next": "/ops/audit/"})
    client.logout()
    foreign = client.post(
        LOGIN, {"username": "hung", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert local["Location"] == "/ops/audit/"
    assert foreign["Location"] == "/ops/"
