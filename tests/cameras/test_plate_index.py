"""On SQLite the reads' index by plate and by camera is filled behind ingestion
(``cameras.plate_index``): a read is found by its plate or camera before it is indexed, after,
and never twice; the index follows the purge; two mergers at once index each read once. On
PostgreSQL the reads table keeps its own indexes and the queries ask it directly."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecity.cameras import plate_index
from safecity.cameras.models import Camera, PlateRead, PlateReadIndex
from safecity.cameras.selectors import trace
from safecity.cameras.services import reads_ingest, reads_purge
from safecity.core.sqlite.base import side_path
from tests.cameras.conftest import read

pytestmark = pytest.mark.django_db(transaction=True)

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the plate index is a table of its own on SQLite only"
)


@pytest.fixture(autouse=True)
def _merge_only_when_told(request: pytest.FixtureRequest, monkeypatch: Any) -> None:
    """The background merger would index reads at a moment of its choosing; the tests that
    count what is indexed merge themselves (all but the one about the merger)."""
    if "background" not in request.node.name:
        monkeypatch.setattr(plate_index, "poke", lambda count: None)


def _ingest(camera: Camera, plates: list[str], *, hours_ago: int = 1) -> None:
    now = timezone.now()
    reads_ingest(
        reads=[
            read(camera, plate, ts=now - timedelta(hours=hours_ago, minutes=n))
            for n, plate in enumerate(plates)
        ],
        trusted=True,
    )


def _traced(key: str) -> list[int]:
    now = timezone.now()
    return [r.pk for r in trace(key, start=now - timedelta(days=2), end=now)]


def _indexed() -> list[tuple[int, str]]:
    rows = PlateReadIndex.objects.values_list("id", "plate_key", "camera_id", "ts")
    stored = {r[0]: r for r in PlateRead.objects.values_list("id", "plate_key", "camera_id", "ts")}
    for row in rows:  # each index row is its read's plate, camera and time
        assert stored[row[0]] == row
    return sorted((pk, key) for pk, key, _camera, _ts in rows)


def test_a_read_is_found_by_its_plate_before_and_after_it_is_indexed_and_never_twice(
    camera: Camera, other_camera: Camera
) -> None:
    _ingest(camera, ["51F-123.45", "59-X1 222.33", "51F-123.45"], hours_ago=3)
    _ingest(other_camera, ["51F-123.45", "30A-999.88"], hours_ago=2)
    expected = list(
        PlateRead.objects.filter(plate_key="51F12345").order_by("ts").values_list("pk", flat=True)
    )
    assert len(expected) == 3

    before = _traced("51F12345")
    assert PlateReadIndex.objects.count() == 0
    plate_index.merge_all()
    after = _traced("51F12345")
    _ingest(camera, ["51F-123.45"], hours_ago=1)  # past the watermark: found in the tail
    later = _traced("51F12345")

    assert before == after == expected
    newest = PlateRead.objects.order_by("-pk").first()
    assert newest is not None
    assert later == [*expected, newest.pk]
    assert _traced("30A99988") == list(
        PlateRead.objects.filter(plate_key="30A99988").values_list("pk", flat=True)
    )


@on_sqlite
def test_the_merge_indexes_the_reads_past_the_watermark_in_id_order_a_chunk_at_a_time(
    camera: Camera,
) -> None:
    _ingest(camera, ["51F-123.45", "59-X1 222.33", "30A-999.88", "51F-123.45", "29A-111.22"])
    ids = list(PlateRead.objects.order_by("pk").values_list("pk", "plate_key"))

    assert plate_index.pending() == 5
    assert plate_index.merge(limit=2) == 2
    assert _indexed() == ids[:2]
    assert plate_index.pending() == 3
    assert plate_index.merge_all() == 3
    assert _indexed() == ids
    assert plate_index.pending() == 0
    assert plate_index.merge() == 0
    # Found whether in the index or past it: 51F12345 is the first and the fourth read.
    assert _traced("51F12345") == sorted(
        [ids[0][0], ids[3][0]], key=lambda pk: PlateRead.objects.get(pk=pk).ts
    )


@on_sqlite
def test_the_reads_table_has_no_plate_or_camera_index_and_the_index_is_a_file_of_its_own() -> None:
    with connection.cursor() as cursor:
        reads = connection.introspection.get_constraints(cursor, PlateRead._meta.db_table)
        cursor.execute("PRAGMA database_list")
        files = {name: path for _seq, name, path in cursor.fetchall()}
        cursor.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
        in_database = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"PRAGMA plates.index_list({PlateReadIndex._meta.db_table})")
        indexes = [row[1] for row in cursor.fetchall()]
        indexed = []
        for name in indexes:
            cursor.execute(f"PRAGMA plates.index_info({name})")
            indexed.append([row[2] for row in cursor.fetchall()])
    assert [c["columns"] for c in reads.values() if c["index"] and not c["primary_key"]] == []
    assert PlateReadIndex._meta.db_table not in in_database
    assert Path(files["plates"]).name == Path(files["main"]).stem + ".plates.sqlite3"
    assert ["plate_key", "ts"] in indexed
    assert ["camera_id", "ts"] in indexed


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL keeps the reads' index")
def test_the_reads_table_keeps_its_plate_and_camera_indexes_on_postgresql(camera: Camera) -> None:
    with connection.cursor() as cursor:
        reads = connection.introspection.get_constraints(cursor, PlateRead._meta.db_table)
    indexed = [c["columns"] for c in reads.values() if c["index"]]
    assert ["plate_key", "ts"] in indexed
    assert ["camera_id", "ts"] in indexed
    _ingest(camera, ["51F-123.45"])
    assert plate_index.merge_all() == 0
    assert PlateReadIndex.objects.count() == 0
    assert len(_traced("51F12345")) == 1
    assert [r.camera_id for r in plate_index.newest_reads_of_camera(camera.pk, limit=5)] == [
        camera.pk
    ]


def test_a_camera_s_reads_are_found_before_and_after_they_are_indexed_and_never_twice(
    camera: Camera, other_camera: Camera
) -> None:
    _ingest(camera, ["51F-123.45", "59-X1 222.33", "30A-999.88"], hours_ago=5)
    _ingest(other_camera, ["51F-123.45", "30A-999.88"], hours_ago=4)
    now = timezone.now()

    def newest(limit: int) -> list[int]:
        return [r.pk for r in plate_index.newest_reads_of_camera(camera.pk, limit=limit)]

    def seen(start_hours: int, end_hours: int) -> list[int]:
        reads = plate_index.reads_of_cameras(
            [camera.pk],
            start=now - timedelta(hours=start_hours),
            end=now - timedelta(hours=end_hours),
        )
        return sorted(r.pk for r in reads)

    mine = list(
        PlateRead.objects.filter(camera=camera).order_by("-ts", "-pk").values_list("pk", flat=True)
    )
    before = (newest(2), newest(10), seen(6, 0), seen(4, 0))
    plate_index.merge_all()
    after = (newest(2), newest(10), seen(6, 0), seen(4, 0))
    _ingest(camera, ["29A-111.22"], hours_ago=1)  # past the watermark: found in the tail
    latest = PlateRead.objects.order_by("-pk").first()
    assert latest is not None

    assert before == after == (mine[:2], mine, sorted(mine), [])
    assert newest(2) == [latest.pk, mine[0]]
    assert seen(6, 0) == sorted([*mine, latest.pk])
    assert seen(2, 0) == [latest.pk]
    both = plate_index.reads_of_cameras([camera.pk, other_camera.pk], start=now - timedelta(1))
    assert both.count() == 6


def test_many_cameras_newest_reads_are_each_camera_s_own_and_scan_the_tail_once(
    camera: Camera, other_camera: Camera
) -> None:
    def each(limit: int) -> dict[int, list[int]]:
        return {
            c.pk: ids
            for c in (camera, other_camera)
            if (ids := [r.pk for r in plate_index.newest_reads_of_camera(c.pk, limit=limit)])
        }

    def reads_table_queries(limit: int) -> tuple[dict[int, list[int]], int]:
        with CaptureQueriesContext(connection) as queries:
            got = plate_index.newest_reads_of_cameras([camera.pk, other_camera.pk, 0], limit=limit)
        table = connection.ops.quote_name(PlateRead._meta.db_table)
        return got, sum(table in q["sql"] for q in queries.captured_queries)

    assert plate_index.newest_reads_of_cameras([camera.pk], limit=3) == {}
    _ingest(camera, ["51F-123.45", "59-X1 222.33", "30A-999.88"], hours_ago=5)
    _ingest(other_camera, ["51F-123.45", "30A-999.88"], hours_ago=4)
    in_tail = (reads_table_queries(2), reads_table_queries(10))
    plate_index.merge_all()
    indexed = (reads_table_queries(2), reads_table_queries(10))
    _ingest(camera, ["29A-111.22"], hours_ago=1)  # past the watermark
    _ingest(other_camera, ["29A-111.22"], hours_ago=6)  # past it, but older than the rest
    both = (reads_table_queries(2), reads_table_queries(10))

    scans = 1 if plate_index.in_use() else 3  # PostgreSQL: one query a camera asked for
    assert [got for got, _n in both] == [each(2), each(10)]
    assert [n for _got, n in (*in_tail, *indexed, *both)] == [scans] * 6
    mine = list(
        PlateRead.objects.filter(camera=camera).order_by("-ts", "-pk").values_list("pk", flat=True)
    )
    assert in_tail[0][0][camera.pk] == indexed[0][0][camera.pk] == mine[1:3]
    assert both[0][0][camera.pk] == mine[:2]
    assert len(both[1][0][other_camera.pk]) == 3
    assert both[1][0][other_camera.pk][-1] == PlateRead.objects.order_by("-pk").first().pk


@on_sqlite
def test_a_committed_store_wakes_the_background_merger(camera: Camera, monkeypatch: Any) -> None:
    monkeypatch.setattr(plate_index, "merger", plate_index._Merger())  # counts from zero

    _ingest(camera, ["51F-123.45", "59-X1 222.33"])

    # Two reads, far fewer than MERGE_AT: indexed a second later.
    assert plate_index.merger.wait_merges(1, timeout=20) == [2]
    assert plate_index.pending() == 0
    assert [key for _pk, key in _indexed()] == ["51F12345", "59X122233"]


@on_sqlite
def test_the_background_merger_waits_for_enough_reads(camera: Camera, monkeypatch: Any) -> None:
    monkeypatch.setattr(plate_index, "merger", plate_index._Merger())
    monkeypatch.setattr(plate_index, "MERGE_AT", 3)
    monkeypatch.setattr(plate_index, "MERGE_WAIT_S", 60)

    _ingest(camera, ["51F-123.45", "59-X1 222.33"])
    # Two of three, and a minute to go: no merge (half a second is ample for one to start).
    assert plate_index.merger.wait_merges(1, timeout=0.5) == []
    _ingest(camera, ["30A-999.88"])

    assert plate_index.merger.wait_merges(1, timeout=20) == [3]
    assert plate_index.pending() == 0


@on_sqlite
def test_two_mergers_at_once_index_each_read_once(camera: Camera) -> None:
    _ingest(camera, [f"59-X1 111.{n:02d}" for n in range(40)])
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            while plate_index.merge(limit=3):
                pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert [pk for pk, _key in _indexed()] == list(
        PlateRead.objects.order_by("pk").values_list("pk", flat=True)
    )


def test_the_purge_takes_the_index_rows_of_the_reads_it_deletes(
    camera: Camera, settings: Any
) -> None:
    settings.SAFECITY_CAMERAS_READ_MAX_AGE = 86400 * 60
    long_ago = timezone.now() - timedelta(days=40)
    reads_ingest(
        reads=[read(camera, f"59-X1 111.{n:02d}", ts=long_ago) for n in range(3)],
        now=long_ago,
        trusted=True,
    )
    _ingest(camera, ["51F-123.45"])
    plate_index.merge_all()

    assert reads_purge() == 3

    kept = list(PlateRead.objects.values_list("pk", "plate_key"))
    assert len(kept) == 1
    if plate_index.in_use():
        assert _indexed() == kept
    assert PlateReadIndex.objects.exclude(pk__in=[pk for pk, _key in kept]).count() == 0


# --- The index's own file (SQLite) --------------------------------------------------------------


def _side() -> Path:
    path = side_path(connection.settings_dict, plate_index.SCHEMA)
    assert path is not None
    return path


@on_sqlite
def test_storing_and_finding_reads_never_wait_for_the_index_s_writer(camera: Camera) -> None:
    _ingest(camera, ["51F-123.45"], hours_ago=2)
    plate_index.merge_all()
    done: list[str] = []

    def store_and_find() -> None:
        try:
            _ingest(camera, ["51F-123.45", "30A-999.88"])
            done.append("stored")
            done.append(f"found {len(_traced('51F12345'))}")
        finally:
            connections.close_all()

    # Another process holds the index file's write lock (a merge that takes its time).
    holder = sqlite3.connect(_side(), isolation_level=None, timeout=1)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM cameras_platereadindex")
        worker = threading.Thread(target=store_and_find)
        worker.start()
        worker.join(10)  # the database's busy timeout is 20 s: a wait would show
        finished = not worker.is_alive()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    worker.join(30)

    assert finished
    assert done == ["stored", "found 2"]
    assert plate_index.merge_all() == 2


@on_sqlite
def test_an_index_file_left_by_another_database_is_emptied_when_a_connection_opens(
    camera: Camera,
) -> None:
    _ingest(camera, ["51F-123.45", "30A-999.88"])
    plate_index.merge_all()
    assert len(_indexed()) == 2
    with sqlite3.connect(_side(), isolation_level=None) as other:
        other.execute("UPDATE safecity_side_file SET token = token + 1")  # as a stale file's
    connection.close()

    assert PlateReadIndex.objects.count() == 0  # the new connection checked the file
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA main.application_id")
        token = cursor.fetchone()[0]
        cursor.execute("SELECT token FROM plates.safecity_side_file")
        assert cursor.fetchall() == [(token,)]
    assert token != 0
    assert plate_index.merge_all() == 2
    assert len(_traced("51F12345")) == 1


@on_sqlite
def test_an_index_ahead_of_the_reads_table_is_rebuilt_by_the_next_merge(camera: Camera) -> None:
    _ingest(camera, ["51F-123.45", "30A-999.88"])
    plate_index.merge_all()
    with sqlite3.connect(_side(), isolation_level=None) as other:  # as after a restore
        other.execute(
            "INSERT INTO cameras_platereadindex (id, plate_key, ts, camera_id) "
            "VALUES (1000000000, '51F12345', '2026-01-01 00:00:00', 0)"
        )
    assert plate_index.pending() == 0  # the watermark hides the reads after a restore

    assert plate_index.merge_all() == 2
    assert [key for _pk, key in _indexed()] == ["51F12345", "30A99988"]


@on_sqlite
def test_flushing_the_database_empties_the_index_file(camera: Camera) -> None:
    _ingest(camera, ["51F-123.45"])
    plate_index.merge_all()
    assert PlateReadIndex.objects.count() == 1

    call_command("flush", interactive=False, verbosity=0)

    assert PlateReadIndex.objects.count() == 0
