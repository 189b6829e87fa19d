from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    name = "safecity.cameras"
    label = "cameras"
    verbose_name = _("Cameras and watchlists")

    def ready(self) -> None:
        # On SQLite the reads' index by plate and camera is a file of its own beside the
        # database, attached to every connection (``cameras.plate_index``).
        from safecity.cameras.plate_index import SIDE
        from safecity.core.sqlite.base import register_side_file

        register_side_file(SIDE)
        # A vehicle's sightings and hits on its records timeline (records cannot import us).
        from safecity.cameras.records_timeline import camera_items
        from safecity.records import timeline

        timeline.register("cameras", camera_items)
