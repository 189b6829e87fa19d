"""``safecity ingest-mqtt`` against a real Mosquitto: Frigate's messages published with paho
reach the sink; the session survives a consumer restart and a broker restart; a clean stop
stores what was received.

Needs the broker on 127.0.0.1:1883 (as on the developers' machines and in CI); without one the
tests are skipped with a message, or fail when ``SAFECITY_REQUIRE_MQTT=1`` (CI sets it). The
broker-restart test starts a private Mosquitto on a free port from the ``mosquitto`` program.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from safecity import cli
from safecity.cameras.management.commands.ingest_mqtt import ingest
from safecity.cameras.models import Camera, PlateRead, WatchlistEntry
from safecity.cameras.sources import Read
from safecity.cameras.sources.frigate import FrigateAdapter
from safecity.cameras.sources.mqtt import Consumer, ConsumerOptions
from tests.cameras.test_sources import event, lpr_update, tracked_car

HOST, PORT = "127.0.0.1", 1883
REQUIRED = os.environ.get("SAFECITY_REQUIRE_MQTT") == "1"


def _unavailable(message: str) -> None:
    if REQUIRED:
        pytest.fail(f"{message} — and SAFECITY_REQUIRE_MQTT=1 says it must be there")
    pytest.skip(f"{message}; set SAFECITY_REQUIRE_MQTT=1 to make this a failure")


def _broker_answers(port: int, timeout: float = 3.0) -> bool:
    answered = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.on_connect = lambda c, u, f, rc, p: answered.set() if not rc.is_failure else None
    try:
        client.connect(HOST, port, keepalive=5)
    except OSError:
        return False
    client.loop_start()
    try:
        return answered.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()


@pytest.fixture(scope="module")
def broker() -> None:
    if not _broker_answers(PORT):
        _unavailable(
            f"No MQTT broker answers on {HOST}:{PORT} (start one: "
            "`mosquitto -d -c /etc/mosquitto/mosquitto.conf`)"
        )


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not true after {timeout} s")


class Publisher:
    """Frigate's side: publishes at QoS 1 (Frigate's ``mqtt.qos: 1``)."""

    def __init__(self, port: int = PORT) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.connect(HOST, port)
        self.client.loop_start()

    def send(self, topic: str, payload: bytes | str, qos: int = 1) -> None:
        info = self.client.publish(topic, payload, qos=qos)
        info.wait_for_publish(5)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Running:
    """A consumer running in a thread, with a sink that keeps its batches."""

    def __init__(
        self,
        options: ConsumerOptions,
        sink: Callable[[list[Read]], Any] | None = None,
        adapter: FrigateAdapter | None = None,
    ) -> None:
        self.batches: list[list[Read]] = []
        self.consumer = Consumer(options, sink or self.keep, adapter=adapter)
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)
        self.thread.start()
        assert self.consumer.wait_subscribed(10), "the consumer did not subscribe"

    def keep(self, reads: list[Read]) -> dict[str, Any]:
        self.batches.append(list(reads))
        return {"accepted": len(reads), "rejected": [], "hits": []}

    @property
    def reads(self) -> list[Read]:
        return [read for batch in self.batches for read in batch]

    def plates(self) -> list[str]:
        return [read["plate"] for read in self.reads]

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(15)
        assert not self.thread.is_alive(), "the consumer did not stop"


@pytest.fixture
def prefix() -> str:
    """Topics of this test alone on the shared broker (Frigate's prefix is configurable)."""
    return f"safecity-test-{uuid.uuid4().hex[:12]}/frigate"


@pytest.fixture
def client_ids() -> Iterator[Callable[[], str]]:
    """Fresh client ids; their sessions are removed from the broker afterwards."""
    made: list[tuple[str, int]] = []

    def make(port: int = PORT) -> str:
        made.append((f"safecity-test-{uuid.uuid4().hex[:12]}", port))
        return made[-1][0]

    yield make
    for client_id, port in made:
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 0
        try:
            client.connect(HOST, port, clean_start=True, properties=properties)
            client.loop_start()
            client.disconnect()
            client.loop_stop()
        except OSError:
            pass


@pytest.fixture
def publisher(broker: None) -> Iterator[Publisher]:
    publisher = Publisher()
    yield publisher
    publisher.close()


def options(prefix: str, client_id: str, port: int = PORT, **overrides: Any) -> ConsumerOptions:
    values: dict[str, Any] = {
        "url": f"mqtt://{HOST}:{port}",
        "topics": [f"{prefix}/events", f"{prefix}/tracked_object_update"],
        "client_id": client_id,
        "batch_ms": 50,
        "session_expiry": 300,
        "reconnect_min": 1,
        "reconnect_max": 2,
    }
    values.update(overrides)
    return ConsumerOptions(**values)


def car(n: int, plate: str = "", **kwargs: Any) -> bytes:
    return event(
        "update",
        tracked_car(
            object_id=f"{time.time():.6f}-car{n:03d}", plate=plate or f"51F1{n:04d}", **kwargs
        ),
    )


# --- Live -------------------------------------------------------------------------------------


def test_it_turns_frigate_messages_into_reads(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str]
) -> None:
    """GIVEN a consumer subscribed to both Frigate topics
    WHEN Frigate tracks a car (new without a plate, update with it, a better score, the same
    plate on tracked_object_update), a person, and a broken message
    THEN exactly one read arrives, and the consumer counts what it saw."""
    running = Running(options(prefix, client_ids()))
    try:
        after = tracked_car(camera="nga_tu_hang_xanh")
        publisher.send(f"{prefix}/events", event("new", after))
        publisher.send(f"{prefix}/events", b"{broken")
        publisher.send(
            f"{prefix}/events", event("update", tracked_car(plate="51F12345", score=0.81))
        )
        publisher.send(
            f"{prefix}/events", event("update", tracked_car(plate="51F12345", score=0.93))
        )
        publisher.send(f"{prefix}/tracked_object_update", lpr_update(plate="51F12345"))
        publisher.send(f"{prefix}/events", event("new", tracked_car(label="person", object_id="p")))
        wait_until(lambda: running.consumer.counters.received == 6)
    finally:
        running.stop()
    assert running.plates() == ["51F12345"]
    assert running.reads[0]["camera"] == "nga_tu_hang_xanh"
    counters = running.consumer.counters
    assert (counters.reads, counters.accepted, counters.malformed) == (1, 1, 1)
    assert (counters.repeats, counters.ignored) == (2, 2)


