"""The investigator's pages of the integrated database: a purpose first, then search, record
pages (facts with their sources, links, timeline, graph), who looked, and the review queue of
possible duplicates — each look audited as the API's are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safecity.accounts.models import Clearance, Unit, User
from safecity.core.models import AuditEntry
from safecity.incidents.models import Incident
from safecity.incidents.records_timeline import incident_items
from safecity.records import resolution, timeline
from safecity.records.models import (
    Case,
    DuplicateCandidate,
    Merge,
    Person,
    RecordAccess,
    Role,
    Vehicle,
)
from safecity.records.services import link_add
from safecity.records.views import PURPOSE_KEY
from tests import factories
from tests.records.conftest import case, person, vehicle

PURPOSE = "VA-2025/0012"


@dataclass
class Theft:
    an: Person
    binh: Person
    car: Vehicle
    case: Case
    secret_case: Case
    incident: Incident
    hidden_incident: Incident


def _incident(unit: Unit, **values: object) -> Incident:
    return Incident.objects.create(
        category="security",
        priority=2,
        lat=10.77,
        lon=106.70,
        h3_cell="89658000003ffff",
        unit=unit,
        opened_at=timezone.now() - timedelta(days=3),
        **values,
    )


@pytest.fixture
def theft(criminal_police: Unit, wards: object) -> Theft:
    """An owns 51F-123.45; the temporary-residence register gives him another address. He and
    Bình are suspects in a theft that came from an incident; a secret case and a top-secret
    incident sit beside it, above the investigator Hoà's clearance."""
    an = person(
        full_name="Nguyễn Văn An",
        cccd="079090001111",
        birth_date="1990-05-01",
        gender="male",
        permanent_address="12 Lê Lợi",
        source="dan-cu",
    )
    person(
        full_name="Nguyễn Văn An",
        cccd="079090001111",
        birth_date="1990-05-01",
        gender="male",
        permanent_address="99 Hàm Nghi",
        source="tam-tru",
    )
    binh = person(full_name="Trần Văn Bình", birth_date="1988")
    car = vehicle(plate="51F-123.45", owner_cccd=an.cccd)
    the_case = case(criminal_police, number=PURPOSE, summary="Trộm cắp xe máy")
    secret = case(criminal_police, number="VA-2025/0099", summary="Mật", classification="2")
    incident = _incident(criminal_police)
    hidden = _incident(criminal_police, classification=Clearance.TOP_SECRET)
    link_add(actor=None, role=Role.SUSPECT, a=an, b=the_case)
    link_add(actor=None, role=Role.SUSPECT, a=binh, b=the_case)
    link_add(actor=None, role=Role.SUSPECT, a=an, b=secret)
    link_add(actor=None, role=Role.INCIDENT, a=the_case, b=incident.pk)
    link_add(actor=None, role=Role.INCIDENT, a=the_case, b=hidden.pk)
    an.refresh_from_db()
    return Theft(an, binh, car, the_case, secret, incident, hidden)


def _with_purpose(client: Client, user: User, purpose: str = PURPOSE) -> Client:
    client.force_login(user)
    session = client.session
    session[PURPOSE_KEY] = purpose
    session.save()
    return client


def _person_url(p: Person) -> str:
    return reverse("records:person", args=[p.pk])


# --- Purpose ---------------------------------------------------------------------------------


def test_it_asks_for_a_purpose_first_and_returns_where_the_officer_was_going(
    client: Client, hoa: User, theft: Theft
) -> None:
    """GIVEN Hoà logged in without a purpose
    WHEN she opens An's page
    THEN she is sent to the purpose form, and nothing is read or audited yet
    WHEN she gives a case number
    THEN she is back on An's page, with the purpose shown and written beside the read."""
    client.force_login(hoa)
    target = _person_url(theft.an)

    first = client.get(target)

    assert first.status_code == 302
    assert first["Location"] == f"{reverse('records:purpose')}?next={quote(target, safe='')}"
    assert not AuditEntry.objects.filter(action__startswith="records.person").exists()
    form = client.get(first["Location"])
    assert form.status_code == 200
    assert f'value="{target}"' in form.content.decode()

    given = client.post(reverse("records:purpose"), {"purpose": f"  {PURPOSE} ", "next": target})

    assert given.status_code == 302
    assert given["Location"] == target
    page = client.get(target)
    assert page.status_code == 200
    assert page.context["purpose"] == PURPOSE
    assert 'data-testid="purpose-banner"' in page.content.decode()
    read = AuditEntry.objects.get(action="records.person.read")
    assert (read.purpose, read.object_id, read.actor_username) == (PURPOSE, str(theft.an.pk), "hoa")


