from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "`dispatch timers`: check the status timers every SAFECITY_DISPATCH_TIMER_TICK seconds "
        "and raise each overdue timer's live event once (run one or more next to the server; "
        "`--once` checks once and exits). `dispatch purge-positions`: delete position history "
        "older than SAFECITY_POSITION_RETENTION_DAYS (run daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        timers = sub.add_parser("timers")
        timers.add_argument("--once", action="store_true", help="Check once, then exit")
        timers.add_argument("--tick", type=float, default=None, help="Seconds between checks")
        purge = sub.add_parser("purge-positions")
        purge.add_argument("--days", type=int, default=None, help="Keep this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "timers":
            from safecity.dispatch.timers import check_timers, run_ticker

            if options["once"]:
                marks = check_timers()
                self.stdout.write(f"{len(marks)} timer(s) went overdue")
                return
            self.stdout.write("Checking the dispatch timers (Ctrl+C stops)…")
            stop = threading.Event()
            try:
                run_ticker(stop=stop, tick=options["tick"])
            except KeyboardInterrupt:
                stop.set()
            return
        from safecity.dispatch.positions import positions_purge

        deleted = positions_purge(days=options["days"])
        self.stdout.write(f"{deleted} position(s) deleted")
