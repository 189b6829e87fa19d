"""Possible duplicate persons: found by blocking, scored, reviewed side by side, merged (with
history) or marked distinct, and a merge undone. Only an identical valid CCCD merges without
review."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.core.errors import Conflict
from safecity.core.models import AuditEntry
from safecity.records import resolution, selectors
from safecity.records.models import Case, DuplicateCandidate, Link, Merge, Person, Role
from safecity.records.search import run
from safecity.records.services import link_add
from tests.conftest import bearer
from tests.records.conftest import case, person


def _pair(a: Person, b: Person) -> DuplicateCandidate:
    low, high = sorted([a.pk, b.pk])
    return DuplicateCandidate.objects.get(person_a_id=low, person_b_id=high)


@pytest.fixture
def namesakes(wards: object) -> tuple[Person, Person]:
    """The same man in two registers: same name and birth date, no CCCD in the second."""
    first = person(
        full_name="Nguyễn Văn Tâm",
        cccd="079080001234",
        birth_date="1980-02-03",
        gender="male",
        source="dan-cu",
    )
    second = person(full_name="Nguyen Van Tam", birth_date="1980", source="tam-tru")
    return first, second


def test_it_finds_persons_with_the_same_folded_name_and_birth_year(
    namesakes: tuple[Person, Person],
) -> None:
    found = resolution.duplicates_find()

    assert (found.candidates, found.new) == (1, 1)
    candidate = _pair(*namesakes)
    assert candidate.status == "pending"
    assert "same_name_folded" in candidate.reasons
    assert "same_birth_year" in candidate.reasons
    assert 0.3 <= candidate.score < 1


def test_it_finds_persons_sharing_a_phone(wards: object) -> None:
    a = person(full_name="Lê Văn Sáu", birth_date="1970", phone="0901234567")
    b = person(full_name="Lê Văn Sáo", birth_date="1970", phone="0901 234 567", source="x")
    person(full_name="Phạm Thị Lan", birth_date="1990", phone="0911111111")

    resolution.duplicates_find()

    assert DuplicateCandidate.objects.count() == 1
    assert "same_phone" in _pair(a, b).reasons


def test_it_skips_a_block_too_large_to_mean_anything(wards: object) -> None:
    for source in ("a", "b", "c"):
        person(full_name="Nguyễn Văn An", birth_date="1990", source=source)

    found = resolution.duplicates_find(block_max=2)

    assert found.candidates == 0
    assert found.skipped_blocks == ["name:nguyen van an:1990 (3 persons)"]


def test_it_does_not_propose_persons_whose_identifiers_disagree(wards: object) -> None:
    person(full_name="Trần Văn Bốn", cccd="079070000001", birth_date="1970", gender="male")
    person(full_name="Trần Văn Bốn", cccd="079070000002", birth_date="1970", gender="male")

    assert resolution.duplicates_find().candidates == 0


def test_it_merges_automatically_only_identical_valid_cccds(wards: object) -> None:
    """GIVEN two pairs sharing a CCCD — one where the CCCD fits both persons' birth year, one
    where it contradicts one of them WHEN the scan runs THEN only the first pair is merged."""
    valid_a = person(full_name="Võ Văn Năm", cccd="079075000001", birth_date="1975", gender="male")
    valid_b = person(full_name="Võ Văn Năm", birth_date="1975", gender="male", source="x")
    Person.objects.filter(pk=valid_b.pk).update(cccd=valid_a.cccd)
    bad_a = person(full_name="Hồ Thị Sen", cccd="079176000001", birth_date="1976", gender="female")
    bad_b = person(full_name="Hồ Thị Sen", birth_date="1977", gender="female", source="x")
    Person.objects.filter(pk=bad_b.pk).update(cccd=bad_a.cccd)  # contradicts her birth year

    resolution.duplicates_find()
    merges = resolution.duplicates_auto_merge()

    assert [(m.winner_id, m.loser_id, m.automatic) for m in merges] == [
        (valid_a.pk, valid_b.pk, True)
    ]
    assert _pair(valid_a, valid_b).status == "merged"
    assert "same_cccd" in _pair(bad_a, bad_b).reasons
    assert _pair(bad_a, bad_b).status == "pending"


def test_it_refuses_an_automatic_merge_without_the_same_valid_cccd(
    namesakes: tuple[Person, Person],
) -> None:
    with pytest.raises(Conflict):
        resolution.person_merge(actor=None, winner=namesakes[0], loser=namesakes[1], automatic=True)


@pytest.fixture
def merged(
    tam: User, namesakes: tuple[Person, Person], criminal_police: Unit
) -> tuple[Merge, Person, Person, Case]:
    winner, loser = namesakes
    theft = case(criminal_police, number="VA-2025/0001")
    link_add(actor=tam, role=Role.SUSPECT, a=loser, b=theft)
    resolution.duplicates_find()
    merge = resolution.candidate_merge(
        actor=tam, candidate=_pair(winner, loser), winner_id=winner.pk, reason="cùng người"
    )
    return merge, winner, loser, theft


def test_it_merges_a_reviewed_pair_moving_links_and_sources(
    hoa: User, merged: tuple[Merge, Person, Person, Case]
) -> None:
    merge, winner, loser, theft = merged

    loser.refresh_from_db()
    winner.refresh_from_db()
    assert loser.merged_into_id == winner.pk
    assert Link.objects.get(role=Role.SUSPECT, case=theft).person_id == winner.pk
    assert {
        s["source"] for f in selectors.facts(winner) for v in f["values"] for s in v["sources"]
    } == {
        "dan-cu",
        "tam-tru",
    }
    assert winner.aliases == ["Nguyen Van Tam"]
    assert _pair(winner, loser).status == "merged"
    assert [h.id for h in run(hoa, "Nguyễn Văn Tâm 1980")] == [winner.pk]
    assert AuditEntry.objects.filter(
        action="records.person.merge", object_id=str(winner.pk)
    ).exists()
    assert merge.moved["links_person"]


def test_it_undoes_a_merge(
    tam: User, hoa: User, merged: tuple[Merge, Person, Person, Case]
) -> None:
    merge, winner, loser, theft = merged

    resolution.merge_undo(actor=tam, merge=merge)

    loser.refresh_from_db()
    winner.refresh_from_db()
    assert loser.merged_into_id is None
    assert Link.objects.get(role=Role.SUSPECT, case=theft).person_id == loser.pk
    assert winner.aliases == []
    assert {
        s["source"] for f in selectors.facts(loser) for v in f["values"] for s in v["sources"]
    } == {"tam-tru"}
    assert _pair(winner, loser).status == "pending"
    assert sorted(h.id for h in run(hoa, "Nguyen Van Tam")) == sorted([winner.pk, loser.pk])
    merge.refresh_from_db()
    assert merge.undone_at is not None
    with pytest.raises(Conflict):
        resolution.merge_undo(actor=tam, merge=merge)


def test_it_marks_a_pair_distinct_and_a_later_scan_leaves_it_so(
    tam: User, namesakes: tuple[Person, Person]
) -> None:
    resolution.duplicates_find()
    candidate = _pair(*namesakes)

    resolution.candidate_mark_distinct(actor=tam, candidate=candidate, reason="khác cha mẹ")
    again = resolution.duplicates_find()

    candidate.refresh_from_db()
    assert candidate.status == "distinct"
    assert candidate.decided_by == tam
    assert again.new == 0


def test_the_review_queue_api_lists_compares_merges_and_undoes(
    client: Client, tam: User, namesakes: tuple[Person, Person]
) -> None:
    headers = bearer(client, tam)
    scan = client.post("/api/v1/records/duplicates/scan", **headers)
    queue = client.get("/api/v1/records/duplicates", **headers)
    pair_id = queue.json()[0]["id"]
    side_by_side = client.get(
        f"/api/v1/records/duplicates/{pair_id}", {"purpose": "rà soát trùng lặp"}, **headers
    )
    merge = client.post(
        f"/api/v1/records/duplicates/{pair_id}/merge",
        {"winner_id": namesakes[0].pk, "reason": "cùng người"},
        content_type="application/json",
        **headers,
    )
    undo = client.post(f"/api/v1/records/merges/{merge.json()['id']}/undo", **headers)

    assert scan.json()["new"] == 1
    assert {queue.json()[0]["person_a_name"], queue.json()[0]["person_b_name"]} == {
        "Nguyễn Văn Tâm",
        "Nguyen Van Tam",
    }
    assert side_by_side.json()["a"]["fields"]["full_name"] == "Nguyễn Văn Tâm"
    assert merge.status_code == 200
    assert merge.json()["loser_id"] == namesakes[1].pk
    assert undo.status_code == 200
    assert undo.json()["undone_at"] is not None


def test_the_review_queue_is_for_records_clerks(
    client: Client, hoa: User, namesakes: tuple[Person, Person]
) -> None:
    resolution.duplicates_find()

    assert client.get("/api/v1/records/duplicates", **bearer(client, hoa)).status_code == 403