def test_a_purpose_too_short_is_refused_and_the_next_page_stays_on_our_site(
    client: Client, hoa: User
) -> None:
    client.force_login(hoa)

    short = client.post(reverse("records:purpose"), {"purpose": "ab", "next": "/ops/records/"})
    elsewhere = client.post(
        reverse("records:purpose"), {"purpose": "tuần tra", "next": "https://evil.example/"}
    )

    assert short.status_code == 422
    assert PURPOSE_KEY not in client.session or client.session[PURPOSE_KEY] == "tuần tra"
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == reverse("records:search")
    assert client.session[PURPOSE_KEY] == "tuần tra"


def test_the_purpose_can_be_changed_and_recent_ones_are_offered(client: Client, hoa: User) -> None:
    _with_purpose(client, hoa, "VA-2025/0001")
    client.post(reverse("records:purpose"), {"purpose": "Xác minh tạm trú", "next": ""})

    page = client.get(reverse("records:purpose"))

    assert client.session[PURPOSE_KEY] == "Xác minh tạm trú"
    assert page.context["current"] == "Xác minh tạm trú"
    assert page.context["recent"] == ["VA-2025/0001"]


# --- Permission ------------------------------------------------------------------------------


def test_an_officer_without_the_records_capability_is_refused_everywhere(
    client: Client, minh: User, theft: Theft
) -> None:
    _with_purpose(client, minh)

    answers = [
        client.get(reverse("records:search"), {"q": "an"}).status_code,
        client.get(reverse("records:purpose")).status_code,
        client.get(_person_url(theft.an)).status_code,
        client.get(reverse("records:case", args=[theft.case.pk])).status_code,
        client.get(reverse("records:duplicates")).status_code,
    ]

    assert answers == [403, 403, 403, 403, 403]
    assert not AuditEntry.objects.filter(actor_username="minh").exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, theft: Theft) -> None:
    answer = client.get(_person_url(theft.an))

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:login"))


# --- Search ----------------------------------------------------------------------------------


def test_the_search_finds_a_name_typed_without_diacritics_and_audits_it(
    client: Client, hoa: User, theft: Theft
) -> None:
    _with_purpose(client, hoa)

    page = client.get(reverse("records:search"), {"q": "nguyen van an"})

    assert page.status_code == 200
    results = page.context["results"]
    assert results[0]["kind"] == "person"
    assert results[0]["id"] == theft.an.pk
    assert results[0]["identifier"] == "079090001111"
    assert results[0]["birth_year"] == 1990
    assert f'href="{_person_url(theft.an)}"' in page.content.decode()
    entry = AuditEntry.objects.get(action="records.search")
    assert entry.purpose == PURPOSE
    assert entry.detail["q"] == "nguyen van an"
    assert RecordAccess.objects.filter(
        kind="person", entity_id=theft.an.pk, action="listed", purpose=PURPOSE
    ).exists()


def test_the_search_applies_the_filters(client: Client, hoa: User, theft: Theft) -> None:
    _with_purpose(client, hoa)

    born_later = client.get(reverse("records:search"), {"q": "an", "birth_year_from": 1995})
    vehicles = client.get(reverse("records:search"), {"q": "51F 12345", "kind": "vehicle"})
    backwards = client.get(
        reverse("records:search"), {"q": "an", "birth_year_from": 2000, "birth_year_to": 1990}
    )

    assert theft.an.pk not in [r["id"] for r in born_later.context["results"]]
    assert [(r["kind"], r["id"]) for r in vehicles.context["results"]] == [
        ("vehicle", theft.car.pk)
    ]
    assert backwards.context["results"] is None
    assert "birth_year_to" in backwards.context["form"].errors
    assert AuditEntry.objects.filter(action="records.search").count() == 2


