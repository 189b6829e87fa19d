"""Demo records: a few thousand synthetic residents of Ho Chi Minh City with valid CCCDs,
their vehicles and phones, cases handled by the criminal police and ward stations (some
classified), links between them and to the demo incidents, and a second register that
disagrees with the first here and there — so record pages show conflicting facts and the
review queue has possible duplicates.

Everything goes in through the import service (provenance, search index, audit), from a
seeded generator: the same data on every machine. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safecity.accounts.models import Clearance, Unit
from safecity.core import audit
from safecity.core.text import fold
from safecity.geography.models import Ward
from safecity.records import bulk, imports, resolution
from safecity.records.imports import fingerprint
from safecity.records.keys import name_fold, name_key
from safecity.records.models import Link, Organisation, Person, Role, SourceRecord, Vehicle
from safecity.records.synthetic import Generator, SyntheticPerson

Say = Callable[[str], None]

SEED = 20250701
PERSONS, VEHICLES, EXTRA_PHONES, CASES = 3000, 2000, 400, 60
POPULATION = "demo-dan-cu"  # the residents' register
RESIDENCE = "demo-tam-tru"  # temporary-residence declarations: partly different, partly new
VEHICLES_SOURCE = "demo-dang-ky-xe"
PHONES_SOURCE = "demo-nha-mang"
CASES_SOURCE = "demo-ho-so"
CASE_SUMMARIES = (
    "Trộm cắp xe máy trước chung cư",
    "Cướp giật túi xách trên đường",
    "Lừa đảo chiếm đoạt tài sản qua điện thoại",
    "Cố ý gây thương tích tại quán nhậu",
    "Tai nạn giao thông, người điều khiển bỏ chạy",
    "Đánh bạc trái phép",
    "Tàng trữ trái phép chất ma tuý",
    "Trộm cắp tài sản tại nhà dân",
    "Gây rối trật tự công cộng",
    "Lừa đảo bán hàng qua mạng",
)
COMPANIES = (
    "Công ty TNHH Thương mại Dịch vụ Phú An",
    "Công ty Cổ phần Vận tải Sài Gòn Xanh",
    "Công ty TNHH Xây dựng Minh Phát",
    "Công ty TNHH Điện tử Tân Thuận",
    "Công ty Cổ phần Đầu tư Bến Thành",
    "Hộ kinh doanh Tiệm vàng Kim Long",
    "Công ty TNHH Cầm đồ Hưng Thịnh",
    "Công ty TNHH Du lịch Hoàng Gia",
)


def _person_row(p: SyntheticPerson) -> dict[str, Any]:
    return {
        "external_id": f"DC{p.number:06d}",
        "full_name": p.full_name,
        "cccd": p.cccd,
        "birth_date": p.birth_date.isoformat(),
        "gender": p.gender,
        "ward_code": str(p.ward_code or ""),
        "permanent_address": p.address,
        "phone": p.phone,
    }


def _other_tone(name: str) -> str:
    """The same name with the older tone placement some registers still use."""
    for new, old in (("Hoà", "Hòa"), ("Thuỷ", "Thủy"), ("Thuý", "Thúy"), ("Thuỳ", "Thùy")):
        name = name.replace(new, old)
    return name


def _import(kind: str, rows: Sequence[dict[str, Any]], source: str) -> imports.ImportResult:
    return imports.import_rows(
        kind=kind, rows=list(enumerate(rows, start=2)), source=source, collect_ids=True
    )


def _residence_rows(
    rng: random.Random, people: list[SyntheticPerson], wards: list[int]
) -> list[dict[str, Any]]:
    """The second register: a temporary address for some residents (the same CCCD: it adds to
    their record), a different permanent address for a few (a conflict both sources keep),
    and 40 entries without a CCCD — the same people again, written down differently: the
    review queue's possible duplicates."""
    rows = []
    for p in rng.sample(people, 300):
        row = {
            "external_id": f"TT{p.number:06d}",
            "full_name": _other_tone(p.full_name),
            "cccd": p.cccd,
            "birth_date": p.birth_date.isoformat(),
            "gender": p.gender,
            "temporary_address": f"{rng.randrange(1, 300)} {rng.choice(('Lê Lợi', 'Pasteur'))}",
            "temporary_ward_code": str(rng.choice(wards)),
        }
        if rng.random() < 0.2:
            row["permanent_address"] = f"{rng.randrange(1, 500)}/{rng.randrange(1, 40)} Lê Văn Sỹ"
        rows.append(row)
    for p in rng.sample(people, 40):
        rows.append(
            {
                "external_id": f"TTX{p.number:06d}",
                "full_name": fold(p.full_name).title() if rng.random() < 0.5 else p.full_name,
                "birth_date": str(p.birth_date.year),
                "gender": p.gender,
                "phone": p.phone,
                "temporary_address": f"{rng.randrange(1, 300)} Nguyễn Trãi",
            }
        )
    return rows


def _link(role: str, now: Any, **ends: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "role": role,
        "person_id": None,
        "other_person_id": None,
        "vehicle_id": None,
        "organisation_id": None,
        "phone_id": None,
        "case_id": None,
        "incident_id": None,
        "detail": "",
        "valid_from": None,
        "source": CASES_SOURCE,
        "imported_at": now,
    }
    values.update(ends)
    return values


