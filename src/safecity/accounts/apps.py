from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from safecity.accounts.roles import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "safecity.accounts"
    label = "accounts"
    verbose_name = _("Accounts and units")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="safecity_roles_sync")
