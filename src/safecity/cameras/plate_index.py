"""On SQLite, the reads' indexes by plate and by camera are filled behind ingestion, not by it.

Storing a read into a table indexed by plate inserts it at a random place of that index (and
by camera, at one of a camera count's places), and the commit then writes every index page
the batch touched: about a quarter of a read's cost, all of it under Python's global lock
(SQLite lets go of it only for one row at a time). Here the reads table has no index but its
id on SQLite. ``PlateReadIndex`` (read id, plate, time, camera; indexed by plate and time and
by camera and time) is filled by one ``INSERT … SELECT`` per chunk of reads, sorted by plate:
SQLite runs a whole statement without Python's lock, so on a machine with two cores the
indexing runs beside the next batch's checking and matching instead of after it.

The index is a file of its own beside the database ("safecity.plates.sqlite3", a side file of
``core.sqlite``): every connection attaches it read-only and queries it by the table's plain
name, and only the merger's own connection writes it. A merge therefore holds the index
file's write lock, never the database's: storing reads does not wait for one (in one file,
the feed waited about 2 µs a read for merges, and over HTTP a merge of 20,000 reads held
every store for 0.1-0.5 s). The file is derived: it is emptied when it turns out to belong to
another database (recreated under the same name) or to be ahead of the reads table (a
restored copy), and filled again by the merges.

Why nothing is missed: on SQLite one transaction writes at a time and ids come from
``AUTOINCREMENT`` (never reused), so ids grow in commit order. The index therefore holds
every committed read up to its highest id (the watermark, ``max(id)`` of the index); a read
above it is found by scanning that tail of the reads table by id. ``reads_of_plate``,
``reads_of_cameras`` and ``newest_reads_of_camera`` ask for both in one statement, so a read
is found whether or not it is indexed yet; ``newest_reads_of_cameras`` reads the watermark
first and then asks for both. (The statement reads each file as of its own moment: a read the
index has is committed in the reads table too, and one it lacks is past its watermark, so a
read committed before the query began is found either way.) A crash loses nothing: the index
is derived, and the next merge starts at the watermark.

On PostgreSQL ids are not given out in commit order (a watermark could pass a read that
commits later), and an insert there does not hold Python's lock: the reads table keeps its
indexes there and this module does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from safecity.cameras.models import PlateRead, PlateReadIndex
from safecity.core.sqlite.base import SideFile, side_in_use, side_writer

log = logging.getLogger(__name__)

# The merger waits for this many committed reads (or for ``MERGE_WAIT_S`` after the first of
# them) and then indexes them, at most ``CHUNK`` to a statement. Indexing a few reads at a time
# costs far more per read: each statement writes every page of the plate index its reads land
# on, and 1,000 reads at random plates land on nearly 1,000 pages where 20,000 share them.
# Merging after every group commit of 1,000 reads took a third of the throughput of the
# plate bench's HTTP bodies (19,800 reads/s against 26,200 waiting for 20,000).
MERGE_AT = 20_000
MERGE_WAIT_S = 1.0
# Reads indexed at most in one statement (about 0.1 s for 20,000 on the development machine).
CHUNK = 40_000

# The side file ("safecity.plates.sqlite3", ``core.sqlite``) and its table: the model's, by
# the same name (the database's own copy is dropped by migration 0004 on SQLite).
SCHEMA = "plates"
_INDEX = PlateReadIndex._meta.db_table
SIDE = SideFile(
    schema=SCHEMA,
    create=(
        f"CREATE TABLE IF NOT EXISTS {_INDEX} (id integer NOT NULL PRIMARY KEY, "
        "plate_key varchar(20) NOT NULL, ts datetime NOT NULL, camera_id integer NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS platereadindex_plate_ts ON {_INDEX} (plate_key, ts)",
        f"CREATE INDEX IF NOT EXISTS platereadindex_camera_ts ON {_INDEX} (camera_id, ts)",
    ),
    clear=(f"DELETE FROM {_INDEX}",),  # noqa: S608 - a constant name
)


def in_use() -> bool:
    return side_in_use(connection, SCHEMA)


def _watermark(index: str) -> str:
    """SQL for the highest indexed read id (0 for an empty index)."""
    return f"(SELECT coalesce(max(id), 0) FROM {index})"  # noqa: S608 - a quoted table name


def _reads_table() -> str:
    return PlateRead._meta.db_table


def _merge(db: Any, limit: int) -> int:
    """One merge statement on a side-file writer (``side_writer``)."""
    reads = _reads_table()
    sql = (
        f"INSERT INTO main.{_INDEX} (id, plate_key, ts, camera_id) "  # noqa: S608
        "SELECT id, plate_key, ts, camera_id FROM (SELECT id, plate_key, ts, camera_id "
        f"FROM db.{reads} WHERE id > {_watermark('main.' + _INDEX)} "
        "ORDER BY id LIMIT ?) ORDER BY plate_key, ts"
    )
    return max(db.execute(sql, [limit]).rowcount, 0)


def _drop_if_ahead(db: Any) -> None:
    """Empty the index if it holds read ids the reads table never gave out (its sequence is
    lower than the watermark: the database was restored from a copy, or recreated and the
    token check missed it). Nothing indexed is ever needed: the merges index it again."""
    reads = _reads_table()
    ahead = db.execute(
        f"SELECT {_watermark('main.' + _INDEX)} > coalesce((SELECT seq FROM "  # noqa: S608
        "db.sqlite_sequence WHERE name = ?), 0)",
        [reads],
    ).fetchone()[0]
    if ahead:
        log.warning("plate index: ahead of the reads table (a restored database?); rebuilt")
        db.execute(f"DELETE FROM main.{_INDEX}")  # noqa: S608


def merge(limit: int = CHUNK) -> int:
    """Index up to ``limit`` committed reads past the watermark; the number indexed.

    One statement on the side file's own connection, which is its own transaction: SQLite
    reads the watermark, inserts and commits inside a single call that Python's lock is not
    held for, and it holds only the side file's write lock: storing reads never waits for it.
    Safe beside other mergers, threads or processes. Nothing to do on PostgreSQL."""
    if not in_use():
        return 0
    with side_writer(connection.settings_dict, SCHEMA) as db:
        _drop_if_ahead(db)
        return _merge(db, limit)


def merge_all() -> int:
    """Index every committed read past the watermark, chunk by chunk; the number indexed."""
    if not in_use():
        return 0
    total = 0
    with side_writer(connection.settings_dict, SCHEMA) as db:
        _drop_if_ahead(db)
        while True:
            done = _merge(db, CHUNK)
            total += done
            if done < CHUNK:
                return total


def forget(read_ids: Sequence[int]) -> None:
    """Drop the index rows of these reads if they are no longer stored (the purge, after its
    commit). A row left behind by a crash in between is harmless: it names a read that is no
    longer there, and ids are never given out again."""
    if not in_use() or not read_ids:
        return
    reads = _reads_table()
    with side_writer(connection.settings_dict, SCHEMA) as db:
        for start in range(0, len(read_ids), 5000):
            part = list(read_ids[start : start + 5000])
            marks = ", ".join(["?"] * len(part))
            db.execute(
                f"DELETE FROM main.{_INDEX} WHERE id IN ({marks}) AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM db.{reads} WHERE db.{reads}.id = main.{_INDEX}.id)",
                part,
            )


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(PlateReadIndex._meta.db_table), quote(PlateRead._meta.db_table)


def pending() -> int:
    """Reads past the watermark (0 on PostgreSQL)."""
    if not in_use():
        return 0
    index, reads = _tables()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {reads} WHERE id > {_watermark(index)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def reads_of_plate(
    key: str, *, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[PlateRead]:
    """Reads of the plate ``key``, seen at or after ``start`` and before ``end`` (either may be
    left open). On SQLite: the indexed reads and the tail past the watermark, in one query."""
    return _indexed_or_tail(_window(start, ts__lt=end), plate_key=key)


def reads_of_cameras(
    camera_ids: list[int], *, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[PlateRead]:
    """Reads by these cameras, seen at or after ``start`` and at or before ``end`` (either may
    be left open). On SQLite: the indexed reads and the tail past the watermark, in one
    query."""
    return _indexed_or_tail(_window(start, ts__lte=end), camera_id__in=camera_ids)


def _indexed_or_tail(window: Q, **lookup: Any) -> QuerySet[PlateRead]:
    """The reads in ``window`` that match ``lookup`` (a plate or cameras: both are columns of
    the index too). On SQLite the index answers up to the watermark and the tail past it is
    scanned, in one statement (one snapshot)."""
    reads = PlateRead.objects.filter(window, **lookup)
    if not in_use():
        return reads
    indexed = PlateReadIndex.objects.filter(window, **lookup).values("id")
    return reads.filter(Q(id__in=indexed) | Q(id__gt=_watermark_expression()))


def newest_reads_of_camera(camera_id: int, *, limit: int) -> QuerySet[PlateRead]:
    """A camera's ``limit`` newest reads, newest first. On SQLite: the newest indexed ones and
    the tail past the watermark, in one query."""
    reads = PlateRead.objects.filter(camera_id=camera_id)
    if in_use():
        newest = (
            PlateReadIndex.objects.filter(camera_id=camera_id)
            .order_by("-ts", "-id")
            .values("id")[:limit]
        )
        reads = reads.filter(Q(id__in=newest) | Q(id__gt=_watermark_expression()))
    return reads.order_by("-ts", "-id")[:limit]


def newest_reads_of_cameras(camera_ids: list[int], *, limit: int) -> dict[int, list[int]]:
    """Each camera's ``limit`` newest read ids, newest first (a camera without reads is left
    out). For the map's camera layer, which asks for up to a few hundred cameras at a time.

    On SQLite the tail past the watermark is scanned ONCE for all of them (asking
    ``newest_reads_of_camera`` for each camera would scan it once per camera: under a busy
    feed, tens of thousands of reads each time). The watermark is read first: every read at
    or below it is in the index then and stays there, so the index's newest per camera and
    the tail past it, taken after, miss nothing; a read the merger indexes in between may be
    found twice and is counted once."""
    if not camera_ids:
        return {}
    sqlite = in_use()
    watermark = 0
    if sqlite:
        index, _reads = _tables()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_watermark(index)}")  # noqa: S608 - a quoted table name
            watermark = int(cursor.fetchone()[0])
    # Each camera's newest: by the index (camera, ts), of the index table on SQLite.
    model: type[PlateRead] | type[PlateReadIndex] = PlateReadIndex if sqlite else PlateRead
    found: dict[int, dict[int, datetime]] = {
        camera_id: dict(
            model.objects.filter(camera_id=camera_id)
            .order_by("-ts", "-id")
            .values_list("id", "ts")[:limit]
        )
        for camera_id in camera_ids
    }
    if sqlite:
        rank = Window(
            RowNumber(), partition_by=[F("camera_id")], order_by=[F("ts").desc(), F("id").desc()]
        )
        tail = (
            PlateRead.objects.filter(id__gt=watermark, camera_id__in=camera_ids)
            .annotate(rank=rank)
            .filter(rank__lte=limit)
            .values_list("camera_id", "id", "ts")
        )
        for camera_id, read_id, ts in tail:
            found[camera_id][read_id] = ts
    return {
        camera_id: sorted(reads, key=lambda pk: (reads[pk], pk), reverse=True)[:limit]
        for camera_id, reads in found.items()
        if reads
    }


def _window(start: datetime | None, **end: datetime | None) -> Q:
    """Seen at or after ``start`` and before (``ts__lt``) or at (``ts__lte``) the end; an
    end or start of ``None`` is left open."""
    window = Q(ts__gte=start) if start is not None else Q()
    for lookup, moment in end.items():
        if moment is not None:
            window &= Q(**{lookup: moment})
    return window


def _watermark_expression() -> Coalesce:
    # An empty index has no highest id: then every read is in the tail.
    return Coalesce(Subquery(PlateReadIndex.objects.order_by("-id").values("id")[:1]), 0)


class _Merger:
    """One background thread per process indexes what its stores committed."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.guard = threading.Lock()
        self.waiting = 0  # reads committed since the last merge began (this process's)
        self.merged: list[int] = []  # reads indexed by each of its merges, latest last
        self.merged_changed = threading.Condition()

    def poke(self, count: int) -> None:
        if not in_use():
            return
        if self.thread is None or not self.thread.is_alive():
            with self.guard:
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(
                        target=self._run, name="safecity-plate-index", daemon=True
                    )
                    self.thread.start()
        self.waiting += count  # a lost update between threads only delays a merge a little
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            deadline = time.monotonic() + MERGE_WAIT_S
            while self.waiting < MERGE_AT and (left := deadline - time.monotonic()) > 0:
                self.wake.wait(left)
                self.wake.clear()
            self.waiting = 0
            try:
                done = merge_all()
            except Exception:  # noqa: BLE001 - the next store wakes it again; reads are safe
                log.exception("plate index: merge failed (the reads are stored; retried later)")
                continue
            with self.merged_changed:
                self.merged = [*self.merged[-99:], done]
                self.merged_changed.notify_all()

    def wait_merges(self, count: int, timeout: float) -> list[int]:
        """Wait until this merger has run ``count`` merges (or ``timeout`` seconds); what each
        indexed."""
        with self.merged_changed:
            self.merged_changed.wait_for(lambda: len(self.merged) >= count, timeout)
            return list(self.merged)


merger = _Merger()


def poke(count: int) -> None:
    """Tell the merger that ``count`` reads were committed (call outside any transaction)."""
    merger.poke(count)
