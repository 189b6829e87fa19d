"""One ASGI application for HTTP and the WebSocket (uvicorn serves both from one process)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecity.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from safecity.core.asgi_handler import PooledASGIHandler  # noqa: E402

django_asgi_app = PooledASGIHandler(threads=settings.HTTP_THREADS)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from safecity.accounts.consumers import OpsConsumer  # noqa: E402

websocket_urlpatterns = [path("ws/ops/", OpsConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
