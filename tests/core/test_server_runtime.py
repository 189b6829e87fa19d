"""The server's runtime pieces under load-bearing parts: request threads that keep their
database connection, the SQLite writers' queue, and live events leaving through the loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished
from django.db import OperationalError, connection, connections, transaction

from safecity.core import live
from safecity.core.asgi_handler import PooledASGIHandler
from safecity.core.channels_layer import InMemoryChannelLayer
from safecity.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def _request(
    app: Any, method: str, path: str, body: bytes = b"", headers: list | None = None
) -> tuple[int, bytes]:
    communicator = ApplicationCommunicator(app, _scope(method, path, headers))
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(timeout=10)
    content = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=10)
    return start["status"], content


@pytest.fixture
def handler() -> Iterator[PooledASGIHandler]:
    app = PooledASGIHandler(threads=2)
    yield app
    app.close()
    live.detach_loop()


async def test_requests_reuse_the_pool_threads_and_their_database_connection(
    handler: PooledASGIHandler,
) -> None:
    seen: list[tuple[str, int]] = []

    def remember(**_kwargs: Any) -> None:
        seen.append((threading.current_thread().name, id(connection.connection)))

    request_finished.connect(remember)
    try:
        for _ in range(6):
            status, _body = await _request(handler, "GET", "/readyz")
            assert status == 200
    finally:
        request_finished.disconnect(remember)
    threads = {name for name, _conn in seen}
    assert len(seen) == 6
    assert threads <= {"safecity-http-0_0", "safecity-http-1_0"}, threads
    # Sequential requests take the free threads in turn; each thread opened one connection
    # and kept it, so there are at most two distinct connections for six requests.
    assert len({conn for _name, conn in seen}) <= 2


async def test_malformed_multipart_is_a_400_in_the_error_format(
    handler: PooledASGIHandler,
) -> None:
    status, body = await _request(
        handler,
        "POST",
        "/api/v1/reports/ABCD-EFGH/media",
        body=b"--x\r\nnot a part",
        headers=[(b"content-type", b"multipart/form-data")],  # no boundary
    )
    assert status == 400
    assert set(json.loads(body)["error"]) >= {"code", "message"}


def _write(key: str) -> None:
    with transaction.atomic():
        IdempotencyRecord.objects.create(
            scope="t", key=key, fingerprint="f", status=201, response={}
        )
        time.sleep(0.01)  # hold the write turn a little, so the writers overlap


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the writers' queue is SQLite's")
def test_concurrent_sqlite_writers_queue_in_the_process_instead_of_failing() -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                _write(f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert IdempotencyRecord.objects.filter(scope="t").count() == 60


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the writers' queue is SQLite's")
def test_a_failed_transaction_gives_up_its_write_turn() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        IdempotencyRecord.objects.create(
            scope="t", key="rolled-back", fingerprint="f", status=1, response={}
        )
        raise RuntimeError("boom")
    done = threading.Event()

    def other_thread_writes() -> None:
        try:
            _write("after")
            done.set()
        finally:
            connections.close_all()

    t = threading.Thread(target=other_thread_writes)
    t.start()
    t.join(5)
    assert done.is_set(), "the rolled-back transaction kept the write lock"
    assert not IdempotencyRecord.objects.filter(key="rolled-back").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the writers' queue is SQLite's")
def test_a_writer_that_cannot_get_its_turn_gets_a_database_error(settings: Any) -> None:
    from safecity.core.sqlite.base import write_lock

    lock = write_lock(connection.settings_dict["NAME"])
    options = connection.settings_dict["OPTIONS"]
    old = options.get("timeout")
    options["timeout"] = 0.2
    lock.acquire()
    try:
        with pytest.raises(OperationalError, match="no write turn"), transaction.atomic():
            IdempotencyRecord.objects.create(
                scope="t", key="late", fingerprint="f", status=1, response={}
            )
    finally:
        lock.release()
        options["timeout"] = old
    _write("then-fine")
    assert IdempotencyRecord.objects.filter(key="then-fine").exists()


@contextlib.contextmanager
def _outbox_on_this_loop(layer: InMemoryChannelLayer) -> Iterator[None]:
    """``layer`` as the default channel layer and live's outbox on the running loop, as the
    server has them; both undone on leaving."""
    from channels import layers

    original = layers.channel_layers.backends.get("default")
    layers.channel_layers.backends["default"] = layer
    live.attach_loop(asyncio.get_running_loop())
    try:
        yield
    finally:
        live.detach_loop()
        if original is None:
            layers.channel_layers.backends.pop("default", None)
        else:
            layers.channel_layers.backends["default"] = original


async def test_events_published_from_threads_leave_through_the_loop_in_order() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add(live.ALL_GROUP, channel)
    with _outbox_on_this_loop(layer):

        def publish_many() -> None:
            for n in range(20):
                with transaction.atomic():
                    live.publish("test.event", {"n": n})
            connections.close_all()

        started = time.perf_counter()
        await asyncio.to_thread(publish_many)
        publishing = time.perf_counter() - started
        received = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(20)]
    assert [m["payload"]["n"] for m in received] == list(range(20))
    assert json.loads(received[0]["text"]) == {
        "event": "test.event",
        "payload": {"n": 0},
        "sent_at": received[0]["sent_at"],
    }
    assert publishing < 2


async def test_a_burst_of_events_from_a_thread_wakes_the_loop_once_and_keeps_its_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add(live.ALL_GROUP, channel)
    loop = asyncio.get_running_loop()
    wake_ups = []
    received: list[dict[str, Any]] = []
    wake = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any) -> Any:
        if getattr(callback, "__self__", None) is live._outbox:
            wake_ups.append(callback)
        return wake(callback, *args)

    monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
    with _outbox_on_this_loop(layer):

        def one_transaction() -> None:
            with transaction.atomic():  # 50 events, sent together at its commit
                for n in range(50):
                    live.publish("test.event", {"n": n})
            connections.close_all()

        for _burst in range(2):  # a later burst wakes it again
            # The loop is held (join blocks it) until the thread's burst is over, so that the
            # count does not depend on when the loop happens to run.
            thread = threading.Thread(target=one_transaction)
            thread.start()
            thread.join()
            received += [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(50)]
    assert [m["payload"]["n"] for m in received] == [*range(50), *range(50)]
    assert len(wake_ups) == 2


async def test_a_batch_of_events_is_one_after_commit_callback_and_keeps_its_place() -> None:
    """``publish_many`` (a batch of plate reads' hits) registers one callback for all its
    events, and they leave in order between the events published before and after it."""
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add(live.ALL_GROUP, channel)
    callbacks: list[int] = []
    with _outbox_on_this_loop(layer):

        def one_transaction() -> None:
            with transaction.atomic():
                live.publish("test.event", {"n": 0})
                live.publish_many([live.Event("test.event", {"n": n}) for n in range(1, 40)])
                live.publish_many([])  # nothing to send: nothing registered
                live.publish("test.event", {"n": 40})
                callbacks.append(len(transaction.get_connection().run_on_commit))
            connections.close_all()

        await asyncio.to_thread(one_transaction)
        received = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(41)]
        assert await _nothing_more(layer, channel)
    assert [m["payload"]["n"] for m in received] == list(range(41))
    assert callbacks == [3]
    assert len({m["sent_at"] for m in received[1:40]}) == 1


async def _nothing_more(layer: InMemoryChannelLayer, channel: str) -> bool:
    try:
        await asyncio.wait_for(layer.receive(channel), 0.2)
    except TimeoutError:
        return True
    return False


async def test_channel_layer_fan_out_survives_a_full_console_queue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = InMemoryChannelLayer(capacity=2)
    slow, fast = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", slow)
    await layer.group_add("g", fast)
    for n in range(3):
        await layer.group_send("g", {"type": "x", "n": n})
        if n < 2:
            assert (await layer.receive(fast))["n"] == n
    assert (await layer.receive(fast))["n"] == 2
    assert [(await layer.receive(slow))["n"] for _ in range(2)] == [0, 1]
    assert "full" in caplog.text
    message = {"type": "x", "payload": {"a": 1}}
    await layer.group_send("g", message)
    message["payload"]["a"] = 2  # the sender's later changes do not reach the members
    assert (await layer.receive(fast))["payload"] == {"a": 1}


async def test_server_lifespan_attaches_the_outbox_and_runs_the_timers_until_shutdown(
    settings: Any,
) -> None:
    from safecity.asgi import application

    settings.SAFECITY_DISPATCH_TIMERS_IN_SERVER = True
    before = {t.name for t in threading.enumerate()}
    communicator = ApplicationCommunicator(application, {"type": "lifespan"})
    try:
        await communicator.send_input({"type": "lifespan.startup"})
        assert (await communicator.receive_output(timeout=5))["type"] == (
            "lifespan.startup.complete"
        )
        assert live._outbox is not None
        assert live._outbox.loop is asyncio.get_running_loop()
        assert "safecity-dispatch-timers" in {t.name for t in threading.enumerate()} - before
        await communicator.send_input({"type": "lifespan.shutdown"})
        assert (await communicator.receive_output(timeout=5))["type"] == (
            "lifespan.shutdown.complete"
        )
        ticker = [t for t in threading.enumerate() if t.name == "safecity-dispatch-timers"]
        for t in ticker:
            t.join(10)
        assert not any(t.is_alive() for t in ticker)
    finally:
        live.detach_loop()


async def test_a_failing_start_up_step_stops_the_start_with_its_message() -> None:
    from safecity.core.lifespan import Lifespan

    def broken() -> None:
        raise RuntimeError("no database")

    communicator = ApplicationCommunicator(Lifespan([broken]), {"type": "lifespan"})
    await communicator.send_input({"type": "lifespan.startup"})
    answer = await communicator.receive_output(timeout=5)
    assert answer == {"type": "lifespan.startup.failed", "message": "no database"}
