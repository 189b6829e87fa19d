from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "`cameras purge [--days N]`: delete plate reads older than "
        "SAFECITY_CAMERAS_READ_RETENTION_DAYS that no hit points at (the server's ticker does "
        "it daily). `cameras sweep`: mark cameras silent for SAFECITY_CAMERAS_OFFLINE_SECONDS "
        "offline, one alert each (the ticker does it every few seconds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge")
        purge.add_argument("--days", type=int, default=None, help="Keep this many days")
        sub.add_parser("sweep")

    def handle(self, *args: Any, **options: Any) -> None:
        from safecity.cameras import services

        if options["action"] == "purge":
            deleted = services.reads_purge(days=options["days"])
            self.stdout.write(f"{deleted} read(s) deleted")
        else:
            marked = services.camera_offline_sweep()
            self.stdout.write(f"{len(marked)} camera(s) went offline")
