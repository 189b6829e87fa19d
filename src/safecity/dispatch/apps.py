from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "safecity.dispatch"
    label = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        # An incident that ends (closed, cancelled, merged …) frees the units still on it.
        # Camera hits open incidents and name the nearest units through this app: the cameras
        # app sits below it and calls what is installed here (cameras/response.py).
        from safecity.cameras.response import response_install
        from safecity.dispatch import signals  # noqa: F401
        from safecity.dispatch.camera_response import CameraResponse

        response_install(CameraResponse())
