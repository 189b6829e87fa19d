"""Every change to accounts, units, tokens and device keys, each audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import ApiToken, Clearance, DeviceKey, Unit, User
from safecity.accounts.roles import ROLES_BY_SLUG
from safecity.core import audit, live
from safecity.core.errors import ApplicationError, InvalidInput

TOKEN_PREFIX = "sct_"  # noqa: S105 - a public marker, not a secret
DEVICE_PREFIX = "scd_"


class LoginFailed(ApplicationError):
    status = 401
    code = "login_failed"


class AccountLocked(ApplicationError):
    status = 403
    code = "account_locked"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- Units ------------------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    function: str = Unit.Function.GENERAL,
    city_wide: bool = False,
    ward_code: int | None = None,
    actor: Any = None,
) -> Unit:
    unit = Unit.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        function=function,
        city_wide=city_wide,
        ward_code=ward_code,
        path="",
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    audit.record(
        "unit.create",
        actor=actor,
        object_type="unit",
        object_id=unit.pk,
        detail={"code": code, "parent": parent.code if parent else None},
    )
    return unit


@transaction.atomic
def unit_ensure(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    function: str = Unit.Function.GENERAL,
    city_wide: bool = False,
    ward_code: int | None = None,
    actor: Any = None,
) -> Unit:
    """Idempotent form of ``unit_create`` for loaders: the unit with ``code``, made if missing."""
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return unit_create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        function=function,
        city_wide=city_wide,
        ward_code=ward_code,
        actor=actor,
    )


# --- Officers and citizens --------------------------------------------------------------------


@transaction.atomic
def officer_create(
    *,
    username: str,
    password: str | None,
    unit: Unit,
    full_name: str = "",
    badge_number: str | None = None,
    rank: str = "",
    roles: list[str] = (),  # type: ignore[assignment]
    clearance: int = Clearance.UNCLASSIFIED,
    is_staff: bool = False,
    actor: Any = None,
) -> User:
    unknown = [r for r in roles if r not in ROLES_BY_SLUG]
    if unknown:
        raise InvalidInput(
            _("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)}, fields={"roles": unknown}
        )
    if User.objects.filter(username=username).exists():
        raise InvalidInput(_("This username is taken."), fields={"username": [username]})
    user = User(
        username=username,
        kind=User.Kind.OFFICER,
        unit=unit,
        full_name=full_name,
        badge_number=badge_number or None,
        rank=rank,
        clearance=clearance,
        is_staff=is_staff,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    audit.record(
        "officer.create",
        actor=actor,
        object_type="user",
        object_id=user.pk,
        detail={
            "username": username,
            "unit": unit.code,
            "roles": sorted(roles),
            "clearance": clearance,
        },
    )
    return user


@transaction.atomic
def citizen_create(
    *,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    actor: Any = None,
) -> User:
    if User.objects.filter(username=username).exists():
        raise InvalidInput(_("This username is taken."), fields={"username": [username]})
    user = User(
        username=username, kind=User.Kind.CITIZEN, full_name=full_name, phone=phone, email=email
    )
    user.set_password(password)
    user.save()
    audit.record("citizen.create", actor=actor, object_type="user", object_id=user.pk)
    return user


# --- Log-in with lock-out ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    user: User
    needs_otp: bool


def login_check(*, request: Any, username: str, password: str) -> LoginResult:
    """Check a username and password, counting failures; lock after too many.

    A locked account is refused even with the right password until the lock runs out, so a
    guesser learns nothing from it. Every outcome is audited.
    """
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        locked = user is not None and user.is_locked(now)
        if user is not None and locked:
            audit.record(
                "login.locked", actor=user, object_type="user", object_id=user.pk, outcome="denied"
            )
    # Raised outside the block: raising inside it would roll the audit entry back.
    if locked:
        raise AccountLocked(
            _(
                "This account is locked after too many failed log-ins. "
                "Try again later or ask an administrator."
            )
        )
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is None:
        if user is None:
            audit.record(
                "login.failure",
                outcome="failure",
                detail={"username": username[:150], "reason": "unknown user"},
            )
        else:
            login_failure_count(user=user, reason="password")
        raise LoginFailed(_("The username or password is wrong."))
    if not isinstance(authenticated, User):  # only our user model authenticates
        raise LoginFailed(_("The username or password is wrong."))
    return LoginResult(user=authenticated, needs_otp=otp_needed(authenticated))


@transaction.atomic
def login_failure_count(*, user: User, reason: str) -> bool:
    """Count one failed log-in step (password or second factor); lock the account when the
    limit is reached. Returns whether the account is now locked."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    detail: dict[str, Any] = {"failed_logins": user.failed_logins, "reason": reason}
    if user.failed_logins >= settings.SAFECITY_LOGIN_MAX_FAILURES:
        lock_until = now + timedelta(minutes=settings.SAFECITY_LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=lock_until, failed_logins=0)
        user.locked_until = lock_until
        detail["locked_until"] = lock_until.isoformat()
        audit.record(
            "login.lock",
            actor=user,
            object_type="user",
            object_id=user.pk,
            outcome="denied",
            detail=detail,
        )
        return True
    audit.record(
        "login.failure",
        actor=user,
        object_type="user",
        object_id=user.pk,
        outcome="failure",
        detail=detail,
    )
    return False


