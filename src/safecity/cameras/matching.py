"""Reading plates and matching them against the watchlists, in memory.

Every read (and each of its candidate readings) is compared with every active watchlist entry:

- ``exact``: the compact key, look-alikes resolved by the plate grammar ("5IF12345" is
  51F12345), or the text as the camera sent it, equals the entry's key;
- ``lookalike``: the two differ only within look-alike classes (0/O/D/Q, 8/B, 1/I/L, 5/S, 2/Z,
  6/G) — equal under ``core.identifiers.lookalike_key``;
- ``one_edit``: for entries that allow it, one further character substituted, missing or extra,
  on top of any look-alike differences.

A process keeps the entries in two dictionaries — by look-alike key (which finds the exact
matches too: resolving look-alikes never leaves a class), and a deletion neighbourhood (each
one-edit entry's look-alike key with each character deleted, and whole) — so a read costs a
handful of dictionary probes whatever the watchlists' size. The index checks
``WatchlistVersion`` at most once a second and then reads only the entries changed since
(``WatchlistEntry.version``); writes in this process refresh it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safecity.accounts.models import path_ids
from safecity.core.identifiers import LOOKALIKE_CLASSES, plate_key, plate_parse_key

SCORE_EXACT = 1.0
SCORE_LOOKALIKE = 0.9
SCORE_ONE_EDIT = 0.7
# A process checks the version row at most this often (seconds).
CHECK_EVERY_S = 1.0

_CLASS_OF = {ch: cls[0] for cls in LOOKALIKE_CLASSES for ch in cls}
# As a byte table: ``bytes.translate`` is a lookup a byte, where ``str.translate`` looks each
# character up in a dictionary (0.09 µs a plate against 0.26). Compact keys are ASCII; any
# other byte passes through unchanged.
_FOLD_BYTES = bytes.maketrans(
    "".join(_CLASS_OF).encode("ascii"), "".join(_CLASS_OF.values()).encode("ascii")
)


# --- Reading a plate ----------------------------------------------------------------------------


class ReadPlate(NamedTuple):
    """What a camera's text says, once normalised (a tuple: one is made per new plate)."""

    key: str  # compact key, look-alikes resolved when the grammar fits; the text's own if not
    raw_key: str  # letters and digits as sent
    alike: str  # the look-alike key (one character per class)
    display: str
    kind: str
    locality: int | None
    valid: bool  # fits the grammar as sent, no look-alike corrected
    unreadable: bool  # fits no plate shape


_EMPTY = ReadPlate("", "", "", "", "", None, False, True)
_new_plate = tuple.__new__
_text = str.__str__
_parsed: dict[str, ReadPlate] = {}
_PARSED_MAX = 200_000


def read_plate(text: str) -> ReadPlate:
    """``text`` as a plate (remembered: cameras read the same plates all day)."""
    found = _parsed.get(text)
    if found is not None:
        return found
    raw = plate_key(text) if text else ""
    if not raw:
        return _EMPTY
    best = plate_parse_key(raw)
    # ``tuple.__new__`` rather than the named tuple's own ``__new__`` (a Python function), and
    # the kind's text by ``str.__str__`` rather than the enum's ``value`` property: a camera
    # feed reads a new plate in most reads, and these two took a tenth to a fifth of its reading.
    fields: tuple[Any, ...]
    if best is not None:
        fields = (
            best.key,
            raw,
            fold(raw),
            best.display,
            _text(best.kind),
            best.locality,
            best.substitutions == 0,
            False,
        )
    else:
        fields = (raw, raw, fold(raw), raw, "", None, False, True)
    plate: ReadPlate = _new_plate(ReadPlate, fields)
    if len(_parsed) >= _PARSED_MAX:
        _parsed.clear()
    _parsed[text] = plate
    return plate


def fold(key: str) -> str:
    """The look-alike key of a compact key (``core.identifiers.lookalike_key`` without the
    cleaning, for keys already compact)."""
    return key.encode().translate(_FOLD_BYTES).decode()


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of at most one."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def deletions(key: str) -> list[str]:
    return [key[:i] + key[i + 1 :] for i in range(len(key))]


