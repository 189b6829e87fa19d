"""Looking something up needs a stated purpose (428 without one), and every search, record
view and export writes an audit entry with the purpose and what was shown; an auditor lists
who looked at a person and why."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.core import audit
from safecity.core.models import AuditEntry
from safecity.records.models import Case, Person, RecordAccess
from tests.conftest import bearer
from tests.records.conftest import case, person


@pytest.fixture
def an(wards: object) -> Person:
    return person(
        full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990-04-12", gender="male"
    )


@pytest.fixture
def theft(criminal_police: Unit, wards: object) -> Case:
    return case(criminal_police, number="VA-2025/0012", summary="Trộm cắp xe máy")


def _get(client: Client, user: User, url: str, **params: Any) -> Any:
    return client.get(url, params, **bearer(client, user))


@pytest.mark.parametrize("purpose", [None, "", "  ", "ab"])
def test_it_answers_428_to_a_search_without_a_purpose(
    client: Client, hoa: User, an: Person, purpose: str | None
) -> None:
    params = {"q": "Nguyễn Văn An"} | ({"purpose": purpose} if purpose is not None else {})

    response = _get(client, hoa, "/api/v1/records/search", **params)

    assert response.status_code == 428
    error = response.json()["error"]
    assert error["code"] == "purpose_required"
    assert "purpose" in error["fields"]
    assert not AuditEntry.objects.filter(action="records.search").exists()


def test_it_audits_a_search_with_its_purpose_and_what_it_returned(
    client: Client, hoa: User, an: Person
) -> None:
    response = _get(
        client, hoa, "/api/v1/records/search", q="Nguyễn Văn An", purpose="xác minh tin báo"
    )

    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == an.pk
    entry = AuditEntry.objects.filter(action="records.search").latest("seq")
    assert entry.actor_username == "hoa"
    assert entry.purpose == "xác minh tin báo"
    assert entry.detail["q"] == "Nguyễn Văn An"
    assert entry.detail["returned"] == [f"person:{an.pk}"]
    access = RecordAccess.objects.get(kind="person", entity_id=an.pk)
    assert (access.action, access.purpose, access.audit_seq) == (
        "listed",
        "xác minh tin báo",
        entry.seq,
    )
    assert audit.verify()[1] is None


def test_it_answers_428_to_a_record_view_without_a_purpose(
    client: Client, hoa: User, an: Person
) -> None:
    response = _get(client, hoa, f"/api/v1/records/persons/{an.pk}")

    assert response.status_code == 428
    assert not AuditEntry.objects.filter(action="records.person.read").exists()


def test_it_audits_a_record_view_and_links_the_purpose_to_a_case(
    client: Client, hoa: User, an: Person, theft: Case
) -> None:
    response = _get(client, hoa, f"/api/v1/records/persons/{an.pk}", purpose="VA-2025/0012")

    assert response.status_code == 200
    body = response.json()
    assert body["fields"]["cccd"] == "079090001111"
    assert body["facts"][0]["values"][0]["sources"][0]["source"] == "dan-cu"
    entry = AuditEntry.objects.filter(action="records.person.read").latest("seq")
    assert (entry.object_type, entry.object_id) == ("person", str(an.pk))
    assert entry.purpose == "VA-2025/0012"
    assert entry.detail["purpose_case_id"] == theft.pk
    assert RecordAccess.objects.filter(kind="person", entity_id=an.pk, action="view").count() == 1


def test_it_does_not_tell_whether_a_record_exists_before_the_purpose(
    client: Client, hoa: User
) -> None:
    assert _get(client, hoa, "/api/v1/records/persons/999999").status_code == 428
    assert (
        _get(client, hoa, "/api/v1/records/persons/999999", purpose="xác minh").status_code == 404
    )


def test_it_lets_an_auditor_list_who_looked_at_a_person_and_why(
    client: Client, hoa: User, thu: User, an: Person
) -> None:
    """GIVEN Hoà found An in a search, then opened his record, each with a purpose
    WHEN Thu the auditor asks who looked at An
    THEN she sees both looks, newest first, with Hoà's name and purposes
    AND her own look is audited too."""
    _get(client, hoa, "/api/v1/records/search", q="079090001111", purpose="tin báo 113 số 45")
    _get(client, hoa, f"/api/v1/records/persons/{an.pk}", purpose="VA-2025/0012")

    response = _get(client, thu, f"/api/v1/records/persons/{an.pk}/access-log")

    assert response.status_code == 200
    rows = response.json()
    assert [(r["actor_username"], r["action"], r["purpose"]) for r in rows] == [
        ("hoa", "view", "VA-2025/0012"),
        ("hoa", "listed", "tin báo 113 số 45"),
    ]
    assert AuditEntry.objects.filter(
        action="records.access_log.read", actor_username="thu"
    ).exists()


def test_the_access_log_of_a_record_that_does_not_exist_is_a_404(client: Client, thu: User) -> None:
    """An empty list would tell the auditor nobody looked at a record that is not there."""
    assert _get(client, thu, "/api/v1/records/persons/999999/access-log").status_code == 404


def test_it_keeps_the_access_log_from_non_auditors(client: Client, hoa: User, an: Person) -> None:
    assert _get(client, hoa, f"/api/v1/records/persons/{an.pk}/access-log").status_code == 403


def test_it_needs_the_export_permission_and_audits_a_refusal(
    client: Client, tam: User, an: Person
) -> None:
    response = _get(
        client, tam, "/api/v1/records/search/export", q="Nguyễn Văn An", purpose="báo cáo"
    )

    assert response.status_code == 403
    denied = AuditEntry.objects.filter(action="records.export").latest("seq")
    assert (denied.outcome, denied.actor_username) == ("denied", "tam")


def test_it_exports_search_results_as_csv_and_audits_each_record(
    client: Client, hoa: User, an: Person
) -> None:
    response = _get(
        client, hoa, "/api/v1/records/search/export", q="Nguyễn Văn An", purpose="VA-2025/0012"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "kind,id,label,identifier,birth_year,score"
    assert lines[1].startswith(f"person,{an.pk},Nguyễn Văn An,079090001111,1990,")
    assert RecordAccess.objects.get(kind="person", entity_id=an.pk).action == "export"
    assert AuditEntry.objects.filter(action="records.export", outcome="success").exists()


def test_it_exports_one_record_with_its_facts(client: Client, hoa: User, an: Person) -> None:
    response = _get(client, hoa, f"/api/v1/records/persons/{an.pk}/export", purpose="VA-1")

    assert response.status_code == 200
    text = response.content.decode()
    assert "fact,cccd,079090001111,dan-cu" in text


def test_it_refuses_records_to_an_officer_without_the_capability(
    client: Client, minh: User, an: Person
) -> None:
    response = _get(client, minh, "/api/v1/records/search", q="An", purpose="xem thử")

    assert response.status_code == 403
