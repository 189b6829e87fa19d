"""Plate Recognizer's webhook body (Stream, Snapshot, and ParkPow forwarding them) → reads.

The body, as Plate Recognizer documents it (guides.platerecognizer.com, "Webhooks and
Outputs" for Stream; its sample receivers in parkpow/deep-license-plate-recognition,
webhooks/)::

    {"hook": {"target": URL, "id": "camera-1", "event": "recognition", "filename": ...},
     "data": {"camera_id": "camera-1",
              "timestamp": "2021-09-29T05:56:13.606935Z",        # UTC
              "timestamp_local": "2021-09-29 05:56:13.606935+00:00",
              "filename": "camera-1_screenshots/21-09-29/05-56-13.606935.jpg",
              "results": [{"plate": "9jub11", "score": 0.839, "dscore": 0.441,
                           "box": {...}, "region": {"code": "gb", "score": 0.413},
                           "candidates": [{"plate": "9jub11", "score": 0.839}, ...],
                           "vehicle": {"type": "Big Truck", "score": 0.267, "box": {...}},
                           "color": [{"color": "white", "score": 0.672}, ...],
                           "direction": 225, ...}]}}

Stream posts it as JSON, or — when the webhook sends the image — as ``multipart/form-data``
with the JSON text in the ``json`` field and the image in ``upload``. Snapshot's hook event is
``image.done``; other events (no ``data.results``) carry no reads.

Each result becomes one read, in order, so ``rejected[].index`` in the answer is the index in
``data.results``. A result whose plate is missing still becomes a read (kept as unreadable by
the service, never dropped silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safecity.cameras.sources import Read, camera_code, iso_from_text, number, text

# The reads API takes at most this many candidates a read; Plate Recognizer sends its best first.
MAX_CANDIDATES = 10


class WebhookError(ValueError):
    """The body is not a Plate Recognizer webhook; the message says what is wrong."""


def _best(items: Any, key: str) -> str:
    """The highest-scored label in a list like ``[{"color": "white", "score": 0.67}, ...]``."""
    if not isinstance(items, list):
        return ""
    scored = [i for i in items if isinstance(i, Mapping) and isinstance(i.get(key), str)]
    if not scored:
        return ""
    return text(max(scored, key=lambda i: number(i.get("score")) or 0.0)[key])


def _candidates(result: Mapping[str, Any], plate: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    items = result.get("candidates")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("plate"), str):
            continue
        candidate = item["plate"].strip()
        # Plate Recognizer lists the chosen plate first among its candidates.
        if not candidate or candidate.upper() == plate.upper():
            continue
        entry: dict[str, Any] = {"plate": candidate}
        score = number(item.get("score"))
        if score is not None:
            entry["confidence"] = score
        out.append(entry)
    return out[:MAX_CANDIDATES]


def _direction(value: Any) -> str:
    # Stream sends the direction of travel in degrees (0–360), or "" when it has none.
    degrees = number(value)
    if degrees is not None:
        return str(round(degrees))
    return text(value)


def _read(result: Mapping[str, Any], *, camera: str, ts: str) -> Read:
    plate = result.get("plate")
    plate = plate.strip() if isinstance(plate, str) else ""
    read: Read = {
        "camera": camera,
        "ts": ts,
        "plate": plate,
        "candidates": _candidates(result, plate),
    }
    score = number(result.get("score"))
    if score is not None:
        read["confidence"] = score
    vehicle = result.get("vehicle")
    vehicle_type = text(vehicle.get("type")) if isinstance(vehicle, Mapping) else ""
    color = _best(result.get("color"), "color")
    direction = _direction(result.get("direction"))
    for name, value in (
        ("vehicle_type", vehicle_type),
        ("color", color),
        ("direction", direction),
    ):
        if value:
            read[name] = value
    return read


def reads_from_webhook(body: Any, *, camera_map: Mapping[str, str] | None = None) -> list[Read]:
    """The reads in one webhook body, one per result in ``data.results``. Raises
    ``WebhookError`` for a body that is not a webhook at all."""
    if not isinstance(body, Mapping):
        raise WebhookError("the body is not a JSON object")
    data = body.get("data")
    hook = body.get("hook")
    event = hook.get("event") if isinstance(hook, Mapping) else None
    results = data.get("results") if isinstance(data, Mapping) else None
    if results is None and event not in (None, "recognition", "image.done"):
        return []  # another event (a heartbeat, a video upload): nothing to read
    if not isinstance(data, Mapping):
        raise WebhookError("data is missing or not an object")
    if not isinstance(results, list):
        raise WebhookError("data.results is missing or not a list")
    camera = data.get("camera_id")
    if not isinstance(camera, str) or not camera.strip():
        raise WebhookError("data.camera_id is missing")
    stamp = data.get("timestamp")
    # A time that cannot be read is passed on as sent: the service refuses that read by itself,
    # with its index, rather than this refusing the whole body.
    ts = (iso_from_text(stamp) or stamp) if isinstance(stamp, str) else ""
    code = camera_code(camera.strip(), camera_map)
    return [
        _read(result if isinstance(result, Mapping) else {}, camera=code, ts=ts)
        for result in results
    ]
