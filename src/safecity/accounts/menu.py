"""The capabilities an officer may open from the officers' home, and where each will live.

Entries whose page does not exist yet say which piece of work brings them, so a newcomer
sees the whole shape of the platform from the first page.

Tiles are chosen by the ``accounts`` capabilities an officer holds (``selectors.me``); the roles
holding the cameras app's own capabilities hold one of those named on its tiles (camera
operators, investigators, commanders), and each page checks its own capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    key: str
    title: Promise
    description: Promise
    any_of: tuple[str, ...]
    url_name: str
    planned: Promise | str = ""

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


MENU: tuple[MenuItem, ...] = (
    MenuItem(
        "incidents",
        _("Incident queue"),
        _("Citizen reports and 113/114 calls, grouped into incidents and updated live."),
        ("accounts.take_calls", "accounts.dispatch_units", "accounts.command_operations"),
        "incidents_ops:queue",
        _("Emergency reports and warnings"),
    ),
    MenuItem(
        "console",
        _("Dispatch console"),
        _("Recommend and assign patrol units; status timers."),
        ("accounts.dispatch_units", "accounts.command_operations"),
        "dispatch:console",
        _("Command and dispatch"),
    ),
    MenuItem(
        "my_unit",
        _("My patrol unit"),
        _("Current assignment, status buttons, location sharing."),
        ("accounts.work_patrol", "accounts.work_traffic"),
        "dispatch:my_unit",
        _("Command and dispatch"),
    ),
    MenuItem(
        "map",
        _("Digital map"),
        _("Incidents, units, wards, hotspots and cameras on one map."),
        ("accounts.dispatch_units", "accounts.command_operations", "accounts.take_calls"),
        "map:map",
        _("Command and dispatch"),
    ),
    MenuItem(
        "stats",
        _("Response-time statistics"),
        _("Time to acknowledge, dispatch and reach incidents, per ward and category."),
        ("accounts.command_operations",),
        "map:stats",
        _("Command and dispatch"),
    ),
    MenuItem(
        "records",
        _("Integrated database"),
        _("Persons, vehicles, phones and cases; every lookup is logged with its purpose."),
        ("accounts.read_records", "accounts.investigate"),
        "records:search",
        _("Integrated database"),
    ),
    MenuItem(
        "cameras",
        _("Cameras and watchlists"),
        _("Camera registry and status, plate reads, watchlist hits and watchlists."),
        ("accounts.operate_cameras", "accounts.investigate", "accounts.command_operations"),
        "cameras:home",
        _("Smart cameras"),
    ),
    MenuItem(
        "vehicle_trace",
        _("Vehicle trace"),
        _("Where cameras saw a plate, and which plates were read near an incident."),
        ("accounts.operate_cameras", "accounts.investigate"),
        "cameras:trace",
        _("Smart cameras"),
    ),
    MenuItem(
        "alerts",
        _("Public warnings"),
        _("Compose, approve and publish CAP warnings to citizens."),
        ("accounts.publish_alerts", "accounts.approve_alerts"),
        "alerts_ops:list",
        _("Emergency reports and warnings"),
    ),
    MenuItem(
        "audit",
        _("Audit trail"),
        _("Every change, log-in and sensitive read, hash-chained."),
        ("accounts.view_audit",),
        "ops:audit",
    ),
    MenuItem(
        "admin",
        _("Accounts and units"),
        _("Officers, roles, units, tokens and device keys."),
        ("accounts.manage_accounts",),
        "admin:index",
    ),
)


def menu_for(capabilities: set[str]) -> list[dict[str, object]]:
    items = []
    for item in MENU:
        if not capabilities.intersection(item.any_of):
            continue
        items.append(
            {
                "key": item.key,
                "title": item.title,
                "description": item.description,
                "url": item.url(),
                "planned": item.planned,
            }
        )
    return items
