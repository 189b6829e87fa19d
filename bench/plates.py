"""Plate reads: ingestion and watchlist matching, in process and over HTTP, and how fast a hit
reaches a console.

A fresh data directory (migrated; one force, its command centre and a station; 150 plate
cameras served by one NVR device key; a dispatcher) with a 100,000-entry stolen-vehicles
watchlist of realistic Vietnamese plates (cars, motorbikes, under-50 cc, special series and
temporary plates, mostly HCMC localities; 5 % of the entries allow one further edit). The
reads are random plates with 5 % of listed ones — some spelled as the camera would
("51f 12345"), some misread through look-alike characters ("5IF-I23.4S", "59-A8" for
"59-AB"), a few with one real character wrong — plus unreadable text and candidate readings.
The reads come as a feed of 150 cameras makes them (``FEED_READS_PER_S``): each batch a later
slice of time, its reads up to two minutes late.

(a) reads ingested and matched per second through ``cameras.services.reads_ingest`` in one
    process, in bulk (batches of 5,000; the API's 1,000 too), with the live-event outbox on an
    event loop as in the server; at full scale the batches of 5,000 run three times, each into
    an emptied reads table (the previous run's reads, hits and plate index deleted and the
    file vacuumed), and the figure is the median run (this machine's speed varies ±10 % from
    one run to the next; all three are in the JSON). Then once more, emptied, from two threads
    of the process at once, as the server's request threads call it (a separate figure: the
    goal is judged on one). The 1,000-read batches and the HTTP part then run on top of those
    reads;
    the yardstick, first: the issue's "bare loop of SQLite executemany inserts plus a
    dictionary look-up" (``yardstick``), to show what this machine does that hour;
(b) reads per second through ``POST /api/v1/cameras/reads`` (1,000 reads a request) against
    ``safecity serve`` (uvicorn, one worker, SQLite WAL), with 4 and then 8 keep-alive clients
    (the figure: the higher; both are printed);
(c) read → ``camera.hit`` event on a connected console (WebSocket ``/ws/ops/`` as the
    dispatcher): from the POST being sent to the event's arrival, p50/p99;
(d) hit precision and recall on the generated reads (ground truth: which listed plate each
    read shows), overall and by kind of misread;
(e) a naive baseline in the same run: one ORM insert per read in its own transaction, then the
    edit distance against every watchlist entry (a hit at distance ≤ 1), timed on a subsample
    and taken per read. ratio = (a) reads/s / baseline reads/s.

    python bench/plates.py [--quick] [--keep]

Port 8783 on 127.0.0.1. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _support as s

PORT = 8783
ENTRIES = 100_000
CAMERAS = 150
ONE_EDIT_SHARE = 0.05
CONSOLE_USER, CONSOLE_PASSWORD = "dispatcher", "bench-password-2025"
GOAL_SERVICE_READS_PER_S = 50_000
GOAL_HTTP_READS_PER_S = 20_000
GOAL_HIT_P99_MS = 500
# The simulated feed: 150 cameras each reading a vehicle every half second at most. The reads a
# run ingests span the time such a feed takes to make them (300,000 reads: 17 minutes), each
# reaching the server up to two minutes late; not all in the same two minutes, which would be
# 17 reads a second from every camera.
FEED_READS_PER_S = 2 * CAMERAS

HCMC = [41, *range(50, 60)]
OTHER = [29, 30, 43, 60, 61, 72, 15, 92]
SERIES = "ABCDEFGHKLMNPSTUVXYZ"
SPECIAL = ["LD", "KT", "DA", "HC", "MK"]
# Camera misreads of one character: to its look-alike (the OCR's classic confusions).
LOOKALIKE = {
    "0": "ODQ", "O": "0D", "D": "0O", "Q": "0O", "1": "IL", "I": "1L", "L": "1I",
    "5": "S", "S": "5", "8": "B", "B": "8", "2": "Z", "Z": "2", "6": "G", "G": "6",
}  # fmt: skip


# --- Plates -------------------------------------------------------------------------------------


def random_key(rng: random.Random) -> str:
    """A compact plate key of a realistic kind and locality."""
    loc = rng.choice(HCMC) if rng.random() < 0.85 else rng.choice(OTHER)
    number = f"{rng.randint(0, 99999):05d}" if rng.random() < 0.8 else f"{rng.randint(0, 9999):04d}"
    kind = rng.random()
    if kind < 0.60:  # motorbike 59-X1 123.45
        return f"{loc}{rng.choice(SERIES)}{rng.randint(1, 9)}{number}"
    if kind < 0.90:  # car 51F-123.45
        return f"{loc}{rng.choice(SERIES)}{number}"
    if kind < 0.95:  # under 50 cc 59-AB 123.45
        return f"{loc}{rng.choice(SERIES)}{rng.choice(SERIES)}{number}"
    if kind < 0.98:  # special series 51LD-123.45
        return f"{loc}{rng.choice(SPECIAL)}{rng.randint(10000, 99999)}"
    return f"T{loc}{rng.randint(10000, 99999)}"  # temporary


def spelled(key: str, rng: random.Random) -> str:
    """The key as a camera might send it: the display form, separators, case."""
    from safecity.core.identifiers import plate_parse

    plate = plate_parse(key)
    text = plate.display if plate is not None and rng.random() < 0.5 else key
    if rng.random() < 0.1:
        text = text.lower()
    return text


def lookalike_misread(key: str, rng: random.Random) -> str:
    """One or two characters read as their look-alikes."""
    chars = list(key)
    places = [i for i, ch in enumerate(chars) if ch in LOOKALIKE]
    for i in rng.sample(places, min(len(places), rng.choice([1, 1, 2]))):
        chars[i] = rng.choice(LOOKALIKE[chars[i]])
    return "".join(chars)


def real_error(key: str, rng: random.Random) -> str:
    """One character really wrong (not a look-alike): substituted or dropped."""
    i = rng.randrange(3, len(key))
    if rng.random() < 0.5:
        return key[:i] + key[i + 1 :]
    digits = [d for d in "0123456789" if d != key[i] and d not in LOOKALIKE.get(key[i], "")]
    return key[:i] + rng.choice(digits) + key[i + 1 :]


class Reads:
    """Reads with their ground truth: the listed key each shows (or None) and how."""

    def __init__(self, listed: list[str], cameras: list[str], seed: int) -> None:
        self.listed = listed
        self.listed_set = set(listed)
        self.cameras = cameras
        self.rng = random.Random(seed)

    def one(self, now: datetime) -> tuple[dict[str, Any], str | None, str]:
        rng = self.rng
        roll = rng.random()
        truth: str | None = None
        if roll < 0.02:
            truth = rng.choice(self.listed)
            text, how = spelled(truth, rng), "exact"
        elif roll < 0.045:
            truth = rng.choice(self.listed)
            text, how = lookalike_misread(truth, rng), "lookalike"
        elif roll < 0.05:
            truth = rng.choice(self.listed)
            text, how = real_error(truth, rng), "real_error"
        elif roll < 0.07:
            text, how = rng.choice(["", "???", "#-", "ABC", "51", "5"]), "unreadable"
        else:
            key = random_key(rng)
            while key in self.listed_set:
                key = random_key(rng)
            text, how = spelled(key, rng), "unlisted"
        ts = now - timedelta(seconds=rng.uniform(0, 120))
        body: dict[str, Any] = {
            "camera": rng.choice(self.cameras),
            "ts": ts.astimezone(VN).isoformat(timespec="milliseconds"),
            "plate": text,
            "confidence": round(rng.uniform(0.55, 0.99), 2),
            "vehicle_type": rng.choice(["car", "motorbike", "truck", "bus"]),
            "color": rng.choice(["white", "black", "silver", "red", "blue"]),
            "direction": rng.choice(["in", "out"]),
        }
        if rng.random() < 0.2:
            body["candidates"] = [
                {"plate": lookalike_misread(text.upper() or "X", rng), "confidence": 0.3}
            ]
        return body, truth, how

    def batch(self, n: int, now: datetime) -> tuple[list[dict[str, Any]], list[Any], list[str]]:
        bodies, truths, hows = [], [], []
        for _ in range(n):
            body, truth, how = self.one(now)
            bodies.append(body)
            truths.append(truth)
            hows.append(how)
        return bodies, truths, hows


VN = UTC  # replaced with +07:00 once Django is set up (timestamps carry the offset)


# --- Setting up ---------------------------------------------------------------------------------


def django_setup(data_dir: Path) -> None:
    os.environ.update(s.base_env(SAFECITY_DATA_DIR=str(data_dir), SAFECITY_LOG_LEVEL="WARNING"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "safecity.settings"
    sys.path.insert(0, str(s.REPO / "src"))
    import django

    django.setup()
    global VN
    from django.utils import timezone

    VN = timezone.get_fixed_timezone(7 * 60)


def prepare(rng: random.Random) -> dict[str, Any]:
    """Migrate; units, cameras, the NVR key, the dispatcher and the watchlist."""
    from django.core.management import call_command
    from django.db import transaction

    from safecity.accounts import services as accounts
    from safecity.accounts.models import DeviceKey
    from safecity.cameras.models import Camera, Watchlist, WatchlistEntry, WatchlistVersion
    from safecity.core.identifiers import plate_parse

    call_command("migrate", verbosity=0)
    force = accounts.unit_create(code="CATP", name="Công an TP.HCM", kind="force", city_wide=True)
    command = accounts.unit_create(
        code="TTCH", name="Trung tâm Chỉ huy", kind="command", parent=force, city_wide=True
    )
    station = accounts.unit_create(
        code="P-SG", name="Công an phường Sài Gòn", kind="station", parent=force
    )
    accounts.officer_create(
        username=CONSOLE_USER,
        password=CONSOLE_PASSWORD,
        unit=command,
        roles=["dispatcher"],
        full_name="Nguyễn Văn Minh",
    )
    nvr, nvr_raw = accounts.device_key_create(name="NVR", kind=DeviceKey.Kind.CAMERA, unit=station)
    codes = [f"CAM-{i:03d}" for i in range(CAMERAS)]
    Camera.objects.bulk_create(
        [
            Camera(
                code=code,
                name=f"Nút giao {i}",
                lat=10.70 + rng.random() * 0.15,
                lon=106.60 + rng.random() * 0.15,
                unit=station,
                device_key=nvr,
            )
            for i, code in enumerate(codes)
        ]
    )
    listed: set[str] = set()
    while len(listed) < ENTRIES:
        key = random_key(rng)
        if plate_parse(key) is not None and plate_parse(key).key == key:  # type: ignore[union-attr]
            listed.add(key)
    keys = sorted(listed)
    rng.shuffle(keys)
    one_edit = set(keys[: int(ENTRIES * ONE_EDIT_SHARE)])
    with transaction.atomic():
        stolen = Watchlist.objects.create(name="Xe bị trộm", kind="stolen", unit=command)
        WatchlistEntry.objects.bulk_create(
            [
                WatchlistEntry(
                    watchlist=stolen,
                    plate_key=key,
                    display=plate_parse(key).display,  # type: ignore[union-attr]
                    reason="Trình báo mất xe",
                    unit=command,
                    allow_one_edit=key in one_edit,
                    valid_from=datetime.now(UTC) - timedelta(days=1),
                    version=1,
                )
                for key in keys
            ],
            batch_size=2000,
        )
        WatchlistVersion.objects.update_or_create(pk=1, defaults={"version": 1, "epoch": 1})
    return {"keys": keys, "one_edit": one_edit, "codes": codes, "nvr": nvr_raw}


def attach_live_loop() -> None:
    """The live-event outbox on an event loop of its own, as the server has it."""
    from safecity.core import live

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="bench-live", daemon=True).start()
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()
    done = threading.Event()
    loop.call_soon_threadsafe(lambda: (live.attach_loop(loop), done.set()))
    done.wait(5)


# --- (a) and (d): the service -------------------------------------------------------------------


def feed_clocks(count: int, size: int) -> list[datetime]:
    """The moments ``count`` batches of ``size`` reads are sent, as a camera feed sends them:
    the feed runs at ``FEED_READS_PER_S`` and its last batch is sent now (each read in a batch
    is up to two minutes older than that: ``Reads.one``)."""
    now = datetime.now(UTC)
    step = timedelta(seconds=size / FEED_READS_PER_S)
    return [now - (count - 1 - k) * step for k in range(count)]


def service_run(reads: Reads, *, total: int, batch: int, feeders: int = 1) -> dict[str, Any]:
    """``total`` reads through ``reads_ingest`` in batches of ``batch``, from ``feeders``
    threads of this process (each its own database connection, as the server's request
    threads; with two, the batches alternate between them)."""
    from django.db import connection

    from safecity.cameras import plate_index
    from safecity.cameras.services import reads_ingest

    count = max(1, total // batch)
    batches = [reads.batch(batch, clock) for clock in feed_clocks(count, batch)]
    tp = fp = fn = 0
    by_how: dict[str, Counter[str]] = {}
    accepted = hits = 0
    results: list[Any] = [None] * count

    def feed(first: int) -> None:
        for k in range(first, count, feeders):
            results[k] = reads_ingest(reads=batches[k][0], trusted=True, source="bench")
        if threading.current_thread() is not threading.main_thread():
            connection.close()

    started = time.perf_counter()
    cpu0 = time.process_time()
    if feeders == 1:
        feed(0)
    else:
        threads = [threading.Thread(target=feed, args=(k,)) for k in range(feeders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if any(result is None for result in results):
            raise RuntimeError("a feeding thread failed: see its traceback above")
    stored = time.perf_counter() - started
    # On SQLite the plate index is filled behind ingestion: the clock stops when it has caught
    # up, so the figure includes all of a read's indexing.
    plate_index.merge_all()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    from safecity.cameras.matching import watchlist_index

    index = watchlist_index()
    for (_bodies, truths, hows), result in zip(batches, results, strict=True):
        accepted += result.accepted
        hits += len(result.hits)
        matched: dict[int, set[str]] = {}
        for hit in result.hits:
            entry = index.entries.get(hit["entry_id"])
            matched.setdefault(hit["read_index"], set()).add(entry.key if entry else "?")
        for i, (truth, how) in enumerate(zip(truths, hows, strict=True)):
            found = matched.get(i, set())
            tally = by_how.setdefault(how, Counter())
            tally["reads"] += 1
            if truth is not None:
                if truth in found:
                    tp += 1
                    tally["found"] += 1
                else:
                    fn += 1
                fp += len(found - {truth})
            else:
                fp += len(found)
                tally["false_hits"] += len(found)
    n = len(batches) * batch
    return {
        "reads": n,
        "batch": batch,
        "feeders": feeders,
        "accepted": accepted,
        "hits": hits,
        "seconds": round(elapsed, 2),
        "seconds_stored": round(stored, 2),
        "reads_per_s": round(n / elapsed),
        "cpu_per_read_us": round(cpu / n * 1e6, 1),
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "true_hits": tp,
        "false_hits": fp,
        "missed": fn,
        "by_kind": {
            how: {
                "reads": t["reads"],
                "found": t["found"],
                "recall": round(t["found"] / t["reads"], 4)
                if how in {"exact", "lookalike", "real_error"}
                else None,
                "false_hits": t["false_hits"],
            }
            for how, t in sorted(by_how.items())
        },
    }


def yardstick(
    reads: Reads, listed: list[str], *, total: int, batch: int, work: Path
) -> dict[str, Any]:
    """The issue's scale: a bare loop that looks each read's plate up in a dictionary of the
    listed plates and stores the reads with SQLite ``executemany`` (a table of the reads
    table's 17 columns, ``AUTOINCREMENT`` id, WAL, a commit a batch), in a file of its own.
    No checking, no plate reading, no index: what this machine's Python and SQLite do at
    best in the same hour as the runs above (the issue measured about 250,000 a second)."""
    import sqlite3

    columns = (
        "camera, ts, raw_text, plate_key, display, kind, locality, valid, unreadable, "
        "confidence, candidates, vehicle_type, color, direction, image, source, received_at"
    )
    path = work / "yardstick.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"CREATE TABLE reads (id INTEGER PRIMARY KEY AUTOINCREMENT, {columns})")
    insert = f"INSERT INTO reads ({columns}) VALUES ({', '.join(['?'] * 17)})"  # noqa: S608
    index = {key: n for n, key in enumerate(listed)}
    count = max(1, total // batch)
    batches = [reads.batch(batch, clock)[0] for clock in feed_clocks(count, batch)]
    received = datetime.now(UTC).isoformat(" ")[:-6]
    hits = 0
    started = time.perf_counter()
    for bodies in batches:
        rows = []
        for body in bodies:
            key = body["plate"].upper().replace("-", "").replace(".", "").replace(" ", "")
            hits += key in index
            rows.append(
                (
                    body["camera"], body["ts"], body["plate"], key, body["plate"], "car", 51,
                    1, 0, body["confidence"], "[]", body["vehicle_type"], body["color"],
                    body["direction"], "", "bench", received,
                )
            )  # fmt: skip
        db.executemany(insert, rows)
        db.commit()
    elapsed = time.perf_counter() - started
    db.close()
    n = count * batch
    return {
        "name": "dict look-up + SQLite executemany of 17-column rows, a commit a batch",
        "reads": n,
        "batch": batch,
        "hits": hits,
        "rows_per_s": round(n / elapsed),
    }


def empty_reads() -> None:
    """Delete every read, hit and plate-index row and vacuum the file: the next run stores
    into tables as small as the first run's (how the stored reads' growth slows a run is
    measured apart, see the README)."""
    from django.db import connection

    from safecity.cameras.models import Hit, PlateRead
    from safecity.core.sqlite.base import clear_side_files

    with connection.cursor() as cursor:
        for model in (Hit, PlateRead):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        cursor.execute("VACUUM")
    clear_side_files(connection.settings_dict)  # the plate index's own file


# --- (e): the naive baseline --------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def naive_run(reads: Reads, keys: list[str], *, samples: int) -> dict[str, Any]:
    """One ORM insert per read (autocommit: its own transaction), then the edit distance to
    every entry. Timed per read on ``samples`` reads."""
    from safecity.cameras.models import Camera, PlateRead
    from safecity.core.identifiers import plate_key

    camera = Camera.objects.first()
    bodies, _truths, _hows = reads.batch(samples, datetime.now(UTC))
    started = time.perf_counter()
    found = 0
    for body in bodies:
        key = plate_key(body["plate"])
        PlateRead.objects.create(
            camera=camera,
            ts=datetime.fromisoformat(body["ts"]),
            raw_text=body["plate"],
            plate_key=key,
            confidence=body["confidence"],
            source="naive",
        )
        found += sum(1 for entry in keys if edit_distance(key, entry) <= 1)
    per_read = (time.perf_counter() - started) / samples
    return {
        "name": "one ORM insert per read + edit distance against every entry (pure Python)",
        "samples": samples,
        "seconds_per_read": round(per_read, 4),
        "reads_per_s": round(1 / per_read, 2),
        "hits": found,
    }


# --- (b) and (c): over HTTP ---------------------------------------------------------------------


def server_env(data_dir: Path) -> dict[str, str]:
    # Rate limits stay on: the camera routes have their own per-key limit (100/s by default).
    return s.base_env(SAFECITY_DATA_DIR=str(data_dir), SAFECITY_LOG_LEVEL="WARNING")


async def http_load(
    *, server: s.Server, key: str, reads: Reads, clients: int, warmup: float, duration: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [
        json.dumps({"reads": reads.batch(1000, clock)[0]}).encode()
        for clock in feed_clocks(24, 1000)
    ]
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    accepted = hits = 0
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration
    marks: dict[str, float] = {}

    async def client(index: int) -> None:
        nonlocal accepted, hits
        conn = s.HttpConnection(server.port)
        n = index
        try:
            while time.perf_counter() < stop_at:
                if time.perf_counter() >= measure_from and "cpu" not in marks:
                    marks["cpu"] = server.cpu_seconds()
                body = bodies[n % len(bodies)]
                n += clients
                sent = time.perf_counter()
                try:
                    answer = await asyncio.wait_for(
                        conn.request("POST", "/api/v1/cameras/reads", body, headers), 60
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, s.HttpError) as e:
                    errors[type(e).__name__] += 1
                    continue
                done = time.perf_counter()
                if sent < measure_from or done > stop_at:
                    continue
                if answer.status == 200:
                    out = answer.json()
                    accepted += out["accepted"]
                    hits += len(out["hits"])
                    latencies.append(done - sent)
                else:
                    errors[f"http_{answer.status}"] += 1
        finally:
            await conn.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    server_cpu = server.cpu_seconds() - marks.get("cpu", server.cpu_seconds())
    return {
        "clients": clients,
        "reads_per_request": 1000,
        "seconds": duration,
        "requests": len(latencies),
        "reads_per_s": round(accepted / duration),
        "hits": hits,
        "request_p50_ms": s.ms(s.percentile(latencies, 50)),
        "request_p99_ms": s.ms(s.percentile(latencies, 99)),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "server_cpu_cores": round(server_cpu / duration, 2),
    }


async def console_latency(
    *, server: s.Server, key: str, session: str, reads: Reads, rate: float, count: int
) -> dict[str, Any]:
    """POST small batches (50 reads, a few of them listed plates) at ``rate``/s; time each hit
    from its POST being sent to its ``camera.hit`` event on the console."""
    from websockets.asyncio.client import connect

    uri = f"ws://{s.HOST}:{server.port}/ws/ops/"
    ws = await connect(
        uri,
        additional_headers={"Cookie": f"sessionid={session}", "Origin": server.base_url},
        open_timeout=30,
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
    assert hello.get("event") == "hello", hello
    arrivals: dict[int, float] = {}

    async def listen() -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("event") == "camera.hit":
                arrivals.setdefault(message["payload"]["id"], time.perf_counter())

    listener = asyncio.create_task(listen())
    sent_at: dict[int, float] = {}
    errors: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {key}"}
    pool: list[s.HttpConnection] = []
    fresh = iter(reads.rng.sample(reads.listed, min(len(reads.listed), count * 5)))

    async def post() -> None:
        conn = pool.pop() if pool else s.HttpConnection(server.port)
        body, _truths, _hows = reads.batch(45, datetime.now(UTC))
        for _ in range(5):  # listed plates not read before: each one alerts
            plate = next(fresh)
            body.append({**body[0], "plate": plate, "candidates": []})
        sent = time.perf_counter()
        try:
            answer = await asyncio.wait_for(
                conn.request(
                    "POST", "/api/v1/cameras/reads", json.dumps({"reads": body}).encode(), headers
                ),
                30,
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, s.HttpError) as e:
            errors[type(e).__name__] += 1
            return
        pool.append(conn)
        if answer.status != 200:
            errors[f"http_{answer.status}"] += 1
            return
        for hit in answer.json()["hits"]:
            if hit["alerted"]:
                sent_at[hit["hit_id"]] = sent

    try:
        start = time.perf_counter() + 0.2
        tasks = []
        for i in range(count):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post()))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and any(h not in arrivals for h in sent_at):
            await asyncio.sleep(0.05)
    finally:
        await ws.close()
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    never = float("inf")
    delays = [arrivals[h] - t if h in arrivals else never for h, t in sent_at.items()]

    def pct(q: float) -> float | None:
        value = s.percentile(delays, q)
        return None if value is None or value == never else s.ms(value)

    return {
        "requests": count,
        "rate_per_s": rate,
        "hits_alerted": len(sent_at),
        "events_missing": sum(1 for d in delays if d == never),
        "read_to_event_p50_ms": pct(50),
        "read_to_event_p99_ms": pct(99),
        "read_to_event_max_ms": pct(100),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small scale, under a minute")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    args = parser.parse_args()
    quick = args.quick
    service_reads = 60_000 if quick else 300_000
    repeats = 1 if quick else 3
    naive_samples = 4 if quick else 30
    http_warmup, http_seconds = (2.0, 6.0) if quick else (5.0, 30.0)
    client_counts = (4, 8)
    console_count, console_rate = (40, 10.0) if quick else (300, 10.0)

    work = s.temp_dir("safecity-bench-plates-")
    busy = s.machine_busy()
    print(
        f"work dir {work}; {'quick' if quick else 'full'} scale; machine CPU busy before start "
        f"{busy:.0%} (other processes skew the figures)",
        flush=True,
    )
    finished = False
    try:
        django_setup(work)
        rng = random.Random(2025)
        t0 = time.perf_counter()
        print(f"preparing: migrate, {CAMERAS} cameras, {ENTRIES:,} watchlist entries …", flush=True)
        setup = prepare(rng)
        print(f"  ready in {time.perf_counter() - t0:.1f} s", flush=True)
        attach_live_loop()
        from safecity.core import memory

        memory.settle()  # as the server does once started (gc.freeze, SAFECITY_GC_YOUNG)
        reads = Reads(setup["keys"], setup["codes"], seed=7)
        t0 = time.perf_counter()
        from safecity.cameras.matching import watchlist_index

        index_size = len(watchlist_index())
        index_s = time.perf_counter() - t0
        print(f"  matching index: {index_size:,} entries in {index_s:.1f} s", flush=True)

        print("yardstick: a bare loop (dict look-up + executemany) …", flush=True)
        bare = yardstick(
            Reads(setup["keys"], setup["codes"], seed=11),
            setup["keys"],
            total=service_reads,
            batch=5000,
            work=work,
        )
        print(f"  {bare['rows_per_s']:,} reads/s", flush=True)
        print(
            f"(a) service: {service_reads:,} reads in batches of 5,000 (×{repeats}, then from two "
            "threads) and 1,000 …",
            flush=True,
        )
        runs = []
        for run in range(repeats):
            if run:
                empty_reads()
            runs.append(service_run(reads, total=service_reads, batch=5000))
        bulk = sorted(runs, key=lambda one: one["reads_per_s"])[len(runs) // 2]
        if repeats > 1:
            print(
                "  runs of 5,000-read batches: "
                + ", ".join(f"{one['reads_per_s']:,}" for one in runs)
                + " reads/s (the median is the figure)",
                flush=True,
            )
        empty_reads()
        two = service_run(reads, total=service_reads, batch=5000, feeders=2)
        print(f"  {two['reads_per_s']:,} reads/s from two feeding threads", flush=True)
        api_size = service_run(reads, total=service_reads // 3, batch=1000)
        print(
            f"  {bulk['reads_per_s']:,} reads/s (batches of 5,000), "
            f"{api_size['reads_per_s']:,} reads/s (1,000); {bulk['cpu_per_read_us']} µs CPU a "
            f"read; (d) precision {bulk['precision']}, recall {bulk['recall']}",
            flush=True,
        )
        print(f"(e) naive baseline on {naive_samples} reads …", flush=True)
        naive = naive_run(reads, setup["keys"], samples=naive_samples)
        print(
            f"  {naive['reads_per_s']} reads/s ({naive['seconds_per_read']} s a read)", flush=True
        )

        from django.db import connections

        connections.close_all()
        print("(b) HTTP: safecity serve …", flush=True)
        server = s.Server(
            "SafeCity",
            [*s.SAFECITY, "serve", "--host", s.HOST, "--port", str(PORT), "--workers", "1"],
            port=PORT,
            env=server_env(work),
            log=work / "server.log",
        )
        with s.running(server):
            # The server builds its matching index on the first batch (a second or so: the
            # warm-up's own figures mean nothing and are not kept).
            s.run_async(
                http_load(
                    server=server,
                    key=setup["nvr"],
                    reads=reads,
                    clients=1,
                    warmup=0.0,
                    duration=1.0,
                )
            )
            by_clients = {}
            for clients in client_counts:
                by_clients[clients] = s.run_async(
                    http_load(
                        server=server,
                        key=setup["nvr"],
                        reads=reads,
                        clients=clients,
                        warmup=http_warmup,
                        duration=http_seconds,
                    )
                )
                one = by_clients[clients]
                print(
                    f"  {one['reads_per_s']:,} reads/s over HTTP ({clients} clients, 1,000 reads "
                    f"a request; p99 {one['request_p99_ms']} ms; errors {one['errors']}; server "
                    f"{one['server_cpu_cores']} cores)",
                    flush=True,
                )
            http = max(by_clients.values(), key=lambda one: one["reads_per_s"])
            print(f"(c) console: {console_count} posts at {console_rate:.0f}/s …", flush=True)
            session = s.login_session(server.base_url, CONSOLE_USER, CONSOLE_PASSWORD)
            console = s.run_async(
                console_latency(
                    server=server,
                    key=setup["nvr"],
                    session=session,
                    reads=reads,
                    rate=console_rate,
                    count=console_count,
                )
            )
            print(
                f"  read → hit event p50 {console['read_to_event_p50_ms']} ms, p99 "
                f"{console['read_to_event_p99_ms']} ms; {console['events_missing']} of "
                f"{console['hits_alerted']} missing",
                flush=True,
            )
        finished = True
    finally:
        if args.keep or not finished:
            print(f"kept {work} (server log, database)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)

    ratio = round(bulk["reads_per_s"] / naive["reads_per_s"], 1) if naive["reads_per_s"] else None
    result = {
        "bench": "plates",
        "scale": "quick" if quick else "full",
        "watchlist_entries": ENTRIES,
        "one_edit_share": ONE_EDIT_SHARE,
        "cameras": CAMERAS,
        "machine_busy_before": busy,
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "index_build_s": round(index_s, 2),
        "service_reads_per_s": bulk["reads_per_s"],
        "service_reads_per_s_batch_1000": api_size["reads_per_s"],
        "service_reads_per_s_two_feeders": two["reads_per_s"],
        "yardstick_reads_per_s": bare["rows_per_s"],
        "http_reads_per_s": http["reads_per_s"],
        "hit_event_p50_ms": console["read_to_event_p50_ms"],
        "hit_event_p99_ms": console["read_to_event_p99_ms"],
        "precision": bulk["precision"],
        "recall": bulk["recall"],
        "service": bulk,
        "service_runs_reads_per_s": [one["reads_per_s"] for one in runs],
        "service_batch_1000": api_size,
        "service_two_feeders": two,
        "yardstick": bare,
        "http": http,
        "http_by_clients": {str(n): one["reads_per_s"] for n, one in by_clients.items()},
        "console": console,
        "goals": {
            "service_reads_per_s": GOAL_SERVICE_READS_PER_S,
            "service_met": bulk["reads_per_s"] >= GOAL_SERVICE_READS_PER_S,
            "service_met_two_feeders": two["reads_per_s"] >= GOAL_SERVICE_READS_PER_S,
            "http_reads_per_s": GOAL_HTTP_READS_PER_S,
            "http_met": http["reads_per_s"] >= GOAL_HTTP_READS_PER_S,
            "hit_event_p99_ms": GOAL_HIT_P99_MS,
            "hit_event_met": console["read_to_event_p99_ms"] is not None
            and console["read_to_event_p99_ms"] <= GOAL_HIT_P99_MS
            and console["events_missing"] == 0,
        },
        "baseline": naive,
        "ratio": ratio,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
