"""Frigate NVR's plate reads (MQTT topics ``frigate/events`` and
``frigate/tracked_object_update``); see ``adapter``."""

from __future__ import annotations

from safecity.cameras.sources.frigate.adapter import (
    FrigateAdapter,
    read_from_event,
    read_from_tracked_object_update,
)

__all__ = ["FrigateAdapter", "read_from_event", "read_from_tracked_object_update"]