def test_it_reads_messages_published_at_qos_0(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str]
) -> None:
    """Frigate publishes at QoS 0 unless told otherwise: such reads arrive too (but the broker
    keeps none of them while the consumer is away)."""
    running = Running(options(prefix, client_ids()))
    try:
        publisher.send(f"{prefix}/events", event("new", tracked_car()), qos=0)
        publisher.send(f"{prefix}/events", car(5), qos=0)
        wait_until(lambda: running.reads)
    finally:
        running.stop()
    assert running.plates() == ["51F10005"]
    assert running.consumer.counters.received == 2


def test_it_batches_reads(publisher: Publisher, prefix: str, client_ids: Callable[[], str]) -> None:
    running = Running(options(prefix, client_ids(), batch_size=5, batch_ms=300))
    try:
        for n in range(12):
            publisher.send(f"{prefix}/events", car(n))
        wait_until(lambda: len(running.reads) == 12)
    finally:
        running.stop()
    sizes = [len(batch) for batch in running.batches]
    assert max(sizes) == 5
    assert len(sizes) >= 3
    assert running.plates() == [f"51F1{n:04d}" for n in range(12)]


def test_it_maps_camera_names(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str]
) -> None:
    running = Running(
        options(prefix, client_ids()), adapter=FrigateAdapter({"nga_tu_hang_xanh": "BT-0042"})
    )
    try:
        publisher.send(f"{prefix}/events", car(1, camera="nga_tu_hang_xanh"))
        publisher.send(f"{prefix}/events", car(2, camera="Q1-0007"))
        wait_until(lambda: len(running.reads) == 2)
    finally:
        running.stop()
    assert [read["camera"] for read in running.reads] == ["BT-0042", "Q1-0007"]


