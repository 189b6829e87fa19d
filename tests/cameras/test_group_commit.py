"""Batches posted at the same moment by several cameras are committed together; each sender
still hears about its own reads and hits, and a bad batch fails alone."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections

from safecity.cameras import ingest
from safecity.cameras.models import Camera, Hit, PlateRead, WatchlistEntry
from safecity.cameras.services import reads_ingest
from tests.cameras.conftest import read

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(calls: list[Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the sender's own error, checked by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_batches_are_all_stored_and_each_hears_its_own_hits(
    camera: Camera, listed: WatchlistEntry
) -> None:
    def batch(n: int) -> Any:
        reads = [read(camera, f"59-X1 {n}{i:02d}.00") for i in range(50)]
        if n == 2:
            reads.append(read(camera, "51F-123.45"))
        return lambda: reads_ingest(reads=reads, trusted=True)

    results = _in_threads([batch(n) for n in range(1, 7)])

    assert [r.accepted for r in results] == [50, 51, 50, 50, 50, 50]
    assert [len(r.hits) for r in results] == [0, 1, 0, 0, 0, 0]
    assert results[1].hits[0]["read_index"] == 50
    assert PlateRead.objects.count() == 301
    assert Hit.objects.get().read_id == results[1].hits[0]["read_id"]


def test_a_batch_that_fails_fails_alone(camera: Camera, monkeypatch: pytest.MonkeyPatch) -> None:
    real_store = ingest._store

    def store(batches: list[Any]) -> None:
        if any(b.source == "broken" for b in batches):
            if len(batches) > 1:
                raise RuntimeError("the group fails")
            raise RuntimeError("this batch fails")
        real_store(batches)

    monkeypatch.setattr(ingest, "_store", store)
    calls = [
        lambda: reads_ingest(reads=[read(camera, "59-X1 111.11")], trusted=True),
        lambda: reads_ingest(reads=[read(camera, "59-X1 222.22")], trusted=True, source="broken"),
        lambda: reads_ingest(reads=[read(camera, "59-X1 333.33")], trusted=True),
    ]

    results = _in_threads(calls)

    assert isinstance(results[1], RuntimeError)
    assert results[0].accepted == 1 and results[2].accepted == 1
    assert sorted(PlateRead.objects.values_list("plate_key", flat=True)) == [
        "59X111111",
        "59X133333",
    ]
