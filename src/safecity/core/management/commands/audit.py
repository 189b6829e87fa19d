from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` walks the hash chain and names the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check every entry against the hash chain.")

    def handle(self, *args: Any, **options: Any) -> None:
        from safecity.core import audit

        if options["action"] == "verify":
            checked, broken = audit.verify()
            if broken is not None:
                raise CommandError(
                    f"audit chain broken at entry #{broken.seq}: {broken.reason}"
                    f" ({checked} entries before it are intact)"
                )
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} entries"))
