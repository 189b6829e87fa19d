"""The officers' map page (/ops/map/): Vietnamese by default, every asset from this server, the
busiest cells of the period listed beside the map; only for officers with an incident role."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from tests.map.conftest import IN_BEN_THANH, IN_SAI_GON, incident

MAP = "/ops/map/"


def _hotspot_wards(page: str) -> list[str]:
    return re.findall(r'<span class="hotspot-rank">\d+</span>\s*<span>([^<]*)</span>', page)


def test_it_shows_the_map_page_in_vietnamese(client: Client, minh: User, wards):
    client.force_login(minh)

    response = client.get(MAP)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng xuất" in page  # the shared layout, in Vietnamese
    assert 'data-ops-map="ops-map-options"' in page


def test_it_shows_the_map_page_in_english_when_chosen(client: Client, minh: User, wards):
    client.force_login(minh)
    client.cookies["safecity_language"] = "en"

    page = client.get(MAP).content.decode()

    assert '<html lang="en">' in page
    assert "Hotspots" in page


def test_it_loads_every_asset_of_the_map_from_this_server(client: Client, minh: User, wards):
    client.force_login(minh)

    page = client.get(MAP).content.decode()

    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+\.(?:js|css))["']""", page)
    assert {"/static/leaflet/leaflet.js", "/static/safecity/js/ops_map.js"} <= set(assets)
    assert not [a for a in assets if re.match(r"(?i)(https?:)?//", a)]
    for asset in assets:
        assert client.get(asset).status_code == 200, f"{asset} is not served"


def test_it_gives_the_script_its_labels_and_options(client: Client, minh: User, wards):
    client.force_login(minh)

    response = client.get(MAP)

    page = response.content.decode()
    labels = json.loads(
        re.search(
            r'<script id="safecity-map-labels" type="application/json">(.*?)</script>', page
        ).group(1)  # type: ignore[union-attr]
    )
    assert set(labels["unit_statuses"]) >= {"available", "en_route", "on_scene"}
    assert "fire" in labels["categories"]
    assert labels["tile_url"] == ""
    options = json.loads(
        re.search(
            r'<script id="ops-map-options" type="application/json">(.*?)</script>', page
        ).group(1)  # type: ignore[union-attr]
    )
    assert options["hotspots"]["resolution"] == 8


def test_it_passes_the_tile_server_to_the_map(client: Client, minh: User, wards, settings):
    settings.SAFECITY_MAP_TILE_URL = "https://tiles.ca.local/{z}/{x}/{y}.png"
    client.force_login(minh)

    page = client.get(MAP).content.decode()

    assert 'data-tile-url="https://tiles.ca.local/{z}/{x}/{y}.png"' in page


def test_it_lists_the_busiest_places_beside_the_map(
    client: Client, minh: User, station: Unit, other_station: Unit
):
    incident(station, IN_SAI_GON)
    incident(other_station, IN_BEN_THANH)
    incident(other_station, IN_BEN_THANH)
    client.force_login(minh)

    page = client.get(MAP).content.decode()

    assert _hotspot_wards(page) == ["Phường Bến Thành", "Phường Sài Gòn"]


def test_it_lists_the_hotspots_of_the_category_chosen(
    client: Client, minh: User, station: Unit, other_station: Unit
):
    incident(station, IN_SAI_GON, category="fire")
    incident(other_station, IN_BEN_THANH)
    client.force_login(minh)

    page = client.get(MAP, {"category": "fire", "days": 7, "resolution": 9}).content.decode()

    assert _hotspot_wards(page) == ["Phường Sài Gòn"]


def test_it_still_draws_the_page_with_a_bad_filter(client: Client, minh: User, station: Unit):
    incident(station, IN_SAI_GON)
    client.force_login(minh)

    response = client.get(MAP, {"days": "forever", "resolution": "99", "category": "ufo"})

    assert response.status_code == 200
    assert _hotspot_wards(response.content.decode()) == ["Phường Sài Gòn"]


def test_it_lists_only_a_stations_own_hotspots(
    client: Client, khoa: User, station: Unit, other_station: Unit
):
    incident(station, IN_SAI_GON)
    incident(other_station, IN_BEN_THANH)
    client.force_login(khoa)

    page = client.get(MAP).content.decode()

    assert _hotspot_wards(page) == ["Phường Sài Gòn"]


@pytest.mark.parametrize("who", ["hung", "khoa"])
def test_it_opens_the_map_to_station_officers(
    client: Client, who: str, request: pytest.FixtureRequest
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(MAP).status_code == 200


def test_it_refuses_the_map_to_an_auditor(client: Client, thu: User):
    client.force_login(thu)

    assert client.get(MAP).status_code == 403


def test_it_refuses_the_map_to_a_citizen(client: Client, lan: User):
    client.force_login(lan)

    assert client.get(MAP).status_code == 403


def test_it_sends_an_anonymous_visitor_to_log_in(client: Client, db: None):
    response = client.get(MAP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/ops/map/"
