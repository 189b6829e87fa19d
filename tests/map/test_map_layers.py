"""The map's GeoJSON layers (GET /api/v1/map/layers/{name}): valid RFC 7946, longitude first,
cut to the bounding box asked for, and holding only what the caller may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.incidents.models import Incident
from tests import factories
from tests.conftest import bearer
from tests.map.conftest import (
    BEN_THANH,
    IN_BEN_THANH,
    IN_SAI_GON,
    IN_THU_DAU_MOT,
    SAI_GON,
    THU_DAU_MOT,
    incident,
    patrol_unit,
)

LAYERS = "/api/v1/map/layers/"
# Around Sài Gòn ward only (Bến Thành is south of 10.77).
SAI_GON_BOX = "106.69,10.775,106.71,10.79"
CITY_BOX = "106.0,10.0,107.5,11.5"


def layer(client: Client, user: User, name: str, **params: Any) -> Any:
    response = client.get(LAYERS + name, params, **bearer(client, user))
    assert response.status_code == 200, response.content
    return response.json()


def ids(collection: dict[str, Any]) -> set[Any]:
    return {f["id"] for f in collection["features"]}


def assert_position(position: Any) -> None:
    """A WGS 84 position of this city, longitude first (HCMC: lon ≈ 106–107, lat ≈ 10–11)."""
    assert isinstance(position, list) and len(position) == 2
    lon, lat = position
    assert 106 < lon < 108 and 8 < lat < 12, f"{position} is not [lon, lat] in Vietnam"


def ring_area(ring: list[list[float]]) -> float:
    """Signed area (shoelace): positive for a counter-clockwise ring."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def assert_polygon(coordinates: Any) -> None:
    exterior = coordinates[0]
    assert len(exterior) >= 4
    assert exterior[0] == exterior[-1], "a linear ring is closed"
    for position in exterior:
        assert_position(position)
    assert ring_area(exterior) > 0, "RFC 7946 §3.1.6: exterior rings are counter-clockwise"


def assert_feature_collection(body: dict[str, Any], geometry_types: set[str]) -> None:
    assert body["type"] == "FeatureCollection"
    assert isinstance(body["features"], list)
    for item in body["features"]:
        assert item["type"] == "Feature"
        assert isinstance(item["properties"], dict)
        assert "id" in item
        geometry = item["geometry"]
        assert geometry["type"] in geometry_types
        if geometry["type"] == "Point":
            assert_position(geometry["coordinates"])
        elif geometry["type"] == "Polygon":
            assert_polygon(geometry["coordinates"])
        else:
            for polygon in geometry["coordinates"]:
                assert_polygon(polygon)


# --- Validity per layer ---------------------------------------------------------------------------


def test_it_serves_open_incidents_as_points_longitude_first(client: Client, minh: User, station):
    open_one = incident(station, IN_SAI_GON, category="fire", priority=1)
    incident(station, IN_SAI_GON, status=Incident.Status.CLOSED)

    body = layer(client, minh, "incidents")

    assert_feature_collection(body, {"Point"})
    assert ids(body) == {open_one.pk}
    only = body["features"][0]
    assert only["geometry"]["coordinates"] == [106.7, 10.78]
    props = only["properties"]
    assert (props["priority"], props["category"], props["status"]) == (1, "fire", "new")
    assert props["ward"] == SAI_GON and props["ward_name"] == "Phường Sài Gòn"
    assert props["report_count"] == 1
    assert props["url"] == f"/ops/incidents/{open_one.pk}/"
    assert "reporter_phone" not in props


def test_it_serves_units_on_duty_with_their_heading(client: Client, minh: User, station):
    moving = patrol_unit(station, "SG-01", IN_SAI_GON, status="en_route", heading=135.0)
    patrol_unit(station, "SG-02", None)  # no position yet: nothing to draw
    patrol_unit(station, "SG-03", IN_SAI_GON, status="off_duty", on_duty=False)

    body = layer(client, minh, "units")

    assert_feature_collection(body, {"Point"})
    assert ids(body) == {moving.pk}
    props = body["features"][0]["properties"]
    assert body["features"][0]["geometry"]["coordinates"] == [106.7, 10.78]
    assert (props["call_sign"], props["status"], props["heading"]) == ("SG-01", "en_route", 135.0)
    assert props["unit_kind"] == "patrol_car"
    assert props["station"] == "Công an phường Sài Gòn"


