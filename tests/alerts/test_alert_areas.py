"""A warning's area in CAP: each ward chosen from the list as its own <area> (its boundary's
outer rings as closed polygons, simplified when large, and its code as a geocode), and the
circles and polygons drawn on the map in one more <area>."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from safecity.accounts.models import User
from safecity.alerts import areas, services
from safecity.core.errors import InvalidInput
from tests.alerts.conftest import (
    CON_DAO,
    NS,
    PHU_GIAO,
    SAI_GON,
    assert_valid_cap,
    content,
    publish,
)
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")


def _areas(xml: str) -> list[etree._Element]:
    root = assert_valid_cap(xml)
    return root.findall("cap:info[1]/cap:area", NS)


def _points(polygon: str) -> list[tuple[float, float]]:
    return [(float(lat), float(lon)) for lat, lon in (p.split(",") for p in polygon.split())]


def _assert_cap_ring(text: str) -> list[tuple[float, float]]:
    points = _points(text)
    assert len(points) >= 4
    assert points[0] == points[-1]
    for lat, lon in points:
        assert 8 < lat < 12 and 105 < lon < 108, (lat, lon)  # latitude first, in HCMC
    return points


def test_it_describes_a_ward_by_its_boundary_and_its_code(ngoc: User, thang: User):
    alert = publish(ngoc, thang, ward_codes=(SAI_GON,))

    (area,) = _areas(alert.xml)

    assert area.findtext("cap:areaDesc", namespaces=NS) == "Phường Sài Gòn"
    (polygon,) = area.findall("cap:polygon", NS)
    assert len(_assert_cap_ring(polygon.text or "")) == 29  # the boundary's own 29 points
    assert area.findtext("cap:geocode/cap:valueName", namespaces=NS) == "ward_code"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == str(SAI_GON)


def test_it_gives_the_english_block_the_english_ward_name(ngoc: User, thang: User):
    alert = publish(ngoc, thang, ward_codes=(SAI_GON,))

    root = assert_valid_cap(alert.xml)

    assert root.findtext("cap:info[2]/cap:area/cap:areaDesc", namespaces=NS) == "Sai Gon Ward"


def test_it_simplifies_a_large_ward_boundary(ngoc: User, thang: User):
    """Phường Phú Giáo's boundary has 865 points; CAP readers get at most 100 per ring."""
    alert = publish(ngoc, thang, ward_codes=(PHU_GIAO,))

    (polygon,) = _areas(alert.xml)[0].findall("cap:polygon", NS)

    points = _assert_cap_ring(polygon.text or "")
    assert 20 <= len(points) <= areas.MAX_RING_POINTS + 1


def test_it_writes_one_polygon_per_island(ngoc: User, thang: User):
    """Côn Đảo is 16 islands (a MultiPolygon): one closed outer ring each."""
    alert = publish(ngoc, thang, ward_codes=(CON_DAO,))

    polygons = _areas(alert.xml)[0].findall("cap:polygon", NS)

    assert len(polygons) == 16
    for polygon in polygons:
        _assert_cap_ring(polygon.text or "")


def test_it_keeps_only_the_outer_ring_of_a_ward_with_a_hole():
    square = [[106.0, 10.0], [106.1, 10.0], [106.1, 10.1], [106.0, 10.1], [106.0, 10.0]]
    hole = [[106.04, 10.04], [106.06, 10.04], [106.06, 10.06], [106.04, 10.04]]

    rings = areas.ward_rings({"type": "Polygon", "coordinates": [square, hole]})

    assert rings == [[(10.0, 106.0), (10.0, 106.1), (10.1, 106.1), (10.1, 106.0), (10.0, 106.0)]]


def test_it_writes_a_drawn_circle_as_lat_lon_radius_km(ngoc: User, thang: User):
    alert = publish(
        ngoc,
        thang,
        ward_codes=(),
        circles=({"lat": 10.7381, "lon": 106.7035, "radius_km": 1.25},),
        area_desc_vi="Bán kính 1,25 km quanh kho hàng",
    )

    (area,) = _areas(alert.xml)

    assert area.findtext("cap:areaDesc", namespaces=NS) == "Bán kính 1,25 km quanh kho hàng"
    assert [c.text for c in area.findall("cap:circle", NS)] == ["10.7381,106.7035 1.25"]
    assert area.findall("cap:polygon", NS) == []


