"""Search results and records respect clearance and unit scope: what an officer may not see
does not appear — not in the results, not as a count, not through a link."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import Clearance, Unit, User
from safecity.core.errors import Forbidden, NotFound
from safecity.core.models import AuditEntry
from safecity.records import selectors
from safecity.records.models import Case, Person, Role
from safecity.records.search import run
from safecity.records.services import link_add
from tests.conftest import bearer
from tests.records.conftest import case, person


@pytest.fixture
def secret_case(criminal_police: Unit, wards: object) -> Case:
    """A Tối mật case of the criminal police: above Hoà's Mật clearance."""
    return case(
        criminal_police,
        number="VA-2025/0099",
        summary="Đường dây ma tuý",
        classification=str(int(Clearance.SECRET)),
    )


@pytest.fixture
def confidential_case(criminal_police: Unit, wards: object) -> Case:
    return case(
        criminal_police,
        number="VA-2025/0098",
        summary="Trộm xe",
        classification=str(int(Clearance.CONFIDENTIAL)),
    )


def test_it_hides_a_case_above_the_officers_clearance(
    hoa: User, secret_case: Case, confidential_case: Case
) -> None:
    assert run(hoa, "VA-2025/0099") == []
    assert [h.id for h in run(hoa, "VA-2025/0098")] == [confidential_case.pk]


def test_it_does_not_count_a_hidden_case_among_prefix_matches(
    hoa: User, secret_case: Case, confidential_case: Case
) -> None:
    """GIVEN two cases numbered VA-2025/…, one above Hoà's clearance
    WHEN she searches the prefix
    THEN only the other is listed, and nothing in the answer tells that a second exists."""
    hits = run(hoa, "VA-2025")

    assert [h.id for h in hits] == [confidential_case.pk]
    assert secret_case.pk not in [h.id for h in hits]


def test_it_hides_a_case_outside_the_officers_unit_scope(
    quang: User, confidential_case: Case
) -> None:
    """Quang (Sài Gòn station, top clearance) does not see the criminal police's case."""
    assert run(quang, "VA-2025/0098") == []
    with pytest.raises(NotFound):
        selectors.access_case(quang, confidential_case.pk)


def test_it_lets_the_city_command_see_every_unit_s_cases(
    command_centre: Unit, confidential_case: Case, wards: object
) -> None:
    from tests import factories

    chief = factories.officer(
        unit_=command_centre, roles=["investigator"], clearance=Clearance.CONFIDENTIAL
    )

    assert [h.id for h in run(chief, "VA-2025/0098")] == [confidential_case.pk]


def test_it_hides_a_classified_person_even_by_cccd(hoa: User, wards: object) -> None:
    witness = person(full_name="Lê Văn Kín", cccd="079080123456", birth_date="1980", gender="male")
    Person.objects.filter(pk=witness.pk).update(classification=Clearance.SECRET)

    assert run(hoa, "079080123456") == []
    assert run(hoa, "Lê Văn Kín") == []
    with pytest.raises(NotFound):
        selectors.access_person(hoa, witness.pk)


def test_it_hides_links_to_what_the_officer_may_not_see(
    hoa: User, secret_case: Case, confidential_case: Case
) -> None:
    suspect = person(full_name="Mai Văn Tư", birth_date="1975")
    link_add(actor=None, role=Role.SUSPECT, a=suspect, b=secret_case)
    link_add(actor=None, role=Role.SUSPECT, a=suspect, b=confidential_case)

    links = selectors.links_of(hoa, "person", suspect.pk)
    graph = selectors.neighbours(hoa, "person", suspect.pk)

    assert [lk["other"]["id"] for lk in links] == [confidential_case.pk]
    assert {n["id"] for n in graph["nodes"]} == {
        f"person:{suspect.pk}",
        f"case:{confidential_case.pk}",
    }
    assert len(graph["edges"]) == 1


def test_it_refuses_search_to_an_officer_without_records_access(minh: User) -> None:
    with pytest.raises(Forbidden):
        run(minh, "Nguyễn Văn An")


def test_it_leaves_hidden_results_out_of_the_api_answer_and_the_audit(
    client: Client, hoa: User, secret_case: Case, confidential_case: Case
) -> None:
    response = client.get(
        "/api/v1/records/search",
        {"q": "VA-2025", "purpose": "VA-2025/0098"},
        **bearer(client, hoa),
    )

    assert response.status_code == 200
    assert set(response.json()) == {"results"}  # no total, no count
    assert [r["id"] for r in response.json()["results"]] == [confidential_case.pk]
    entry = AuditEntry.objects.filter(action="records.search").latest("seq")
    assert entry.detail["returned"] == [f"case:{confidential_case.pk}"]
