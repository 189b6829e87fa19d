"""The second factor: with MFA required, a password alone does not log an officer in; the
first log-in enrols an authenticator app (TOTP)."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from safecity.accounts.models import User
from safecity.core.models import AuditEntry
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
OTP = "/accounts/login/otp/"


@pytest.fixture
def mfa_required(settings) -> None:
    settings.SAFECITY_MFA_REQUIRED = True


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the officer's authenticator app shows now (or ``steps_ahead`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _wrong_code(device: TOTPDevice) -> str:
    """A six-digit code outside the device's accepted window (one step either side)."""
    window = {_code(device, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window)


def _logged_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def _password_step(client: Client, username: str = "hung"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD})


def test_it_asks_for_the_second_factor_before_logging_in(client: Client, hung: User, mfa_required):
    response = _password_step(client)

    assert response.status_code == 302
    assert response["Location"] == OTP
    assert _logged_in_as(client) is None
    ops = client.get("/ops/")
    assert ops.status_code == 302
    assert ops["Location"].startswith("/accounts/login/")
    assert not AuditEntry.objects.filter(action="login.success").exists()


def test_it_keeps_the_api_closed_between_the_two_steps(client: Client, hung: User, mfa_required):
    _password_step(client)

    response = client.get("/api/v1/me")

    assert response.status_code == 401


def test_it_shows_enrolment_the_first_time(client: Client, hung: User, mfa_required):
    _password_step(client)

    response = client.get(OTP)

    assert response.status_code == 200
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=hung)
    assert not device.confirmed
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', page)
    assert base64.b32encode(device.bin_key).decode() in page
    assert AuditEntry.objects.filter(action="mfa.enrol_start", actor_id=hung.pk).exists()


def test_it_keeps_one_pending_device_across_page_loads(client: Client, hung: User, mfa_required):
    _password_step(client)

    client.get(OTP)
    client.get(OTP)

    assert TOTPDevice.objects.filter(user=hung).count() == 1


def test_it_confirms_the_device_and_logs_in_with_the_right_code(
    client: Client, hung: User, mfa_required
):
    """GIVEN Hùng passed the password step and sees the enrolment page
    WHEN he types the code his authenticator app shows
    THEN the device is confirmed, he is logged in (verified) and the officers' area opens."""
    _password_step(client)
    client.get(OTP)
    device = TOTPDevice.objects.get(user=hung)

    response = client.post(OTP, {"code": _code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/ops/"
    device.refresh_from_db()
    assert device.confirmed
    assert _logged_in_as(client) == "hung"
    assert client.get("/ops/").status_code == 200
    success = AuditEntry.objects.get(action="login.success", actor_id=hung.pk)
    assert success.detail == {"method": "password+totp"}
    assert AuditEntry.objects.filter(action="mfa.enrol", actor_id=hung.pk).exists()


def test_it_asks_an_enrolled_officer_for_a_code_without_enrolment(
    client: Client, hung: User, mfa_required
):
    device = TOTPDevice.objects.create(user=hung, name="SafeCity", confirmed=True)
    _password_step(client)

    page = client.get(OTP).content.decode()
    response = client.post(OTP, {"code": _code(device)})

    assert "data:image/svg+xml" not in page
    assert base64.b32encode(device.bin_key).decode() not in page
    assert response.status_code == 302
    assert _logged_in_as(client) == "hung"
    assert TOTPDevice.objects.filter(user=hung).count() == 1


def test_it_counts_a_wrong_code_toward_the_lock(client: Client, hung: User, mfa_required):
    _password_step(client)
    client.get(OTP)
    device = TOTPDevice.objects.get(user=hung)

    response = client.post(OTP, {"code": _wrong_code(device)})

    assert response.status_code == 200
    assert _logged_in_as(client) is None
    assert User.objects.get(pk=hung.pk).failed_logins == 1
    failure = AuditEntry.objects.get(action="login.failure", actor_id=hung.pk)
    assert failure.detail == {"failed_logins": 1, "reason": "totp"}
    device.refresh_from_db()
    assert not device.confirmed


def test_it_locks_the_account_after_too_many_wrong_codes(client: Client, hung: User, mfa_required):
    """GIVEN Hùng passed the password step
    WHEN SAFECITY_LOGIN_MAX_FAILURES wrong codes are typed
    THEN the account locks, the half-finished log-in is dropped, and even the password step
    is refused until the lock runs out."""
    _password_step(client)
    client.get(OTP)
    device = TOTPDevice.objects.get(user=hung)
    wrong = _wrong_code(device)

    responses = [
        client.post(OTP, {"code": wrong}) for _ in range(settings.SAFECITY_LOGIN_MAX_FAILURES)
    ]

    assert responses[-1].status_code == 302
    assert responses[-1]["Location"] == LOGIN
    assert User.objects.get(pk=hung.pk).is_locked()
    assert AuditEntry.objects.filter(action="login.lock", actor_id=hung.pk).exists()
    assert client.get(OTP)["Location"] == LOGIN
    assert _password_step(client).status_code == 200
    assert _logged_in_as(client) is None


def test_it_sends_the_code_page_back_to_log_in_without_a_password_step(
    client: Client, hung: User, mfa_required
):
    response = client.get(OTP)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not TOTPDevice.objects.exists()


def test_it_logs_in_with_the_password_alone_when_mfa_is_off(client: Client, hung: User, settings):
    settings.SAFECITY_MFA_REQUIRED = False

    response = _password_step(client)

    assert response.status_code == 302
    assert response["Location"] == "/ops/"
    assert _logged_in_as(client) == "hung"
    assert client.get("/ops/").status_code == 200
    assert not TOTPDevice.objects.filter(user=hung).exists()


def test_it_still_asks_an_enrolled_officer_for_a_code_when_mfa_is_off(
    client: Client, hung: User, settings
):
    settings.SAFECITY_MFA_REQUIRED = False
    TOTPDevice.objects.create(user=hung, name="SafeCity", confirmed=True)

    response = _password_step(client)

    assert response["Location"] == OTP
    assert _logged_in_as(client) is None


def test_it_does_not_ask_a_citizen_for_a_second_factor(client: Client, lan: User, mfa_required):
    """The force's MFA rule is for officers (README: "Officers must pass a TOTP second
    factor"); citizens tracking their reports are not made to enrol an authenticator."""
    response = _password_step(client, "lan")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_as(client) == "lan"
    assert not TOTPDevice.objects.filter(user=lan).exists()


def test_it_logs_out_an_officer_whose_session_lacks_the_second_factor(
    client: Client, hung: User, mfa_required
):
    client.force_login(hung)

    response = client.get("/ops/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert _logged_in_as(client) is None