def _neighbourhood_of_length(n: int) -> Callable[[str], tuple[str, ...]]:
    """A function giving a length-``n`` key's deletions and the key itself, with the slices
    written out: every read's neighbourhood is built, and the unrolled form costs two thirds
    of the loop (0.8 µs less a read)."""
    parts = "".join(f"k[:{i}] + k[{i + 1}:], " for i in range(n))
    made = eval(f"lambda k: ({parts}k)")  # noqa: S307 - built from integers only
    return cast(Callable[[str], tuple[str, ...]], made)


# Plate keys are 7 to 10 characters; other lengths take the loop.
_NEIGHBOURHOOD = {n: _neighbourhood_of_length(n) for n in range(4, 13)}


def neighbourhood(key: str) -> tuple[str, ...]:
    """``key``'s deletion neighbourhood: each character deleted, and the key whole."""
    made = _NEIGHBOURHOOD.get(len(key))
    if made is not None:
        return made(key)
    return (*deletions(key), key)


# --- The index ----------------------------------------------------------------------------------


class Entry:
    """An active watchlist entry as the matcher needs it."""

    __slots__ = (
        "allow_one_edit",
        "alike",
        "classification",
        "display",
        "id",
        "key",
        "priority",
        "reason",
        "unit_id",
        "valid_from",
        "valid_until",
        "watchlist_id",
        "watchlist_kind",
        "watchlist_name",
        "watchlist_unit_path",
    )

    def __init__(self, row: dict[str, Any]) -> None:
        self.id: int = row["id"]
        self.key: str = row["plate_key"]
        self.alike: str = fold(self.key)
        self.display: str = row["display"]
        self.reason: str = row["reason"]
        self.priority: str = row["priority"]
        self.valid_from: datetime = row["valid_from"]
        self.valid_until: datetime | None = row["valid_until"]
        self.allow_one_edit: bool = row["allow_one_edit"]
        self.unit_id: int = row["unit_id"]
        self.classification: int = row["classification"]
        self.watchlist_id: int = row["watchlist_id"]
        self.watchlist_name: str = row["watchlist__name"]
        self.watchlist_kind: str = row["watchlist__kind"]
        # The keeping unit and its ancestors: its hits reach them live.
        self.watchlist_unit_path: list[int] = _unit_path(row["watchlist__unit__path"])

    def live_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)


_ENTRY_FIELDS = (
    "id",
    "plate_key",
    "display",
    "reason",
    "priority",
    "valid_from",
    "valid_until",
    "allow_one_edit",
    "unit_id",
    "classification",
    "watchlist_id",
    "watchlist__name",
    "watchlist__kind",
    "watchlist__unit__path",
    "version",
)
_UNIT_PATHS: dict[str, list[int]] = {}


def _unit_path(path: str) -> list[int]:
    """One list per unit path, shared by the entries of that unit's lists."""
    found = _UNIT_PATHS.get(path)
    if found is None:
        found = _UNIT_PATHS[path] = path_ids(path)
    return found


@dataclass(slots=True)
class Match:
    entry: Entry
    match: str  # "exact" | "lookalike" | "one_edit"
    score: float
    plate: str  # the reading that matched, as shown


def _add(table: dict[str, list[Entry]], key: str, entry: Entry) -> None:
    bucket = table.get(key)
    if bucket is None:
        table[key] = [entry]
    elif entry not in bucket:
        bucket.append(entry)


def _count(table: dict[str, int], key: str, step: int) -> None:
    left = table.get(key, 0) + step
    if left > 0:
        table[key] = left
    else:
        table.pop(key, None)


def _signatures(alike: str) -> tuple[str, str, str, str]:
    """A one-edit entry's tail (last five characters), ends (first three and last three),
    head (first five and the last) and front (first seven): see
    ``WatchlistIndex._near_variants``."""
    return alike[-5:], alike[:3] + alike[-3:], alike[:5] + alike[-1:], alike[:7]


