"""Django admin changes go into the audit trail like any other change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from safecity.core import audit


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg,unused-ignore]
    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                f"admin.{'change' if change else 'add'}",
                actor=request.user,
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                detail={"fields": sorted(getattr(form, "changed_data", []) or [])},
            )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with transaction.atomic():
            object_id = obj.pk
            super().delete_model(request, obj)
            audit.record(
                "admin.delete",
                actor=request.user,
                object_type=obj._meta.label_lower,
                object_id=object_id,
            )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
