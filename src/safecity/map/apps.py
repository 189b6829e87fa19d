from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapConfig(AppConfig):
    name = "safecity.map"
    label = "map"
    verbose_name = _("Digital map and statistics")

    def ready(self) -> None:
        # Other apps' map layers (``<app>/map_layers.py``), found the way the admin finds
        # ``admin.py``: the map reads them, they never import the map.
        from safecity.map.layers import layers_discover

        layers_discover()

        # The cameras' pages embed the map only for officers the map serves.
        from safecity.cameras.response import map_access_install
        from safecity.map.selectors import may_open_map

        map_access_install(may_open_map)
