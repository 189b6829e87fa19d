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
# Django's SQLite backend writes it ("2026-11-29 07:05"); "" for text that is no time.
_UTC_MINUTES: dict[str, str] = {}
_UTC_MINUTES_MAX = 10_000


def sqlite_stamp(text: Any) -> str | None:
    """A camera's time of the usual shape ("2026-11-29T14:05:09.123+07:00": seconds with
    milli-, microseconds or none, an offset in hours and minutes) as Django's SQLite backend
    stores that moment ("2026-11-29 07:05:09.123000", in UTC, the fraction left out when it is
    zero); ``None`` for any other shape or for a value that is no time.

    The stored text sorts as the moments do, so the read loop checks a read's time against
    the accepted window on it, and an ordinary read makes no ``datetime`` at all (parsing one
    and converting it to UTC and to text cost 2 µs a read, a tenth of a read's work). Only its
    minute needs converting, once per minute and offset."""
    if type(text) is not str:
        return None
    n = len(text)
    if not (
        (n == 29 or n == 32 or n == 25)
        and text[4] == "-"
        and text[7] == "-"
        and text[13] == ":"
        and text[16] == ":"
        and text[n - 3] == ":"
        and (text[n - 6] == "+" or text[n - 6] == "-")
        and (n == 25 or text[19] == ".")
    ):
        return None
    seconds = text[17:19]
    fraction = text[20 : n - 6]
    if not (
        seconds.isascii()
        and seconds.isdigit()
        and seconds < "60"
        and (n == 25 or (fraction.isascii() and fraction.isdigit()))
    ):
        return None
    key = text[:16] + text[n - 6 :]
    minute = _UTC_MINUTES.get(key)
    if minute is None:
        try:  # validates the date, hour, minute and offset
            minute = datetime.fromisoformat(key).astimezone(UTC).isoformat(" ")[:16]
        except (ValueError, OverflowError):
            minute = ""
        if len(_UTC_MINUTES) >= _UTC_MINUTES_MAX:
            _UTC_MINUTES.clear()
        _UTC_MINUTES[key] = minute
    if not minute:
        return None
    if n == 25 or fraction.count("0") == len(fraction):
        return minute + ":" + seconds
    return minute + ":" + seconds + "." + (fraction if n == 32 else fraction + "000")


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
        # UTC prints that followed by "+00:00" (the read loop uses ``sqlite_stamp``).
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