def test_a_case_above_the_officer_s_clearance_is_neither_found_nor_opened(
    client: Client, hoa: User, theft: Theft
) -> None:
    _with_purpose(client, hoa)

    found = client.get(reverse("records:search"), {"q": "VA-2025/0099"})
    opened = client.get(reverse("records:case", args=[theft.secret_case.pk]))
    an_page = client.get(_person_url(theft.an))

    assert found.context["results"] == []
    assert opened.status_code == 404
    assert "VA-2025/0099" not in an_page.content.decode()


def test_a_case_outside_the_officer_s_unit_is_not_found(
    client: Client, quang: User, theft: Theft
) -> None:
    _with_purpose(client, quang)

    assert client.get(reverse("records:case", args=[theft.case.pk])).status_code == 404


# --- Record pages ----------------------------------------------------------------------------


def test_a_person_s_page_shows_conflicting_facts_links_timeline_and_graph(
    client: Client, hoa: User, theft: Theft
) -> None:
    _with_purpose(client, hoa)

    page = client.get(_person_url(theft.an))

    assert page.status_code == 200
    html = page.content.decode()
    address = next(f for f in page.context["facts"] if f["attribute"] == "permanent_address")
    assert address["conflict"] is True
    assert [(v["value"], v["sources"][0]["source"]) for v in address["values"]] == [
        ("12 Lê Lợi", "dan-cu"),
        ("99 Hàm Nghi", "tam-tru"),
    ]
    assert 'data-testid="conflict"' in html
    roles = {
        g["role"]: [lk["other"]["label"] for lk in g["links"]] for g in page.context["link_groups"]
    }
    assert roles[str(Role.OWNER.label)] == ["51F-123.45"]
    assert roles[str(Role.SUSPECT.label)] == [PURPOSE]  # the secret case is not there
    assert f'href="{reverse("records:vehicle", args=[theft.car.pk])}"' in html
    events = [item["event"] for item in page.context["timeline"]]
    assert "case_opened" in events and "incident" in events
    graph = page.context["graph_data"]["graph"]
    ids = {n["id"] for n in graph["nodes"]}
    assert {f"vehicle:{theft.car.pk}", f"person:{theft.binh.pk}"} <= ids
    assert f"case:{theft.secret_case.pk}" not in ids
    assert 'id="records-graph-data"' in html and "records_graph.js" in html
    assert any(row["target"]["label"] == "51F-123.45" for row in page.context["graph_rows"])
    actions = set(AuditEntry.objects.filter(actor_username="hoa").values_list("action", flat=True))
    assert actions == {"records.person.read", "records.person.timeline", "records.person.graph"}
    assert set(
        AuditEntry.objects.filter(action__startswith="records.person").values_list(
            "purpose", flat=True
        )
    ) == {PURPOSE}


def test_an_investigator_sees_the_export_links_a_clerk_does_not(
    client: Client, hoa: User, tam: User, theft: Theft
) -> None:
    url = _person_url(theft.an)
    base = f"/api/v1/records/persons/{theft.an.pk}/export"

    investigator = _with_purpose(client, hoa).get(url).content.decode()
    clerk = _with_purpose(Client(), tam).get(url).content.decode()

    assert f'href="{base}?purpose=VA-2025%2F0012"' in investigator
    assert f'href="{base}.pdf?purpose=VA-2025%2F0012"' in investigator
    assert base not in clerk
    assert 'data-testid="who-looked"' not in investigator


def test_the_export_link_of_the_page_answers_the_csv(
    client: Client, hoa: User, theft: Theft
) -> None:
    _with_purpose(client, hoa)
    page = client.get(_person_url(theft.an))

    answer = client.get(page.context["export_csv"])

    assert answer.status_code == 200
    assert "99 Hàm Nghi" in answer.content.decode()