# --- Persistence ------------------------------------------------------------------------------


def test_it_gets_what_was_published_while_it_was_stopped(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str]
) -> None:
    """GIVEN a consumer that read a car, then stopped
    WHEN two more cars are published while it is down
    THEN started again with the same client id it reads those two, and not the first again."""
    client_id = client_ids()
    first = Running(options(prefix, client_id))
    publisher.send(f"{prefix}/events", car(1))
    wait_until(lambda: first.reads)
    first.stop()

    publisher.send(f"{prefix}/events", car(2))
    publisher.send(f"{prefix}/tracked_object_update", lpr_update(plate="59X212345", object_id="o3"))

    second = Running(options(prefix, client_id))
    try:
        wait_until(lambda: len(second.reads) == 2)
        time.sleep(0.3)  # room for a wrongly repeated first car to show up
    finally:
        second.stop()
    assert first.plates() == ["51F10001"]
    assert second.plates() == ["51F10002", "59X212345"]


def test_it_gets_again_what_it_could_not_store(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str]
) -> None:
    """GIVEN a consumer whose database is away (the sink raises)
    WHEN it is stopped before the reads were stored
    THEN nothing was acknowledged: the next run gets the reads."""
    client_id = client_ids()
    attempts: list[int] = []

    def database_away(reads: list[Read]) -> None:
        attempts.append(len(reads))
        raise RuntimeError("could not connect to the database")

    failing = Running(options(prefix, client_id), sink=database_away)
    publisher.send(f"{prefix}/events", car(7))
    wait_until(lambda: attempts)
    failing.stop()
    assert failing.consumer.counters.sink_errors >= 1

    again = Running(options(prefix, client_id))
    try:
        wait_until(lambda: again.reads)
    finally:
        again.stop()
    assert again.plates() == ["51F10007"]


def test_it_shares_the_topics_among_consumers_of_a_group(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str]
) -> None:
    group = f"g{uuid.uuid4().hex[:8]}"
    one = Running(options(prefix, client_ids(), share_group=group))
    two = Running(options(prefix, client_ids(), share_group=group))
    try:
        for n in range(10):
            publisher.send(f"{prefix}/events", car(n))
        wait_until(lambda: len(one.reads) + len(two.reads) == 10)
    finally:
        one.stop()
        two.stop()
    plates = one.plates() + two.plates()
    assert sorted(plates) == [f"51F1{n:04d}" for n in range(10)]
    assert one.reads and two.reads


# --- Stopping ---------------------------------------------------------------------------------

_SCRIPT = """
import json, logging, sys, threading
from safecity.cameras.sources.mqtt import Consumer, ConsumerOptions, run_until_signalled

logging.basicConfig(level=logging.INFO, stream=sys.stderr)
prefix, client_id, path = sys.argv[1:4]
out = open(path, "a", encoding="utf-8")

def sink(reads):
    for read in reads:
        out.write(json.dumps(read) + "\\n")
    out.flush()

consumer = Consumer(
    ConsumerOptions(url="mqtt://127.0.0.1:1883", topics=[prefix + "/events"],
                    client_id=client_id, batch_ms=600000, session_expiry=300),
    sink,
)

def tell():
    consumer.wait_subscribed(10)
    print("subscribed", flush=True)
    while consumer.adapter.counts.messages < 1:
        threading.Event().wait(0.02)
    print("received", flush=True)

threading.Thread(target=tell, daemon=True).start()
run_until_signalled(consumer)
print("stopped", flush=True)
"""


