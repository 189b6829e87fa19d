"""Frigate's license plate recognition (LPR, Frigate 0.16+) over MQTT → plate reads.

The payloads, as Frigate documents and publishes them (docs/docs/integrations/mqtt.md and the
publishing code in blakeblackshear/frigate, read in 2025):

``<prefix>/events`` — one message per change of a tracked object::

    {"type": "new" | "update" | "end",
     "before": {...}, "after": {"id": "1607123955.475377-mxklsc", "camera": "driveway",
                               "label": "car", "frame_time": 1607123962.08,
                               "start_time": 1607123955.47, "false_positive": false, ...,
                               "recognized_license_plate": "51F12345",
                               "recognized_license_plate_score": 0.93}}

  The documentation shows the plate as a string with its score beside it. The code that
  publishes the message (``TrackedObject.to_dict`` in frigate/track/tracked_object.py) copies
  the object's attribute as ``set_object_attribute`` stores it, a ``(plate, score)`` pair, which
  JSON turns into ``["51F12345", 0.93]``. Both shapes are read here.

``<prefix>/tracked_object_update`` — metadata found for a tracked object; for LPR
(frigate/data_processing/common/license_plate/mixin.py)::

    {"type": "lpr", "id": "1607123955.475377-mxklsc", "name": "John's Car" | null,
     "plate": "51F12345", "score": 0.95, "camera": "driveway", "timestamp": 1607123958.74}

  An ``lpr`` message with ``"plate": null`` and no id says a dedicated LPR camera's last car
  has left; ``description``, ``face`` and ``classification`` messages are not plate reads.

Frigate keeps refining a moving car's plate and re-publishes it on every update, usually with
only a better score, and the same plate arrives on both topics. A read is therefore emitted
once per tracked object and plate (a different plate for the same object is a new read); a
small bounded memory of what was emitted does it.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from safecity.cameras.sources import Read, camera_code, iso_from_epoch, number, text
from safecity.core.identifiers import plate_key

logger = logging.getLogger(__name__)

# Frigate's labels for vehicles, in the words of the reads API. A dedicated LPR camera's
# objects are labelled "license_plate": the vehicle is unknown.
VEHICLE_TYPES = {
    "car": "car",
    "motorcycle": "motorbike",
    "bus": "bus",
    "truck": "truck",
    "bicycle": "bicycle",
    "school_bus": "bus",
    "garbage_truck": "truck",
}

# Tracked objects (each with at most a few plates) remembered to drop repeats; a busy camera
# sees a few thousand vehicles an hour, and a repeat comes within seconds of the first.
DEFAULT_MEMORY = 10_000


@dataclass
class AdapterCounts:
    messages: int = 0
    reads: int = 0
    repeats: int = 0
    ignored: int = 0
    malformed: int = 0


def _plate_and_score(after: Mapping[str, Any]) -> tuple[str, float | None]:
    value = after.get("recognized_license_plate")
    score = number(after.get("recognized_license_plate_score"))
    if isinstance(value, list | tuple) and value:
        value, score = value[0], number(value[1]) if len(value) > 1 else score
    if not isinstance(value, str):
        return "", None
    return value.strip(), score


def _first_time(source: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        seconds = number(source.get(name))
        if seconds is not None:
            return iso_from_epoch(seconds)
    return None


def _read(*, camera: str, ts: str, plate: str, score: float | None, label: Any = None) -> Read:
    read: Read = {"camera": camera, "ts": ts, "plate": plate, "candidates": []}
    if score is not None:
        read["confidence"] = score
    vehicle = VEHICLE_TYPES.get(text(label))
    if vehicle:
        read["vehicle_type"] = vehicle
    return read


def read_from_event(
    message: Mapping[str, Any], camera_map: Mapping[str, str] | None = None
) -> tuple[str, Read] | None:
    """The plate read in a ``frigate/events`` message, with the tracked object's id, or
    ``None`` when the message carries no recognised plate."""
    if message.get("type") not in {"new", "update", "end"}:
        return None
    after = message.get("after")
    if not isinstance(after, Mapping) or after.get("false_positive") is True:
        return None
    plate, score = _plate_and_score(after)
    camera = text(after.get("camera"))
    ts = _first_time(after, "recognized_license_plate_frame_time", "frame_time", "start_time")
    if not plate or not camera or ts is None:
        return None
    object_id = after.get("id")
    read = _read(
        camera=camera_code(camera, camera_map),
        ts=ts,
        plate=plate,
        score=score,
        label=after.get("label"),
    )
    return (str(object_id) if object_id is not None else ""), read


def read_from_tracked_object_update(
    message: Mapping[str, Any], camera_map: Mapping[str, str] | None = None
) -> tuple[str, Read] | None:
    """The plate read in a ``frigate/tracked_object_update`` message of type ``lpr``, with
    the tracked object's id, or ``None``."""
    # The type is a str enum in Frigate; json.dumps writes its value, "lpr".
    if message.get("type") != "lpr":
        return None
    plate = message.get("plate")
    camera = text(message.get("camera"))
    ts = _first_time(message, "recognized_license_plate_frame_time", "timestamp")
    if not isinstance(plate, str) or not plate.strip() or not camera or ts is None:
        return None
    object_id = message.get("id")
    read = _read(
        camera=camera_code(camera, camera_map),
        ts=ts,
        plate=plate.strip(),
        score=number(message.get("score")),
    )
    return (str(object_id) if object_id is not None else ""), read


_PARSERS = {
    "events": read_from_event,
    "tracked_object_update": read_from_tracked_object_update,
}


class FrigateAdapter:
    """Frigate's MQTT messages → reads, each tracked object's plate once.

    Not thread-safe: one adapter per consumer thread."""

    def __init__(
        self, camera_map: Mapping[str, str] | None = None, *, memory: int = DEFAULT_MEMORY
    ) -> None:
        self.camera_map = dict(camera_map or {})
        self.memory = max(1, memory)
        self.counts = AdapterCounts()
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    def reads(self, topic: str, payload: bytes | bytearray | str) -> list[Read]:
        """The reads in one message: none for anything but a newly recognised plate. A
        malformed message is logged and skipped; nothing here raises on bad input."""
        self.counts.messages += 1
        parse = _PARSERS.get(topic.rsplit("/", 1)[-1])
        if parse is None:
            self.counts.ignored += 1
            return []
        try:
            message = json.loads(payload)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            self.counts.malformed += 1
            logger.warning("Skipped a malformed message on %s: %s", topic, exc)
            return []
        found = parse(message, self.camera_map) if isinstance(message, dict) else None
        if found is None:
            self.counts.ignored += 1
            return []
        object_id, read = found
        if self._seen_before(object_id, read):
            self.counts.repeats += 1
            return []
        self.counts.reads += 1
        return [read]

    def _seen_before(self, object_id: str, read: Read) -> bool:
        plate = plate_key(read["plate"]) or read["plate"].upper()
        # Without an object id (never seen from Frigate, but cheap to survive) the same plate
        # at the same moment is the same read.
        key = (read["camera"], object_id or read["ts"], plate)
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        self._seen[key] = None
        while len(self._seen) > self.memory:
            self._seen.popitem(last=False)
        return False
