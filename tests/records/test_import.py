"""Importing persons, vehicles, phones and cases: good rows go in, bad rows are rejected with
their line and reason (never taking good rows with them), re-importing changes nothing, and
two sources that disagree are both kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from safecity.accounts.models import Unit
from safecity.core.models import AuditEntry
from safecity.records import import_apply, imports, selectors
from safecity.records.imports import Progress, import_file, import_rows, write_rejects
from safecity.records.models import Case, Link, Person, Phone, Role, SourceRecord, Vehicle
from safecity.records.search import run
from tests.records.conftest import BEN_THANH, SAI_GON, person

HEADER = "full_name,cccd,birth_date,gender,ward_code,phone"
GOOD = [
    f"Nguyễn Văn An,079090001111,1990-04-12,male,{SAI_GON},0901234567",
    "Trần Thị Bích,079192003333,15/08/1992,nữ,,",
    "Lê Văn Cường,,1975,nam,,0912 345 678",
]
BAD = {
    "Phạm Văn Dũng,079090004444,1991-01-01,male,,": "cccd_birth_year",
    "Hồ Thị Em,079090005555,1990-01-01,female,,": "cccd_gender",
    "Võ Văn Phong,07909000,1990-01-01,male,,": "cccd_format",
    "Đỗ Văn Giang,,1990-13-45,male,,": "birth_date_format",
    "Bùi Văn Hải,,1990,male,99999,": "ward_unknown",
    "Ngô Văn Ích,,1990,male,,12345": "phone_invalid",
    ",,1990,male,,": "name_missing",
    "Dương Văn Kha,,1990,người ngoài hành tinh,,": "gender_unknown",
}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def mixed_file(tmp_path: Path) -> Path:
    """Good and bad rows interleaved: a bad row between two good ones."""
    bad = list(BAD)
    lines = [GOOD[0], bad[0], bad[1], GOOD[1], *bad[2:], GOOD[2]]
    return _write(tmp_path / "dan-cu.csv", lines)


def test_it_imports_the_good_rows_and_rejects_each_bad_one_with_line_and_reason(
    mixed_file: Path, wards: object
) -> None:
    result = import_file(path=mixed_file, kind="person", source="dan-cu-2024")

    assert (result.rows, result.created, result.rejected) == (11, 3, 8)
    assert Person.objects.count() == 3
    by_line = {r.line: r.code for r in result.rejects}
    assert by_line == {3: "cccd_birth_year", 4: "cccd_gender", 6: "cccd_format",
                       7: "birth_date_format", 8: "ward_unknown", 9: "phone_invalid",
                       10: "name_missing", 11: "gender_unknown"}  # fmt: skip
    an = Person.objects.get(cccd="079090001111")
    assert an.permanent_ward_id == SAI_GON
    assert an.links.get(role=Role.SUBSCRIBER).phone.number == "+84901234567"
    assert Person.objects.get(full_name="Trần Thị Bích").birth_date.isoformat() == "1992-08-15"
    assert Person.objects.get(full_name="Lê Văn Cường").birth_date is None


def test_it_writes_the_rejects_with_line_reason_and_the_row(
    mixed_file: Path, tmp_path: Path, wards: object
) -> None:
    result = import_file(path=mixed_file, kind="person", source="dan-cu-2024")
    target = tmp_path / "rejects.csv"

    write_rejects(result, target)

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["line"] for r in rows] == ["3", "4", "6", "7", "8", "9", "10", "11"]
    assert rows[0]["code"] == "cccd_birth_year"
    assert rows[0]["severity"] == "rejected"
    assert json.loads(rows[0]["row"])["full_name"] == "Phạm Văn Dũng"


def test_it_changes_nothing_when_the_same_file_is_imported_again(
    mixed_file: Path, wards: object
) -> None:
    import_file(path=mixed_file, kind="person", source="dan-cu-2024")
    counts = (Person.objects.count(), SourceRecord.objects.count(), Link.objects.count())
    stamps = list(Person.objects.order_by("id").values_list("updated_at", flat=True))

    again = import_file(path=mixed_file, kind="person", source="dan-cu-2024")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (Person.objects.count(), SourceRecord.objects.count(), Link.objects.count()) == counts
    assert list(Person.objects.order_by("id").values_list("updated_at", flat=True)) == stamps


def test_it_updates_a_row_that_changed_in_the_same_source(tmp_path: Path, wards: object) -> None:
    import_file(path=_write(tmp_path / "a.csv", GOOD[:1]), kind="person", source="dan-cu")
    changed = GOOD[0].replace(f",{SAI_GON},", f",{BEN_THANH},")

    result = import_file(path=_write(tmp_path / "b.csv", [changed]), kind="person", source="dan-cu")

    assert (result.created, result.updated) == (0, 1)
    an = Person.objects.get()
    assert an.permanent_ward_id == BEN_THANH
    assert SourceRecord.objects.get().data["ward_code"] == BEN_THANH


def test_it_keeps_both_values_when_two_sources_disagree(hoa: Any, wards: object) -> None:
    """GIVEN the residents' register says An lives at 12 Lê Lợi
    WHEN the temporary-residence register, with the same CCCD, says 40 Pasteur
    THEN there is still one An (the same valid CCCD), showing the newer address, and his facts
    list both addresses, each with its source."""
    base = {"full_name": "Nguyễn Văn An", "cccd": "079090001111", "birth_date": "1990-04-12"}
    first = person(**base, permanent_address="12 Lê Lợi", source="dan-cu")
    person(**base, permanent_address="40 Pasteur", source="tam-tru")

    assert Person.objects.count() == 1
    an = Person.objects.get(pk=first.pk)
    assert an.permanent_address == "40 Pasteur"
    facts = {f["attribute"]: f for f in selectors.facts(an)}
    address = facts["permanent_address"]
    assert address["conflict"] is True
    assert [(v["value"], v["sources"][0]["source"]) for v in address["values"]] == [
        ("12 Lê Lợi", "dan-cu"),
        ("40 Pasteur", "tam-tru"),
    ]
    assert facts["cccd"]["conflict"] is False
    assert [s["source"] for s in facts["cccd"]["values"][0]["sources"]] == ["dan-cu", "tam-tru"]


def test_it_keeps_a_name_another_source_gives_as_an_alias_that_search_finds(
    hoa: Any, wards: object
) -> None:
    base = {"cccd": "079090001111", "birth_date": "1990-04-12"}
    an = person(full_name="Nguyễn Văn An", **base, source="dan-cu")
    person(full_name="Nguyễn Văn Ân", **base, source="tam-tru")

    an.refresh_from_db()
    assert an.full_name == "Nguyễn Văn Ân"
    assert an.aliases == ["Nguyễn Văn An"]
    assert [h.id for h in run(hoa, "Nguyễn Văn An")][:1] == [an.pk]


def test_it_does_not_take_another_spelling_of_the_same_name_for_an_alias(wards: object) -> None:
    base = {"cccd": "079185002222", "birth_date": "1985"}
    hoa = person(full_name="Đặng Thị Hoà", **base, source="dan-cu")
    person(full_name="Đặng Thị Hòa", **base, source="tam-tru")

    hoa.refresh_from_db()
    assert hoa.full_name == "Đặng Thị Hoà"
    assert hoa.aliases == []


def test_it_imports_vehicles_with_owners_and_warns_about_an_unknown_owner(
    wards: object,
) -> None:
    owner = person(full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990")
    rows = [
        (2, {"plate": "51f 123 45", "brand": "Toyota", "color": "trắng", "owner_cccd": owner.cccd}),
        (3, {"plate": "59-X1 567.89", "kind": "xe máy", "owner_cccd": "079090009999"}),
        (4, {"plate": "not a plate"}),
    ]

    result = import_rows(kind="vehicle", rows=rows, source="dang-ky-xe")

    assert (result.created, result.rejected) == (2, 1)
    assert result.rejects[0].code == "plate_invalid"
    assert [(w.line, w.code) for w in result.warnings] == [(3, "owner_not_found")]
    car = Vehicle.objects.get(plate_key="51F12345")
    assert (car.plate, car.kind, car.colour) == ("51F-123.45", "car", "trắng")
    assert Link.objects.get(role=Role.OWNER, vehicle=car).person_id == owner.pk
    assert Vehicle.objects.get(plate_key="59X156789").kind == "motorbike"


def test_it_imports_phones_and_cases(criminal_police: Unit, wards: object) -> None:
    owner = person(full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990")
    phones = import_rows(
        kind="phone",
        rows=[(2, {"number": "0987 654 321", "owner_cccd": owner.cccd}), (3, {"number": "12"})],
        source="nha-mang",
    )
    cases = import_rows(
        kind="case",
        rows=[
            (
                2,
                {
                    "number": "VA-2025/0001",
                    "unit_code": criminal_police.code,
                    "incident_ids": "7|9",
                },
            ),
            (3, {"number": "VA-2025/0002", "unit_code": "NO-SUCH-UNIT"}),
            (
                4,
                {
                    "number": "VA-2025/0003",
                    "unit_code": criminal_police.code,
                    "classification": "5",
                },
            ),
        ],
        source="ho-so",
    )

    assert (phones.created, [r.code for r in phones.rejects]) == (1, ["phone_invalid"])
    phone = Phone.objects.get()
    assert (phone.number, phone.kind) == ("+84987654321", "mobile")
    assert phone.links.get().person_id == owner.pk
    assert (cases.created, [r.code for r in cases.rejects]) == (
        1,
        ["unit_unknown", "classification"],
    )
    imported = Case.objects.get()
    assert sorted(imported.links.values_list("incident_id", flat=True)) == [7, 9]
    assert imported.opened_at is not None


def test_it_reads_json_and_json_lines_and_maps_other_column_names(
    tmp_path: Path, wards: object
) -> None:
    as_json = tmp_path / "persons.json"
    as_json.write_text(json.dumps([{"Họ tên": "Nguyễn Văn An", "Năm sinh": "1990"}]))
    as_lines = tmp_path / "persons.jsonl"
    as_lines.write_text('{"full_name": "Trần Văn Bình"}\nnot json\n', encoding="utf-8")

    first = import_file(
        path=as_json,
        kind="person",
        source="x",
        column_map=imports.parse_column_map("Họ tên=full_name,Năm sinh=birth_date"),
    )
    second = import_file(path=as_lines, kind="person", source="y")

    assert first.created == 1
    assert Person.objects.get(full_name="Nguyễn Văn An").birth_year == 1990
    assert (second.created, [r.line for r in second.rejects]) == (1, [2])


def test_it_loses_no_good_row_when_the_database_refuses_one_in_a_batch(
    monkeypatch: pytest.MonkeyPatch, wards: object
) -> None:
    """GIVEN a batch of three rows of which the database refuses the middle one (here: its
    phone link fails) WHEN it is imported THEN the batch is undone whole and its rows retried
    one by one: two persons go in, the third is rejected, and nothing of it remains."""
    real = import_apply._phone_links

    def refuse(ctx: Any, pairs: Any, role: str) -> None:
        pairs = list(pairs)
        if any(number == "+84909999999" for _pid, number in pairs):
            raise DatabaseError("refused")
        real(ctx, pairs, role)

    monkeypatch.setattr(import_apply, "_phone_links", refuse)
    rows = [
        (2, {"full_name": "Nguyễn Văn An", "phone": "0901234567"}),
        (3, {"full_name": "Lê Văn Lỗi", "phone": "0909999999"}),
        (4, {"full_name": "Trần Văn Bình"}),
    ]

    result = import_rows(kind="person", rows=rows, source="dan-cu", batch_size=10)

    assert (result.created, [(r.line, r.code) for r in result.rejects]) == (2, [(3, "database")])
    assert sorted(Person.objects.values_list("full_name", flat=True)) == [
        "Nguyễn Văn An",
        "Trần Văn Bình",
    ]
    assert not SourceRecord.objects.filter(data__full_name="Lê Văn Lỗi").exists()


def test_it_reports_progress_with_rate_and_eta(wards: object) -> None:
    seen: list[Progress] = []
    rows = [(i, {"full_name": f"Nguyễn Văn An {chr(65 + i)}"}) for i in range(2, 7)]

    import_rows(kind="person", rows=rows, source="x", total=5, batch_size=2, progress=seen.append)

    assert [p.done for p in seen] == [2, 4, 5]
    assert seen[-1].total == 5
    assert seen[0].eta is not None and seen[0].rate > 0
    assert seen[-1].eta == 0


def test_it_records_the_run_in_the_audit_trail(mixed_file: Path, wards: object) -> None:
    result = import_file(path=mixed_file, kind="person", source="dan-cu-2024")

    entry = AuditEntry.objects.get(action="records.import")
    assert entry.detail["created"] == 3
    assert entry.detail["rejected"] == 8
    assert entry.object_id == str(result.run_id)


def test_the_command_imports_and_writes_the_rejects_file(
    mixed_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], wards: object
) -> None:
    rejects = tmp_path / "out.csv"

    call_command(
        "records", "import", str(mixed_file), "--kind", "person", "--source", "dan-cu",
        "--rejects", str(rejects),
    )  # fmt: skip

    output = capsys.readouterr().out
    assert "11 rows" in output
    assert "3 created" in output and "8 rejected" in output
    assert "rows/s" in output and "ETA" in output
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 9
    assert Person.objects.count() == 3