def test_it_serves_ward_boundaries_with_names_codes_and_labels(client: Client, minh: User, wards):
    body = layer(client, minh, "wards")

    assert_feature_collection(body, {"Polygon", "MultiPolygon"})
    assert ids(body) == {SAI_GON, BEN_THANH, THU_DAU_MOT}
    by_code = {f["id"]: f["properties"] for f in body["features"]}
    assert by_code[SAI_GON]["name"] == "Phường Sài Gòn"
    assert by_code[SAI_GON]["code"] == SAI_GON
    assert by_code[SAI_GON]["label"] == [106.7, 10.78]


def test_it_lets_browsers_keep_the_ward_layer_for_an_hour(client: Client, minh: User, wards):
    response = client.get(LAYERS + "wards", **bearer(client, minh))

    assert response["Cache-Control"] == "private, max-age=3600"
    assert client.get(LAYERS + "units", **bearer(client, minh))["Cache-Control"] == "no-store"


def test_it_serves_hotspots_as_closed_hexagons(client: Client, minh: User, station):
    incident(station, IN_SAI_GON)
    incident(station, IN_SAI_GON)

    body = layer(client, minh, "hotspots")

    assert_feature_collection(body, {"Polygon"})
    assert len(body["features"]) == 1
    hexagon = body["features"][0]
    assert len(hexagon["geometry"]["coordinates"][0]) == 7  # six corners, closed
    assert hexagon["properties"]["count"] == 2
    assert hexagon["properties"]["intensity"] == 1.0


def test_it_serves_an_empty_camera_layer_until_cameras_exist(client: Client, minh: User):
    body = layer(client, minh, "cameras")

    assert body["type"] == "FeatureCollection"
    assert body["features"] == []


def test_it_answers_an_unknown_layer_with_a_404_in_the_api_format(client: Client, minh: User):
    response = client.get(LAYERS + "submarines", **bearer(client, minh))

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_layer"
    assert "incidents" in error["fields"]["name"]


# --- Bounding box ---------------------------------------------------------------------------------


def test_it_keeps_only_the_incidents_inside_the_box(
    client: Client, minh: User, station, other_station
):
    inside = incident(station, IN_SAI_GON)
    incident(other_station, IN_BEN_THANH)
    incident(station, IN_THU_DAU_MOT, ward_code=THU_DAU_MOT)

    assert ids(layer(client, minh, "incidents", bbox=SAI_GON_BOX)) == {inside.pk}
    assert len(layer(client, minh, "incidents", bbox=CITY_BOX)["features"]) == 3


def test_it_counts_a_point_on_the_edge_of_the_box_as_inside(client: Client, minh: User, station):
    on_edge = incident(station, (10.775, 106.69))

    assert ids(layer(client, minh, "incidents", bbox=SAI_GON_BOX)) == {on_edge.pk}


def test_it_keeps_only_the_units_inside_the_box(client: Client, minh: User, station, other_station):
    inside = patrol_unit(station, "SG-01", IN_SAI_GON)
    patrol_unit(other_station, "BT-01", IN_BEN_THANH)

    assert ids(layer(client, minh, "units", bbox=SAI_GON_BOX)) == {inside.pk}


def test_it_keeps_the_wards_that_touch_the_box(client: Client, minh: User, wards):
    # A box straddling the Sài Gòn / Bến Thành border touches both, not Thủ Dầu Một.
    assert ids(layer(client, minh, "wards", bbox="106.70,10.76,106.705,10.78")) == {
        SAI_GON,
        BEN_THANH,
    }
    assert ids(layer(client, minh, "wards", bbox="106.0,12.0,106.1,12.1")) == set()


def test_it_keeps_the_hotspot_cells_that_touch_the_box(client: Client, minh: User, station):
    incident(station, IN_SAI_GON)
    incident(station, IN_THU_DAU_MOT, ward_code=THU_DAU_MOT)

    cells = layer(client, minh, "hotspots", bbox=SAI_GON_BOX)["features"]

    assert [c["properties"]["ward"] for c in cells] == [SAI_GON]


