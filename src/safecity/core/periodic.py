"""Work a process does now and then on a ticker's beat: ``Every(seconds).due()`` is true at its
first call and then at most once per ``seconds`` (a monotonic clock: a changed wall clock
neither skips nor repeats a turn). Per process: each server process keeps its own turns."""

from __future__ import annotations

import threading
import time

DAY_S = 24 * 3600.0


class Every:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last: float | None = None
        self._lock = threading.Lock()

    def due(self) -> bool:
        """Whether the work is due now; if so, this call takes the turn (another thread
        asking at the same moment is told no)."""
        with self._lock:
            clock = time.monotonic()
            if self.last is not None and clock - self.last < self.seconds:
                return False
            self.last = clock
            return True

    def reset(self) -> None:
        """The next ``due`` is true (tests; an operator's "run it now")."""
        with self._lock:
            self.last = None
