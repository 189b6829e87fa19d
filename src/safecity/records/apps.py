from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # On SQLite a later migration that rebuilds records_person (ALTER TABLE by copy) drops the
    # FTS triggers with the old table; this puts them back and refills the index if so.
    from django.db import connections

    from safecity.records.backends import backend_for

    if "records_person" in connections[using].introspection.table_names():
        backend_for(using).ensure_schema()


class RecordsConfig(AppConfig):
    name = "safecity.records"
    label = "records"
    verbose_name = _("Integrated database")

    def ready(self) -> None:
        post_migrate.connect(
            _ensure_search_index, sender=self, dispatch_uid="safecity_records_search_index"
        )
        from safecity.records import timeline

        timeline.register_default_sources()
