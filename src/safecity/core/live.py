"""Live fan-out to the officers' consoles over the WebSocket at ``/ws/ops/``.

``publish`` is called inside a service's transaction and sends only after that transaction
commits: a console must never show an incident that was rolled back.

Routing: an event belongs to a unit (the station or department that owns the object). Each
console joins the group of its officer's unit; since an officer sees their unit's subtree, an
event goes to the owning unit and every ancestor of it (the caller passes that path). The city
command sees everything because it is the root of every path. ``classification`` and
``capability`` are checked again by the consumer for each officer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "live.event"
ALL_GROUP = "ops.all"
# An event as it leaves: the groups it goes to, and the channel-layer message.
Outgoing = tuple[list[str], dict[str, Any]]


def unit_group(unit_id: int) -> str:
    return f"ops.unit.{unit_id}"


def user_group(user_id: int) -> str:
    return f"ops.user.{user_id}"


async def _group_send_all(layer: Any, outgoing: list[Outgoing]) -> None:
    for groups, message in outgoing:
        for group in groups:
            try:
                await layer.group_send(group, message)
            except Exception:  # a dropped console update must never break the service
                logger.exception(
                    "live event %s to %s could not be sent", message.get("event"), group
                )


# Under the server, events leave through one queue drained by one task on the event loop: the
# request thread that committed does not wait for the fan-out, and events keep their order.
# Elsewhere (management commands, tests, the worker) ``_send_all`` waits for the sends instead.


class _Outbox:
    """The queue on the loop, and the events threads have handed over since it last woke.

    Waking the loop from another thread (``call_soon_threadsafe``) writes to its wake-up
    socket; a batch of plate reads with 300 hits woke it 300 times (3.5 % of ingestion). A
    thread now adds its events to ``pending`` and wakes the loop only when no wake-up is
    already on its way: one per burst, the order kept."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Outgoing] = asyncio.Queue()
        self.pending: list[Outgoing] = []
        self.lock = threading.Lock()
        self.waking = False

    def hand_over(self, items: list[Outgoing]) -> None:
        """From any thread but the loop's."""
        with self.lock:
            self.pending += items
            if self.waking:
                return
            self.waking = True
        try:
            self.loop.call_soon_threadsafe(self._take)
        except RuntimeError:  # the loop was closed meanwhile: nobody is left to tell
            with self.lock:
                self.waking = False
            raise

    def _take(self) -> None:
        """On the loop: move what was handed over into the queue."""
        with self.lock:
            items, self.pending, self.waking = self.pending, [], False
        for item in items:
            self.queue.put_nowait(item)


_outbox: _Outbox | None = None


def attach_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Send events through ``loop`` from now on. Call on that loop (the server does, once)."""
    global _outbox
    if _outbox is not None and _outbox.loop is loop:
        return
    outbox = _Outbox(loop)
    loop.create_task(_drain(outbox.queue), name="safecity-live-outbox")
    _outbox = outbox


def detach_loop() -> None:
    global _outbox
    _outbox = None


async def _drain(queue: asyncio.Queue[Outgoing]) -> None:
    while True:
        item = await queue.get()
        layer = get_channel_layer()
        if layer is not None:
            await _group_send_all(layer, [item])


def _send_all(outgoing: list[Outgoing]) -> None:
    outbox = _outbox
    if outbox is not None and outbox.loop.is_running():
        try:
            on_loop = asyncio.get_running_loop() is outbox.loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            for item in outgoing:
                outbox.queue.put_nowait(item)
        else:
            outbox.hand_over(outgoing)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    # One trip to the event loop for all the events and groups: each ``async_to_sync`` is a
    # round trip between this worker thread and the loop's thread.
    try:
        async_to_sync(_group_send_all)(layer, outgoing)
    except Exception:
        logger.exception("live events %s could not be sent", [m.get("event") for _g, m in outgoing])


class Event(NamedTuple):
    """One event for ``publish_many``: ``publish``'s arguments."""

    event: str
    payload: dict[str, Any]
    unit_path: Iterable[int] | None = None
    user_ids: Iterable[int] = ()
    classification: int = 0
    capability: str | None = None


# Times, dataclasses and anything else JSON has no type for are written as ``str`` writes
# them, as ``json.dumps(default=str)`` did; keys that are not text (an id) become text.
_TEXT_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)


def event_text(message: dict[str, Any]) -> str:
    """An event as the console receives it: compact JSON. ``orjson`` writes a plate hit's
    event in 0.9 µs where ``json.dumps`` took 8: a busy feed raises hundreds of hits a
    second, each written once here. What ``orjson`` refuses (an integer past 64 bits) is
    written by ``json.dumps`` as before."""
    try:
        return orjson.dumps(message, default=str, option=_TEXT_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(message, separators=(",", ":"), default=str)


def _outgoing(one: Event, sent_at: str) -> Outgoing:
    groups = [ALL_GROUP] if one.unit_path is None else [unit_group(u) for u in one.unit_path]
    groups += [user_group(u) for u in one.user_ids]
    message = {
        "type": EVENT_MESSAGE_TYPE,
        "event": one.event,
        "payload": one.payload,
        "classification": one.classification,
        "capability": one.capability,
        "sent_at": sent_at,
        # What the console receives, serialised once here rather than once per console.
        "text": event_text({"event": one.event, "payload": one.payload, "sent_at": sent_at}),
    }
    return groups, message


def publish(
    event: str,
    payload: dict[str, Any],
    *,
    unit_path: Iterable[int] | None = None,
    user_ids: Iterable[int] = (),
    classification: int = 0,
    capability: str | None = None,
) -> None:
    """Queue ``event`` for delivery after the current transaction commits.

    ``unit_path``: ids of the owning unit and its ancestors; ``None`` means city-wide.
    ``user_ids``: officers addressed directly (e.g. the members of a dispatched unit).
    """
    publish_many([Event(event, payload, unit_path, user_ids, classification, capability)])


def publish_many(events: Iterable[Event]) -> None:
    """Queue several events, in order, for delivery after the current transaction commits:
    one after-commit callback and one hand-over to the event loop for all of them (a batch of
    plate reads with hundreds of hits spent a third of its hit work on registering and
    handing over each event on its own)."""
    sent_at = timezone.now().isoformat()
    outgoing = [_outgoing(one, sent_at) for one in events]
    if outgoing:
        transaction.on_commit(lambda: _send_all(outgoing), robust=True)


DISCONNECT_MESSAGE_TYPE = "live.disconnect"


def disconnect_user(user_id: int) -> None:
    """After commit, close every console socket of this officer, e.g. when they log out or
    their roles, unit, clearance or active flag change. The page reconnects by itself and the
    new socket joins the groups the officer's new permissions allow."""
    message = {"type": DISCONNECT_MESSAGE_TYPE}
    transaction.on_commit(lambda: _send_all([([user_group(user_id)], message)]), robust=True)
