"""Roles are Django groups with explicit capability permissions, kept in step with this table
by ``roles_sync`` after every migration. Nothing grants a role more than is written here."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    slug: str
    label: Promise
    capabilities: tuple[str, ...]


_OPS = "accounts.use_ops"
# The cameras app's capabilities (``cameras.CameraCapability``).
_HITS = "cameras.view_hits"
_WATCHLISTS = "cameras.manage_watchlists"
_TRACE = "cameras.trace_vehicles"

ROLES: tuple[Role, ...] = (
    Role("call_taker", _("Call-taker"), (_OPS, "accounts.take_calls")),
    Role(
        "dispatcher",
        _("Dispatcher"),
        (_OPS, "accounts.take_calls", "accounts.dispatch_units", _HITS),
    ),
    Role(
        "commander",
        _("Commander"),
        (
            _OPS,
            "accounts.command_operations",
            "accounts.dispatch_units",
            "accounts.take_calls",
            "accounts.approve_alerts",
            _HITS,
            _WATCHLISTS,
        ),
    ),
    Role("patrol_officer", _("Patrol officer"), (_OPS, "accounts.work_patrol")),
    Role(
        "traffic_officer",
        _("Traffic officer"),
        (_OPS, "accounts.work_traffic", "accounts.work_patrol"),
    ),
    Role(
        "investigator",
        _("Investigator"),
        (
            _OPS,
            "accounts.investigate",
            "accounts.read_records",
            "accounts.export_records",
            _HITS,
            _TRACE,
        ),
    ),
    Role(
        "records_clerk",
        _("Records clerk"),
        (_OPS, "accounts.read_records", "accounts.manage_records"),
    ),
    Role(
        "camera_operator",
        _("Camera operator"),
        (_OPS, "accounts.operate_cameras", _HITS, _WATCHLISTS, _TRACE),
    ),
    Role(
        "alert_publisher",
        _("Alert publisher"),
        (_OPS, "accounts.publish_alerts", "accounts.approve_alerts"),
    ),
    Role("auditor", _("Auditor"), (_OPS, "accounts.view_audit")),
    # Manages accounts and units; by this role alone reads no case or personal record.
    Role(
        "system_administrator",
        _("System administrator"),
        (
            _OPS,
            "accounts.manage_accounts",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_user",
            "accounts.add_unit",
            "accounts.change_unit",
            "accounts.view_unit",
            "accounts.view_apitoken",
            "accounts.change_apitoken",
            "accounts.view_devicekey",
            "accounts.change_devicekey",
            "auth.view_group",
        ),
    ),
)
ROLES_BY_SLUG = {role.slug: role for role in ROLES}


def role_label(slug: str) -> str:
    role = ROLES_BY_SLUG.get(slug)
    return str(role.label) if role else slug


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def roles_sync() -> None:
    """Create every role's group and give it exactly the permissions in ``ROLES``."""
    # ``post_migrate`` reaches this app before the apps after it have their permissions made:
    # make those of every app a role names first (idempotent).
    for label in sorted({p.split(".", 1)[0] for role in ROLES for p in role.capabilities}):
        create_permissions(apps.get_app_config(label), verbosity=0)
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.slug)
        group.permissions.set([_permission(p) for p in role.capabilities])
