"""Background jobs of the shared kernel. Jobs are thin: ids in, a service call inside."""

from __future__ import annotations

from django_tasks import task

from safecity.core import notify


@task(queue_name="default")
def notify_task(channel: str, to: str, body: str, subject: str = "") -> str:
    return notify.send(notify.Message(channel=channel, to=to, body=body, subject=subject))  # type: ignore[arg-type]


def notify_later(message: notify.Message) -> None:
    """Queue a notification; ``safecity worker`` delivers it."""
    notify_task.enqueue(message.channel, message.to, message.body, message.subject)
