"""Report intake over HTTP, and how fast a report reaches the officers' consoles.

Against ``safecity serve`` (uvicorn, one worker, embedded SQLite in WAL mode, in-memory channel
layer) started as a subprocess on a fresh ``safecity up --no-serve`` data directory, with rate
limits off and the duplicate rules reduced to ``other=1/1`` (reports are category "other" at
random points inside the city's wards, so the duplicate search runs but never links):

(a) sustained accepted reports per second: many concurrent clients, each on a keep-alive
    connection, POST valid reports (with an ``Idempotency-Key`` each) to ``/api/v1/reports``
    back to back for a fixed time; only 201s count; p50/p99 latency and errors;
(b) 100 WebSocket consoles logged in as the dispatcher, reports arriving at a steady 50/s: for
    each report, the time from its 201 reaching the client to its ``incident.created`` event
    reaching EVERY console (one clock: the client's), p50/p99;
(c) the baseline, same run, same client and concurrency: a bare Django view (no middleware)
    inserting one row in its own transaction into SQLite (WAL), served by the same uvicorn with
    the same options. ratio = SafeCity reports/s / baseline requests/s.

    python bench/intake.py [--quick]

Ports 8781 (SafeCity) and 8782 (baseline) on 127.0.0.1. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import time
from typing import Any

import _support as s

SAFECITY_PORT = 8781
BASELINE_PORT = 8782
CONSOLE_USER, CONSOLE_PASSWORD = "dispatcher", "safecity-demo"
GOAL_REPORTS_PER_S = 300
GOAL_CONSOLE_P99_MS = 250
LIVE_EVENTS = ("incident.created", "incident.updated")


async def console_latency(
    *,
    server: s.Server,
    session: str,
    points: s.WardPoints,
    consoles: int,
    rate: float,
    count: int,
    settle: float,
) -> dict[str, Any]:
    """Open ``consoles`` sockets, POST ``count`` reports at ``rate``/s, time each event."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    uri = f"ws://{s.HOST}:{server.port}/ws/ops/"
    headers = {"Cookie": f"sessionid={session}", "Origin": server.base_url}
    arrivals: dict[int, dict[int, float]] = {}  # incident id -> console -> receive time
    duplicates = 0
    opening = asyncio.Semaphore(10)
    sockets: list[Any] = []

    async def open_console() -> None:
        async with opening:
            ws = await connect(uri, additional_headers=headers, open_timeout=30)
            sockets.append(ws)
            hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if hello.get("event") != "hello":
                raise RuntimeError(f"console got {hello!r} instead of hello")

    async def listen(index: int, ws: Any) -> None:
        nonlocal duplicates
        try:
            async for raw in ws:
                received = time.perf_counter()
                message = json.loads(raw)
                if message.get("event") in LIVE_EVENTS:
                    seen = arrivals.setdefault(message["payload"]["id"], {})
                    if index in seen:
                        duplicates += 1
                    else:
                        seen[index] = received
        except ConnectionClosed:
            pass

    records: list[tuple[float, float, int]] = []  # (sent, 201 received, incident id)
    errors: dict[str, int] = {}
    pool: list[s.HttpConnection] = []
    run = os.urandom(6).hex()
    rng = random.Random(run)

    async def post(i: int) -> None:
        conn = pool.pop() if pool else s.HttpConnection(server.port)
        body = json.dumps(s.report_body(rng, points, f"console {i}")).encode()
        sent = time.perf_counter()
        try:
            headers = {"Idempotency-Key": f"ws-{run}-{i}"}
            answer = await asyncio.wait_for(
                conn.request("POST", "/api/v1/reports", body, headers), 30
            )
        except (OSError, asyncio.IncompleteReadError, TimeoutError, s.HttpError) as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            return
        done = time.perf_counter()
        pool.append(conn)
        if answer.status == 201:
            records.append((sent, done, answer.json()["incident_id"]))
        else:
            errors[f"http_{answer.status}"] = errors.get(f"http_{answer.status}", 0) + 1

    listeners: list[asyncio.Task[None]] = []
    try:
        await asyncio.gather(*(open_console() for _ in range(consoles)))
        listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
        print(f"  {len(sockets)} consoles connected as {CONSOLE_USER}", flush=True)
        cpu0, t_cpu0, client0 = server.cpu_seconds(), time.perf_counter(), time.process_time()
        start = time.perf_counter() + 0.2
        posts = []
        for i in range(count):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(post(i)))
        sending = time.perf_counter() - start
        await asyncio.gather(*posts)
        deadline = time.perf_counter() + settle
        while time.perf_counter() < deadline and any(
            len(arrivals.get(incident, ())) < consoles for _s, _d, incident in records
        ):
            await asyncio.sleep(0.05)
        span = time.perf_counter() - t_cpu0
        server_cpu = (server.cpu_seconds() - cpu0) / span
        client_cpu = (time.process_time() - client0) / span
    finally:
        for ws in sockets:
            await ws.close()
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)

    # A report that never reached every console counts as slower than any that did (inf), so
    # dropped events cannot make the percentiles look better; null in the JSON means "never".
    never = float("inf")
    every, complete, each, from_sent, incomplete, missing = [], [], [], [], 0, 0
    for sent, done, incident in records:
        seen = arrivals.get(incident, {})
        each.extend(t - done for t in seen.values())
        if len(seen) < consoles:
            incomplete += 1
            missing += consoles - len(seen)
            every.append(never)
            from_sent.append(never)
            continue
        last = max(seen.values())
        every.append(last - done)
        complete.append(last - done)
        from_sent.append(last - sent)
    post_latency = [done - sent for sent, done, _i in records]

    def pct(values: list[float], q: float) -> float | None:
        value = s.percentile(values, q)
        return None if value is None or value == never else s.ms(value)

    return {
        "consoles": len(sockets),
        "rate_per_s": rate,
        "sent_per_s": round((count - 1) / sending, 1) if sending > 0 and count > 1 else None,
        "reports": count,
        "accepted": len(records),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "all_consoles_p50_ms": pct(every, 50),
        "all_consoles_p99_ms": pct(every, 99),
        "all_consoles_max_ms": pct(every, 100),
        "complete_reports_p99_ms": pct(complete, 99),
        "per_delivery_p50_ms": s.ms(s.percentile(each, 50)),
        "per_delivery_p99_ms": s.ms(s.percentile(each, 99)),
        "per_delivery_min_ms": s.ms(min(each) if each else None),
        "from_post_sent_p50_ms": pct(from_sent, 50),
        "from_post_sent_p99_ms": pct(from_sent, 99),
        "post_p50_ms": s.ms(s.percentile(post_latency, 50)),
        "post_p99_ms": s.ms(s.percentile(post_latency, 99)),
        "reports_missing_on_some_console": incomplete,
        "deliveries_missing": missing,
        "deliveries_duplicated": duplicates,
        "server_cpu_cores": round(server_cpu, 2),
        "client_cpu_cores": round(client_cpu, 2),
    }


