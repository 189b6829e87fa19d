"""Hotspots: incidents counted per H3 cell over a period and category, busiest first, each cell
with the ward most of its incidents were in (GET /api/v1/map/hotspots and the hotspots layer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import h3
import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.incidents.models import Incident
from safecity.map.selectors import hotspot_cells, hotspot_query
from tests.conftest import bearer
from tests.map.conftest import (
    IN_BEN_THANH,
    IN_SAI_GON,
    IN_THU_DAU_MOT,
    SAI_GON,
    THU_DAU_MOT,
    incident,
)

HOTSPOTS = "/api/v1/map/hotspots"
# Two points of Sài Gòn ward ~300 m apart: different resolution-9 cells, one resolution-7 cell.
NEAR_A = (10.7800, 106.7000)
NEAR_B = (10.7800, 106.7028)


def hotspots(client: Client, user: User, **params: Any) -> Any:
    response = client.get(HOTSPOTS, params, **bearer(client, user))
    assert response.status_code == 200, response.content
    return response.json()


def counts(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(c["cell"], c["count"]) for c in body["cells"]]


def test_the_two_points_sit_in_different_fine_cells_and_one_coarse_cell() -> None:
    """The control for the aggregation tests below."""
    assert h3.latlng_to_cell(*NEAR_A, 9) != h3.latlng_to_cell(*NEAR_B, 9)
    assert h3.latlng_to_cell(*NEAR_A, 7) == h3.latlng_to_cell(*NEAR_B, 7)


def test_it_counts_incidents_per_cell_busiest_first(client: Client, minh: User, station: Unit):
    for _ in range(3):
        incident(station, NEAR_A)
    incident(station, NEAR_B)

    body = hotspots(client, minh, resolution=9)

    assert counts(body) == [
        (h3.latlng_to_cell(*NEAR_A, 9), 3),
        (h3.latlng_to_cell(*NEAR_B, 9), 1),
    ]
    assert [c["rank"] for c in body["cells"]] == [1, 2]
    assert body["total"] == 4
    assert body["cells"][0]["ward_name"] == "Phường Sài Gòn"
    assert body["cells"][0]["ward_code"] == SAI_GON


def test_it_adds_fine_cells_up_into_a_coarser_cell(client: Client, minh: User, station: Unit):
    for _ in range(3):
        incident(station, NEAR_A)
    incident(station, NEAR_B)

    body = hotspots(client, minh, resolution=7)

    assert counts(body) == [(h3.latlng_to_cell(*NEAR_A, 7), 4)]


def test_it_places_incidents_one_by_one_in_cells_finer_than_stored(
    client: Client, minh: User, station: Unit
):
    """Incidents keep a resolution-9 cell; resolution 10 is computed from their points."""
    incident(station, NEAR_A)
    incident(station, NEAR_A)

    body = hotspots(client, minh, resolution=10)

    assert counts(body) == [(h3.latlng_to_cell(*NEAR_A, 10), 2)]


def test_it_counts_only_the_period_asked_for(client: Client, minh: User, station: Unit):
    now = timezone.now()
    incident(station, NEAR_A, opened_at=now - timedelta(days=2))
    incident(station, NEAR_A, opened_at=now - timedelta(days=10))
    incident(station, NEAR_A, opened_at=now - timedelta(days=40))  # outside the default 30 days

    last_week = hotspots(client, minh, since=(now - timedelta(days=7)).isoformat(), resolution=9)
    default = hotspots(client, minh, resolution=9)

    assert counts(last_week) == [(h3.latlng_to_cell(*NEAR_A, 9), 1)]
    assert default["cells"][0]["count"] == 2


def test_it_leaves_the_end_of_the_period_out(client: Client, minh: User, station: Unit):
    start = timezone.now() - timedelta(hours=3)
    incident(station, NEAR_A, opened_at=start)
    incident(station, NEAR_A, opened_at=start + timedelta(hours=1))

    body = hotspots(
        client,
        minh,
        since=start.isoformat(),
        until=(start + timedelta(hours=1)).isoformat(),
        resolution=9,
    )

    assert body["total"] == 1


def test_it_counts_one_category_when_asked(client: Client, minh: User, station: Unit):
    incident(station, NEAR_A, category="fire")
    incident(station, NEAR_A, category="security")
    incident(station, NEAR_B, category="security")

    body = hotspots(client, minh, category="fire", resolution=9)

    assert counts(body) == [(h3.latlng_to_cell(*NEAR_A, 9), 1)]
    assert body["category"] == "fire"


def test_it_leaves_merged_incidents_out(client: Client, minh: User, station: Unit):
    incident(station, NEAR_A)
    incident(station, NEAR_A, status=Incident.Status.MERGED)

    assert hotspots(client, minh, resolution=9)["total"] == 1


def test_it_names_the_ward_most_incidents_of_a_cell_were_in(minh: User, station: Unit):
    cell_point = IN_SAI_GON
    incident(station, cell_point, ward_code=SAI_GON)
    incident(station, cell_point, ward_code=SAI_GON)
    incident(station, cell_point, ward_code=THU_DAU_MOT)

    cells = hotspot_cells(minh, hotspot_query(resolution=9))

    assert [(c.count, c.ward_code, c.ward_name) for c in cells] == [(3, SAI_GON, "Phường Sài Gòn")]


def test_it_ranks_ties_in_a_stable_order(minh: User, station: Unit, other_station: Unit):
    incident(station, IN_SAI_GON)
    incident(other_station, IN_BEN_THANH)
    incident(station, IN_THU_DAU_MOT, ward_code=THU_DAU_MOT)

    first = [c.cell for c in hotspot_cells(minh, hotspot_query(resolution=9))]
    second = [c.cell for c in hotspot_cells(minh, hotspot_query(resolution=9))]

    assert first == second == sorted(first)


def test_it_counts_only_the_stations_own_incidents(
    client: Client, khoa: User, station: Unit, other_station: Unit
):
    incident(station, IN_SAI_GON)
    incident(other_station, IN_SAI_GON)  # the other station's incident, in the same cell

    assert hotspots(client, khoa, resolution=9)["total"] == 1


def test_it_returns_only_the_top_cells_asked_for(client: Client, minh: User, station: Unit):
    incident(station, IN_SAI_GON)
    incident(station, IN_SAI_GON)
    incident(station, IN_BEN_THANH)

    body = hotspots(client, minh, resolution=9, limit=1)

    assert len(body["cells"]) == 1
    assert body["cells"][0]["count"] == 2
    assert body["total"] == 3


def test_it_uses_the_configured_resolution_by_default(
    client: Client, minh: User, station: Unit, settings: Any
):
    settings.SAFECITY_HOTSPOT_RESOLUTION = 7
    incident(station, NEAR_A)

    body = hotspots(client, minh)

    assert body["resolution"] == 7
    assert counts(body) == [(h3.latlng_to_cell(*NEAR_A, 7), 1)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"resolution": 4}, "resolution"),
        ({"resolution": 11}, "resolution"),
        ({"category": "alien_landing"}, "category"),
        ({"since": "2025-06-02T00:00:00+07:00", "until": "2025-06-01T00:00:00+07:00"}, "until"),
        ({"since": "2024-01-01T00:00:00+07:00", "until": "2025-06-01T00:00:00+07:00"}, "since"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_it_refuses_a_bad_question_with_the_field_named(
    client: Client, minh: User, params: dict[str, Any], field: str
):
    response = client.get(HOTSPOTS, params, **bearer(client, minh))

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_it_refuses_a_bad_question_on_the_layer_too(client: Client, minh: User, wards):
    response = client.get(
        "/api/v1/map/layers/hotspots", {"category": "alien_landing"}, **bearer(client, minh)
    )

    assert response.status_code == 422
    assert "category" in response.json()["error"]["fields"]


def test_it_refuses_hotspots_to_an_auditor(client: Client, thu: User):
    response = client.get(HOTSPOTS, **bearer(client, thu))

    assert response.status_code == 403
