from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo data (wards, units, demo accounts). Safe to run again."

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