def describe(label: str, summary: dict[str, Any]) -> None:
    print(
        f"  {label}: {summary['accepted_per_s']:,.1f}/s accepted ({summary['accepted']} in "
        f"{summary['seconds']} s), p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, "
        f"errors {summary['errors']} {summary['error_kinds'] or ''}; server CPU "
        f"{summary['server_cpu_cores']} cores, {summary['server_cpu_ms_per_request']} ms/request",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small scale, under a minute")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    args = parser.parse_args()
    quick = args.quick
    concurrency = 50
    warmup, duration = (2.0, 8.0) if quick else (5.0, 60.0)
    consoles, rate = 100, 50.0
    console_seconds = 6.0 if quick else 60.0

    work = s.temp_dir("safecity-bench-intake-")
    sc_dir, bare_dir = work / "safecity", work / "bare"
    sc_dir.mkdir()
    bare_dir.mkdir()
    busy = s.machine_busy()
    print(
        f"work dir {work}; {'quick' if quick else 'full'} scale; machine CPU busy before "
        f"start {busy:.0%} (other processes skew the figures)",
        flush=True,
    )
    finished = False
    try:
        print("preparing SafeCity (safecity up --no-serve) …", flush=True)
        s.prepare_safecity(sc_dir)
        with s.running(s.safecity_server(sc_dir, SAFECITY_PORT)) as server:
            points = s.WardPoints(server.base_url)
            print(
                f"SafeCity up on {server.base_url} (pid {server.pid}); "
                f"{len(points.wards)} wards to report in",
                flush=True,
            )

            def make_report(rng: random.Random) -> dict[str, Any]:
                return s.report_body(rng, points, "load")

            print(
                f"(a) {concurrency} clients POST /api/v1/reports for {warmup:.0f}+"
                f"{duration:.0f} s …",
                flush=True,
            )
            load = s.run_async(
                s.closed_loop_load(
                    port=server.port,
                    path="/api/v1/reports",
                    make_body=make_report,
                    concurrency=concurrency,
                    duration=duration,
                    warmup=warmup,
                    server=server,
                )
            )
            safecity = load.summary()
            safecity["joined_existing"] = load.joined_existing
            describe("SafeCity", safecity)

            print(
                f"(b) {consoles} consoles, reports at {rate:.0f}/s for {console_seconds:.0f} s …",
                flush=True,
            )
            session = s.login_session(server.base_url, CONSOLE_USER, CONSOLE_PASSWORD)
            live = s.run_async(
                console_latency(
                    server=server,
                    session=session,
                    points=points,
                    consoles=consoles,
                    rate=rate,
                    count=int(rate * console_seconds),
                    settle=5.0,
                )
            )
            print(
                f"  201 → event on every console: p50 {live['all_consoles_p50_ms']} ms, p99 "
                f"{live['all_consoles_p99_ms']} ms (None: never; negative: the event beat the "
                f"201); POST sent → every console p99 {live['from_post_sent_p99_ms']} ms; POST "
                f"p50 {live['post_p50_ms']} ms, p99 {live['post_p99_ms']} ms; "
                f"{live['deliveries_missing']} of {live['accepted'] * live['consoles']} "
                f"deliveries missing; server CPU {live['server_cpu_cores']} cores",
                flush=True,
            )

        print("(c) baseline: bare Django view, one INSERT …", flush=True)
        with s.running(s.baseline_server(bare_dir, BASELINE_PORT)) as bare:

            def make_plain(rng: random.Random) -> dict[str, Any]:
                return s.report_body(rng, points, "load")

            base_load = s.run_async(
                s.closed_loop_load(
                    port=bare.port,
                    path=s.BASELINE_PATH,
                    make_body=make_plain,
                    concurrency=concurrency,
                    duration=duration,
                    warmup=warmup,
                    server=bare,
                )
            )
            baseline = base_load.summary()
            describe("baseline", baseline)
        finished = True
    finally:
        if args.keep or not finished:
            print(f"kept {work} (server logs, databases)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)

    ratio = (
        round(safecity["accepted_per_s"] / baseline["accepted_per_s"], 3)
        if baseline["accepted_per_s"]
        else None
    )
    result = {
        "bench": "intake",
        "scale": "quick" if quick else "full",
        "server": "safecity serve: uvicorn, 1 worker; SQLite WAL; in-memory channel layer",
        "duplicate_rules": f"SAFECITY_DUPLICATE_RULES={s.DUPLICATE_RULES}; category "
        f"{s.CATEGORY!r} at random points inside the city's wards (search runs, never links)",
        "concurrency": concurrency,
        "machine_busy_before": busy,
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "reports_per_s": safecity["accepted_per_s"],
        "p50_ms": safecity["p50_ms"],
        "p99_ms": safecity["p99_ms"],
        "errors": safecity["errors"],
        "throughput": safecity,
        "console_p50_ms": live["all_consoles_p50_ms"],
        "console_p99_ms": live["all_consoles_p99_ms"],
        "consoles": live,
        "goals": {
            "reports_per_s": GOAL_REPORTS_PER_S,
            "reports_per_s_met": safecity["accepted_per_s"] >= GOAL_REPORTS_PER_S,
            "console_p99_ms": GOAL_CONSOLE_P99_MS,
            "console_p99_met": live["all_consoles_p99_ms"] is not None
            and live["all_consoles_p99_ms"] <= GOAL_CONSOLE_P99_MS
            and live["deliveries_missing"] == 0,
        },
        "baseline": {
            "name": s.BASELINE_NAME,
            "requests_per_s": baseline["accepted_per_s"],
            **baseline,
        },
        "ratio": ratio,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
