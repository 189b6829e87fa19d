"""Dispatch: recommending units among 5,000, and ingesting their positions.

On a fresh ``safecity up --no-serve`` data directory (embedded SQLite in WAL mode; the demo's
wards, stations and 60 units) with 5,000 more patrol units seeded at random points inside the
city's wards (kinds and statuses mixed as on a busy shift, ~60 % available):

(a) recommendation, in process: ``dispatch.selectors.recommend_units`` for random incidents
    (random points inside wards, random categories), top 10 — p50/p99 (goal p99 ≤ 5 ms);
(b) position ingest over HTTP: ``safecity serve`` (uvicorn, one worker) on port 8785; clients
    on keep-alive connections POST batches of fixes to ``/api/v1/units/{id}/positions`` with each
    unit's tracker device key — accepted fixes per second (goal ≥ 5,000/s), at 100 fixes per
    request and, for honesty, at 10;
(c) the naive baselines, same run, same database: a recommendation that loads every unit row
    and sorts in Python, and an ingest that saves each fix with the ORM (one ``save()`` of the
    position and one of the unit per fix, each committed) — and the ratios.

``ratio`` (the headline) = HTTP batch ingest fixes/s ÷ naive per-fix ORM fixes/s in process (the
baseline has no HTTP to pay for, so the ratio flatters it); ``ratios`` has the others.

    python bench/dispatch.py [--quick] [--keep]

Port 8785 on 127.0.0.1. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import _support as s

PORT = 8785
UNITS = 5000
GOAL_RECOMMEND_P99_MS = 5.0
GOAL_FIXES_PER_S = 5000
KIND_MIX = (
    ("patrol_car", 35),
    ("motorbike", 30),
    ("foot", 10),
    ("traffic", 15),
    ("fire_engine", 5),
    ("rescue", 5),
)
STATUS_MIX = (
    ("available", 60),
    ("busy", 10),
    ("returning", 5),
    ("out_of_service", 5),
    ("off_duty", 20),
)
CATEGORY_MIX = (
    ("security", 35),
    ("traffic_accident", 30),
    ("medical", 15),
    ("fire", 8),
    ("rescue", 5),
    ("other", 7),
)


def pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([m[0] for m in mix], weights=[m[1] for m in mix])[0]


def setup_django(data_dir: Path) -> None:
    env = s.safecity_env(data_dir)
    for key in [k for k in os.environ if k.startswith("SAFECITY_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("SAFECITY_")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "safecity.settings"
    sys.path.insert(0, str(s.REPO / "src"))
    import django

    django.setup()


class Points:
    """Random points inside the province's ward boundaries, with the ward they fall in."""

    def __init__(self) -> None:
        from django.conf import settings
        from shapely.geometry import Point, shape
        from shapely.prepared import prep

        from safecity.geography.models import Ward

        self._point = Point
        self.wards = [
            (w.code, w.min_lat, w.min_lon, w.max_lat, w.max_lon, prep(shape(w.boundary)))
            for w in Ward.objects.filter(
                province_id=settings.SAFECITY_PROVINCE_CODE, boundary__isnull=False
            )
        ]
        # Weighted by 1/area: the city's small central wards get more units and incidents,
        # as they do in life; the big outer communes fewer.
        self.weights = [1 / max((w[3] - w[1]) * (w[4] - w[2]), 1e-6) ** 0.5 for w in self.wards]

    def random(self, rng: random.Random) -> tuple[int, float, float]:
        while True:
            code, lat0, lon0, lat1, lon1, shape_ = rng.choices(self.wards, self.weights)[0]
            for _ in range(50):
                lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
                if shape_.contains(self._point(lon, lat)):
                    return code, round(lat, 6), round(lon, 6)


