from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "safecity.incidents"
    label = "incidents"
    verbose_name = _("Reports and incidents")

    def ready(self) -> None:
        # Incidents on the integrated database's record timelines (records cannot import us).
        from safecity.incidents.records_timeline import incident_items
        from safecity.records import timeline

        timeline.register("incidents", incident_items)
