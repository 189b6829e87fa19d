"""The in-memory channel layer (embedded default, one process), made cheap per console.

Channels' own ``InMemoryChannelLayer.group_send`` walks every channel and group for expired
entries, deep-copies the message once per member and starts one task per member, on every
send. With 100 consoles and 50 events a second that is more work than the server's one core
has, and the consoles' queues overflow (events silently dropped). This subclass:

- runs the expiry pass at most once a second;
- copies the message once per ``group_send`` (the sender's dict stays private to the sender;
  the members share the copy and must not change it — SafeCity's consumers only read it);
- puts it on each member's queue directly, logging (not hiding) a full queue.

Multi-process deployments use the Redis layer instead (``REDIS_URL``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from copy import deepcopy
from typing import Any

from channels import layers

logger = logging.getLogger(__name__)


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    clean_interval = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < self.clean_interval:
            return
        self._cleaned_at = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if not isinstance(message, dict):
            raise TypeError("message is not a dict")
        self.require_valid_group_name(group)
        self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        shared = deepcopy(message)
        expires = time.time() + self.expiry
        for channel in list(members):
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
            try:
                queue.put_nowait((expires, shared))
            except asyncio.QueueFull:
                logger.warning("channel %s is full; %s not delivered", channel, message.get("type"))
