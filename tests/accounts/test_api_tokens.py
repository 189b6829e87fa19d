"""API tokens for officers' apps, and device keys for cameras and trackers."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts import services
from safecity.accounts.models import ApiToken, DeviceKey, Unit, User
from safecity.core.errors import InvalidInput
from safecity.core.models import AuditEntry


def _auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _every_stored_value(model: type) -> str:
    return repr(list(model.objects.values()))  # type: ignore[attr-defined]


def test_it_stores_only_a_sha256_of_the_token(minh: User):
    token, raw = services.token_create(user=minh, name="phone")

    assert raw.startswith("sct_")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in _every_stored_value(ApiToken)
    assert raw[10:] not in _every_stored_value(ApiToken)  # only the shown prefix is kept
    assert raw not in _every_stored_value(AuditEntry)


def test_it_gives_every_token_the_default_lifetime(minh: User, settings):
    settings.SAFECITY_TOKEN_DAYS = 30
    before = timezone.now()

    token, _raw = services.token_create(user=minh)

    assert token.expires_at is not None
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)


def test_it_tells_the_caller_who_they_are(client: Client, minh: User, command_centre: Unit):
    _token, raw = services.token_create(user=minh)

    response = client.get("/api/v1/me", **_auth(raw))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "minh"
    assert body["full_name"] == "Nguyễn Văn Minh"
    assert body["roles"] == ["dispatcher"]
    assert "accounts.dispatch_units" in body["capabilities"]
    assert body["unit"]["code"] == command_centre.code
    assert body["unit"]["city_wide"] is True
    assert body["clearance"] == 0


def test_it_records_when_a_token_was_last_used(client: Client, minh: User):
    token, raw = services.token_create(user=minh)
    assert token.last_used_at is None

    client.get("/api/v1/me", **_auth(raw))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_an_unknown_token(client: Client, minh: User):
    response = client.get("/api/v1/me", **_auth("sct_" + "x" * 43))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_it_refuses_an_expired_token(client: Client, minh: User):
    token, raw = services.token_create(user=minh, days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get("/api/v1/me", **_auth(raw))

    assert response.status_code == 401
    assert services.token_authenticate(raw) is None


def test_it_refuses_a_revoked_token(client: Client, minh: User):
    token, raw = services.token_create(user=minh)
    assert client.get("/api/v1/me", **_auth(raw)).status_code == 200

    services.token_revoke(token=token, actor=minh)

    assert client.get("/api/v1/me", **_auth(raw)).status_code == 401
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(token.pk)).exists()


def test_it_refuses_the_token_of_an_inactive_officer(client: Client, minh: User):
    _token, raw = services.token_create(user=minh)
    User.objects.filter(pk=minh.pk).update(is_active=False)

    assert client.get("/api/v1/me", **_auth(raw)).status_code == 401


def test_it_refuses_the_token_of_a_locked_officer(client: Client, minh: User):
    _token, raw = services.token_create(user=minh)
    User.objects.filter(pk=minh.pk).update(locked_until=timezone.now() + timedelta(minutes=5))

    assert client.get("/api/v1/me", **_auth(raw)).status_code == 401


def test_it_accepts_the_token_again_once_the_lock_runs_out(client: Client, minh: User):
    _token, raw = services.token_create(user=minh)
    User.objects.filter(pk=minh.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/v1/me", **_auth(raw)).status_code == 200


def test_it_gives_citizens_no_token(lan: User):
    with pytest.raises(InvalidInput):
        services.token_create(user=lan)
    assert not ApiToken.objects.filter(user=lan).exists()


def test_it_refuses_a_citizen_creating_a_token_on_the_api(client: Client, lan: User):
    client.force_login(lan)

    response = client.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert not ApiToken.objects.filter(user=lan).exists()


def test_it_creates_lists_and_revokes_tokens_on_the_api(client: Client, minh: User):
    """GIVEN Minh calls the API with one token
    WHEN he creates a second token, lists his tokens, then revokes the second
    THEN the raw token appears only in the creation answer, and once revoked it is refused
    while the first token keeps working."""
    _first, first_raw = services.token_create(user=minh, name="laptop")

    created = client.post(
        "/api/v1/me/tokens",
        {"name": "phone", "days": 30},
        content_type="application/json",
        **_auth(first_raw),
    )
    assert created.status_code == 201
    new = created.json()
    assert new["name"] == "phone"
    assert new["token"].startswith(new["prefix"])
    assert client.get("/api/v1/me", **_auth(new["token"])).json()["username"] == "minh"

    listed = client.get("/api/v1/me/tokens", **_auth(first_raw))
    assert listed.status_code == 200
    assert {t["name"] for t in listed.json()} == {"laptop", "phone"}
    assert new["token"] not in listed.content.decode()
    assert all("token" not in t for t in listed.json())

    revoked = client.delete(f"/api/v1/me/tokens/{new['id']}", **_auth(first_raw))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None

    assert client.get("/api/v1/me", **_auth(new["token"])).status_code == 401
    assert client.get("/api/v1/me", **_auth(first_raw)).status_code == 200


def test_it_rejects_a_token_lifetime_out_of_range_on_the_api(client: Client, minh: User):
    _token, raw = services.token_create(user=minh)

    response = client.post(
        "/api/v1/me/tokens", {"days": 0}, content_type="application/json", **_auth(raw)
    )

    assert response.status_code == 422
    assert "days" in response.json()["error"]["fields"]
    assert ApiToken.objects.filter(user=minh).count() == 1


def test_it_does_not_let_an_officer_revoke_another_officers_token(
    client: Client, minh: User, hung: User
):
    hung_token, hung_raw = services.token_create(user=hung)
    _minh_token, minh_raw = services.token_create(user=minh)

    response = client.delete(f"/api/v1/me/tokens/{hung_token.pk}", **_auth(minh_raw))

    assert response.status_code == 404
    assert client.get("/api/v1/me", **_auth(hung_raw)).status_code == 200


# --- Device keys ------------------------------------------------------------------------------


@pytest.fixture
def camera_key(station: Unit, minh: User) -> tuple[DeviceKey, str]:
    return services.device_key_create(
        name="Camera Nguyễn Huệ 1", kind=DeviceKey.Kind.CAMERA, unit=station, actor=minh
    )


def test_it_authenticates_a_device_by_its_key(camera_key: tuple[DeviceKey, str]):
    key, raw = camera_key

    assert raw.startswith("scd_")
    assert services.device_key_authenticate(raw) == key
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in _every_stored_value(DeviceKey)


def test_it_refuses_a_revoked_device_key(camera_key: tuple[DeviceKey, str], minh: User):
    key, raw = camera_key

    services.device_key_revoke(key=key, actor=minh)

    assert services.device_key_authenticate(raw) is None
    assert AuditEntry.objects.filter(action="device_key.revoke", object_id=str(key.pk)).exists()


def test_it_refuses_an_expired_device_key(station: Unit):
    key, raw = services.device_key_create(
        name="GPS xe 363-01", kind=DeviceKey.Kind.TRACKER, unit=station, days=7
    )
    assert services.device_key_authenticate(raw) == key

    DeviceKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert services.device_key_authenticate(raw) is None


def test_it_refuses_an_officer_token_as_a_device_key(minh: User):
    _token, raw = services.token_create(user=minh)
    assert services.device_key_authenticate(raw) is None


def test_it_refuses_a_device_key_as_an_officer_token(
    client: Client, camera_key: tuple[DeviceKey, str]
):
    _key, raw = camera_key

    response = client.get("/api/v1/me", **_auth(raw))

    assert response.status_code == 401
    assert services.token_authenticate(raw) is None
