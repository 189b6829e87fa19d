"""Background jobs of the cameras: thin, a service call inside."""

from __future__ import annotations

from django_tasks import task

from safecity.cameras import services


@task(queue_name="default")
def reads_purge_task(days: int | None = None) -> int:
    """Delete reads past the retention that no hit points at (``services.reads_purge``). The
    dispatch timers' ticker runs the purge daily; this job is for a scheduler of its own."""
    return services.reads_purge(days=days)
