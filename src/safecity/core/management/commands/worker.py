from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background jobs (Django Tasks, database backend) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued now, then exit"
        )
        parser.add_argument("--queue", default="*", help="Queue name(s), comma-separated")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = ["--queue-name", options["queue"]]
        if options["batch"]:
            argv += ["--batch", "--no-startup-delay"]
        call_command("db_worker", *argv)
