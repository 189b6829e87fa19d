from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate, load the demo data and serve: the one command for a demo machine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("1/3 Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("2/3 Loading demo data…")
        call_command("demo")
        if options["no_serve"]:
            return
        self.stdout.write("3/3 Serving (Ctrl+C stops)…")
        call_command("serve", host=options["host"], port=options["port"])