@pytest.mark.parametrize(
    "bbox",
    [
        "106.69,10.77,106.71",  # three numbers
        "106.69,10.77,106.71,10.79,1",  # five
        "a,b,c,d",
        "106.69,10.77,,10.79",
        "nan,10.77,106.71,10.79",
        "106.69,10.77,inf,10.79",
        "106.69,10.77,181,10.79",  # longitude out of range
        "106.69,-91,106.71,10.79",  # latitude out of range
        "10.77,106.69,10.79,106.71",  # lat/lon swapped: latitudes above 90
        "106.71,10.77,106.69,10.79",  # min > max
        "106.69,10.79,106.71,10.77",
    ],
)
def test_it_refuses_a_malformed_box_with_a_400(client: Client, minh: User, bbox: str):
    response = client.get(LAYERS + "incidents", {"bbox": bbox}, **bearer(client, minh))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_bbox"
    assert error["fields"]["bbox"]


# --- Scope ----------------------------------------------------------------------------------------


def test_it_shows_a_station_dispatcher_only_the_stations_incidents(
    client: Client, khoa: User, station: Unit, other_station: Unit
):
    own = incident(station, IN_SAI_GON)
    incident(other_station, IN_BEN_THANH)

    assert ids(layer(client, khoa, "incidents")) == {own.pk}
    assert ids(layer(client, khoa, "incidents", bbox=CITY_BOX)) == {own.pk}


def test_it_shows_the_command_centre_every_stations_incidents(
    client: Client, minh: User, station: Unit, other_station: Unit
):
    made = {incident(station, IN_SAI_GON).pk, incident(other_station, IN_BEN_THANH).pk}

    assert ids(layer(client, minh, "incidents")) == made


def test_it_hides_incidents_above_the_officers_clearance(client: Client, minh: User, station):
    incident(station, IN_SAI_GON, classification=2)

    assert ids(layer(client, minh, "incidents")) == set()


def test_it_shows_a_patrol_officer_only_the_stations_units(
    client: Client, hung: User, station: Unit, other_station: Unit
):
    own = patrol_unit(station, "SG-01", IN_SAI_GON)
    patrol_unit(other_station, "BT-01", IN_BEN_THANH)

    assert ids(layer(client, hung, "units")) == {own.pk}


def test_it_marks_the_wards_in_a_stations_scope(client: Client, khoa: User, minh: User, wards):
    khoa_scope = {
        f["id"]: f["properties"]["in_scope"] for f in layer(client, khoa, "wards")["features"]
    }
    minh_scope = {
        f["id"]: f["properties"]["in_scope"] for f in layer(client, minh, "wards")["features"]
    }

    assert khoa_scope == {SAI_GON: True, BEN_THANH: False, THU_DAU_MOT: False}
    assert set(minh_scope.values()) == {True}


def test_it_shows_a_station_only_its_own_hotspots(
    client: Client, khoa: User, station: Unit, other_station: Unit
):
    incident(station, IN_SAI_GON)
    incident(other_station, IN_BEN_THANH)

    cells = layer(client, khoa, "hotspots")["features"]

    assert [c["properties"]["ward"] for c in cells] == [SAI_GON]


@pytest.mark.parametrize("name", ["incidents", "units", "wards", "hotspots", "cameras"])
def test_it_refuses_every_layer_to_an_officer_without_an_incident_role(
    client: Client, thu: User, name: str
):
    response = client.get(LAYERS + name, **bearer(client, thu))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_it_refuses_the_layers_to_a_logged_in_citizen(client: Client, lan: User):
    client.force_login(lan)

    response = client.get(LAYERS + "incidents")

    assert response.status_code == 403


def test_it_serves_a_layer_to_a_browser_session(client: Client, station: Unit):
    """The map page reads the layers with the officer's session, not a token."""
    tu = factories.officer(username="tu", unit_=station, roles=["call_taker"])
    own = incident(station, IN_SAI_GON)
    client.force_login(tu)

    response = client.get(LAYERS + "incidents")

    assert response.status_code == 200
    assert ids(response.json()) == {own.pk}
