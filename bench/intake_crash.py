"""Report intake through a crash: nothing acknowledged is lost, nothing is stored twice.

The test, run on SafeCity and on the baseline in the same run:
1. start the server on a fresh data directory and POST N reports from 50 concurrent clients,
   each report with its own ``Idempotency-Key``;
2. when ~40% have been acknowledged (201), SIGKILL the server: requests in flight get no
   answer, some of them after their transaction committed (the answer was lost, not the work);
   clients send nothing more;
3. restart the server on the same data directory and re-send every report that had no answer,
   with the same key and body, until each has one;
4. read the database file directly (sqlite3) and count:
   - acknowledged: reports with a 201, first try or retry;
   - stored: rows of those reports; ``duplicates`` = rows beyond one per key;
   - lost: acknowledged but not stored;
   - for SafeCity also: a retry of a committed report must answer the stored report's id
     (idempotency replay), every stored report has its ``report.submit`` audit entry and its
     idempotency record, and ``safecity audit verify`` passes after the crash.

SafeCity: ``safecity serve`` (uvicorn, one worker, SQLite WAL, synchronous=NORMAL). Baseline:
the bare Django view of ``intake.py`` (one INSERT, its own transaction) WITHOUT idempotency, so a
retry of a report whose answer was lost inserts it again.

ratio = baseline anomalies / max(1, SafeCity anomalies), anomalies = lost + duplicates
(max(1, ·) avoids dividing by zero when SafeCity has none).

    python bench/intake_crash.py [--quick] [--kills K]

--quick: 300 reports instead of 2,000. --kills K: K crash-restart cycles, spread between 20% and
80% acknowledged (default one, at 40%). Whether a run actually killed the server between a commit
and its answer is luck (that window is ~1 ms of a ~10 ms request): ``committed_but_unanswered``
says how often it did, and more kills make it likelier.

Ports 8783 (SafeCity) and 8784 (baseline) on 127.0.0.1. The last line printed is one JSON object.
SIGKILL is a process crash, not a power cut: the operating system still holds what SQLite
wrote, so this checks the application's ordering of commit and answer, not fsync.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _support as s

SAFECITY_PORT = 8783
BASELINE_PORT = 8784
CONCURRENCY = 50
KILL_AFTER = 0.4
REQUEST_TIMEOUT = 30.0
TAG = re.compile(r"\[(crash-[0-9a-f]+-\d+)\]")


@dataclass
class Outcome:
    acked: dict[str, int] = field(default_factory=dict)  # key -> id answered (first 201)
    acked_before_kill: int = 0
    unanswered: list[str] = field(default_factory=list)  # at each kill (a key may repeat)
    resend_ids: dict[str, int] = field(default_factory=dict)
    resend_rounds: int = 0
    other_answers: dict[str, int] = field(default_factory=dict)


async def send_all(
    *,
    port: int,
    bodies: dict[str, bytes],
    keys: list[str],
    path: str,
    outcome: Outcome,
    on_ack: Callable[[int], bool] | None = None,
) -> list[str]:
    """POST the reports of ``keys`` from ``CONCURRENCY`` clients. ``on_ack(acks so far)``
    returning True stops every client from sending more. Returns the keys with no 201."""
    queue = list(reversed(keys))
    stopped = False
    answered: set[str] = set()

    async def client() -> None:
        nonlocal stopped
        conn = s.HttpConnection(port)
        try:
            while queue and not stopped:
                key = queue.pop()
                try:
                    answer = await asyncio.wait_for(
                        conn.request("POST", path, bodies[key], {"Idempotency-Key": key}),
                        REQUEST_TIMEOUT,
                    )
                except (OSError, asyncio.IncompleteReadError, TimeoutError, s.HttpError):
                    continue  # no answer: the report will be re-sent
                if answer.status != 201:
                    name = f"http_{answer.status}"
                    outcome.other_answers[name] = outcome.other_answers.get(name, 0) + 1
                    continue
                answered.add(key)
                outcome.acked.setdefault(key, int(answer.json()["id"]))
                outcome.resend_ids[key] = int(answer.json()["id"])
                if on_ack is not None and not stopped and on_ack(len(outcome.acked)):
                    stopped = True
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return [k for k in keys if k not in answered]


def stored_rows(kind: str, db: Path) -> list[tuple[str, int]]:
    """(key, row id) of every stored bench report, read from the database file itself."""
    with sqlite3.connect(db, timeout=30) as con:
        if kind == "safecity":
            rows = con.execute(
                "SELECT id, description FROM incidents_report WHERE description LIKE '%[crash-%'"
            ).fetchall()
            return [(m.group(1), rid) for rid, text in rows if (m := TAG.search(text))]
        rows = con.execute(
            f"SELECT id, idem_key FROM {s.BASELINE_TABLE} WHERE idem_key LIKE 'crash-%'"  # noqa: S608
        ).fetchall()
        return [(key, rid) for rid, key in rows]


def safecity_checks(data_dir: Path, rows: list[tuple[str, int]]) -> dict[str, Any]:
    """Audit entries and idempotency records of the stored reports; the audit chain."""
    ids = [str(rid) for _key, rid in rows]
    keys = sorted({key for key, _rid in rows})
    with sqlite3.connect(s.safecity_db(data_dir), timeout=30) as con:
        audited = 0
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            sql = "SELECT count(*) FROM core_auditentry WHERE action = 'report.submit'"
            sql += f" AND object_type = 'report' AND object_id IN ({marks})"  # only "?"s
            audited += con.execute(sql, part).fetchone()[0]
        records = 0
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            sql = "SELECT count(*) FROM core_idempotencyrecord WHERE scope = 'reports'"
            sql += f" AND key IN ({marks})"  # only "?"s
            records += con.execute(sql, part).fetchone()[0]
    verify = subprocess.run(  # noqa: S603 - fixed argv
        [*s.SAFECITY, "audit", "verify"],
        env=s.safecity_env(data_dir),
        capture_output=True,
        text=True,
        cwd=data_dir,
    )
    return {
        "audit_entries_for_stored": audited,
        "idempotency_records_for_stored": records,
        "audit_chain_ok": verify.returncode == 0,
        "audit_verify": (verify.stdout or verify.stderr).strip().splitlines()[-1:],
    }


def crash_test(
    *,
    kind: str,
    server_factory: Callable[[], s.Server],
    db: Path,
    path: str,
    bodies: dict[str, bytes],
    ready_path: str,
    kills: int,
) -> dict[str, Any]:
    """Send every report; SIGKILL the server ``kills`` times (after 40% acknowledged, or spread
    over 20%..80% when more than one), each time restarting it on the same data directory and
    re-sending whatever had no answer; then stop it and count."""
    keys = list(bodies)
    outcome = Outcome()
    if kills == 1:
        thresholds = [int(len(keys) * KILL_AFTER)]
    else:
        thresholds = [int(len(keys) * (0.2 + 0.6 * i / (kills - 1))) for i in range(kills)]
    pending = keys
    committed_unanswered: list[str] = []
    stored_id_at_kill: dict[str, int] = {}
    started = time.perf_counter()
    for cycle in range(kills + 1):
        server = server_factory()
        with s.running(server, ready_path=ready_path):
            if cycle < kills:
                threshold = thresholds[cycle]

                def on_ack(acks: int, limit: int = threshold, target: s.Server = server) -> bool:
                    if acks >= limit:
                        target.kill()
                        return True
                    return False

                pending = s.run_async(
                    send_all(
                        port=server.port,
                        bodies=bodies,
                        keys=pending,
                        path=path,
                        outcome=outcome,
                        on_ack=on_ack,
                    )
                )
            else:
                while pending and outcome.resend_rounds < 5:
                    outcome.resend_rounds += 1
                    pending = s.run_async(
                        send_all(
                            port=server.port,
                            bodies=bodies,
                            keys=pending,
                            path=path,
                            outcome=outcome,
                        )
                    )
        if cycle < kills:
            at_kill = {key: rid for key, rid in stored_rows(kind, db)}
            lost_answers = [k for k in pending if k in at_kill and k not in stored_id_at_kill]
            committed_unanswered += lost_answers
            stored_id_at_kill.update({k: at_kill[k] for k in lost_answers})
            outcome.unanswered.extend(pending)
            if cycle == 0:
                outcome.acked_before_kill = len(outcome.acked)
            print(
                f"  kill {cycle + 1}/{kills} after {len(outcome.acked)} acknowledged: "
                f"{len(pending)} without answer, {len(lost_answers)} of them committed "
                "(answer lost); restarting and re-sending",
                flush=True,
            )
    seconds = time.perf_counter() - started

    rows = stored_rows(kind, db)
    per_key: dict[str, list[int]] = {}
    for key, rid in rows:
        per_key.setdefault(key, []).append(rid)
    acked = set(outcome.acked)
    lost = sorted(k for k in acked if k not in per_key)
    duplicates = len(rows) - len(per_key)
    replay_same_id = sum(
        1 for k in committed_unanswered if outcome.resend_ids.get(k) == stored_id_at_kill[k]
    )
    mismatched = sum(1 for k, rid in outcome.acked.items() if rid not in per_key.get(k, []))
    result: dict[str, Any] = {
        "reports": len(keys),
        "kills": kills,
        "acknowledged_before_first_kill": outcome.acked_before_kill,
        "unanswered_at_kills": len(outcome.unanswered),
        "committed_but_unanswered": len(committed_unanswered),
        "resend_rounds_after_last_kill": outcome.resend_rounds,
        "acknowledged": len(acked),
        "never_acknowledged": len(keys) - len(acked),
        "distinct_ids_acknowledged": len(set(outcome.acked.values())),
        "stored": len(rows),
        "stored_distinct_keys": len(per_key),
        "duplicates": duplicates,
        "lost": len(lost),
        "anomalies": duplicates + len(lost),
        "acked_id_not_stored_for_key": mismatched,
        "retry_answered_stored_id": replay_same_id,
        "non_201_answers": outcome.other_answers,
        "seconds": round(seconds, 1),
    }
    if lost:
        result["lost_keys_sample"] = lost[:5]
    return result


def describe(label: str, r: dict[str, Any]) -> None:
    print(
        f"  {label}: acknowledged {r['acknowledged']}/{r['reports']}, stored {r['stored']} rows "
        f"for {r['stored_distinct_keys']} keys → duplicates {r['duplicates']}, lost {r['lost']}; "
        f"{r['committed_but_unanswered']} answers lost after commit, "
        f"{r['retry_answered_stored_id']} retries answered with the stored id",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 reports instead of 2,000")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    parser.add_argument(
        "--kills", type=int, default=1, help="crash cycles (default 1, after 40%% acknowledged)"
    )
    args = parser.parse_args()
    count = 300 if args.quick else 2000
    kills = max(1, args.kills)

    work = s.temp_dir("safecity-bench-crash-")
    sc_dir, bare_dir = work / "safecity", work / "bare"
    sc_dir.mkdir()
    bare_dir.mkdir()
    busy = s.machine_busy()
    print(
        f"work dir {work}; {count} reports, {kills} SIGKILL(s) part-way; machine CPU busy "
        f"before start {busy:.0%}",
        flush=True,
    )
    finished = False
    try:
        print("preparing SafeCity (safecity up --no-serve) …", flush=True)
        s.prepare_safecity(sc_dir)
        with s.running(s.safecity_server(sc_dir, SAFECITY_PORT)) as probe:
            points = s.WardPoints(probe.base_url)
        run = os.urandom(4).hex()
        rng = random.Random(run)
        bodies = {}
        for i in range(count):
            key = f"crash-{run}-{i:05d}"
            bodies[key] = json.dumps(s.report_body(rng, points, key)).encode()

        print("SafeCity: POST /api/v1/reports with Idempotency-Key …", flush=True)
        safecity = crash_test(
            kind="safecity",
            server_factory=lambda: s.safecity_server(sc_dir, SAFECITY_PORT),
            db=s.safecity_db(sc_dir),
            path="/api/v1/reports",
            bodies=bodies,
            ready_path="/healthz",
            kills=kills,
        )
        safecity.update(safecity_checks(sc_dir, stored_rows("safecity", s.safecity_db(sc_dir))))
        describe("SafeCity", safecity)
        print(
            f"  audit: {safecity['audit_entries_for_stored']} report.submit entries, "
            f"{safecity['idempotency_records_for_stored']} idempotency records; chain "
            f"{'intact' if safecity['audit_chain_ok'] else 'BROKEN'}",
            flush=True,
        )

        print("baseline: bare Django view, no idempotency …", flush=True)
        s.write_baseline_project(bare_dir)
        baseline = crash_test(
            kind="baseline",
            server_factory=lambda: s.baseline_server(bare_dir, BASELINE_PORT),
            db=s.baseline_db(bare_dir),
            path=s.BASELINE_PATH,
            bodies=bodies,
            ready_path="/healthz",
            kills=kills,
        )
        describe("baseline", baseline)
        finished = True
    finally:
        if args.keep or not finished:
            print(f"kept {work} (server logs, databases)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)

    result = {
        "bench": "intake_crash",
        "scale": "quick" if args.quick else "full",
        "reports": count,
        "kills": kills,
        "kill_after_acknowledged": KILL_AFTER if kills == 1 else "spread 20%..80%",
        "concurrency": CONCURRENCY,
        "machine_busy_before": busy,
        "duplicate_rules": f"SAFECITY_DUPLICATE_RULES={s.DUPLICATE_RULES}; category "
        f"{s.CATEGORY!r} at random points inside the city's wards",
        "lost": safecity["lost"],
        "duplicates": safecity["duplicates"],
        "acknowledged": safecity["acknowledged"],
        "stored": safecity["stored"],
        "safecity": safecity,
        "idempotency_replay_exercised": safecity["committed_but_unanswered"] > 0,
        "goals_met": safecity["lost"] == 0
        and safecity["duplicates"] == 0
        and safecity["audit_chain_ok"]
        and safecity["never_acknowledged"] == 0,
        "baseline": {"name": s.BASELINE_NAME + ", no idempotency", **baseline},
        "ratio": round(baseline["anomalies"] / max(1, safecity["anomalies"]), 3),
        "ratio_definition": "baseline (lost + duplicates) / max(1, SafeCity (lost + duplicates))",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
