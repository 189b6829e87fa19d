from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Load the demo data (wards, units, demo accounts). Safe to run again. With "
        "--simulate, then keep the demo city alive: units move and answer their assignments "
        "until Ctrl+C (or --seconds N)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--simulate", action="store_true", help="Move units and answer assignments"
        )
        parser.add_argument("--seconds", type=float, default=None, help="Simulate this long")

    def handle(self, *args: Any, **options: Any) -> None:
        from safecity.demo import demo_load, demo_logins

        demo_load(say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Log-ins (password: "
                "$SAFECITY_DEMO_PASSWORD, default safecity-demo):"
            )
        )
        for username, roles, unit in demo_logins():
            self.stdout.write(f"  {username:<13} {roles:<26} {unit}")
        if settings.SAFECITY_MFA_REQUIRED:
            self.stdout.write("  (MFA is on: each account enrols an authenticator at first log-in)")
        if options["simulate"]:
            from safecity.dispatch.simulate import run

            run(seconds=options["seconds"], say=self.stdout.write)