def test_a_case_page_shows_people_by_role_its_incidents_and_documents_to_come(
    client: Client, hoa: User, theft: Theft
) -> None:
    _with_purpose(client, hoa)

    page = client.get(reverse("records:case", args=[theft.case.pk]))

    assert page.status_code == 200
    groups = page.context["case"]
    suspects = next(g for g in groups["people"] if g["role"] == Role.SUSPECT.label)
    assert sorted(i["id"] for i in suspects["items"]) == sorted([theft.an.pk, theft.binh.pk])
    incidents = {i["id"]: i for i in groups["incidents"]}
    assert incidents[theft.incident.pk]["label"].startswith(f"#{theft.incident.pk} ")
    # Hoà has no incident role: the incident is named, without a link to a page that refuses her.
    assert incidents[theft.incident.pk]["url"] == ""
    timeline_ids = [i["ref"]["id"] for i in page.context["timeline"] if i["event"] == "incident"]
    assert timeline_ids == [theft.incident.pk]  # the top-secret incident is not there
    assert 'data-testid="documents-placeholder"' in page.content.decode()


def test_a_merged_person_s_page_says_where_it_went(client: Client, tam: User, theft: Theft) -> None:
    twin = person(full_name="Nguyen Van An", birth_date="1990", source="tam-tru-2")
    resolution.person_merge(actor=tam, winner=theft.an, loser=twin, reason="cùng người")
    _with_purpose(client, tam)

    loser_page = client.get(_person_url(twin))
    winner_page = client.get(_person_url(theft.an))

    assert loser_page.context["merged_into"] == {"id": theft.an.pk, "url": _person_url(theft.an)}
    assert 'data-testid="merged-into"' in loser_page.content.decode()
    assert [m["other_id"] for m in winner_page.context["merges"]] == [twin.pk]


def test_an_unknown_record_is_not_found(client: Client, hoa: User, theft: Theft) -> None:
    _with_purpose(client, hoa)

    assert client.get(reverse("records:vehicle", args=[999999])).status_code == 404


# --- Who looked ------------------------------------------------------------------------------


def test_an_auditor_lists_who_looked_at_a_person_and_why(
    client: Client, hoa: User, thu: User, theft: Theft
) -> None:
    _with_purpose(Client(), hoa).get(_person_url(theft.an))
    client.force_login(thu)

    page = client.get(reverse("records:person_access", args=[theft.an.pk]))

    assert page.status_code == 200
    rows = list(page.context["rows"])
    assert {(r.actor_username, r.action, r.purpose) for r in rows} >= {("hoa", "view", PURPOSE)}
    assert AuditEntry.objects.filter(
        action="records.access_log.read", actor_username="thu"
    ).exists()
    assert page.context["record_url"] == ""  # an auditor alone reads no records


def test_only_auditors_see_who_looked(
    client: Client, hoa: User, criminal_police: Unit, theft: Theft
) -> None:
    both = factories.officer(
        username="vy", unit_=criminal_police, roles=["investigator", "auditor"]
    )
    _with_purpose(client, hoa)

    refused = client.get(reverse("records:person_access", args=[theft.an.pk]))
    page = _with_purpose(Client(), both).get(_person_url(theft.an))

    assert refused.status_code == 403
    assert page.context["access_url"] == reverse("records:person_access", args=[theft.an.pk])


# --- Review queue ----------------------------------------------------------------------------


@pytest.fixture
def namesakes(wards: object) -> tuple[Person, Person]:
    first = person(
        full_name="Nguyễn Văn Tâm",
        cccd="079080001234",
        birth_date="1980-02-03",
        gender="male",
        permanent_address="5 Nguyễn Huệ",
        source="dan-cu",
    )
    second = person(
        full_name="Nguyen Van Tam",
        birth_date="1980",
        permanent_address="7 Pasteur",
        source="tam-tru",
    )
    resolution.duplicates_find()
    return first, second


def _candidate(a: Person, b: Person) -> DuplicateCandidate:
    low, high = sorted([a.pk, b.pk])
    return DuplicateCandidate.objects.get(person_a_id=low, person_b_id=high)