def _drop(table: dict[str, list[Entry]], key: str, entry_id: int) -> None:
    bucket = table.get(key)
    if bucket is None:
        return
    kept = [e for e in bucket if e.id != entry_id]
    if kept:
        table[key] = kept
    else:
        del table[key]


class WatchlistIndex:
    def __init__(self) -> None:
        self.alike: dict[str, list[Entry]] = {}
        self.near: dict[str, list[Entry]] = {}
        # How many one-edit entries have each tail, ends, head and front (``_signatures``).
        self.tails: dict[str, int] = {}
        self.ends: dict[str, int] = {}
        self.heads: dict[str, int] = {}
        self.fronts: dict[str, int] = {}
        self.entries: dict[int, Entry] = {}
        self.version = -1
        self.epoch = -1
        self.checked_at = 0.0
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    # Building and keeping up to date.

    def _put(self, entry: Entry) -> None:
        self.entries[entry.id] = entry
        _add(self.alike, entry.alike, entry)
        if entry.allow_one_edit:
            _add(self.near, entry.alike, entry)
            for variant in deletions(entry.alike):
                _add(self.near, variant, entry)
            self._sign(entry.alike, 1)

    def _remove(self, entry_id: int) -> None:
        old = self.entries.pop(entry_id, None)
        if old is None:
            return
        _drop(self.alike, old.alike, entry_id)
        if old.allow_one_edit:
            _drop(self.near, old.alike, entry_id)
            for variant in deletions(old.alike):
                _drop(self.near, variant, entry_id)
            self._sign(old.alike, -1)

    def _sign(self, alike: str, step: int) -> None:
        tail, ends, head, front = _signatures(alike)
        _count(self.tails, tail, step)
        _count(self.ends, ends, step)
        _count(self.heads, head, step)
        _count(self.fronts, front, step)

    def _rows(self, since: int | None) -> Iterable[dict[str, Any]]:
        from safecity.cameras.models import WatchlistEntry

        rows = WatchlistEntry.objects.all()
        if since is None:
            rows = rows.filter(
                Q(valid_until__isnull=True) | Q(valid_until__gt=timezone.now()),
                removed_at__isnull=True,
                watchlist__active=True,
            )
        else:
            rows = rows.filter(version__gt=since)
        fields = (*_ENTRY_FIELDS, "removed_at", "watchlist__active")
        return rows.values(*fields).iterator(chunk_size=5000)

    def refresh(self, *, force: bool = False) -> None:
        """Bring the index up to date with the database if it may have changed."""
        now = time.monotonic()
        if not force and now - self.checked_at < CHECK_EVERY_S:
            return
        from safecity.cameras.models import WatchlistVersion

        with self.lock:
            if not force and now - self.checked_at < CHECK_EVERY_S:
                return
            row = WatchlistVersion.objects.filter(pk=1).values("version", "epoch").first()
            version, epoch = (row["version"], row["epoch"]) if row else (0, 0)
            # A version lower than the one held: the database was restored or rolled back.
            if epoch != self.epoch or version < self.version:
                self._rebuild(version, epoch)
            elif version != self.version:
                self._apply(self._rows(self.version), version)
            self.checked_at = time.monotonic()

    def _rebuild(self, version: int, epoch: int) -> None:
        fresh = WatchlistIndex()
        for row in self._rows(None):
            fresh._put(Entry(row))
        self.alike, self.near, self.entries = fresh.alike, fresh.near, fresh.entries
        self.tails, self.ends = fresh.tails, fresh.ends
        self.heads, self.fronts = fresh.heads, fresh.fronts
        self.version, self.epoch = version, epoch

    def _apply(self, rows: Iterable[dict[str, Any]], version: int) -> None:
        now = timezone.now()
        for row in rows:
            self._remove(row["id"])
            gone = row["removed_at"] is not None or not row["watchlist__active"]
            expired = row["valid_until"] is not None and row["valid_until"] <= now
            if not gone and not expired:
                self._put(Entry(row))
        self.version = max(self.version, version)

    def invalidate(self) -> None:
        self.checked_at = 0.0

    # Matching.

    def _probe(self, plate: ReadPlate, weight: float, found: dict[int, Match]) -> None:
        # An entry equal to the read's key (or its text) has its look-alike key too (look-alike
        # resolution stays within a class), so one probe by look-alike key finds both kinds;
        # most reads find nothing there, and in the one-edit neighbourhood (probed in C with
        # ``isdisjoint`` before any entry is looked at).
        alike = plate.alike
        bucket = self.alike.get(alike)
        if bucket is not None:
            for entry in bucket:
                if entry.key == plate.key or entry.key == plate.raw_key:
                    match, score = "exact", SCORE_EXACT * weight
                else:
                    match, score = "lookalike", SCORE_LOOKALIKE * weight
                best = found.get(entry.id)
                if best is None or best.score < score:
                    found[entry.id] = Match(entry, match, score, plate.display)
        score = SCORE_ONE_EDIT * weight
        for variant in self._near_variants(alike):
            for entry in self.near.get(variant, ()):
                if entry.id in found or not within_one_edit(alike, entry.alike):
                    continue
                found[entry.id] = Match(entry, "one_edit", score, plate.display)

    def _near_variants(self, alike: str) -> tuple[str, ...]:
        """The deletion neighbourhood of ``alike`` (each character deleted, and whole) when a
        one-edit entry is filed under any of it; empty when none is.

        A key of eight characters or more first passes a cheaper test, which most reads fail.
        Within one edit of an entry, the read starts with the entry's characters before the
        edit and ends with those after it; so it keeps the entry's last five characters (an
        edit among the first three, or before the first of a shorter entry's last five), its
        first three and last three (an edit at the fourth or fifth), its first five and last
        one (the sixth or seventh), or its first seven (the eighth or later) — for entries of
        seven characters and more, the only ones one edit from a read of eight or more. Four
        short strings looked up, instead of building and looking up the read's eight to ten
        deletions. (With the watchlist bench's 5,000 one-edit entries, one read in twelve
        passes the test: two in ten did with the first five characters as the only head,
        which leave out only two digits of a car's plate.)"""
        if not self.near or len(alike) <= 3:
            return ()
        if (
            len(alike) >= 8
            and alike[-5:] not in self.tails
            and alike[:3] + alike[-3:] not in self.ends
            and alike[:5] + alike[-1] not in self.heads
            and alike[:7] not in self.fronts
        ):
            return ()
        variants = neighbourhood(alike)
        return () if self.near.keys().isdisjoint(variants) else variants

    def _may_match(self, alike: str) -> bool:
        """Whether anything is listed under this look-alike key or within one edit of it."""
        return alike in self.alike or bool(self._near_variants(alike))

    def match(
        self,
        plate: ReadPlate,
        confidence: float | None,
        candidates: Iterable[tuple[str, float | None]],
        moment: datetime,
    ) -> list[Match]:
        """The entries a read (and its candidate readings: text and confidence) matches, best
        score per entry, among those valid at ``moment`` (when the read is matched: a late
        batch hits the entries listed now). A candidate is parsed only when its look-alike key
        could match something: most never do, and they are not stored parsed."""
        found: dict[int, Match] = {}
        if plate.raw_key:
            self._probe(plate, 1.0 if confidence is None else confidence, found)
        for text, other_confidence in candidates:
            key = plate_key(text) if text else ""
            if key and self._may_match(fold(key)):
                weight = 1.0 if other_confidence is None else other_confidence
                self._probe(read_plate(text), weight, found)
        if not found:
            return []
        return [
            Match(m.entry, m.match, round(m.score, 3), m.plate)
            for m in found.values()
            if m.entry.live_at(moment)
        ]


_index = WatchlistIndex()


def watchlist_index() -> WatchlistIndex:
    """This process's index, brought up to date if a second has passed since the last look."""
    _index.refresh()
    return _index


def index_changed() -> None:
    """Call inside a transaction that changed entries: this process's index looks again at
    its next use (in this transaction: it sees the change) and right after the commit,
    instead of up to a second later."""
    _index.invalidate()
    transaction.on_commit(_index.invalidate)


def index_reset() -> None:
    """Forget everything (tests that roll back their database between cases)."""
    global _index
    _index = WatchlistIndex()
