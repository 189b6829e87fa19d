"""Records search at city scale: import speed, query latency and recall, against the search a
Django admin would do.

In process, on a fresh embedded SQLite database (WAL) in a temporary ``SAFECITY_DATA_DIR``:

(a) generate N persons (realistic Vietnamese names with the real shape of their frequencies,
    valid CCCDs, wards, addresses, phones for 70 %) and N vehicles (HCMC plates, owners by
    CCCD), write them as CSV and load them through the import service (the same path as
    ``safecity records import``): rows/s;
(b) a query mix, each kind equally often — exact CCCD; a plate in odd spacing and case; a full
    name with diacritics; the same without diacritics; with the other tone-mark placement
    ("Hòa" for "Hoà"); with one typo; a given name and a birth year — timed through
    ``records.search.run`` (the search itself; the audited ``records.lookups.search`` adds one
    audit entry per search, timed separately), p50/p95, and recall@10 against the ground truth
    the generator knows: |top 10 ∩ relevant| / min(10, |relevant|), where the relevant records
    are the person or vehicle with that identifier; every person with that exact name (other
    tone placement too); every person whose name has those letters (no diacritics, typo); every
    person with that given name and birth year. A typo that happens to spell another name in
    the data is ambiguous and is drawn again;
(c) the baseline, same data, same queries: what the Django admin's search does with
    ``search_fields`` (each word ``icontains`` on full name, CCCD, old ID; plate on vehicles),
    first 10 of each. ratio = baseline p95 / SafeCity p95.

    python bench/search.py [--quick] [--persons N] [--queries N] [--keep]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import _support as s

GOAL_P95_MS = 30.0
GOAL_RECALL = 0.97
SEED = 4242
SOURCE = "bench-dan-cu"
VEHICLE_SOURCE = "bench-dang-ky-xe"
OTHER_TONE = {"Hoà": "Hòa", "Thuỷ": "Thủy", "Thuý": "Thúy", "Thuỳ": "Thùy"}
KINDS = ("cccd", "plate", "name", "name_folded", "other_tone", "one_typo", "given_year")


def setup_django(work: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["SAFECITY_DATA_DIR"] = str(work)
    os.environ["SAFECITY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "safecity.settings"
    sys.path.insert(0, str(s.REPO / "src"))
    import django

    django.setup()


def prepare() -> Any:
    """Migrate, load the 2025 divisions, and make an investigator who sees everything."""
    from django.core.management import call_command

    from safecity.accounts import services as accounts
    from safecity.accounts.models import Clearance, Unit
    from safecity.geography.services import divisions_load

    call_command("migrate", interactive=False, verbosity=0)
    divisions_load()
    force = accounts.unit_create(
        code="CA79", name="Công an TP.HCM", kind=Unit.Kind.FORCE, city_wide=True
    )
    return accounts.officer_create(
        username="bench",
        password="bench-password-not-a-secret",  # noqa: S106
        unit=force,
        roles=["investigator"],
        clearance=Clearance.TOP_SECRET,
        full_name="Đặng Thị Hoà",
    )


def generate(n_persons: int, n_vehicles: int, work: Path) -> dict[str, Any]:
    from safecity.geography.models import Ward
    from safecity.records.synthetic import Generator

    wards = list(
        Ward.objects.filter(province_id=79).order_by("code").values_list("code", flat=True)
    )
    generator = Generator(SEED, wards)
    people = []
    with (work / "persons.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "full_name", "cccd", "birth_date", "gender", "ward_code",
                         "permanent_address", "phone"])  # fmt: skip
        for _ in range(n_persons):
            p = generator.person()
            people.append((p.full_name, p.cccd, p.birth_date.year, p.given))
            writer.writerow([f"P{p.number}", p.full_name, p.cccd, p.birth_date.isoformat(),
                             p.gender, p.ward_code or "", p.address, p.phone])  # fmt: skip
    plates = []
    with (work / "vehicles.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "plate", "kind", "brand", "model", "color", "chassis",
                         "engine", "status", "owner_cccd"])  # fmt: skip
        for i in range(n_vehicles):
            v = generator.vehicle(car=i % 3 == 0)
            plates.append(v["plate"])
            owner = people[i % len(people)][1]
            writer.writerow(
                [f"V{i + 1}", v["plate"], v["kind"], v["brand"], v["model"], v["color"],
                 v["chassis"], v["engine"], v["status"], owner]
            )  # fmt: skip
    return {"people": people, "plates": plates}


def load(work: Path) -> dict[str, Any]:
    from safecity.records.imports import import_file

    figures = {}
    for kind, name, source in (
        ("person", "persons.csv", SOURCE),
        ("vehicle", "vehicles.csv", VEHICLE_SOURCE),
    ):
        started = time.perf_counter()
        last = [0.0]

        def progress(p: Any, kind: str = kind, last: list[float] = last) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"    {kind}s: {p.done:,}/{p.total:,} at {p.rate:,.0f} rows/s", flush=True)

        result = import_file(path=work / name, kind=kind, source=source, progress=progress)
        seconds = time.perf_counter() - started
        figures[kind] = {
            "rows": result.rows,
            "created": result.created,
            "rejected": result.rejected,
            "warnings": len(result.warnings),
            "seconds": round(seconds, 1),
            "rows_per_s": round(result.rows / seconds),
        }
        rate = result.rows / seconds
        print(f"  imported {result.created:,} {kind}s in {seconds:.1f} s ({rate:,.0f} rows/s), "
              f"{result.rejected} rejected", flush=True)  # fmt: skip
    return figures


def odd_spacing(rng: random.Random, key: str) -> str:
    from safecity.core.identifiers import plate_parse

    plate = plate_parse(key)
    assert plate is not None
    shown = plate.display
    choice = rng.randrange(4)
    if choice == 0:
        return shown.lower().replace("-", " ").replace(".", " ")
    if choice == 1:
        return " ".join(key)
    if choice == 2:
        return shown.replace(".", "").replace("-", "")
    return key.lower()


def typo(rng: random.Random, word: str) -> str:
    letters = "abcdeghiklmnopqrstuvxy"
    i = rng.randrange(len(word))
    edit = rng.randrange(4)
    if edit == 0 and len(word) > 2:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + rng.choice(letters) + word[i:]
    if edit == 2 and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    replacement = rng.choice([c for c in letters if c != word[i]])
    return word[:i] + replacement + word[i + 1 :]


def queries(data: dict[str, Any], ids: dict[str, Any], per_kind: int) -> list[dict[str, Any]]:
    """(kind, text, relevant ids) for each query, from what the generator made."""
    from safecity.core.text import fold

    rng = random.Random(SEED + 1)
    people = data["people"]
    by_name: dict[str, list[int]] = defaultdict(list)
    by_given_year: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, (name, _cccd, year, given) in enumerate(people):
        by_name[name].append(index)
        by_given_year[(given, year)].append(index)
    by_fold: dict[str, list[int]] = defaultdict(list)
    for name, members in by_name.items():
        by_fold[fold(name)].extend(members)
    person_id = ids["person"]

    def pids(indexes: list[int]) -> set[int]:
        return {person_id[i] for i in indexes}

    toned = [i for i, p in enumerate(people) if any(w in OTHER_TONE for w in p[0].split())]
    out: list[dict[str, Any]] = []
    for _ in range(per_kind):
        i = rng.randrange(len(people))
        name, cccd, year, given = people[i]
        out.append({"kind": "cccd", "q": cccd, "relevant": {person_id[i]}})
        v = rng.randrange(len(data["plates"]))
        out.append({"kind": "plate", "q": odd_spacing(rng, data["plates"][v]),
                    "relevant": {ids["vehicle"][v]}, "model": "vehicle"})  # fmt: skip
        out.append({"kind": "name", "q": name, "relevant": pids(by_name[name])})
        out.append({"kind": "name_folded", "q": fold(name), "relevant": pids(by_fold[fold(name)])})
        t = rng.choice(toned)
        other = " ".join(OTHER_TONE.get(w, w) for w in people[t][0].split())
        out.append({"kind": "other_tone", "q": other, "relevant": pids(by_name[people[t][0]])})
        while True:
            words = fold(name).split()
            position = rng.randrange(len(words))
            words[position] = typo(rng, words[position])
            typed = " ".join(words)
            if typed not in by_fold and typed != fold(name):
                break
            i = rng.randrange(len(people))
            name = people[i][0]
        if rng.random() < 0.5:  # half typed with the diacritics, the typo kept
            original = name.split()
            typed_words = typed.split()
            typed = " ".join(
                o if fold(o) == t else t for o, t in zip(original, typed_words, strict=True)
            )
        out.append({"kind": "one_typo", "q": typed, "relevant": pids(by_fold[fold(name)])})
        out.append({"kind": "given_year", "q": f"{given} {year}",
                    "relevant": pids(by_given_year[(given, year)])})  # fmt: skip
    rng.shuffle(out)
    return out


def recall_at_10(found: list[int], relevant: set[int]) -> float:
    if not relevant:
        return 1.0
    return len(set(found[:10]) & relevant) / min(10, len(relevant))


def run_safecity(user: Any, mix: list[dict[str, Any]], *, misses: bool = False) -> dict[str, Any]:
    from safecity.records.search import run

    for q in mix[:20]:  # warm the caches (vocabulary, statement cache, pages)
        run(user, q["q"], limit=10)
    per_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"ms": [], "recall": []})
    for q in mix:
        started = time.perf_counter()
        hits = run(user, q["q"], limit=10)
        elapsed = time.perf_counter() - started
        model = q.get("model", "person")
        found = [h.id for h in hits if h.kind == model]
        recall = recall_at_10(found, q["relevant"])
        per_kind[q["kind"]]["ms"].append(elapsed)
        per_kind[q["kind"]]["recall"].append(recall)
        if misses and recall < 1:
            labels = [f"{h.label} ({h.birth_year}) {h.match}" for h in hits[:3]]
            print(f"    miss {q['kind']} {q['q']!r}: recall {recall:.2f}; top: {labels}")
    return summarise(per_kind)


def admin_search(text: str) -> dict[str, list[int]]:
    """Django admin's changelist search (``ModelAdmin.get_search_results``): every word must
    match one of the ``search_fields`` with ``icontains``; the first page (here 10)."""
    from django.db.models import Q
    from django.utils.text import smart_split, unescape_string_literal

    from safecity.records.models import Person, Vehicle

    found = {}
    for model, fields in ((Person, ("full_name", "cccd", "old_id")), (Vehicle, ("plate",))):
        queryset = model.objects.all()
        for bit in smart_split(text):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            query = Q()
            for name in fields:
                query |= Q(**{f"{name}__icontains": bit})
            queryset = queryset.filter(query)
        found[model.__name__.lower()] = list(queryset.values_list("id", flat=True)[:10])
    return found


def run_baseline(mix: list[dict[str, Any]], per_kind_cap: int) -> dict[str, Any]:
    per_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"ms": [], "recall": []})
    for q in mix:
        if len(per_kind[q["kind"]]["ms"]) >= per_kind_cap:
            continue
        started = time.perf_counter()
        found = admin_search(q["q"])
        elapsed = time.perf_counter() - started
        per_kind[q["kind"]]["ms"].append(elapsed)
        per_kind[q["kind"]]["recall"].append(
            recall_at_10(found[q.get("model", "person")], q["relevant"])
        )
    return summarise(per_kind)


def summarise(per_kind: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    every_ms = [ms for k in per_kind.values() for ms in k["ms"]]
    every_recall = [r for k in per_kind.values() for r in k["recall"]]
    return {
        "queries": len(every_ms),
        "p50_ms": s.ms(s.percentile(every_ms, 50)),
        "p95_ms": s.ms(s.percentile(every_ms, 95)),
        "max_ms": s.ms(max(every_ms)) if every_ms else None,
        "recall_at_10": round(sum(every_recall) / len(every_recall), 4) if every_recall else None,
        "by_kind": {
            kind: {
                "p50_ms": s.ms(s.percentile(v["ms"], 50)),
                "p95_ms": s.ms(s.percentile(v["ms"], 95)),
                "recall_at_10": round(sum(v["recall"]) / len(v["recall"]), 4),
            }
            for kind, v in sorted(per_kind.items())
        },
    }


def audited_latency(user: Any, mix: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """The full accountable search: the same search plus its audit entry and access rows."""
    from safecity.records.lookups import search

    times = []
    for q in mix[:count]:
        started = time.perf_counter()
        search(actor=user, text=q["q"], purpose="bench: đo hiệu năng", limit=10)
        times.append(time.perf_counter() - started)
    return {"searches": len(times), "p50_ms": s.ms(s.percentile(times, 50)),
            "p95_ms": s.ms(s.percentile(times, 95))}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50,000 persons, under a minute")
    parser.add_argument("--persons", type=int, default=0, help="persons (and as many vehicles)")
    parser.add_argument("--queries", type=int, default=0, help="queries of each kind")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data")
    parser.add_argument("--misses", action="store_true", help="print queries below full recall")
    args = parser.parse_args()
    quick = args.quick
    persons = args.persons or (50_000 if quick else 1_000_000)
    per_kind = args.queries or (60 if quick else 300)
    baseline_cap = 8 if quick else 20
    work = s.temp_dir("safecity-bench-search-")
    busy = s.machine_busy()
    print(f"work dir {work}; {persons:,} persons and vehicles; machine CPU busy before start "
          f"{busy:.0%} (other processes skew the figures)", flush=True)  # fmt: skip
    finished = False
    try:
        setup_django(work)
        from django.db import connection

        user = prepare()
        print("(a) generating and importing …", flush=True)
        started = time.perf_counter()
        data = generate(persons, persons, work)
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        imported = load(work)
        from safecity.records.models import SourceRecord

        ids: dict[str, Any] = {}
        for kind, source, prefix in (("person", SOURCE, "P"), ("vehicle", VEHICLE_SOURCE, "V")):
            pairs = SourceRecord.objects.filter(kind=kind, source=source).values_list(
                "external_id", "entity_id"
            )
            by_number = {int(ext[len(prefix) :]): pk for ext, pk in pairs}
            ids[kind] = [by_number[n] for n in range(1, persons + 1)]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        size_mb = round((work / "safecity.sqlite3").stat().st_size / 1e6)
        mix = queries(data, ids, per_kind)
        print(f"(b) {len(mix):,} queries ({per_kind} of each of {len(KINDS)} kinds) …", flush=True)
        safecity = run_safecity(user, mix, misses=args.misses)
        print(f"  SafeCity: p50 {safecity['p50_ms']} ms, p95 {safecity['p95_ms']} ms, "
              f"recall@10 {safecity['recall_at_10']}", flush=True)  # fmt: skip
        for kind, figures in safecity["by_kind"].items():
            print(f"    {kind:12s} p50 {figures['p50_ms']:>6} ms  p95 {figures['p95_ms']:>6} ms  "
                  f"recall@10 {figures['recall_at_10']}")  # fmt: skip
        audited = audited_latency(user, mix, 100 if quick else 300)
        print(f"  with the audit entry: p50 {audited['p50_ms']} ms, p95 {audited['p95_ms']} ms")
        print(f"(c) baseline: admin icontains, {baseline_cap} queries of each kind …", flush=True)
        baseline = run_baseline(mix, baseline_cap)
        print(f"  baseline: p50 {baseline['p50_ms']} ms, p95 {baseline['p95_ms']} ms, "
              f"recall@10 {baseline['recall_at_10']}", flush=True)  # fmt: skip
        finished = True
    finally:
        if args.keep or not finished:
            print(f"kept {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    ratio = (
        round(baseline["p95_ms"] / safecity["p95_ms"], 1)
        if baseline["p95_ms"] and safecity["p95_ms"]
        else None
    )
    result = {
        "bench": "search",
        "scale": "quick" if quick else "full",
        "database": "embedded SQLite (WAL), FTS5",
        "persons": persons,
        "vehicles": persons,
        "machine_busy_before": busy,
        "import": imported,
        "database_mb": size_mb,
        "p50_ms": safecity["p50_ms"],
        "p95_ms": safecity["p95_ms"],
        "recall_at_10": safecity["recall_at_10"],
        "search": safecity,
        "audited_search": audited,
        "goals": {
            "p95_ms": GOAL_P95_MS,
            "p95_met": safecity["p95_ms"] is not None and safecity["p95_ms"] <= GOAL_P95_MS,
            "recall_at_10": GOAL_RECALL,
            "recall_met": (safecity["recall_at_10"] or 0) >= GOAL_RECALL,
        },
        "baseline": {
            "name": "Django admin search_fields: each word icontains on full_name, cccd, old_id "
            "(persons) and plate (vehicles), first 10",
            **baseline,
        },
        "ratio": ratio,
        "ratio_means": "baseline p95 / SafeCity p95",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
