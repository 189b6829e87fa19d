"""The officers' WebSocket (``/ws/ops/``): joins the groups the officer may see and forwards
``core.live`` events, re-checking clearance and capability for each one."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from safecity.accounts.access import has_capability, is_officer, scope_root
from safecity.core import live


def _verified(scope: dict[str, Any], user: Any) -> bool:
    if not settings.SAFECITY_MFA_REQUIRED:
        return True
    from django_otp import DEVICE_ID_SESSION_KEY

    session = scope.get("session")
    return bool(session is not None and session.get(DEVICE_ID_SESSION_KEY))


class OpsConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    # Channel layers forget a group member after ``group_expiry`` (a day by default), which
    # would silently stop a command-centre screen left open; members re-join every hour.
    rejoin_seconds = 3600.0

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        allowed = await database_sync_to_async(self._groups_for)(user)
        if allowed is None:
            await self.close(code=4403)
            return
        self.user = user
        self.capabilities: set[str] = allowed[1]
        for group in allowed[0]:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        await self.send_json({"event": "hello", "payload": {"groups": len(self.groups_joined)}})
        self._rejoin = asyncio.create_task(self._keep_membership())

    async def _keep_membership(self) -> None:
        while True:
            await asyncio.sleep(self.rejoin_seconds)
            for group in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Live events touch no database: skip Channels' per-message connection clean-up, a
        # round trip to a worker thread for every event on every console.
        if message.get("type") == live.EVENT_MESSAGE_TYPE:
            await self.live_event(message)
            return
        await super().dispatch(message)

    def _groups_for(self, user: Any) -> tuple[list[str], set[str]] | None:
        if not is_officer(user) or not _verified(self.scope, user):
            return None
        if not has_capability(user, "accounts.use_ops"):
            return None
        root = scope_root(user)
        if root is None:
            return None
        groups = [live.ALL_GROUP, live.unit_group(root.pk), live.user_group(user.pk)]
        return groups, set(user.get_all_permissions())

    async def disconnect(self, code: int) -> None:
        rejoin = getattr(self, "_rejoin", None)
        if rejoin is not None:
            rejoin.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rejoin
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})

    async def live_disconnect(self, message: dict[str, Any]) -> None:
        await self.close(code=4401)

    async def live_event(self, message: dict[str, Any]) -> None:
        if int(message.get("classification") or 0) > int(self.user.clearance):
            return
        capability = message.get("capability")
        if capability and capability not in self.capabilities:
            return
        text = message.get("text")
        if text is None:
            text = await self.encode_json(
                {
                    "event": message["event"],
                    "payload": message["payload"],
                    "sent_at": message.get("sent_at"),
                }
            )
        await self.send(text_data=text)
