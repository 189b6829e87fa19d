"""Review findings: the duplicate pair is read with a purpose and audited, entries answer with
what they wrote only, a link's incident end is checked, a decided pair cannot be decided again
by a racing request, a merge of a classified loser stays hidden, and an upload is bounded."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safecity.accounts.models import Clearance, Unit, User
from safecity.core.errors import Conflict, NotFound
from safecity.core.models import AuditEntry
from safecity.incidents.models import Incident
from safecity.records import api, resolution, selectors
from safecity.records.models import DuplicateCandidate, Link, Person, RecordAccess, Role
from safecity.records.services import link_add
from tests.conftest import bearer
from tests.records.conftest import case, person


@pytest.fixture
def pair(wards: object) -> DuplicateCandidate:
    person(full_name="Nguyễn Văn Tâm", birth_date="1980-02-03", gender="male", source="dan-cu")
    person(full_name="Nguyen Van Tam", birth_date="1980", source="tam-tru")
    resolution.duplicates_find()
    return DuplicateCandidate.objects.get()


def _incident(unit: Unit) -> Incident:
    return Incident.objects.create(
        category="security", priority=2, lat=10.77, lon=106.70, h3_cell="89658000003ffff", unit=unit
    )


def test_the_pair_side_by_side_needs_a_purpose_and_is_audited(
    client: Client, tam: User, pair: DuplicateCandidate
) -> None:
    headers = bearer(client, tam)
    url = f"/api/v1/records/duplicates/{pair.pk}"

    refused = client.get(url, **headers)
    shown = client.get(url, {"purpose": "rà soát trùng lặp"}, **headers)

    assert refused.status_code == 428
    assert refused.json()["error"]["code"] == "purpose_required"
    assert shown.status_code == 200
    assert shown.json()["a"]["fields"]["id"] == pair.person_a_id
    viewed = RecordAccess.objects.filter(actor=tam, action=RecordAccess.Action.VIEW)
    assert sorted(viewed.values_list("entity_id", flat=True)) == sorted(
        [pair.person_a_id, pair.person_b_id]
    )
    entry = AuditEntry.objects.get(action="records.duplicates.read")
    assert entry.purpose == "rà soát trùng lặp"


def test_an_entry_answers_with_what_it_wrote_only(client: Client, tam: User) -> None:
    an = person(full_name="Nguyễn Văn An", birth_date="1990", permanent_address="12 Lê Lợi")
    headers = bearer(client, tam)

    created = client.post(
        "/api/v1/records/persons",
        {"full_name": "Trần Văn Bình", "birth_date": "1988"},
        content_type="application/json",
        **headers,
    )
    patched = client.patch(
        f"/api/v1/records/persons/{an.pk}",
        {"phones": ["0987 654 321"], "full_name": "Nguyễn Văn Ân"},
        content_type="application/json",
        **headers,
    )

    assert created.status_code == 201
    assert set(created.json()) == {"kind", "id", "label", "fields"}
    assert created.json()["fields"]["full_name"] == "Trần Văn Bình"
    assert patched.status_code == 200
    assert patched.json()["id"] == an.pk
    assert "permanent_address" not in patched.json()["fields"]  # another source's value
    assert patched.json()["fields"]["full_name"] == "Nguyễn Văn Ân"


def test_a_case_status_answers_with_the_status_only(
    client: Client, hoa: User, criminal_police: Unit
) -> None:
    the_case = case(criminal_police, number="VA-2025/0200", summary="Trộm cắp")

    response = client.post(
        f"/api/v1/records/cases/{the_case.pk}/status",
        {"status": "closed"},
        content_type="application/json",
        **bearer(client, hoa),
    )

    assert response.status_code == 200
    assert response.json()["fields"]["status"] == "closed"
    assert "summary" not in response.json()["fields"]
    assert "facts" not in response.json()


def test_a_link_to_an_incident_needs_an_incident_the_officer_may_see(
    client: Client, hoa: User, criminal_police: Unit, station: Unit
) -> None:
    the_case = case(criminal_police, number="VA-2025/0300", summary="Trộm cắp")
    ours, theirs = _incident(criminal_police), _incident(station)
    headers = bearer(client, hoa)

    def link(incident_id: int) -> Any:
        return client.post(
            "/api/v1/records/links",
            {
                "role": "incident",
                "a": {"kind": "case", "id": the_case.pk},
                "b": {"kind": "incident", "id": incident_id},
            },
            content_type="application/json",
            **headers,
        )

    out_of_scope, missing, allowed = link(theirs.pk), link(999_999), link(ours.pk)

    assert out_of_scope.status_code == 404
    assert out_of_scope.json()["error"]["code"] == "not_found"
    assert missing.status_code == 404
    assert allowed.status_code == 201
    assert list(Link.objects.values_list("incident_id", flat=True)) == [ours.pk]


def test_a_link_is_found_only_by_an_officer_who_sees_one_end(
    client: Client, hoa: User, quang: User, station: Unit, wards: object
) -> None:
    secret = person(full_name="Lê Văn Mật", birth_date="1970")
    Person.objects.filter(pk=secret.pk).update(classification=Clearance.SECRET)
    the_case = case(station, number="VA-2025/0400", summary="Trộm cắp")
    link = link_add(actor=None, role=Role.SUSPECT, a=secret, b=the_case)

    assert selectors.access_link(quang, link.pk) == link
    with pytest.raises(NotFound):
        selectors.access_link(hoa, link.pk)  # the person is above her clearance, the case
    response = client.post(f"/api/v1/records/links/{link.pk}/end", **bearer(client, hoa))
    assert response.status_code == 404


def test_a_pair_decided_meanwhile_is_not_decided_again(tam: User, pair: DuplicateCandidate) -> None:
    stale = DuplicateCandidate.objects.get(pk=pair.pk)
    resolution.candidate_mark_distinct(actor=tam, candidate=pair, reason="khác người")

    with pytest.raises(Conflict):
        resolution.candidate_merge(actor=tam, candidate=stale)
    with pytest.raises(Conflict):
        resolution.candidate_mark_distinct(actor=tam, candidate=stale)
    assert not Person.objects.filter(merged_into__isnull=False).exists()
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "distinct"


def test_a_merge_with_a_loser_above_the_clearance_is_not_found(
    tam: User, pair: DuplicateCandidate
) -> None:
    merge = resolution.candidate_merge(actor=tam, candidate=pair)
    Person.objects.filter(pk=merge.loser_id).update(classification=Clearance.SECRET)

    with pytest.raises(NotFound):
        selectors.access_merge(tam, merge.pk)


def _upload(client: Client, user: User, content: bytes) -> Any:
    return client.post(
        "/api/v1/records/imports",
        {
            "file": SimpleUploadedFile("persons.csv", content, content_type="text/csv"),
            "kind": "person",
            "source": "dan-cu",
        },
        **bearer(client, user),
    )


def test_an_upload_over_the_limit_is_refused(
    client: Client, tam: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "IMPORT_MAX_BYTES", 64)

    response = _upload(client, tam, b"full_name,birth_date\n" + b"Nguyen Van An,1990\n" * 10)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert not Person.objects.exists()


def test_a_malformed_csv_is_refused_not_a_server_error(client: Client, tam: User) -> None:
    too_long_field = b"full_name,birth_date\n" + b'"' + b"A" * 200_000 + b'",1990\n'

    response = _upload(client, tam, too_long_field)

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["file"]
