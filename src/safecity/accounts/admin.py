from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safecity.accounts import access, services
from safecity.accounts.models import ApiToken, DeviceKey, Unit, User
from safecity.core.admin import AuditedAdmin


class OfficerChangeForm(UserChangeForm):
    """The admin's officer form: a change of access that ``access.access_grant_refusals``
    refuses is shown as the field's error and nothing is saved."""

    granter: Any = None  # the administrator using the form (set per request by the admin)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles_before = set(self.instance.groups.all()) if self.instance.pk else set()
        self.clearance_before = self.instance.clearance

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        refusals = access.access_grant_refusals(
            self.granter,
            self.instance,
            changed=set(self.changed_data),
            roles_before=self.roles_before,
            roles_after=set(cleaned["groups"]) if "groups" in cleaned else self.roles_before,
            clearance_before=self.clearance_before,
            clearance_after=cleaned.get("clearance"),
        )
        for field, message in refusals.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(User)
class OfficerAdmin(AuditedAdmin, UserAdmin):
    form = OfficerChangeForm
    list_display = (
        "username",
        "display_name",
        "kind",
        "badge_number",
        "rank",
        "unit",
        "clearance",
        "is_active",
    )
    list_filter = ("kind", "rank", "clearance", "is_active", "groups")
    search_fields = ("username", "full_name", "badge_number")
    readonly_fields = ("failed_logins", "locked_until", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("kind", "full_name", "email", "phone")}),
        (_("Officer"), {"fields": ("badge_number", "rank", "unit", "clearance", "groups")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "failed_logins",
                    "locked_until",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form  # the add form: a name and a password, no access yet
        return type(form.__name__, (form,), {"granter": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            services.access_changed(user=obj, fields=set(form.changed_data))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form, "roles_before", None)
        if change and before is not None and "groups" in form.changed_data:
            after = set(form.instance.groups.all())
            services.roles_changed(
                user=form.instance,
                added=sorted(g.name for g in after - before),
                removed=sorted(g.name for g in before - after),
                actor=request.user,
            )


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "function", "parent", "city_wide", "ward_code")
    list_filter = ("kind", "function", "city_wide")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> tuple[str, ...]:
        # Moving a unit re-parents its whole subtree: not an admin-form edit.
        return ("path", "parent") if obj is not None else ("path",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.unit_create(
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            parent=obj.parent,
            function=obj.function,
            city_wide=obj.city_wide,
            ward_code=obj.ward_code,
            actor=request.user,
        )
        obj.pk, obj.path = created.pk, created.path


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = ("prefix", "user", "created_at", "last_used_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are made by `safecity token create` or the API, shown once


@admin.register(DeviceKey)
class DeviceKeyAdmin(AuditedAdmin):
    list_display = (
        "prefix",
        "name",
        "kind",
        "subject",
        "unit",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request: object) -> bool:
        return False
