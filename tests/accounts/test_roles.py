"""Roles are groups holding exactly the capabilities written in ``accounts.roles.ROLES``."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from safecity.accounts.access import has_capability
from safecity.accounts.models import Unit, User
from safecity.accounts.roles import ROLES, ROLES_BY_SLUG, roles_sync
from safecity.accounts.selectors import user_capabilities
from tests import factories

INVESTIGATIVE = {"accounts.read_records", "accounts.investigate", "accounts.manage_records"}


def _permissions_of(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def _snapshot() -> dict[str, set[str]]:
    return {group.name: _permissions_of(group) for group in Group.objects.all()}


@pytest.mark.parametrize("role", ROLES, ids=[role.slug for role in ROLES])
def test_it_has_a_group_with_exactly_the_role_permissions_after_migrate(db: None, role):
    group = Group.objects.get(name=role.slug)
    assert _permissions_of(group) == set(role.capabilities)


def test_it_has_no_group_beyond_the_roles_after_migrate(db: None):
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLES_BY_SLUG)


def test_it_gives_the_system_administrator_no_investigative_capability(db: None):
    assert not INVESTIGATIVE & set(ROLES_BY_SLUG["system_administrator"].capabilities)
    assert not INVESTIGATIVE & _permissions_of(Group.objects.get(name="system_administrator"))


def test_it_lets_an_administrator_manage_accounts_but_not_read_records(city: Unit):
    admin = factories.officer(username="bao", unit_=city, roles=["system_administrator"])

    assert has_capability(admin, "accounts.manage_accounts")
    assert not has_capability(admin, "accounts.read_records")
    assert not has_capability(admin, "accounts.investigate")
    assert not INVESTIGATIVE & set(user_capabilities(admin))


def test_it_grants_records_reading_to_the_investigator_role(city: Unit):
    """The counterpart of the administrator check: the capability exists and a role that
    should hold it does, so the check above is not vacuous."""
    investigator = factories.officer(username="hoa", unit_=city, roles=["investigator"])

    assert has_capability(investigator, "accounts.read_records")
    assert has_capability(investigator, "accounts.investigate")


def test_it_changes_nothing_when_synced_again(db: None):
    before = _snapshot()
    group_ids = set(Group.objects.values_list("pk", flat=True))

    roles_sync()
    roles_sync()

    assert _snapshot() == before
    assert set(Group.objects.values_list("pk", flat=True)) == group_ids


def test_it_removes_a_permission_added_by_hand(minh: User):
    """GIVEN someone gave the dispatcher group record reading by hand (e.g. in the admin)
    WHEN the roles are synced (as after every migrate)
    THEN the group is back to exactly its listed capabilities and Minh loses the extra one."""
    dispatcher = Group.objects.get(name="dispatcher")
    dispatcher.permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="read_records")
    )
    assert User.objects.get(pk=minh.pk).has_perm("accounts.read_records")

    roles_sync()

    assert _permissions_of(dispatcher) == set(ROLES_BY_SLUG["dispatcher"].capabilities)
    assert not User.objects.get(pk=minh.pk).has_perm("accounts.read_records")


def test_it_recreates_a_role_group_deleted_by_hand(db: None):
    Group.objects.filter(name="auditor").delete()

    roles_sync()

    assert _permissions_of(Group.objects.get(name="auditor")) == set(
        ROLES_BY_SLUG["auditor"].capabilities
    )
