"""Cost of the hash-chained audit trail against a plain insert of the same row.

Every state change in SafeCity writes one audit entry inside its transaction, so the append
is on every write path. This measures, on a fresh embedded SQLite database (or DATABASE_URL):
- appends per second through ``core.audit.record`` (lock the head row, hash, insert, move head),
  one transaction each, as services do;
- the baseline: the same row inserted with the ORM in its own transaction, without chain;
- ``audit verify`` speed over the entries written.

    python bench/audit_chain.py [--quick]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small scale, under a minute")
    args = parser.parse_args()
    count = 500 if args.quick else 5000

    os.environ.setdefault("SAFECITY_DATA_DIR", tempfile.mkdtemp(prefix="safecity-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "safecity.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from safecity.core import audit
    from safecity.core.models import AuditEntry

    call_command("migrate", interactive=False, verbosity=0)
    print(f"database: {connection.vendor}, {count} appends each", flush=True)

    started = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            audit.record("bench.change", object_type="bench", object_id=i, detail={"i": i})
    chained = time.perf_counter() - started
    print(f"chained appends: {count / chained:,.0f}/s", flush=True)

    # Baseline: the same table and row shape, no head lock, no hashing.
    base_seq = 10_000_000
    started = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            AuditEntry(
                seq=base_seq + i,
                at=timezone.now(),
                action="bench.plain",
                object_type="bench",
                object_id=str(i),
                detail={"i": i},
                prev_hash="",
                hash=f"plain-{i}",
            ).save()
    plain = time.perf_counter() - started
    print(f"plain inserts:   {count / plain:,.0f}/s", flush=True)

    # Verify only the chained part: remove nothing, just time a walk of the chain prefix.
    started = time.perf_counter()
    checked, broken = audit.verify()
    verify_seconds = time.perf_counter() - started
    # The plain rows sit after the chain's head and are reported as a break; that is expected.
    print(f"verify: {checked:,} entries in {verify_seconds:.2f} s", flush=True)

    result = {
        "bench": "audit_chain",
        "database": connection.vendor,
        "appends": count,
        "chained_per_s": round(count / chained, 1),
        "verify_entries_per_s": round(checked / verify_seconds, 1) if verify_seconds else None,
        "verify_checked": checked,
        "baseline": {
            "name": "plain ORM insert, same row, own transaction",
            "per_s": round(count / plain, 1),
        },
        "ratio": round((count / chained) / (count / plain), 3),
    }
    del broken
    print(json.dumps(result))


if __name__ == "__main__":
    main()
