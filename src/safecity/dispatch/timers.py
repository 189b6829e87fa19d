"""Status timers going overdue: ``check_timers`` finds the timers past their threshold and
raises each one's ``dispatch.overdue`` live event exactly once.

"Once" is a fact of the database: an ``OverdueMark`` row, unique per subject, timer and start,
is inserted with the event; a second ticker (or the next tick) that finds the timer overdue
again fails to insert the row and stays quiet. ``safecity dispatch timers`` runs the check
every ``SAFECITY_DISPATCH_TIMER_TICK`` seconds until stopped.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, connections, transaction
from django.utils import timezone

from safecity.accounts.models import path_ids
from safecity.cameras.services import camera_housekeeping
from safecity.core import audit, live
from safecity.dispatch.models import OverdueMark
from safecity.dispatch.timer_reads import RunningTimer, running_timers
from safecity.incidents.media import media_housekeeping

logger = logging.getLogger(__name__)


def overdue_payload(timer: RunningTimer, now: datetime) -> dict[str, Any]:
    out = timer.as_dict(now)
    out["started_at"] = timer.started_at.isoformat()
    return out


def check_timers(*, now: datetime | None = None) -> list[OverdueMark]:
    """Raise ``dispatch.overdue`` for every timer past its threshold that has not raised it
    yet; returns the marks made by this call."""
    now = now or timezone.now()
    overdue = [t for t in running_timers() if t.elapsed_s(now) >= t.limit_s]
    if not overdue:
        return []
    known = set(
        OverdueMark.objects.filter(subject_id__in={t.subject_id for t in overdue}).values_list(
            "subject_type", "subject_id", "timer", "started_at"
        )
    )
    made = []
    for timer in overdue:
        if (timer.subject_type, timer.subject_id, timer.timer, timer.started_at) in known:
            continue
        try:
            with transaction.atomic():
                mark = OverdueMark.objects.create(
                    subject_type=timer.subject_type,
                    subject_id=timer.subject_id,
                    timer=timer.timer,
                    started_at=timer.started_at,
                    raised_at=now,
                    incident_id=timer.incident_id,
                )
                audit.record(
                    "timer.overdue",
                    object_type=timer.subject_type,
                    object_id=timer.subject_id,
                    detail={
                        "timer": timer.timer,
                        "incident": timer.incident_id,
                        "unit": timer.call_sign,
                        "limit_s": timer.limit_s,
                    },
                )
                live.publish(
                    "dispatch.overdue",
                    overdue_payload(timer, now),
                    unit_path=path_ids(timer.incident_unit_path),
                    classification=timer.classification,
                )
        except IntegrityError:
            continue  # another ticker raised it first
        made.append(mark)
    return made


def run_ticker(*, stop: threading.Event, tick: float | None = None) -> None:
    """Check the timers every ``tick`` seconds until ``stop`` is set. An error is logged and
    the next tick tries again: a broken tick must not end the watch on the timers."""
    tick = float(tick or settings.SAFECITY_DISPATCH_TIMER_TICK)
    while not stop.is_set():
        try:
            if not connection.in_atomic_block:  # (tests run inside a transaction)
                close_old_connections()
            marks = check_timers()
            if marks:
                logger.info("%d timer(s) overdue", len(marks))
        except Exception:
            logger.exception("checking the dispatch timers failed")
        try:
            # The cameras' own clockwork rides on this ticker: silent cameras go offline, and
            # once a day old reads are purged (cameras/services.py, camera_housekeeping).
            camera_housekeeping()
        except Exception:
            logger.exception("camera housekeeping failed")
        try:
            # Once a day: report photos that no report names (incidents/media.py).
            media_housekeeping()
        except Exception:
            logger.exception("report media housekeeping failed")
        stop.wait(tick)
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()  # this thread's own connections; the thread ends here


def start_ticker_thread(*, tick: float | None = None) -> threading.Event:
    """Run the ticker in a daemon thread of this process (for embedding in a server process);
    set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_ticker,
        kwargs={"stop": stop, "tick": tick},
        name="safecity-dispatch-timers",
        daemon=True,
    )
    thread.start()
    return stop
