"""Warnings and articles are changed through their pages and services (four-eyes, CAP
checks, audit); the admin only shows them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from safecity.alerts.models import Alert, Article
from safecity.core.admin import AuditedAdmin


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "identifier",
        "headline_vi",
        "msg_type",
        "status",
        "severity",
        "sent",
        "expires",
    )
    list_filter = ("status", "msg_type", "severity", "category")
    search_fields = ("identifier", "headline_vi", "event_vi")


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("title_vi", "topic", "status", "published_at")
    list_filter = ("topic", "status")
    search_fields = ("title_vi", "slug")
