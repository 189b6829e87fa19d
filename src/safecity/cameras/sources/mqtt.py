"""The MQTT subscriber behind ``safecity ingest-mqtt``: Frigate's messages → ``reads_ingest``.

What it promises, and how:

- **No read is lost once the broker has the message.** It connects with MQTT 5, a fixed client
  id and ``clean_start=False`` with a session expiry, so the broker keeps its subscriptions and
  queues QoS 1 messages while it is away (a consumer restart, a network cut, a broker restart
  when the broker persists its state). Messages are acknowledged by hand, only after the batch
  they are in was stored: a consumer killed mid-batch gets the batch again.
- **At most one read per tracked object and plate** (``frigate.FrigateAdapter``), including a
  message the broker sends again after a reconnect.
- **Reconnects on its own**, waiting 1 s, 2 s, 4 s … up to a minute between attempts.
- **Batches**: up to ``batch_size`` reads (or messages) or ``batch_ms`` milliseconds, whichever
  comes first, make one ``reads_ingest`` call.
- **A clean stop** on SIGTERM/SIGINT (``run_until_signalled``): what was received is stored and
  acknowledged, then it disconnects; anything that arrives after that stays with the broker.
- **Counters** (received, reads, accepted, rejected, hits …) logged every ``stats_every`` s.

What the broker keeps is up to the broker: Frigate publishes at QoS 0 unless its ``mqtt.qos``
is 1, and Mosquitto queues at most ``max_queued_messages`` (1,000 by default) per client and
keeps them across its own restart only with ``persistence true`` (README: "Camera sources").
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from safecity.cameras.sources import Read, Sink
from safecity.cameras.sources.frigate import FrigateAdapter

logger = logging.getLogger(__name__)

DEFAULT_TOPICS = ("frigate/events", "frigate/tracked_object_update")
DEFAULT_CLIENT_ID = "safecity-ingest"
# QoS 0 reads held while storing stalls (the broker does not wait for those); past this they
# are dropped and counted. QoS 1 messages are held back by the broker instead (ReceiveMaximum).
MAX_BACKLOG = 50_000


class BrokerUrlError(ValueError):
    pass


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool


def parse_broker_url(url: str) -> Broker:
    """``mqtt://HOST[:PORT]`` (1883 by default) or ``mqtts://HOST[:PORT]`` (TLS, 8883)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BrokerUrlError(f"{url!r} is not a broker URL: {exc}") from None
    if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname:
        raise BrokerUrlError(f"{url!r} is not mqtt://HOST:PORT or mqtts://HOST:PORT")
    if parts.username or parts.password:
        # A password in a URL ends up in `ps` and shell histories.
        raise BrokerUrlError(
            "Give the broker's user name and password in SAFECITY_MQTT_USERNAME and "
            "SAFECITY_MQTT_PASSWORD, not in the URL"
        )
    if parts.path not in {"", "/"} or parts.query:
        raise BrokerUrlError(f"{url!r}: a broker URL has no path or query")
    tls = parts.scheme == "mqtts"
    return Broker(host=parts.hostname, port=port or (8883 if tls else 1883), tls=tls)


@dataclass
class ConsumerOptions:
    url: str
    topics: Sequence[str] = DEFAULT_TOPICS
    client_id: str = DEFAULT_CLIENT_ID
    username: str | None = None
    password: str | None = None
    # Consumers sharing a group split the messages between them (MQTT 5 shared subscription).
    share_group: str | None = None
    batch_size: int = 500
    batch_ms: int = 200
    # How long the broker keeps the session (subscriptions, queued messages) while away.
    session_expiry: int = 7 * 86400
    keepalive: int = 30
    stats_every: float = 60.0
    reconnect_min: int = 1
    reconnect_max: int = 60


@dataclass
class Counters:
    received: int = 0
    reads: int = 0
    accepted: int = 0
    rejected: int = 0
    hits: int = 0
    repeats: int = 0
    ignored: int = 0
    malformed: int = 0
    batches: int = 0
    sink_errors: int = 0
    dropped: int = 0

    def line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in vars(self).items())


@dataclass
class _Received:
    mid: int
    qos: int
    session: int
    reads: list[Read] = field(default_factory=list)


