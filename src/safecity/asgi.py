"""One ASGI application for HTTP and the WebSocket (uvicorn serves both from one process),
and what the server process runs beside them (lifespan: the live-event outbox on the event
loop, the dispatch timers' ticker)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

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
from safecity.core import live, memory  # noqa: E402
from safecity.core.lifespan import Lifespan  # noqa: E402

websocket_urlpatterns = [path("ws/ops/", OpsConsumer.as_asgi())]


def _live_outbox() -> None:
    live.attach_loop(asyncio.get_running_loop())
    memory.settle()


def _dispatch_timers() -> Callable[[], None] | None:
    if not settings.SAFECITY_DISPATCH_TIMERS_IN_SERVER:
        return None
    from safecity.dispatch.timers import start_ticker_thread

    return start_ticker_thread().set


application = ProtocolTypeRouter(
    {
        "lifespan": Lifespan([_live_outbox, _dispatch_timers]),
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
