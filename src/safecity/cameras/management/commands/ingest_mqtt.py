"""``safecity ingest-mqtt``: Frigate's plate reads from an MQTT broker into SafeCity.

Django names a command after its module, which cannot hold a hyphen; the ``safecity`` wrapper
(``safecity/cli.py``) turns ``ingest-mqtt`` into ``ingest_mqtt``, so both spellings work.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from safecity.cameras.sources import CameraMapError, Read, parse_camera_map
from safecity.cameras.sources.frigate import FrigateAdapter
from safecity.cameras.sources.mqtt import (
    DEFAULT_CLIENT_ID,
    DEFAULT_TOPICS,
    BrokerUrlError,
    Consumer,
    ConsumerOptions,
    parse_broker_url,
    run_until_signalled,
)
from safecity.core.env import env_str

logger = logging.getLogger(__name__)


def ingest(reads: list[Read]) -> Any:
    """The sink: one ``reads_ingest`` call per batch. The subscriber is a process the force
    runs itself, so its reads are trusted for any camera (no device key)."""
    from safecity.cameras.services import reads_ingest

    # A long-running process: drop a database connection the server closed meanwhile.
    close_old_connections()
    try:
        return reads_ingest(reads=reads, device=None, trusted=True, source="frigate")
    finally:
        close_old_connections()


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Subscribe to Frigate's MQTT topics and ingest its plate reads: "
        "`safecity ingest-mqtt --url mqtt://HOST:PORT --topic frigate/events "
        "--topic frigate/tracked_object_update`. Runs until SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="mqtt://HOST:PORT or mqtts://HOST:PORT")
        parser.add_argument(
            "--topic",
            action="append",
            dest="topics",
            metavar="TOPIC",
            help=f"A topic to read (repeatable; default: {' and '.join(DEFAULT_TOPICS)})",
        )
        parser.add_argument(
            "--client-id",
            default=DEFAULT_CLIENT_ID,
            help="The fixed MQTT client id under which the broker keeps this consumer's "
            f"session (default: {DEFAULT_CLIENT_ID}); one per consumer",
        )
        parser.add_argument(
            "--camera-map",
            action="append",
            default=[],
            metavar="NAME=CODE,...",
            help="Frigate camera names to SafeCity camera codes (repeatable); "
            "unmapped names are used as codes",
        )
        parser.add_argument(
            "--share",
            metavar="GROUP",
            help="Share the topics with the other consumers of GROUP (MQTT 5 shared "
            "subscription): each message goes to one of them",
        )
        parser.add_argument("--username", help="Broker user (default: SAFECITY_MQTT_USERNAME)")
        parser.add_argument(
            "--password",
            help="Broker password (default: SAFECITY_MQTT_PASSWORD; prefer it, a password "
            "on the command line shows in `ps`)",
        )
        parser.add_argument(
            "--batch-size", type=_positive, default=500, help="Reads per batch (default 500)"
        )
        parser.add_argument(
            "--batch-ms",
            type=_positive,
            default=200,
            help="Longest wait in milliseconds before a partial batch is stored (default 200)",
        )
        parser.add_argument(
            "--session-expiry",
            type=int,
            default=7 * 86400,
            help="Seconds the broker keeps the session and queues messages while this "
            "consumer is away (default 604800, a week)",
        )
        parser.add_argument(
            "--stats-every",
            type=float,
            default=60.0,
            help="Seconds between counter lines in the log (default 60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            parse_broker_url(options["url"])
            camera_map: dict[str, str] = {}
            for text in options["camera_map"]:
                for name, code in parse_camera_map(text).items():
                    if camera_map.get(name, code) != code:
                        raise CameraMapError(f"{name!r} is mapped twice")
                    camera_map[name] = code
            username = options["username"] or env_str("SAFECITY_MQTT_USERNAME")
            password = options["password"] or env_str("SAFECITY_MQTT_PASSWORD")
        except (BrokerUrlError, CameraMapError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        if options["session_expiry"] < 0:
            raise CommandError("--session-expiry cannot be negative")
        consumer = Consumer(
            ConsumerOptions(
                url=options["url"],
                topics=options["topics"] or DEFAULT_TOPICS,
                client_id=options["client_id"],
                username=username,
                password=password,
                share_group=options["share"],
                batch_size=options["batch_size"],
                batch_ms=options["batch_ms"],
                session_expiry=min(options["session_expiry"], 0xFFFFFFFF),
                stats_every=options["stats_every"],
            ),
            ingest,
            adapter=FrigateAdapter(camera_map),
        )
        run_until_signalled(consumer)
