"""Background jobs of the warnings: thin, ids in, a service call inside."""

from __future__ import annotations

from django_tasks import task

from safecity.alerts import notifications


@task(queue_name="default")
def deliveries_dispatch_task(alert_id: int) -> int:
    """Queue a send job per recipient of a just-published warning."""
    return notifications.deliveries_dispatch(alert_id=alert_id)


@task(queue_name="default")
def delivery_send_task(delivery_id: int) -> str:
    """One attempt at one delivery; a failure schedules the next attempt itself."""
    return notifications.delivery_attempt(delivery_id=delivery_id)
