from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Load the 2025 provinces and wards, and the packaged ward boundaries (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load")

    def handle(self, *args: Any, **options: Any) -> None:
        from safecity.geography.services import geography_load

        geography_load(progress=self.stdout.write)
