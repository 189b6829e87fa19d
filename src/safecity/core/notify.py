"""Notifications to people outside the building: SMS, e-mail, push.

One interface, one backend per channel chosen by setting (``SAFECITY_SMS_BACKEND`` …). The
default ``FileBackend`` appends each message as a JSON line under ``SAFECITY_DATA_DIR/outbox/``
so a demo or a test can read what would have been sent; a real gateway is a class with the same
``send`` method, plugged in by its dotted path.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

Channel = Literal["sms", "email", "push"]
CHANNELS: tuple[Channel, ...] = ("sms", "email", "push")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    channel: Channel
    to: str
    body: str
    subject: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Fail where the message is written, not later in the worker that would send it.
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown notification channel {self.channel!r}")


class Backend(Protocol):
    def send(self, message: Message) -> str:
        """Deliver or hand over the message; return the gateway's message id."""


class FileBackend:
    _lock = threading.Lock()

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.NOTIFY_OUTBOX)

    def send(self, message: Message) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent_at = timezone.now().isoformat()
        line = json.dumps({"sent_at": sent_at, **asdict(message)}, ensure_ascii=False)
        with (
            self._lock,
            (self.directory / f"{message.channel}.jsonl").open("a", encoding="utf-8") as fh,
        ):
            fh.write(line + "\n")
        return f"file:{message.channel}:{sent_at}"


class ConsoleBackend:
    def send(self, message: Message) -> str:
        logger.info("[%s → %s] %s %s", message.channel, message.to, message.subject, message.body)
        return f"console:{message.channel}"


def backend_for(channel: Channel) -> Backend:
    if channel not in CHANNELS:
        raise ValueError(f"unknown notification channel {channel!r}")
    path = str(settings.SAFECITY_NOTIFY_BACKENDS[channel])
    backend: Backend = import_string(path)()
    return backend


def send(message: Message) -> str:
    """Send now, in this process. Services usually enqueue ``core.tasks.notify_task`` instead,
    so a slow gateway never holds a request or a transaction open."""
    return backend_for(message.channel).send(message)


def outbox(channel: Channel) -> list[dict[str, str]]:
    """What the file backend has written for ``channel`` (for demos and tests)."""
    path = Path(settings.NOTIFY_OUTBOX) / f"{channel}.jsonl"
    if not path.exists():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
