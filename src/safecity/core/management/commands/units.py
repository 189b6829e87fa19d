from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "`units init`: create the force's unit tree — the provincial police, the command "
        "centre, the functional departments and one station per ward of "
        "SAFECITY_PROVINCE_CODE. Idempotent; needs `geography load` first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init")

    def handle(self, *args: Any, **options: Any) -> None:
        from safecity.demo import units_load

        units_load(self.stdout.write)
