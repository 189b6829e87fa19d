"""The dispatch app listens to the incidents app (which must not import it, ARCHITECTURE.md):
when an incident ends — closed, cancelled, a false report, merged into another — the units
still on it are released, inside the same transaction."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from safecity.incidents.models import Incident


@receiver(post_save, sender=Incident, dispatch_uid="dispatch-release-units-of-ended-incident")
def _release_units_of_ended_incident(
    sender: type[Incident], instance: Incident, created: bool, **kwargs: Any
) -> None:
    update_fields = kwargs.get("update_fields")
    if created or instance.is_open or instance.status == Incident.Status.RESOLVED:
        # A resolved incident keeps its units until they clear (they may still be on scene).
        return
    if update_fields is not None and "status" not in update_fields:
        return
    from safecity.dispatch.services import assignments_release_for_ended

    assignments_release_for_ended(incident=instance)
