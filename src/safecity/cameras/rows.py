"""Plate reads and hits as rows for the database: the columns in the order ingestion
inserts them, and the values as the driver takes them (on SQLite, Django's own text for a
time and JSON, without its per-value conversions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from django.db import connection

from safecity.cameras.matching import ReadPlate
from safecity.cameras.models import PlateRead
from safecity.core.sqlite.base import tune_for_bulk_writes

# --- Columns ------------------------------------------------------------------------------------

READ_COLUMNS = (
    "camera",
    "ts",
    "raw_text",
    "plate_key",
    "display",
    "kind",
    "locality",
    "valid",
    "unreadable",
    "confidence",
    "candidates",
    "vehicle_type",
    "color",
    "direction",
    "image",
    "source",
    "received_at",
)
HIT_COLUMNS = (
    "read",
    "entry",
    "camera",
    "plate_key",
    "read_plate",
    "ts",
    "unit",
    "classification",
    "match",
    "score",
    "repeat_of",
    "status",
    "dismissal_reason",
    "created_at",
)


# A camera's local minute and offset ("2026-11-29T14:05" "+07:00") -> that minute in UTC as
# Django's SQLite backend writes it ("2026-11-29 07:05").
_UTC_MINUTES: dict[str, str] = {}
_UTC_MINUTES_MAX = 10_000


def sqlite_time(text: Any, moment: datetime) -> str:
    """``moment`` (in UTC, read from ``text``) as Django's SQLite backend stores it ("YYYY-MM-DD
    HH:MM:SS", then ".ffffff" unless it is zero).

    ``moment.isoformat`` costs about 1 µs, a twentieth of a read; a camera's ISO text of the
    usual shape (seconds, milli- or microseconds or none, an offset in hours and minutes)
    already holds the seconds as stored, and only its minute needs converting, once per
    minute and offset. Any other shape, or a datetime, takes ``isoformat``."""
    if type(text) is str:
        n = len(text)
        if (
            (n == 29 or n == 32 or n == 25)
            and text[4] == "-"
            and text[7] == "-"
            and text[13] == ":"
            and text[16] == ":"
            and text[n - 3] == ":"
            and (text[n - 6] == "+" or text[n - 6] == "-")
            and (n == 25 or text[19] == ".")
        ):
            key = text[:16] + text[n - 6 :]
            minute = _UTC_MINUTES.get(key)
            if minute is None:
                if len(_UTC_MINUTES) >= _UTC_MINUTES_MAX:
                    _UTC_MINUTES.clear()
                minute = datetime.fromisoformat(key).astimezone(UTC).isoformat(" ")[:16]
                _UTC_MINUTES[key] = minute
            fraction = text[20 : n - 6]
            if n == 25 or fraction.count("0") == len(fraction):
                return minute + text[16:19]
            return minute + text[16:20] + (fraction if n == 32 else fraction + "000")
    return moment.isoformat(" ")[:-6]


class Db:
    """Values as the database driver takes them, prepared once per batch."""

    def __init__(self, now: datetime) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self.candidates_field = PlateRead._meta.get_field("candidates")
        self.no_candidates = self.json([])
        self.now = self.moment(now)

    def moment(self, value: datetime) -> Any:
        # Django's SQLite backend stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]" (str of a
        # naive datetime): the same text, without its per-value conversions. An aware time in
        # UTC prints that followed by "+00:00" (the read loop uses ``sqlite_time``).
        if self.sqlite:
            return value.astimezone(UTC).isoformat(" ")[:-6]
        return value

    def json(self, value: Any) -> Any:
        if self.sqlite:  # what JSONField gives SQLite (json.dumps), without its dispatch
            return json.dumps(value)
        return self.candidates_field.get_db_prep_value(value, connection)

    def candidates(self, value: list[dict[str, Any]]) -> Any:
        """A read's checked candidate readings (``ingest._candidates``: each exactly
        ``{"plate": text, "confidence": a float or None}``) as ``json`` gives them. On SQLite
        the text is written here, as ``json.dumps`` writes it: a fifth of the reads carry
        candidates, and ``json.dumps`` spent 4 µs on one where this takes 1."""
        if not self.sqlite:
            return self.json(value)
        return "[" + ", ".join([_candidate_json(one) for one in value]) + "]"


def _candidate_json(one: dict[str, Any]) -> str:
    confidence = one["confidence"]
    return (
        '{"plate": '
        + encode_basestring_ascii(one["plate"])
        + ', "confidence": '
        + ("null" if confidence is None else float.__repr__(confidence))
        + "}"
    )


def read_row(
    db: Db,
    camera_id: int,
    ts: datetime,
    raw: str,
    plate: ReadPlate,
    confidence: float | None,
    candidates: list[dict[str, Any]],
    vehicle_type: str,
    color: str,
    direction: str,
    source: str,
) -> tuple[Any, ...]:
    return (
        camera_id,
        db.moment(ts),
        raw,
        plate.key,
        plate.display,
        plate.kind,
        plate.locality,
        plate.valid,
        plate.unreadable,
        confidence,
        db.candidates(candidates) if candidates else db.no_candidates,
        vehicle_type,
        color,
        direction,
        "",
        source,
        db.now,
    )


def tune(db: Db) -> None:
    """On SQLite, give the connection that stores reads a bigger page cache and fewer, larger
    WAL checkpoints (``core.sqlite.base.tune_for_bulk_writes``)."""
    if db.sqlite:
        tune_for_bulk_writes(connection)
