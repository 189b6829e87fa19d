"""What a record page will show: fields, facts with their sources, links by role, the link
graph two hops out, and a timeline of cases, links and incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.incidents.models import Incident
from safecity.records import selectors, timeline
from safecity.records.models import Case, Person, Role, Vehicle
from safecity.records.services import link_add, link_end
from tests.conftest import bearer
from tests.records.conftest import case, person, vehicle


@dataclass
class Theft:
    an: Person
    binh: Person
    cuong: Person
    car: Vehicle
    case: Case
    incident: Incident


@pytest.fixture
def theft(criminal_police: Unit, wards: object) -> Theft:
    """An (owner of 51F-123.45) and Bình are suspects in a theft; Bình's brother Cường is not
    in the case but is linked to Bình; the case came from incident #…"""
    an = person(
        full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990", phone="0901234567"
    )
    binh = person(full_name="Trần Văn Bình", birth_date="1988")
    cuong = person(full_name="Trần Văn Cường", birth_date="1985")
    car = vehicle(plate="51F-123.45", owner_cccd=an.cccd)
    the_case = case(criminal_police, number="VA-2025/0012", summary="Trộm cắp xe máy")
    incident = Incident.objects.create(
        category="security",
        priority=2,
        lat=10.77,
        lon=106.70,
        h3_cell="89658000003ffff",
        unit=criminal_police,
        opened_at=timezone.now() - timedelta(days=3),
    )
    link_add(actor=None, role=Role.SUSPECT, a=an, b=the_case)
    link_add(actor=None, role=Role.SUSPECT, a=binh, b=the_case)
    link_add(actor=None, role=Role.RELATIVE, a=binh, b=cuong, detail="anh trai")
    link_add(actor=None, role=Role.INCIDENT, a=the_case, b=incident.pk)
    return Theft(an, binh, cuong, car, the_case, incident)


def test_it_lists_a_person_s_links_with_role_source_and_time(hoa: User, theft: Theft) -> None:
    links = selectors.links_of(hoa, "person", theft.an.pk)

    assert sorted((lk["role"], lk["other"]["kind"]) for lk in links) == [
        ("owner", "vehicle"),
        ("subscriber", "phone"),
        ("suspect", "case"),
    ]
    owner = next(lk for lk in links if lk["role"] == "owner")
    assert owner["other"]["label"] == "51F-123.45"
    assert owner["source"] == "dang-kiem"
    assert owner["imported_at"] is not None


def test_it_shows_a_case_s_people_by_role_and_its_incidents(hoa: User, theft: Theft) -> None:
    detail = selectors.record_detail(hoa, "case", theft.case)

    assert sorted(p["id"] for p in detail["by_role"]["suspect"]) == sorted(
        [theft.an.pk, theft.binh.pk]
    )
    assert detail["incident_ids"] == [theft.incident.pk]
    assert detail["fields"]["unit_name"] == "Phòng Cảnh sát hình sự"


def test_it_draws_the_link_graph_one_and_two_hops_out(hoa: User, theft: Theft) -> None:
    one = selectors.neighbours(hoa, "person", theft.an.pk, hops=1)
    two = selectors.neighbours(hoa, "person", theft.an.pk, hops=2)

    assert {n["id"] for n in one["nodes"]} == {
        f"person:{theft.an.pk}",
        f"vehicle:{theft.car.pk}",
        f"case:{theft.case.pk}",
        next(f"phone:{n['entity_id']}" for n in one["nodes"] if n["kind"] == "phone"),
    }
    two_hop = {n["id"]: n["depth"] for n in two["nodes"]}
    assert two_hop[f"person:{theft.binh.pk}"] == 2
    assert two_hop[f"incident:{theft.incident.pk}"] == 2
    assert f"person:{theft.cuong.pk}" not in two_hop  # three hops away
    assert {(e["source"], e["target"], e["role"]) for e in two["edges"]} >= {
        (f"person:{theft.binh.pk}", f"case:{theft.case.pk}", "suspect"),
    }
    three = selectors.neighbours(hoa, "person", theft.an.pk, hops=3)
    assert f"person:{theft.cuong.pk}" in {n["id"] for n in three["nodes"]}


def test_it_builds_a_timeline_of_cases_links_and_incidents(hoa: User, theft: Theft) -> None:
    driver_since = timezone.now() - timedelta(days=400)
    link_add(actor=None, role=Role.DRIVER, a=theft.an, b=theft.car, valid_from=driver_since)

    items = timeline.timeline(hoa, "person", theft.an.pk)

    events = [item["event"] for item in items]
    assert "case_opened" in events
    assert "incident" in events
    assert "link_started" in events
    assert [item["at"] for item in items] == sorted((item["at"] for item in items), reverse=True)
    incident = next(item for item in items if item["event"] == "incident")
    assert incident["ref"] == {"kind": "incident", "id": theft.incident.pk}


def test_it_keeps_an_ended_link_as_history(hoa: User, theft: Theft) -> None:
    owner = theft.car.links.get(role=Role.OWNER)

    link_end(actor=None, link=owner)

    links = selectors.links_of(hoa, "vehicle", theft.car.pk)
    assert [lk["valid_to"] is not None for lk in links if lk["role"] == "owner"] == [True]


def test_the_api_serves_record_graph_and_timeline_with_a_purpose(
    client: Client, hoa: User, theft: Theft
) -> None:
    headers = bearer(client, hoa)
    url = f"/api/v1/records/cases/{theft.case.pk}"

    record = client.get(url, {"purpose": "VA-2025/0012"}, **headers)
    graph = client.get(url + "/graph", {"purpose": "VA-2025/0012", "hops": 1}, **headers)
    items = client.get(url + "/timeline", {"purpose": "VA-2025/0012"}, **headers)
    no_purpose = client.get(url + "/graph", **headers)

    assert record.status_code == 200
    assert record.json()["incident_ids"] == [theft.incident.pk]
    assert graph.status_code == 200
    assert len(graph.json()["nodes"]) == 4  # the case, two suspects, the incident
    assert items.status_code == 200
    assert items.json()[0]["event"] in {"case_opened", "incident"}
    assert no_purpose.status_code == 428