def test_it_closes_a_drawn_polygon(ngoc: User, thang: User):
    drawn = ((10.7768, 106.7002), (10.7755, 106.7030), (10.7718, 106.7052), (10.7750, 106.7000))

    alert = publish(ngoc, thang, ward_codes=(), polygons=(drawn,))

    (polygon,) = _areas(alert.xml)[0].findall("cap:polygon", NS)
    assert polygon.text == (
        "10.7768,106.7002 10.7755,106.703 10.7718,106.7052 10.775,106.7 10.7768,106.7002"
    )


def test_it_combines_wards_and_drawn_shapes(ngoc: User, thang: User):
    alert = publish(
        ngoc,
        thang,
        ward_codes=(SAI_GON,),
        circles=({"lat": 10.78, "lon": 106.70, "radius_km": 0.5},),
        polygons=(((10.77, 106.70), (10.78, 106.71), (10.76, 106.71)),),
    )

    ward_area, drawn_area = _areas(alert.xml)

    assert ward_area.findtext("cap:geocode/cap:value", namespaces=NS) == str(SAI_GON)
    assert len(drawn_area.findall("cap:circle", NS)) == 1
    assert len(drawn_area.findall("cap:polygon", NS)) == 1
    assert drawn_area.findtext("cap:areaDesc", namespaces=NS) == "Khu vực khoanh vùng trên bản đồ"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ward_codes": ()}, "area"),
        ({"ward_codes": (1,)}, "ward_codes"),
        ({"polygons": (((10.77, 106.70), (10.78, 106.71)),)}, "polygons"),
        (  # a bow tie: its edges cross
            {"polygons": (((10.0, 106.0), (10.1, 106.1), (10.0, 106.1), (10.1, 106.0)),)},
            "polygons",
        ),
        ({"polygons": (((95.0, 106.0), (10.1, 106.1), (10.0, 106.1)),)}, "polygons"),
        ({"circles": ({"lat": 10.7, "lon": 106.7, "radius_km": 0},)}, "circles"),
        ({"circles": ({"lat": 10.7, "lon": 106.7, "radius_km": 500},)}, "circles"),
        ({"circles": ({"lat": 95, "lon": 106.7, "radius_km": 1},)}, "circles"),
    ],
)
def test_it_refuses_an_unusable_area(ngoc: User, changes: dict[str, Any], field: str):
    with pytest.raises(InvalidInput) as refused:
        services.alert_draft_create(actor=ngoc, content=content(**changes))

    assert field in refused.value.fields


def _fire_payload(expires: str) -> dict[str, Any]:
    return {
        "category": "Fire",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "event_vi": "Cháy",
        "headline_vi": "Cháy kho hàng",
        "description_vi": "Khói lan rộng.",
        "expires": expires,
        "area": {
            "desc_vi": "Quanh kho hàng",
            "circles": [{"lat": 10.7381, "lon": 106.7035, "radius_km": 1}],
            "polygons": [
                [
                    {"lat": 10.77, "lon": 106.70},
                    {"lat": 10.78, "lon": 106.71},
                    {"lat": 10.76, "lon": 106.71},
                ]
            ],
        },
    }


def test_it_takes_drawn_shapes_through_the_api(client: Client, ngoc: User):
    expires = (timezone.now() + timedelta(hours=6)).isoformat()

    response = client.post(
        "/api/v1/alerts/drafts",
        data=_fire_payload(expires),
        content_type="application/json",
        **bearer(client, ngoc),
    )

    assert response.status_code == 201
    area = response.json()["area"]
    assert area["circles"] == [{"lat": 10.7381, "lon": 106.7035, "radius_km": 1.0}]
    assert area["polygons"] == [[[10.77, 106.7], [10.78, 106.71], [10.76, 106.71]]]
    assert (area["ward_codes"], area["desc_vi"]) == ([], "Quanh kho hàng")


def test_it_refuses_a_warning_running_longer_than_31_days(client: Client, ngoc: User):
    expires = (timezone.now() + timedelta(days=40)).isoformat()

    response = client.post(
        "/api/v1/alerts/drafts",
        data=_fire_payload(expires),
        content_type="application/json",
        **bearer(client, ngoc),
    )

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["expires"]
