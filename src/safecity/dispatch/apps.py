from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "safecity.dispatch"
    label = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        # An incident that ends (closed, cancelled, merged …) frees the units still on it.
        from safecity.dispatch import signals  # noqa: F401