def seed_units(count: int, rng: random.Random, points: Points) -> None:
    """``count`` patrol units at random points, each at its ward's station."""
    from django.db import transaction
    from django.utils import timezone

    from safecity.accounts.models import Unit
    from safecity.dispatch.models import PatrolUnit

    stations = dict(Unit.objects.filter(kind=Unit.Kind.STATION).values_list("ward_code", "pk"))
    seen = timezone.now() - timedelta(minutes=15)
    rows = []
    for n in range(count):
        code, lat, lon = points.random(rng)
        status = pick(rng, STATUS_MIX)
        rows.append(
            PatrolUnit(
                call_sign=f"B-{n:05d}",
                kind=pick(rng, KIND_MIX),
                station_id=stations[code],
                on_duty=status != "off_duty",
                status=status,
                lat=lat,
                lon=lon,
                heading=rng.uniform(0, 360),
                speed_mps=0.0,
                accuracy_m=8.0,
                position_at=seen,
            )
        )
    with transaction.atomic():
        PatrolUnit.objects.bulk_create(rows, batch_size=500)


def incidents(rng: random.Random, points: Points, count: int) -> list[Any]:
    from safecity.incidents.models import Incident

    out = []
    for _ in range(count):
        _code, lat, lon = points.random(rng)
        out.append(Incident(category=pick(rng, CATEGORY_MIX), priority=2, lat=lat, lon=lon))
    return out


# --- (a) Recommendations -------------------------------------------------------------------------


def naive_recommend(incident: Any, limit: int = 10) -> list[tuple[float, str]]:
    """Every unit row loaded as a model, filtered and ranked in Python."""
    from django.conf import settings

    from safecity.dispatch.models import PatrolUnit
    from safecity.dispatch.routing import Origin, router

    kinds = settings.SAFECITY_DISPATCH_KINDS.get(incident.category, ())
    units = [
        u
        for u in PatrolUnit.objects.all()
        if u.status == "available" and u.on_duty and u.kind in kinds and u.lat is not None
    ]
    estimates = router().estimate(
        [Origin(u.lat, u.lon, u.kind) for u in units], incident.lat, incident.lon
    )
    ranked = sorted(zip(estimates, units, strict=True), key=lambda p: p[0].eta_s)[:limit]
    return [(e.eta_s, u.call_sign) for e, u in ranked]


def time_calls(fn: Any, items: list[Any]) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def bench_recommend(rng: random.Random, points: Points, quick: bool) -> dict[str, Any]:
    from safecity.dispatch.selectors import recommend_units

    ours_n, naive_n = (400, 40) if quick else (3000, 200)
    calls = incidents(rng, points, ours_n + naive_n + 50)
    for incident in calls[:50]:  # warm-up: connection, statements, the router
        recommend_units(incident)
    # The same answers (the naive one is the reference) on a sample, or the speed means nothing.
    mismatches = 0
    for incident in calls[50:80]:
        ours = [(round(r.eta_s, 3), r.call_sign) for r in recommend_units(incident)]
        naive = [(round(e, 3), c) for e, c in naive_recommend(incident)]
        mismatches += [e for e, _c in ours] != [e for e, _c in naive]
    ours_t = time_calls(recommend_units, calls[50 : 50 + ours_n])
    naive_t = time_calls(naive_recommend, calls[50 + ours_n :])
    found = [len(recommend_units(i)) for i in calls[50:150]]
    return {
        "units": UNITS,
        "calls": ours_n,
        "p50_ms": round(s.percentile(ours_t, 50) * 1000, 3),
        "p99_ms": round(s.percentile(ours_t, 99) * 1000, 3),
        "max_ms": round(max(ours_t) * 1000, 3),
        "mean_results": round(sum(found) / len(found), 1),
        "rankings_differing_from_naive": mismatches,
        "naive": {
            "calls": naive_n,
            "p50_ms": round(s.percentile(naive_t, 50) * 1000, 2),
            "p99_ms": round(s.percentile(naive_t, 99) * 1000, 2),
        },
    }