def _tally(result: Any) -> tuple[int, list[Any], list[Any]]:
    """``accepted``, ``rejected`` and ``hits`` from what the sink returned (an IngestResult,
    its dict, or nothing)."""
    if result is None:
        return 0, [], []
    if isinstance(result, Mapping):
        values = [result.get(name) for name in ("accepted", "rejected", "hits")]
    else:
        values = [getattr(result, name, None) for name in ("accepted", "rejected", "hits")]
    accepted, rejected, hits = values
    return (
        accepted if isinstance(accepted, int) else 0,
        rejected if isinstance(rejected, list) else [],
        hits if isinstance(hits, list) else [],
    )


class Consumer:
    """Subscribes, adapts and batches into ``sink``. ``run()`` blocks until ``stop()``.

    Threads: paho's network thread receives and adapts each message and hands it over on a
    queue; the thread that called ``run()`` calls the sink (so a Django sink keeps its database
    connection in one thread) and acknowledges."""

    def __init__(
        self,
        options: ConsumerOptions,
        sink: Sink,
        *,
        adapter: FrigateAdapter | None = None,
    ) -> None:
        self.options = options
        self.broker = parse_broker_url(options.url)
        self.sink = sink
        self.adapter = adapter or FrigateAdapter()
        self.counters = Counters()
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._closing = False
        self._inbox: queue.Queue[_Received] = queue.Queue()
        # Bumped on every connection: a message received on an earlier connection is not
        # acknowledged on a later one (the broker sends it again if it kept the session).
        self._session = 0
        self._subscribed = threading.Event()
        self.client = self._client()

    # --- paho's thread ---------------------------------------------------------------------

    def _client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if self.options.username:
            client.username_pw_set(self.options.username, self.options.password)
        if self.broker.tls:
            client.tls_set()
        client.reconnect_delay_set(self.options.reconnect_min, self.options.reconnect_max)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _topics(self) -> list[str]:
        group = self.options.share_group
        return [f"$share/{group}/{t}" if group else t for t in self.options.topics]

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.error(
                "The MQTT broker %s:%s refused the connection: %s",
                self.broker.host,
                self.broker.port,
                reason_code,
            )
            return
        self._session += 1
        logger.info(
            "Connected to the MQTT broker %s:%s as %s (%s)",
            self.broker.host,
            self.broker.port,
            self.options.client_id,
            "session resumed" if flags.session_present else "new session",
        )
        # Subscribing again on a resumed session changes nothing and repairs a lost one.
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe([(topic, options) for topic in self._topics()])
        self.connected.set()

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        logger.warning(
            "Cannot reach the MQTT broker %s:%s; trying again",
            self.broker.host,
            self.broker.port,
        )

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        self._subscribed.clear()
        if not self._stop.is_set():
            logger.warning("Lost the MQTT broker (%s); reconnecting", reason_code)

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        for topic, code in zip(self._topics(), reason_codes, strict=False):
            if code.is_failure:
                logger.error("The MQTT broker refused the subscription to %s: %s", topic, code)
            else:
                logger.info("Subscribed to %s (QoS %s)", topic, code.value)
        self._subscribed.set()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        if self._closing:
            return  # not acknowledged: the broker gives it to the next run
        self.counters.received += 1  # written by this thread only
        try:
            reads = self.adapter.reads(message.topic, message.payload)
        except Exception:
            # An exception would end paho's thread; the adapter is meant never to raise.
            logger.exception("Could not adapt a message on %s; skipped", message.topic)
            reads = []
        if message.qos == 0:
            if not reads:
                return  # nothing to store, nothing to acknowledge
            if self._inbox.qsize() >= MAX_BACKLOG:
                self.counters.dropped += 1
                if self.counters.dropped % 1000 == 1:
                    logger.error(
                        "Storing is stalled: dropped %s QoS 0 messages so far (publish at "
                        "QoS 1 to have the broker hold them instead)",
                        self.counters.dropped,
                    )
                return
        self._inbox.put(_Received(message.mid, message.qos, self._session, reads))

    # --- the caller's thread ---------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_subscribed(self, timeout: float) -> bool:
        """For tests and scripts: whether the subscription is in place within ``timeout`` s."""
        return self._subscribed.wait(timeout)

    def run(self) -> None:
        options = self.options
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = options.session_expiry
        # How many unacknowledged messages the broker may send ahead: room for a batch and the
        # next one, and a brake when storing stalls.
        properties.ReceiveMaximum = min(65535, max(100, 2 * options.batch_size))
        self.client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=options.keepalive,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()
        logger.info(
            "Ingesting plate reads from %s (topics: %s; batches of %s reads or %s ms)",
            options.url,
            ", ".join(self._topics()),
            options.batch_size,
            options.batch_ms,
        )
        try:
            self._consume()
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            self._log_counters("MQTT ingest stopped:")

    def _consume(self) -> None:
        batch: list[_Received] = []
        reads = 0
        started = 0.0
        next_stats = time.monotonic() + self.options.stats_every
        while True:
            now = time.monotonic()
            if self._stop.is_set() and not self._closing:
                # From here on nothing new is taken; what was taken is stored and acknowledged.
                self._closing = True
            wait = 0.1
            if batch:
                wait = max(0.0, min(wait, started + self.options.batch_ms / 1000 - now))
            try:
                item = self._inbox.get(timeout=wait) if wait > 0 else self._inbox.get_nowait()
            except queue.Empty:
                item = None
            if item is not None:
                if not batch:
                    started = time.monotonic()
                batch.append(item)
                reads += len(item.reads)
            now = time.monotonic()
            full = reads >= self.options.batch_size or len(batch) >= self.options.batch_size
            due = batch and now - started >= self.options.batch_ms / 1000
            if batch and (full or due or (self._closing and self._inbox.empty())):
                if not self._flush(batch):
                    return  # stopped while the sink kept failing: nothing acknowledged
                batch, reads = [], 0
            if self._closing and not batch and self._inbox.empty():
                return
            if now >= next_stats:
                self._log_counters("MQTT ingest:")
                next_stats = now + self.options.stats_every

    def _flush(self, batch: list[_Received]) -> bool:
        """Store the batch's reads and acknowledge its messages; ``False`` when stopped before
        the sink took them."""
        reads = [read for item in batch for read in item.reads]
        if reads and not self._store(reads):
            return False
        session = self._session
        for item in batch:
            if item.qos > 0 and item.session == session:
                self.client.ack(item.mid, item.qos)
        return True

    def _store(self, reads: list[Read]) -> bool:
        delay = 1.0
        while True:
            try:
                result = self.sink(reads)
            except Exception:
                # Typically the database is away. Nothing is acknowledged, so nothing is lost;
                # the broker holds what comes meanwhile.
                self.counters.sink_errors += 1
                logger.exception(
                    "Storing %s plate reads failed; trying again in %.0f s", len(reads), delay
                )
                if self._stop.wait(delay):
                    return False
                delay = min(delay * 2, 60.0)
                continue
            break
        accepted, rejected, hits = _tally(result)
        self.counters.batches += 1
        self.counters.reads += len(reads)
        self.counters.accepted += accepted
        self.counters.rejected += len(rejected)
        self.counters.hits += len(hits)
        for problem in rejected[:5]:
            index = problem.get("index") if isinstance(problem, Mapping) else None
            read = reads[index] if isinstance(index, int) and 0 <= index < len(reads) else {}
            logger.warning(
                "Read refused: camera %s plate %s at %s: %s",
                read.get("camera"),
                read.get("plate"),
                read.get("ts"),
                problem,
            )
        return True

    def _log_counters(self, prefix: str) -> None:
        counts = self.adapter.counts
        self.counters.repeats = counts.repeats
        self.counters.ignored = counts.ignored
        self.counters.malformed = counts.malformed
        logger.info("%s %s", prefix, self.counters.line())


def run_until_signalled(consumer: Consumer) -> None:
    """``consumer.run()`` with SIGTERM and SIGINT asking it to stop cleanly; a second signal
    stops at once. Call from the main thread."""

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        if consumer.stopping:
            raise KeyboardInterrupt
        logger.info("Stopping (%s): storing what was received", signal.Signals(signum).name)
        consumer.stop()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        consumer.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
