"""Administrators set up patrol units here (call sign, kind, station, crew, capabilities).
Status, assignments and positions change only through the services (status model, audit,
live events), so the admin shows them read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from safecity.core.admin import AuditedAdmin
from safecity.dispatch.models import Assignment, PatrolUnit, UnitStatusChange


@admin.register(PatrolUnit)
class PatrolUnitAdmin(AuditedAdmin):
    list_display = ("call_sign", "kind", "station", "status", "on_duty", "incident", "position_at")
    list_filter = ("kind", "status", "on_duty")
    search_fields = ("call_sign", "station__name")
    autocomplete_fields = ("members",)
    raw_id_fields = ("station",)
    fields = ("call_sign", "kind", "station", "members", "capabilities")


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("incident", "unit", "assigned_at", "on_scene_at", "released_at")
    raw_id_fields = ("incident", "unit")


@admin.register(UnitStatusChange)
class UnitStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("unit", "from_status", "to_status", "at", "actor", "incident")
    list_filter = ("to_status",)
