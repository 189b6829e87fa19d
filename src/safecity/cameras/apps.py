from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    name = "safecity.cameras"
    label = "cameras"
    verbose_name = _("Cameras and watchlists")

    def ready(self) -> None:
        # A vehicle's sightings and hits on its records timeline (records cannot import us).
        from safecity.cameras.records_timeline import camera_items
        from safecity.records import timeline

        timeline.register("cameras", camera_items)