def test_it_stores_what_it_received_when_asked_to_stop(
    publisher: Publisher, prefix: str, client_ids: Callable[[], str], tmp_path: Path
) -> None:
    """GIVEN the consumer process holding a read in a batch that would wait ten minutes
    WHEN it gets SIGTERM
    THEN it stores the read, acknowledges it and exits 0; the next run does not get it again."""
    client_id = client_ids()
    out = tmp_path / "reads.jsonl"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _SCRIPT, prefix, client_id, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(
        target=lambda: [lines.put(line.strip()) for line in stdout], daemon=True
    ).start()
    try:
        assert lines.get(timeout=15) == "subscribed"
        publisher.send(f"{prefix}/events", car(3))
        assert lines.get(timeout=10) == "received"
        assert not out.exists() or out.read_text() == ""

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert lines.get(timeout=5) == "stopped"
    assert [json.loads(line)["plate"] for line in out.read_text().splitlines()] == ["51F10003"]
    assert process.stderr is not None
    assert "MQTT ingest stopped: received=1 reads=1" in process.stderr.read()

    after = Running(options(prefix, client_id))
    try:
        publisher.send(f"{prefix}/events", car(4))
        wait_until(lambda: after.reads)
        time.sleep(0.3)
    finally:
        after.stop()
    assert after.plates() == ["51F10004"]