def test_the_review_queue_shows_a_pair_side_by_side_with_differences(
    client: Client, tam: User, namesakes: tuple[Person, Person]
) -> None:
    _with_purpose(client, tam)

    page = client.get(reverse("records:duplicates"))

    assert page.status_code == 200
    pair = page.context["pairs"][0]
    assert pair["id"] == _candidate(*namesakes).pk
    rows = {r["name"]: r for r in pair["rows"]}
    assert rows["permanent_address"]["state"] == "differs"
    assert rows["cccd"]["state"] == "one-sided"
    assert rows["birth_year"]["state"] == "same"
    assert "same_name_folded" in [r["code"] for r in pair["reason_items"] if r["blocking"]]
    assert 'class="row-differs"' in page.content.decode()
    read = AuditEntry.objects.get(action="records.duplicates.read")
    assert read.purpose == PURPOSE


def test_a_reviewer_merges_a_pair_from_the_page_and_undoes_it(
    client: Client, tam: User, namesakes: tuple[Person, Person]
) -> None:
    """GIVEN the namesakes waiting for review
    WHEN Tâm merges them, keeping the second
    THEN the first points at the second, the pair leaves the queue and the merge is in the history
    WHEN Tâm undoes it
    THEN both are records of their own again and the pair waits for review again."""
    first, second = namesakes
    candidate = _candidate(first, second)
    _with_purpose(client, tam)

    merged = client.post(
        reverse("records:duplicate_merge", args=[candidate.pk]),
        {"winner_id": second.pk, "reason": "cùng người"},
    )

    assert merged.status_code == 302
    first.refresh_from_db()
    assert first.merged_into_id == second.pk
    page = client.get(reverse("records:duplicates"))
    assert page.context["pairs"] == []
    merge = Merge.objects.get()
    assert [m.pk for m in page.context["merges"]] == [merge.pk]
    assert f'action="{reverse("records:merge_undo", args=[merge.pk])}"' in page.content.decode()

    undone = client.post(reverse("records:merge_undo", args=[merge.pk]))

    assert undone.status_code == 302
    first.refresh_from_db()
    candidate.refresh_from_db()
    assert first.merged_into_id is None
    assert candidate.status == DuplicateCandidate.Status.PENDING
    again = client.post(reverse("records:merge_undo", args=[merge.pk]), follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["success", "error"]


def test_a_reviewer_marks_a_pair_distinct_from_the_page(
    client: Client, tam: User, namesakes: tuple[Person, Person]
) -> None:
    candidate = _candidate(*namesakes)
    _with_purpose(client, tam)

    answer = client.post(
        reverse("records:duplicate_distinct", args=[candidate.pk]), {"reason": "khác cha mẹ"}
    )

    assert answer.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decision_reason) == ("distinct", "khác cha mẹ")
    assert client.get(reverse("records:duplicates")).context["pairs"] == []
    assert AuditEntry.objects.filter(action="records.duplicates.distinct").exists()


def test_a_merge_naming_someone_outside_the_pair_is_refused_with_a_message(
    client: Client, tam: User, namesakes: tuple[Person, Person], theft: Theft
) -> None:
    candidate = _candidate(*namesakes)
    _with_purpose(client, tam)

    answer = client.post(
        reverse("records:duplicate_merge", args=[candidate.pk]),
        {"winner_id": theft.an.pk},
        follow=True,
    )

    assert answer.status_code == 200
    assert not Merge.objects.exists()
    assert [m.level_tag for m in answer.context["messages"]] == ["error"]


def test_the_review_queue_needs_the_manage_capability_and_a_csrf_token(
    hoa: User, tam: User, namesakes: tuple[Person, Person]
) -> None:
    candidate = _candidate(*namesakes)
    investigator = _with_purpose(Client(), hoa)
    strict = _with_purpose(Client(enforce_csrf_checks=True), tam)

    assert investigator.get(reverse("records:duplicates")).status_code == 403
    assert (
        investigator.post(reverse("records:duplicate_distinct", args=[candidate.pk])).status_code
        == 403
    )
    assert (
        strict.post(reverse("records:duplicate_distinct", args=[candidate.pk])).status_code == 403
    )
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.PENDING


# --- Timeline sources ------------------------------------------------------------------------


def test_the_incidents_app_brings_its_own_timeline_source() -> None:
    assert timeline._sources["incidents"] is incident_items
