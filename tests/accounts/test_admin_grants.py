"""The admin's officer form: an administrator cannot give themselves (or anyone) more than
they hold (``access.access_grant_refusals``). Through the real admin pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from safecity.accounts.models import Clearance, Unit, User
from safecity.core.models import AuditEntry
from tests import factories


@pytest.fixture
def admin_officer(city: Unit) -> User:
    officer = factories.officer(
        username="bao",
        unit_=city,
        roles=["system_administrator"],
        clearance=Clearance.CONFIDENTIAL,
    )
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    return officer


def _post(client: Client, admin: User, officer: User, **changes: Any) -> Any:
    """Post the officer's admin form as shown, with ``changes``."""
    data: dict[str, Any] = {
        "username": officer.username,
        "kind": officer.kind,
        "full_name": officer.full_name,
        "email": officer.email,
        "phone": officer.phone,
        "badge_number": officer.badge_number,
        "rank": officer.rank,
        "unit": officer.unit_id,
        "clearance": officer.clearance,
        "groups": [g.pk for g in officer.groups.all()],
        "is_active": "on" if officer.is_active else "",
        "is_staff": "on" if officer.is_staff else "",
        "date_joined_0": officer.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": officer.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    data = {k: v for k, v in data.items() if v not in ("", None)}
    client.force_login(admin)
    return client.post(f"/admin/accounts/user/{officer.pk}/change/", data)


def _roles(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _group(name: str) -> int:
    return Group.objects.get(name=name).pk


def test_an_administrator_cannot_give_themselves_a_role_or_clearance(
    client: Client, admin_officer: User
) -> None:
    investigator = _group("investigator")
    mine = [g.pk for g in admin_officer.groups.all()]

    roles = _post(client, admin_officer, admin_officer, groups=[*mine, investigator])
    clearance = _post(client, admin_officer, admin_officer, clearance=Clearance.SECRET)

    assert roles.status_code == clearance.status_code == 200  # the form again, with the reason
    for response in (roles, clearance):  # in the force's language
        assert "Không ai được tự thay đổi quyền truy cập của mình" in response.content.decode()
    admin_officer.refresh_from_db()
    assert _roles(admin_officer) == ["system_administrator"]
    assert admin_officer.clearance == Clearance.CONFIDENTIAL
    assert not AuditEntry.objects.filter(action="user.roles_change").exists()


def test_an_administrator_grants_only_roles_whose_permissions_they_hold(
    client: Client, admin_officer: User, city: Unit
) -> None:
    officer = factories.officer(username="an", unit_=city, roles=["dispatcher"])
    peer = factories.officer(username="binh", unit_=city)

    refused = _post(client, admin_officer, officer, groups=[_group("investigator")])
    # system_administrator: every permission of the role is the granter's own.
    granted = _post(client, admin_officer, peer, groups=[_group("system_administrator")])

    assert refused.status_code == 200
    assert "dispatcher, investigator" in refused.content.decode()
    officer.refresh_from_db()
    assert _roles(officer) == ["dispatcher"]  # neither taken away nor swapped
    assert granted.status_code == 302
    peer.refresh_from_db()
    assert _roles(peer) == ["system_administrator"]
    event = AuditEntry.objects.get(action="user.roles_change")
    assert event.actor_id == admin_officer.pk and event.object_id == str(peer.pk)
    assert event.detail == {"added": ["system_administrator"], "removed": []}


def test_clearance_is_given_up_to_the_granter_s_own(
    client: Client, admin_officer: User, city: Unit
) -> None:
    officer = factories.officer(username="cuong", unit_=city)
    secret = factories.officer(username="dung", unit_=city, clearance=Clearance.SECRET)

    above = _post(client, admin_officer, officer, clearance=Clearance.SECRET)
    lowered_from_above = _post(client, admin_officer, secret, clearance=Clearance.UNCLASSIFIED)
    within = _post(client, admin_officer, officer, clearance=Clearance.CONFIDENTIAL)

    assert above.status_code == lowered_from_above.status_code == 200
    assert "cao hơn mức của chính đồng chí" in above.content.decode()
    assert within.status_code == 302
    officer.refresh_from_db()
    secret.refresh_from_db()
    assert officer.clearance == Clearance.CONFIDENTIAL
    assert secret.clearance == Clearance.SECRET


def test_a_superuser_is_not_bound(client: Client, city: Unit) -> None:
    root = User.objects.create_superuser(username="root", password="x-long-password-2025")
    officer = factories.officer(username="em", unit_=city)

    response = _post(client, root, officer, groups=[_group("investigator")])

    assert response.status_code == 302
    officer.refresh_from_db()
    assert _roles(officer) == ["investigator"]
