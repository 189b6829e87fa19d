"""Group commit: writes that arrive while another is being stored are stored together.

On SQLite every writer waits its turn, and a small write's cost is mostly the transaction
itself (the write turn, the pages of the indexes it touches, the commit). So a sender whose
write finds another being stored waits in a queue, and whoever stores next takes the queue
(up to a limit) into one call of ``store`` — one transaction. No thread of its own: the first
sender to find nothing being stored stores, then hands the queue to the first sender still
waiting, who stores the next group; every sender returns once the group holding its item was
stored. Reports (``incidents.intake``) and plate reads (``cameras.ingest``) use it.

``store(items)`` is the caller's: it stores the items and sets each one's outcome on the item
itself (what to answer; or that it must be stored alone, the ordinary way). An exception it
lets out is raised in every sender of that group.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(eq=False)
class _Ticket(Generic[T]):
    item: T
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to store the next group (which begins with this ticket)
    error: BaseException | None = None


class GroupCommit(Generic[T]):
    """``submit(item)`` returns once ``store`` has been called with a group holding ``item``.

    ``limit()``: how much one group may hold, read at each group (a setting may change it);
    ``weight(item)``: how much an item counts towards it (default 1). A group holds at least
    one item, however heavy."""

    def __init__(
        self,
        store: Callable[[list[T]], None],
        *,
        limit: Callable[[], int],
        weight: Callable[[T], int] | None = None,
    ) -> None:
        self._store = store
        self._limit = limit
        self._weight = weight
        self._lock = threading.Lock()
        self._waiting: deque[_Ticket[T]] = deque()
        self._storing = False

    def submit(self, item: T) -> None:
        ticket = _Ticket(item)
        with self._lock:
            self._waiting.append(ticket)
            lead = not self._storing
            self._storing = True
        if not lead:
            ticket.done.wait()
            lead = ticket.lead
        if lead:
            self._store_next()  # the group begins with this ticket: stored on return
        if ticket.error is not None:
            raise ticket.error

    def _store_next(self) -> None:
        with self._lock:
            limit = max(1, self._limit())
            group: list[_Ticket[T]] = []
            size = 0
            while self._waiting and (not group or size < limit):
                ticket = self._waiting[0]
                weight = self._weight(ticket.item) if self._weight else 1
                if group and size + weight > limit:
                    break
                group.append(self._waiting.popleft())
                size += weight
        try:
            self._store([t.item for t in group])
        except BaseException as exc:  # noqa: BLE001 - raised again in each sender of the group
            for ticket in group:
                ticket.error = exc
        finally:
            for ticket in group:
                ticket.done.set()
            with self._lock:
                if self._waiting:
                    following = self._waiting[0]
                    following.lead = True
                    following.done.set()
                else:
                    self._storing = False
