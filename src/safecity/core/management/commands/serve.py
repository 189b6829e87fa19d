from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve HTTP and the WebSocket with uvicorn (one process unless --workers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Worker processes; use with REDIS_URL so live events reach all",
        )
        parser.add_argument("--reload", action="store_true", help="Restart on code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        self.stdout.write(f"SafeCity on http://{options['host']}:{options['port']}/")
        uvicorn.run(
            "safecity.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            reload=options["reload"],
            proxy_headers=True,
            log_level="info",
            lifespan="on",
            # Console events are small JSON; compressing each for each console costs more CPU
            # than the intranet bandwidth it saves.
            ws_per_message_deflate=False,
        )
