"""Officers enter and change records through the same checks as imports; their entries are
kept as their own source; cases open only in the officer's scope and clearance; links join
only the kinds their role joins."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import Clearance, Unit, User
from safecity.core.errors import Conflict, Forbidden, InvalidInput
from safecity.core.models import AuditEntry
from safecity.records import selectors, services
from safecity.records.models import Person, Role, SourceRecord
from tests.conftest import bearer
from tests.records.conftest import SAI_GON, person, vehicle


def _post(client: Client, user: User, url: str, body: dict[str, object]) -> object:
    return client.post(url, body, content_type="application/json", **bearer(client, user))


def test_a_clerk_enters_a_person_kept_as_her_own_source(client: Client, tam: User) -> None:
    response = _post(
        client,
        tam,
        "/api/v1/records/persons",
        {
            "full_name": "Nguyễn Văn An",
            "cccd": "079090001111",
            "birth_date": "1990-04-12",
            "gender": "male",
            "ward_code": SAI_GON,
            "phones": ["0901234567"],
        },
    )

    assert response.status_code == 201  # type: ignore[attr-defined]
    person_id = response.json()["fields"]["id"]  # type: ignore[attr-defined]
    record = SourceRecord.objects.get(kind="person", entity_id=person_id)
    assert (record.source, record.external_id) == ("manual", f"tam:person:{person_id}")
    assert record.imported_by == tam
    assert Person.objects.get(pk=person_id).links.get().phone.number == "+84901234567"
    assert AuditEntry.objects.filter(action="records.person.create", actor_username="tam").exists()


def test_it_refuses_a_cccd_that_contradicts_the_birth_year(client: Client, tam: User) -> None:
    response = _post(
        client,
        tam,
        "/api/v1/records/persons",
        {"full_name": "Nguyễn Văn An", "cccd": "079090001111", "birth_date": "1991"},
    )

    assert response.status_code == 422  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "cccd_birth_year"
    assert list(error["fields"]) == ["cccd"]


def test_it_sends_a_known_cccd_to_the_person_who_has_it(client: Client, tam: User) -> None:
    an = person(full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990")

    response = _post(
        client, tam, "/api/v1/records/persons", {"full_name": "N. V. An", "cccd": "079090001111"}
    )

    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["error"]["fields"]["cccd"] == [str(an.pk)]  # type: ignore[attr-defined]


def test_an_edit_keeps_the_earlier_source_beside_it(tam: User, hoa: User) -> None:
    an = person(full_name="Nguyễn Văn An", birth_date="1990", permanent_address="12 Lê Lợi")

    services.person_update(actor=tam, person=an, values={"permanent_address": "40 Pasteur"})

    address = next(f for f in selectors.facts(an) if f["attribute"] == "permanent_address")
    assert [(v["value"], v["sources"][0]["source"]) for v in address["values"]] == [
        ("12 Lê Lợi", "dan-cu"),
        ("40 Pasteur", "manual"),
    ]
    an.refresh_from_db()
    assert an.permanent_address == "40 Pasteur"


def test_the_investigator_may_not_enter_persons(client: Client, hoa: User) -> None:
    response = _post(client, hoa, "/api/v1/records/persons", {"full_name": "Nguyễn Văn An"})

    assert response.status_code == 403  # type: ignore[attr-defined]


def test_an_investigator_opens_a_case_in_her_scope_and_clearance(
    hoa: User, criminal_police: Unit, station: Unit
) -> None:
    case = services.case_create(
        actor=hoa, number="VA-2025/0100", unit=criminal_police, classification=1
    )

    assert (case.number_key, case.status, case.classification) == ("VA20250100", "open", 1)
    with pytest.raises(Forbidden):
        services.case_create(actor=hoa, number="VA-2025/0101", unit=station)
    with pytest.raises(Forbidden):
        services.case_create(
            actor=hoa,
            number="VA-2025/0102",
            unit=criminal_police,
            classification=Clearance.SECRET,
        )


def test_the_api_opens_a_case_and_links_a_suspect(
    client: Client, hoa: User, criminal_police: Unit
) -> None:
    an = person(full_name="Nguyễn Văn An", birth_date="1990")

    opened = _post(
        client,
        hoa,
        "/api/v1/records/cases",
        {"number": "VA-2025/0100", "unit_id": criminal_police.pk, "summary": "Trộm"},
    )
    case_id = opened.json()["fields"]["id"]  # type: ignore[attr-defined]
    linked = _post(
        client,
        hoa,
        "/api/v1/records/links",
        {
            "role": "suspect",
            "a": {"kind": "person", "id": an.pk},
            "b": {"kind": "case", "id": case_id},
        },
    )
    wrong = _post(
        client,
        hoa,
        "/api/v1/records/links",
        {
            "role": "owner",
            "a": {"kind": "person", "id": an.pk},
            "b": {"kind": "case", "id": case_id},
        },
    )

    assert opened.status_code == 201  # type: ignore[attr-defined]
    assert linked.status_code == 201  # type: ignore[attr-defined]
    assert linked.json()["role"] == "suspect"  # type: ignore[attr-defined]
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert an.links.get().case_id == case_id


def test_a_link_role_joins_only_its_kinds(wards: object) -> None:
    an = person(full_name="Nguyễn Văn An", birth_date="1990")
    binh = person(full_name="Trần Văn Bình", birth_date="1988")

    with pytest.raises(InvalidInput):
        services.link_add(actor=None, role="nonsense", a=an, b=binh)
    with pytest.raises(InvalidInput):
        services.link_add(actor=None, role=Role.OWNER, a=an, b=binh)  # owner: person–vehicle
    with pytest.raises(InvalidInput):
        services.link_add(actor=None, role=Role.RELATIVE, a=an, b=an)
    assert services.link_add(actor=None, role=Role.RELATIVE, a=an, b=binh).other_person == binh


def test_a_clerk_enters_a_vehicle_with_its_owner(tam: User, wards: object) -> None:
    an = person(full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990")

    car = services.vehicle_create(
        actor=tam, values={"plate": "51f12345", "brand": "Toyota", "owner_cccd": an.cccd}
    )

    assert car.plate == "51F-123.45"
    assert car.links.get(role=Role.OWNER).person_id == an.pk
    assert vehicle(plate="51F-123.45", source="dang-kiem").pk == car.pk  # an import adds to it
    with pytest.raises(Conflict):
        services.vehicle_create(actor=tam, values={"plate": "51F 123 45"})


def test_a_patch_changes_only_what_it_names_and_adds_a_phone(client: Client, tam: User) -> None:
    an = person(full_name="Nguyễn Văn An", birth_date="1990", permanent_address="12 Lê Lợi")

    response = client.patch(
        f"/api/v1/records/persons/{an.pk}",
        {"phones": ["0987 654 321"]},
        content_type="application/json",
        **bearer(client, tam),
    )

    assert response.status_code == 200
    an.refresh_from_db()
    assert an.permanent_address == "12 Lê Lợi"
    assert an.birth_year == 1990
    assert [lk.phone.number for lk in an.links.all()] == ["+84987654321"]


def test_an_organisation_is_found_by_name_and_tax_code(tam: User, hoa: User) -> None:
    from safecity.records.search import run

    company = services.organisation_create(
        actor=tam, name="Công ty TNHH Cầm đồ Hưng Thịnh", tax_code="0312 345 678"
    )

    assert [h.id for h in run(hoa, "cam do hung thinh", kind="organisation")] == [company.pk]
    assert [h.id for h in run(hoa, "0312345678", kind="organisation")] == [company.pk]
