"""Reads of accounts data, already limited to what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet

from safecity.accounts.access import require_officer, scoped
from safecity.accounts.models import ApiToken, Capability, Unit, User
from safecity.accounts.roles import role_label


def user_roles(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


CAPABILITIES = frozenset(f"accounts.{codename}" for codename, _ in Capability._meta.permissions)


def user_capabilities(user: User) -> list[str]:
    """The capability permissions the officer's roles grant (not the model permissions)."""
    return sorted(CAPABILITIES & user.get_all_permissions())


def me(user: User) -> dict[str, object]:
    from django_otp import user_has_device

    roles = user_roles(user)
    return {
        "id": user.pk,
        "username": user.username,
        "kind": user.kind,
        "full_name": user.display_name,
        "badge_number": user.badge_number,
        "rank": user.rank,
        "rank_label": str(user.get_rank_display()),
        "roles": roles,
        "role_labels": [role_label(r) for r in roles],
        "capabilities": user_capabilities(user) if user.kind == User.Kind.OFFICER else [],
        "unit": user.unit,
        "clearance": user.clearance,
        "clearance_label": str(user.get_clearance_display()),
        "mfa": user_has_device(user, confirmed=True),
    }


def units_visible(user: User) -> QuerySet[Unit]:
    require_officer(user)
    return scoped(user, Unit.objects.all(), unit_field="")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
