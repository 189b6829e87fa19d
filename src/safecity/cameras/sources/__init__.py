"""Adapters that turn other systems' plate-read formats into the reads of the HTTP API.

Each adapter is a pure translation into the item of ``POST /api/v1/cameras/reads``::

    {"camera": CODE, "ts": ISO-8601 with offset, "plate": TEXT, "confidence": 0..1,
     "candidates": [{"plate", "confidence"}], "vehicle_type", "color", "direction"}

and leaves everything else (plate grammar, the time window, the camera's existence and key,
watchlist matching) to ``cameras.services.reads_ingest``, so a read from Frigate or from a
Plate Recognizer unit is judged exactly like one posted over HTTP.

- ``sources.frigate``: Frigate's MQTT messages (``frigate/events``,
  ``frigate/tracked_object_update``), consumed by ``sources.mqtt`` (``safecity ingest-mqtt``).
- ``sources.platerecognizer``: the Plate Recognizer (Stream, Snapshot, ParkPow) webhook body,
  received by ``POST /api/v1/cameras/sources/platerecognizer`` (``sources.api``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

Read = dict[str, Any]
# Where adapted reads go: ``reads_ingest`` in production, a list's ``extend`` in tests. What it
# returns is read for the counters (``accepted``, ``rejected``, ``hits``) when it has them.
Sink = Callable[[list[Read]], Any]

# Vietnam keeps one offset all year (no daylight saving time).
VIETNAM = timezone(timedelta(hours=7))

# The lengths PlateRead keeps; a longer label from a vendor is cut rather than refused.
TEXT_LIMIT = 30


class CameraMapError(ValueError):
    pass


def parse_camera_map(text: str | None) -> dict[str, str]:
    """``"gate_east=Q1-0001,le_loi=Q1-0002"`` → ``{"gate_east": "Q1-0001", ...}``: the other
    system's camera names to SafeCity camera codes. Names not in the map pass unchanged."""
    mapping: dict[str, str] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, code = item.partition("=")
        name, code = name.strip(), code.strip()
        if not sep or not name or not code:
            raise CameraMapError(f"{item!r} is not name=CODE")
        if name in mapping and mapping[name] != code:
            raise CameraMapError(f"{name!r} is mapped twice ({mapping[name]}, {code})")
        mapping[name] = code
    return mapping


def camera_code(name: str, camera_map: Mapping[str, str] | None) -> str:
    return (camera_map or {}).get(name, name)


def iso_from_epoch(seconds: float) -> str | None:
    """Epoch seconds as ISO 8601 in Vietnam's time, to the millisecond:
    ``1767225600.5`` → ``"2026-01-01T07:00:00.500+07:00"``; ``None`` past the calendar."""
    try:
        moment = datetime.fromtimestamp(seconds, tz=VIETNAM)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="milliseconds")


def iso_from_text(text: str) -> str | None:
    """An ISO 8601 time from another system, re-expressed in Vietnam's time; one without an
    offset is read as UTC (what Plate Recognizer sends). ``None`` when it is not a time."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(VIETNAM).isoformat(timespec="milliseconds")
    except (OverflowError, ValueError):
        return None


def number(value: Any) -> float | None:
    """A finite number, or ``None`` (JSON booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    as_float = float(value)
    if as_float != as_float or as_float in (float("inf"), float("-inf")):
        return None
    return as_float


def text(value: Any) -> str:
    return value.strip()[:TEXT_LIMIT] if isinstance(value, str) else ""