def otp_needed(user: User) -> bool:
    """SAFECITY_MFA_REQUIRED binds officers only (citizens' optional accounts are not made to
    enrol an authenticator); anyone who has enrolled one must use it."""
    from django_otp import user_has_device

    required = settings.SAFECITY_MFA_REQUIRED and user.kind == User.Kind.OFFICER
    return bool(required or user_has_device(user, confirmed=True))


@transaction.atomic
def login_record(*, user: User, method: str) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(
        "login.success",
        actor=user,
        object_type="user",
        object_id=user.pk,
        detail={"method": method},
    )


@transaction.atomic
def logout_record(*, user: Any) -> None:
    if getattr(user, "is_authenticated", False):
        audit.record("logout", actor=user, object_type="user", object_id=user.pk)
        live.disconnect_user(user.pk)


# What decides an officer's live groups and filters; a change closes their open consoles.
ACCESS_FIELDS = frozenset({"is_active", "groups", "unit", "clearance", "kind"})


def access_changed(*, user: User, fields: set[str]) -> None:
    """Call after changing an officer's access (admin edits, role changes)."""
    if fields & ACCESS_FIELDS:
        live.disconnect_user(user.pk)


@transaction.atomic
def roles_changed(*, user: User, added: list[str], removed: list[str], actor: Any) -> None:
    """Record which roles an officer was given and lost (the admin's own record names only
    the fields changed)."""
    if added or removed:
        audit.record(
            "user.roles_change",
            actor=actor,
            object_type="user",
            object_id=user.pk,
            detail={"added": added, "removed": removed},
        )


@transaction.atomic
def totp_device_pending(*, user: User) -> Any:
    """The officer's unconfirmed authenticator being enrolled, made on first need."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="SafeCity", confirmed=False)
        audit.record("mfa.enrol_start", actor=user, object_type="user", object_id=user.pk)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: Any) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("mfa.enrol", actor=user, object_type="user", object_id=user.pk)


# --- API tokens and device keys ---------------------------------------------------------------


@transaction.atomic
def token_create(
    *, user: User, name: str = "", days: int | None = None, actor: Any = None
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; the raw token is returned once and never stored."""
    if not user.is_active or user.kind != User.Kind.OFFICER:
        raise InvalidInput(_("API tokens are for active officers only."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = settings.SAFECITY_TOKEN_DAYS if days is None else days
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:10],
        token_hash=_digest(raw),
        expires_at=timezone.now() + timedelta(days=lifetime) if lifetime else None,
    )
    audit.record(
        "token.create",
        actor=actor or user,
        object_type="api_token",
        object_id=token.pk,
        detail={"user": user.username, "days": lifetime},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("token.revoke", actor=actor, object_type="api_token", object_id=token.pk)
    return token


_TOUCH_EVERY = timedelta(minutes=5)


def token_authenticate(raw: str) -> User | None:
    """The officer a bearer token belongs to, or ``None`` if it is unknown, expired, revoked,
    or its officer is inactive or locked."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(token_hash=_digest(raw))
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now):
        return None
    user = token.user
    if not user.is_active or user.is_locked(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


@transaction.atomic
def device_key_create(
    *,
    name: str,
    kind: str,
    unit: Unit,
    subject: str = "",
    days: int | None = None,
    actor: Any = None,
) -> tuple[DeviceKey, str]:
    raw = DEVICE_PREFIX + secrets.token_urlsafe(32)
    key = DeviceKey.objects.create(
        name=name,
        kind=kind,
        unit=unit,
        subject=subject,
        prefix=raw[:10],
        key_hash=_digest(raw),
        created_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit.record(
        "device_key.create",
        actor=actor,
        object_type="device_key",
        object_id=key.pk,
        detail={"name": name, "kind": kind, "subject": subject, "unit": unit.code},
    )
    return key, raw


@transaction.atomic
def device_key_revoke(*, key: DeviceKey, actor: Any) -> DeviceKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record("device_key.revoke", actor=actor, object_type="device_key", object_id=key.pk)
    return key


def device_key_authenticate(raw: str) -> DeviceKey | None:
    if not raw.startswith(DEVICE_PREFIX):
        return None
    key = DeviceKey.objects.select_related("unit").filter(key_hash=_digest(raw)).first()
    now = timezone.now()
    if key is None or not key.is_usable(now):
        return None
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        DeviceKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