# --- A broker restart -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class PrivateBroker:
    """A Mosquitto of this test alone, persisting its sessions, that can be restarted."""

    def __init__(self, folder: Path) -> None:
        program = shutil.which("mosquitto") or shutil.which(
            "mosquitto", path="/usr/sbin:/usr/local/sbin:/sbin"
        )
        if program is None:
            _unavailable("The mosquitto program is not installed")
        self.program = str(program)
        self.port = _free_port()
        self.config = folder / "mosquitto.conf"
        lines = [
            f"listener {self.port} {HOST}",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {folder}/",
            f"log_dest file {folder}/mosquitto.log",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to "mosquitto", who cannot write here
        self.config.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the system's mosquitto
            [self.program, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _broker_answers(self.port, timeout=0.5), timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # Mosquitto writes its persistence file on the way out
            self.process.wait(10)


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(tmp_path)
    broker.start()
    yield broker
    broker.stop()


def test_it_reconnects_after_a_broker_restart_and_keeps_its_session(
    private_broker: PrivateBroker,
    prefix: str,
    client_ids: Callable[[int], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """GIVEN a consumer connected to a broker that persists sessions
    WHEN the broker restarts and a car is published before the consumer is back
    THEN the consumer reconnects by itself, resumes its session and reads the car."""
    caplog.set_level("INFO", logger="safecity.cameras.sources.mqtt")
    port = private_broker.port
    running = Running(options(prefix, client_ids(port), port=port))
    try:
        before = Publisher(port)
        before.send(f"{prefix}/events", car(1))
        wait_until(lambda: running.reads)
        before.close()

        private_broker.stop()
        wait_until(lambda: not running.consumer.connected.is_set())
        private_broker.start()
        after = Publisher(port)
        after.send(f"{prefix}/events", car(2))
        after.close()

        wait_until(lambda: len(running.reads) == 2, timeout=20)
    finally:
        running.stop()
    assert running.plates() == ["51F10001", "51F10002"]
    assert "Lost the MQTT broker" in caplog.text
    assert "session resumed" in caplog.text


# --- Into the database --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_stores_a_frigate_read_as_a_plate_read(
    publisher: Publisher,
    prefix: str,
    client_ids: Callable[[], str],
    camera: Camera,
    listed: WatchlistEntry,
    published: Any,
) -> None:
    """GIVEN the Lê Lợi camera, known to Frigate as le_loi_nam_ky, and 51F-123.45 listed
    as stolen
    WHEN Frigate publishes that car with its recognised plate
    THEN ``safecity ingest-mqtt``'s sink stores it through reads_ingest as a PlateRead, and
    the consumer counts the hit."""
    results: list[Any] = []

    def sink(reads: list[Read]) -> Any:
        results.append(ingest(reads))
        consumer.stop()
        return results[-1]

    consumer = Consumer(
        options(prefix, client_ids()),
        sink,
        adapter=FrigateAdapter({"le_loi_nam_ky": camera.code}),
    )

    def publish() -> None:
        if consumer.wait_subscribed(10):
            seen = time.time() - 3
            after = tracked_car(camera="le_loi_nam_ky", plate="51F-123.45", frame_time=seen)
            publisher.send(f"{prefix}/events", event("update", after))

    threading.Thread(target=publish, daemon=True).start()
    watchdog = threading.Timer(20, consumer.stop)
    watchdog.start()
    try:
        consumer.run()  # here, so the sink uses this test's database connection
    finally:
        watchdog.cancel()

    assert [r.accepted for r in results] == [1]
    read = PlateRead.objects.get()
    assert (read.camera_id, read.plate_key, read.source) == (camera.pk, "51F12345", "frigate")
    assert read.vehicle_type == "car"
    assert (consumer.counters.accepted, consumer.counters.hits) == (1, 1)
    assert [hit.entry_id for hit in read.hits.all()] == [listed.pk]


@pytest.mark.django_db(transaction=True)
def test_the_command_ingests_until_sigterm(
    publisher: Publisher,
    prefix: str,
    client_ids: Callable[[], str],
    camera: Camera,
    tmp_path: Path,
) -> None:
    """GIVEN ``safecity ingest-mqtt`` running with a camera map
    WHEN Frigate publishes a recognised plate, and then the process gets SIGTERM
    THEN the read is in the database and the process exits 0, logging its counters."""
    # The command's process uses this test's database (SQLite or PostgreSQL alike).
    (tmp_path / "command_settings.py").write_text(
        "from safecity.settings import *  # noqa: F403\n"
        f"DATABASES['default']['NAME'] = {str(connection.settings_dict['NAME'])!r}\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "DJANGO_SETTINGS_MODULE": "command_settings",
        "SAFECITY_MQTT_USERNAME": "",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [
            sys.executable,
            "-m",
            "safecity",
            "ingest-mqtt",
            "--url",
            f"mqtt://{HOST}:{PORT}",
            "--topic",
            f"{prefix}/events",
            "--topic",
            f"{prefix}/tracked_object_update",
            "--client-id",
            client_ids(),
            "--camera-map",
            f"le_loi_nam_ky={camera.code}",
            "--batch-ms",
            "50",
            "--session-expiry",
            "300",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    assert process.stderr is not None
    stderr = process.stderr
    threading.Thread(target=lambda: log.extend(stderr), daemon=True).start()
    try:
        wait_until(lambda: sum("Subscribed to" in line for line in log) == 2, timeout=20)
        publisher.send(
            f"{prefix}/tracked_object_update",
            lpr_update(
                plate="51F-123.45", score=0.9, camera="le_loi_nam_ky", timestamp=time.time() - 2
            ),
        )
        wait_until(lambda: PlateRead.objects.exists())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    read = PlateRead.objects.get()
    assert (read.camera_id, read.plate_key, read.source) == (camera.pk, "51F12345", "frigate")
    wait_until(lambda: any("MQTT ingest stopped" in line for line in log), timeout=5)
    assert any("received=1 reads=1 accepted=1 rejected=0" in line for line in log), log


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--url", "http://127.0.0.1:1883"], "not mqtt://HOST:PORT"),
        (["--url", "mqtt://user:secret@127.0.0.1"], "SAFECITY_MQTT_USERNAME"),
        (["--url", "mqtt://127.0.0.1", "--camera-map", "gate_east"], "not name=CODE"),
        (
            ["--url", "mqtt://127.0.0.1", "--camera-map", "a=B", "--camera-map", "a=C"],
            "mapped twice",
        ),
    ],
)
def test_the_command_refuses_bad_options(arguments: list[str], problem: str) -> None:
    with pytest.raises(CommandError, match=problem):
        call_command("ingest_mqtt", *arguments)


def test_the_command_is_spelt_with_a_hyphen(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["ingest-mqtt", "--help"])
    assert exit_.value.code == 0
    assert "--camera-map" in capsys.readouterr().out
