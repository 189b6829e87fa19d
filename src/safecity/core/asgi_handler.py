"""Django's ASGI handler, with the request's sync work on a small pool of long-lived threads.

Stock Django under ASGI starts a new thread for every request (``ThreadSensitiveContext()``)
and so opens a new database connection for every request; and because the middleware stack
ends in an async inner handler, each request hops between that thread and the event loop
several times. Every view and middleware here is synchronous, so this handler:

- builds the middleware chain in sync mode and enters it once through ``sync_to_async``;
- runs each request's thread-sensitive work (the chain, the request signals, closing the
  response) on one thread borrowed from a fixed pool, so database connections persist on
  those threads (``CONN_MAX_AGE``) instead of being opened per request;
- hands live events to the event loop without waiting for their fan-out (``core.live``).

A request waits for a free thread when all are busy (``SAFECITY_HTTP_THREADS``); the event
loop itself never blocks, so WebSocket traffic keeps flowing meanwhile.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

from safecity.core import live, memory


class PooledASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self.threads = threads
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"safecity-http-{i}")
            for i in range(threads)
        ]
        self._free: asyncio.Queue[ThreadPoolExecutor] | None = None
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        chain: Any = getattr(self, "_middleware_chain")  # noqa: B009 - untyped in the stubs
        setattr(self, "_middleware_chain", sync_to_async(chain, thread_sensitive=True))  # noqa: B010

    def _pool(self) -> asyncio.Queue[ThreadPoolExecutor]:
        if self._free is None:
            free: asyncio.Queue[ThreadPoolExecutor] = asyncio.Queue()
            for executor in self._executors:
                free.put_nowait(executor)
            self._free = free
        return self._free

    def close(self) -> None:
        """Close each thread's database connections and stop the threads (tests, shutdown)."""
        from django.db import connections

        for executor in self._executors:
            executor.submit(connections.close_all).result()
            executor.shutdown(wait=True)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        if self._free is None:
            live.attach_loop(asyncio.get_running_loop())
            memory.settle()
        pool = self._pool()
        executor = await pool.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            pool.put_nowait(executor)
