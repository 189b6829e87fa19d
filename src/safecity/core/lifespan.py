"""ASGI lifespan: work a server process starts once its event loop runs, and stops at exit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class Lifespan:
    """Runs ``startup`` callables (each may return a callable to run at shutdown) when the
    server starts; a failing one stops the start with its message rather than serving half
    a system."""

    def __init__(self, startup: list[Callable[[], Callable[[], None] | None]]) -> None:
        self.startup = startup

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        stops: list[Callable[[], None]] = []
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for start in self.startup:
                        stop = start()
                        if stop is not None:
                            stops.append(stop)
                except Exception as exc:
                    logger.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for stop in reversed(stops):
                    try:
                        stop()
                    except Exception:
                        logger.exception("shut-down step failed")
                await send({"type": "lifespan.shutdown.complete"})
                return