# --- (b, c) Ingest in process: the service against per-fix ORM saves ------------------------------


def fix_stream(start: Any, lat: float, lon: float, n: int, step_ms: int = 10) -> list[Any]:
    from safecity.dispatch.positions import Fix

    return [
        Fix(
            lat=lat + i * 2e-6,
            lon=lon + i * 2e-6,
            ts=start + timedelta(milliseconds=step_ms * i),
            accuracy_m=6.0,
            speed_mps=5.0,
            heading=45.0,
        )
        for i in range(n)
    ]


def bench_ingest_in_process(quick: bool) -> dict[str, Any]:
    from django.utils import timezone

    from safecity.dispatch.models import PatrolUnit, Position
    from safecity.dispatch.positions import positions_record
    from safecity.dispatch.selectors import PositionTarget

    ours_units = list(PatrolUnit.objects.select_related("station").order_by("pk")[100:120])
    naive_units = list(PatrolUnit.objects.order_by("pk")[120:125])
    batches, batch = (20, 100) if quick else (100, 100)
    naive_fixes = 300 if quick else 1500
    start = timezone.now() - timedelta(seconds=500)

    done = 0
    t0 = time.perf_counter()
    for b in range(batches):
        unit = ours_units[b % len(ours_units)]
        unit.refresh_from_db(fields=["lat", "lon", "position_at"])
        when = start + timedelta(seconds=b // len(ours_units) * 2)
        target = PositionTarget(
            unit.pk,
            unit.call_sign,
            unit.status,
            unit.station.path,
            unit.lat,
            unit.lon,
            unit.position_at,
        )
        fixes = fix_stream(when, unit.lat or 0.0, unit.lon or 0.0, batch, step_ms=15)
        done += positions_record(target=target, fixes=fixes).accepted
    ours = done / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    for i in range(naive_fixes):
        unit = naive_units[i % len(naive_units)]
        f = fix_stream(start + timedelta(milliseconds=10 * i), unit.lat or 0.0, unit.lon or 0.0, 1)[
            0
        ]
        Position(
            unit=unit,
            lat=f.lat,
            lon=f.lon,
            accuracy_m=f.accuracy_m,
            speed_mps=f.speed_mps,
            heading=f.heading,
            ts=f.ts,
        ).save()
        unit.lat, unit.lon, unit.position_at = f.lat, f.lon, f.ts
        unit.save()
    naive = naive_fixes / (time.perf_counter() - t0)
    return {
        "service_fixes_per_s": round(ours),
        "service_batch": batch,
        "service_accepted": done,
        "naive_per_fix_orm_fixes_per_s": round(naive),
        "naive_fixes": naive_fixes,
    }


# --- (b) Ingest over HTTP -------------------------------------------------------------------------


def tracker_keys(count: int) -> list[tuple[int, str, float, float]]:
    """Device keys for ``count`` on-duty units: (unit id, raw key, lat, lon)."""
    from safecity.accounts.models import DeviceKey
    from safecity.accounts.services import device_key_create
    from safecity.dispatch.models import PatrolUnit

    out = []
    for unit in (
        PatrolUnit.objects.select_related("station")
        .filter(call_sign__startswith="B-")
        .order_by("pk")[1000 : 1000 + count]
    ):
        _key, raw = device_key_create(
            name=f"GPS {unit.call_sign}",
            kind=DeviceKey.Kind.TRACKER,
            unit=unit.station,
            subject=str(unit.pk),
        )
        out.append((unit.pk, raw, unit.lat or 0.0, unit.lon or 0.0))
    return out


async def http_ingest(
    *,
    server: s.Server,
    keys: list[tuple[int, str, float, float]],
    cursor: dict[int, int],
    base: Any,
    batch: int,
    concurrency: int,
    warmup: float,
    duration: float,
) -> dict[str, Any]:
    """Each client owns some units and posts their fixes in time order, back to back; each
    unit's track goes on where the previous run left it (``cursor``, fixes 5 ms and ~15 cm
    apart from ``base``)."""
    accepted = rejected = 0
    latencies: list[float] = []
    errors: dict[str, int] = {}
    reasons: dict[str, int] = {}
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration
    marks: dict[str, float] = {}

    def body(unit: int, lat: float, lon: float) -> bytes:
        n = cursor[unit]
        cursor[unit] = n + batch
        fixes = [
            {
                "lat": round(lat + (n + i) * 1e-6, 7),
                "lon": round(lon + (n + i) * 1e-6, 7),
                "ts": (base + timedelta(milliseconds=5 * (n + i))).isoformat(),
                "accuracy_m": 6.0,
                "speed_mps": 5.0,
                "heading": 45.0,
            }
            for i in range(batch)
        ]
        return json.dumps({"fixes": fixes}).encode()

    async def client(index: int) -> None:
        nonlocal accepted, rejected
        mine = keys[index::concurrency]
        conn = s.HttpConnection(server.port)
        turn = 0
        try:
            while time.perf_counter() < stop_at:
                if time.perf_counter() >= measure_from and "cpu" not in marks:
                    marks["cpu"] = server.cpu_seconds()
                unit, raw, lat, lon = mine[turn % len(mine)]
                turn += 1
                payload = body(unit, lat, lon)
                sent = time.perf_counter()
                try:
                    answer = await asyncio.wait_for(
                        conn.request(
                            "POST",
                            f"/api/v1/units/{unit}/positions",
                            payload,
                            {"Authorization": f"Bearer {raw}"},
                        ),
                        30,
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, s.HttpError) as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                    continue
                done = time.perf_counter()
                if sent < measure_from or done > stop_at:
                    continue
                if answer.status != 200:
                    errors[f"http_{answer.status}"] = errors.get(f"http_{answer.status}", 0) + 1
                    continue
                result = answer.json()
                accepted += result["accepted"]
                rejected += len(result["rejected"])
                for r in result["rejected"]:
                    reasons[r["code"]] = reasons.get(r["code"], 0) + 1
                latencies.append(done - sent)
        finally:
            await conn.close()

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    server_cpu = server.cpu_seconds() - marks.get("cpu", server.cpu_seconds())
    return {
        "batch": batch,
        "concurrency": concurrency,
        "fixes_per_s": round(accepted / duration),
        "requests_per_s": round(len(latencies) / duration, 1),
        "accepted": accepted,
        "rejected": rejected,
        "rejected_codes": reasons,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": s.ms(s.percentile(latencies, 50)),
        "p99_ms": s.ms(s.percentile(latencies, 99)),
        "server_cpu_cores": round(server_cpu / duration, 2),
        "seconds": duration,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small scale, under a minute")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    args = parser.parse_args()
    quick = args.quick
    warmup, duration = (1.0, 5.0) if quick else (3.0, 30.0)

    work = s.temp_dir("safecity-bench-dispatch-")
    busy = s.machine_busy()
    print(
        f"work dir {work}; {'quick' if quick else 'full'} scale; machine CPU busy before "
        f"start {busy:.0%} (other processes skew the figures)",
        flush=True,
    )
    finished = False
    try:
        print("preparing SafeCity (safecity up --no-serve) …", flush=True)
        s.prepare_safecity(work)
        setup_django(work)
        from django.db import connections

        rng = random.Random(4)
        points = Points()
        print(f"seeding {UNITS} patrol units in {len(points.wards)} wards …", flush=True)
        seed_units(UNITS, rng, points)

        print("(a) recommendations in process …", flush=True)
        recommend = bench_recommend(rng, points, quick)
        print(
            f"  p50 {recommend['p50_ms']} ms, p99 {recommend['p99_ms']} ms "
            f"(naive: p50 {recommend['naive']['p50_ms']} ms, p99 {recommend['naive']['p99_ms']} "
            f"ms); rankings differing from the naive one: "
            f"{recommend['rankings_differing_from_naive']} of 30",
            flush=True,
        )

        print("(c) ingest in process: the service vs per-fix ORM saves …", flush=True)
        in_process = bench_ingest_in_process(quick)
        print(
            f"  service {in_process['service_fixes_per_s']:,} fixes/s (batches of "
            f"{in_process['service_batch']}); naive {in_process['naive_per_fix_orm_fixes_per_s']:,}"
            " fixes/s",
            flush=True,
        )

        keys = tracker_keys(64)
        connections.close_all()
        print(f"(b) ingest over HTTP, {len(keys)} trackers …", flush=True)
        with s.running(s.safecity_server(work, PORT)) as server:
            from datetime import UTC, datetime

            cursor = {unit: 0 for unit, _k, _a, _b in keys}
            base = datetime.now(UTC) - timedelta(seconds=590)
            http = {}
            for batch, seconds in ((100, duration), (10, duration / 2)):
                http[batch] = s.run_async(
                    http_ingest(
                        server=server,
                        keys=keys,
                        cursor=cursor,
                        base=base,
                        batch=batch,
                        concurrency=8,
                        warmup=warmup,
                        duration=seconds,
                    )
                )
                h = http[batch]
                print(
                    f"  batches of {batch}: {h['fixes_per_s']:,} fixes/s "
                    f"({h['requests_per_s']} requests/s), p50 {h['p50_ms']} ms, p99 "
                    f"{h['p99_ms']} ms, rejected {h['rejected']}, errors {h['errors']} "
                    f"{h['error_kinds'] or ''}; server CPU {h['server_cpu_cores']} cores",
                    flush=True,
                )
        finished = True
    finally:
        if args.keep or not finished:
            print(f"kept {work} (server log, database)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)

    naive_ingest = in_process["naive_per_fix_orm_fixes_per_s"]
    ratios = {
        "ingest_http_vs_naive": round(http[100]["fixes_per_s"] / naive_ingest, 2),
        "ingest_in_process_vs_naive": round(in_process["service_fixes_per_s"] / naive_ingest, 2),
        "recommend_p50_speedup": round(recommend["naive"]["p50_ms"] / recommend["p50_ms"], 1),
        "recommend_p99_speedup": round(recommend["naive"]["p99_ms"] / recommend["p99_ms"], 1),
    }
    result = {
        "bench": "dispatch",
        "scale": "quick" if quick else "full",
        "server": "safecity serve: uvicorn, 1 worker; SQLite WAL; in-memory channel layer",
        "machine_busy_before": busy,
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "units": UNITS,
        "recommend_p50_ms": recommend["p50_ms"],
        "recommend_p99_ms": recommend["p99_ms"],
        "recommend": recommend,
        "ingest_fixes_per_s": http[100]["fixes_per_s"],
        "ingest_http": http[100],
        "ingest_http_small_batches": http[10],
        "ingest_in_process": in_process,
        "goals": {
            "recommend_p99_ms": GOAL_RECOMMEND_P99_MS,
            "recommend_p99_met": recommend["p99_ms"] <= GOAL_RECOMMEND_P99_MS,
            "fixes_per_s": GOAL_FIXES_PER_S,
            "fixes_per_s_met": http[100]["fixes_per_s"] >= GOAL_FIXES_PER_S,
        },
        "baseline": {
            "recommend": "every unit row loaded with the ORM, filtered and sorted in Python",
            "recommend_p50_ms": recommend["naive"]["p50_ms"],
            "recommend_p99_ms": recommend["naive"]["p99_ms"],
            "ingest": "per fix: Position.save() and PatrolUnit.save(), each committed",
            "ingest_fixes_per_s": naive_ingest,
        },
        "ratios": ratios,
        "ratio": ratios["ingest_http_vs_naive"],
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