def _cases(
    rng: random.Random, units: list[Unit], incident_ids: Sequence[int]
) -> list[dict[str, Any]]:
    rows = []
    today = timezone.localdate()
    for n in range(1, CASES + 1):
        classification = Clearance.CONFIDENTIAL if n % 12 == 0 else Clearance.UNCLASSIFIED
        if n % 29 == 0:
            classification = Clearance.SECRET
        incidents = [str(incident_ids[n - 1])] if n <= len(incident_ids) else []
        rows.append(
            {
                "number": f"VA-{today.year}/{n:04d}",
                "unit_code": units[0].code if n % 3 else rng.choice(units).code,
                "type": "criminal",
                "status": "closed" if n % 7 == 0 else "open",
                "classification": str(int(classification)),
                "summary": rng.choice(CASE_SUMMARIES),
                "opened_at": (today - timedelta(days=rng.randrange(1, 300))).isoformat(),
                "incident_ids": "|".join(incidents),
            }
        )
    return rows


def _links(
    rng: random.Random,
    person_ids: list[int],
    case_ids: list[int],
    vehicle_ids: list[int],
    org_ids: list[int],
) -> list[dict[str, Any]]:
    now = timezone.now()
    links = []
    for case_id in case_ids:
        people = rng.sample(person_ids, 4)
        for person_id in people[: rng.randint(1, 2)]:
            links.append(_link(Role.SUSPECT, now, person_id=person_id, case_id=case_id))
        links.append(_link(Role.VICTIM, now, person_id=people[2], case_id=case_id))
        if rng.random() < 0.5:
            links.append(_link(Role.WITNESS, now, person_id=people[3], case_id=case_id))
        if rng.random() < 0.35:
            vehicle_id = rng.choice(vehicle_ids)
            links.append(_link(Role.INVOLVED, now, vehicle_id=vehicle_id, case_id=case_id))
    for _ in range(150):
        a, b = rng.sample(person_ids, 2)
        role = Role.RELATIVE if rng.random() < 0.6 else Role.ASSOCIATE
        links.append(_link(role, now, person_id=a, other_person_id=b))
    for org_id in org_ids:
        staff = rng.sample(person_ids, rng.randint(2, 5))
        links.append(_link(Role.DIRECTOR, now, person_id=staff[0], organisation_id=org_id))
        links.extend(
            _link(Role.EMPLOYEE, now, person_id=p, organisation_id=org_id) for p in staff[1:]
        )
    for vehicle_id in rng.sample(vehicle_ids, 150):
        since = now - timedelta(days=rng.randrange(30, 900))
        links.append(
            _link(
                Role.DRIVER,
                now,
                person_id=rng.choice(person_ids),
                vehicle_id=vehicle_id,
                valid_from=since,
            )
        )
    return links


def _organisations(wards: list[int]) -> list[int]:
    ids = []
    for number, name in enumerate(COMPANIES, start=1):
        org, _created = Organisation.objects.get_or_create(
            name_key=name_key(name),
            defaults={
                "name": name,
                "name_fold": name_fold(name),
                "tax_code": f"03{number:08d}",
                "ward_id": wards[number % len(wards)] if wards else None,
            },
        )
        data = {"name": name, "tax_code": org.tax_code}
        SourceRecord.objects.get_or_create(
            kind="organisation",
            source=CASES_SOURCE,
            external_id=f"ORG{number}",
            defaults={"entity_id": org.pk, "data": data, "fingerprint": fingerprint(data)},
        )
        ids.append(org.pk)
    return ids


def _ids(result: imports.ImportResult) -> list[int]:
    return list(dict.fromkeys(result.entity_ids))


def demo_load(say: Say = print, *, incident_ids: Iterable[int] = ()) -> None:
    if SourceRecord.objects.filter(source=POPULATION).exists():
        say("  records already loaded")
        return
    rng = random.Random(SEED)  # noqa: S311 - reproducible fake data, no secret
    wards = list(
        Ward.objects.filter(province_id=settings.SAFECITY_PROVINCE_CODE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    generator = Generator(SEED, wards)
    people = [generator.person() for _ in range(PERSONS)]
    persons = _import("person", [_person_row(p) for p in people], POPULATION)
    residence = _import("person", _residence_rows(rng, people, wards), RESIDENCE)
    by_cccd = dict(Person.objects.filter(cccd__gt="").values_list("cccd", "id"))
    owners = [p.cccd for p in people]
    vehicle_rows = [
        {**generator.vehicle(car=i % 3 == 0), "owner_cccd": rng.choice(owners)}
        for i in range(VEHICLES)
    ]
    vehicles = _import("vehicle", vehicle_rows, VEHICLES_SOURCE)
    phone_rows = [
        {"number": generator.phone(), "owner_cccd": rng.choice(owners)} for _ in range(EXTRA_PHONES)
    ]
    phones = _import("phone", phone_rows, PHONES_SOURCE)
    units = list(Unit.objects.filter(code__endswith="-PC02")) + list(
        Unit.objects.filter(kind=Unit.Kind.STATION).order_by("id")[:10]
    )
    if not units:
        units = list(Unit.objects.filter(parent__isnull=True)[:1])
    cases = _import("case", _cases(rng, units, list(incident_ids)), CASES_SOURCE) if units else None
    with transaction.atomic():
        links = _links(
            rng,
            sorted(set(by_cccd.values())),
            _ids(cases) if cases else [],
            sorted(Vehicle.objects.values_list("id", flat=True)),
            _organisations(wards),
        )
        bulk.insert(Link, links)
        audit.record(
            "records.demo.load",
            detail={"persons": persons.created, "links": len(links), "seed": SEED},
        )
    found = resolution.duplicates_find()
    say(
        f"  {persons.created:,} persons (+{residence.created} from a second register, "
        f"{residence.updated} records added to), {vehicles.created:,} vehicles, "
        f"{phones.created:,} more phones, {cases.created if cases else 0} cases, "
        f"{len(links):,} links, {found.candidates} possible duplicates to review"
    )
