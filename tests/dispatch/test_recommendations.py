"""Recommendations: available, on-duty units of a kind suited to the incident, ranked by the
estimated time of arrival (straight line × road factor at the kind's speed), each with its
distance, ETA and the reason for its place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from safecity.accounts.models import Unit, User
from safecity.dispatch.models import UnitStatus
from safecity.dispatch.routing import Estimate, Origin, StraightLineRouter
from safecity.dispatch.selectors import recommend_units
from safecity.geography.distance import distance_m
from safecity.incidents.models import Incident
from tests.conftest import bearer
from tests.dispatch.conftest import CENTRE, incident_of, north_of, patrol_unit

pytestmark = pytest.mark.django_db


def ranked(incident: Incident, **kwargs: Any) -> list[str]:
    return [r.call_sign for r in recommend_units(incident, **kwargs)]


def test_it_ranks_suitable_units_by_arrival_time(station: Unit) -> None:
    patrol_unit(station, call_sign="TT-FAR", at=north_of(2000))
    patrol_unit(station, call_sign="TT-NEAR", at=north_of(500))
    patrol_unit(station, call_sign="MT-MID", kind="motorbike", at=north_of(1000))
    incident = incident_of(station, category="security")

    with translation.override("en"):
        result = recommend_units(incident)

    assert [r.call_sign for r in result] == ["TT-NEAR", "MT-MID", "TT-FAR"]
    assert [r.rank for r in result] == [1, 2, 3]
    assert result[0].eta_s < result[1].eta_s < result[2].eta_s
    near = result[0]
    assert near.distance_m == pytest.approx(500 * 1.4, rel=0.01)  # road factor 1.4
    assert near.eta_s == pytest.approx(near.distance_m / 8.3, rel=0.01)  # a car at 8.3 m/s
    assert "#1" in near.reason and "0.7 km" in near.reason


def test_a_fast_unit_further_away_beats_a_slow_one_nearby(station: Unit) -> None:
    patrol_unit(station, call_sign="TB-01", kind="foot", at=north_of(400))
    patrol_unit(station, call_sign="TT-01", kind="patrol_car", at=north_of(1500))
    incident = incident_of(station, category="security")

    assert ranked(incident) == ["TT-01", "TB-01"]  # 1.5 km at 8.3 m/s < 400 m at 1.4 m/s


def test_it_recommends_only_kinds_suited_to_the_category(station: Unit) -> None:
    patrol_unit(station, call_sign="TT-01", at=north_of(100))
    patrol_unit(station, call_sign="CC-01", kind="fire_engine", at=north_of(3000))
    patrol_unit(station, call_sign="CNCH-01", kind="rescue", at=north_of(2000))
    fire = incident_of(station, category="fire", priority=1)
    brawl = incident_of(station, category="security")

    assert ranked(fire) == ["CNCH-01", "CC-01"]
    assert ranked(brawl) == ["TT-01"]
    with translation.override("en"):
        [rescue, engine] = recommend_units(fire)
    assert "best suited" in engine.reason and "best suited" not in rescue.reason


@pytest.mark.parametrize(
    "status",
    [UnitStatus.OFF_DUTY, UnitStatus.BUSY, UnitStatus.OUT_OF_SERVICE],
)
def test_it_leaves_out_units_off_duty_or_not_available(station: Unit, status: str) -> None:
    patrol_unit(station, call_sign="TT-AWAY", at=north_of(100), status=status)
    patrol_unit(station, call_sign="TT-FREE", at=north_of(900))

    assert ranked(incident_of(station)) == ["TT-FREE"]


def test_it_leaves_out_units_already_dispatched_and_units_with_no_position(
    station: Unit, minh: User
) -> None:
    from safecity.dispatch.services import assign_units

    busy = patrol_unit(station, call_sign="TT-BUSY", at=north_of(100))
    patrol_unit(station, call_sign="TT-NOWHERE", at=None)
    patrol_unit(station, call_sign="TT-FREE", at=north_of(900))
    assign_units(incident=incident_of(station), units=[busy], actor=minh)

    assert ranked(incident_of(station)) == ["TT-FREE"]


def test_it_widens_its_search_until_the_list_is_exact(station: Unit) -> None:
    """The first box (3 km) holds a slow foot patrol; a car 7 km away arrives sooner and must
    not be missed because it lay outside the first box."""
    patrol_unit(station, call_sign="TB-01", kind="foot", at=north_of(2500))
    patrol_unit(station, call_sign="TT-01", at=north_of(7000))
    patrol_unit(station, call_sign="TT-02", at=north_of(40_000))

    assert ranked(incident_of(station), limit=2) == ["TT-01", "TB-01"]
    assert ranked(incident_of(station), limit=3) == ["TT-01", "TB-01", "TT-02"]


def test_the_limit_cuts_the_list(station: Unit) -> None:
    for i in range(5):
        patrol_unit(station, call_sign=f"TT-{i}", at=north_of(200 * (i + 1)))

    assert ranked(incident_of(station), limit=2) == ["TT-0", "TT-1"]


def test_the_speeds_and_road_factor_are_settings(station: Unit, settings: Any) -> None:
    settings.SAFECITY_DISPATCH_SPEEDS = {**settings.SAFECITY_DISPATCH_SPEEDS, "foot": 20.0}
    settings.SAFECITY_DISPATCH_ROAD_FACTOR = 2.0
    patrol_unit(station, call_sign="TB-01", kind="foot", at=north_of(1000))
    patrol_unit(station, call_sign="TT-01", at=north_of(500))

    [first, second] = recommend_units(incident_of(station))

    assert (first.call_sign, second.call_sign) == ("TB-01", "TT-01")
    assert first.distance_m == pytest.approx(2000, rel=0.01)
    assert first.eta_s == pytest.approx(100, rel=0.01)


class EverythingTakesAMinute:
    """A stand-in road router: the router is a setting, so OSRM or Valhalla can plug in."""

    def estimate(self, origins: Sequence[Origin], lat: float, lon: float) -> list[Estimate]:
        return [
            Estimate(distance_m=distance_m(o.lat, o.lon, lat, lon), eta_s=60.0) for o in origins
        ]

    def reach_m(self, seconds: float, kind: str) -> float:
        return 10_000_000.0 if seconds >= 60 else 0.0


def test_the_router_can_be_replaced(station: Unit, settings: Any) -> None:
    settings.SAFECITY_DISPATCH_ROUTER = f"{__name__}.EverythingTakesAMinute"
    patrol_unit(station, call_sign="TT-01", at=north_of(500))

    [only] = recommend_units(incident_of(station))

    assert only.eta_s == 60.0


def test_the_default_router_is_the_straight_line() -> None:
    route = StraightLineRouter(road_factor=1.5, speeds={"patrol_car": 10.0})
    [estimate] = route.estimate([Origin(*north_of(1000), "patrol_car")], *CENTRE)

    assert estimate.distance_m == pytest.approx(1500, rel=0.01)
    assert estimate.eta_s == pytest.approx(150, rel=0.01)
    assert route.reach_m(150, "patrol_car") == pytest.approx(1000)


def test_the_dispatcher_gets_recommendations_over_the_api(
    client: Client, station: Unit, minh: User
) -> None:
    unit = patrol_unit(station, call_sign="TT-01", at=north_of(500))
    incident = incident_of(station)

    response = client.get(
        f"/api/v1/incidents/{incident.pk}/recommendations?limit=5", **bearer(client, minh)
    )

    assert response.status_code == 200, response.content
    [row] = response.json()
    assert row["unit_id"] == unit.pk and row["call_sign"] == "TT-01"
    assert row["distance_m"] == pytest.approx(700, abs=5)
    assert row["eta_s"] == pytest.approx(84, abs=2)
    assert row["reason"]
