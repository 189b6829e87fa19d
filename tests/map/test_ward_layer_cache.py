"""The ward layer is simplified once per process and kept: it must follow a new boundary file,
and it must simplify only as much as the setting says."""

from __future__ import annotations

from typing import Any

from django.test import Client

from safecity.accounts.models import User
from safecity.geography.models import Ward
from tests.conftest import bearer
from tests.map.conftest import SAI_GON, square

WARDS = "/api/v1/map/layers/wards"


def _sai_gon(client: Client, user: User) -> dict[str, Any]:
    body = client.get(WARDS, **bearer(client, user)).json()
    return next(f for f in body["features"] if f["id"] == SAI_GON)


def _jagged() -> dict[str, Any]:
    """The Sài Gòn square with a 2 m notch in its southern edge."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [106.69, 10.77],
                [106.70, 10.77],
                [106.70001, 10.77002],
                [106.70002, 10.77],
                [106.71, 10.77],
                [106.71, 10.79],
                [106.69, 10.79],
                [106.69, 10.77],
            ]
        ],
    }


def test_it_follows_a_new_boundary_file(client: Client, minh: User, wards):
    before = _sai_gon(client, minh)
    Ward.objects.filter(code=SAI_GON).update(
        boundary=square(106.69, 10.77, 106.72, 10.79), max_lon=106.72
    )

    after = _sai_gon(client, minh)

    assert max(p[0] for p in before["geometry"]["coordinates"][0]) == 106.71
    assert max(p[0] for p in after["geometry"]["coordinates"][0]) == 106.72


def test_it_smooths_away_details_below_the_tolerance(client: Client, minh: User, wards, settings):
    Ward.objects.filter(code=SAI_GON).update(boundary=_jagged(), area_km2=4.9)
    settings.SAFECITY_MAP_WARD_SIMPLIFY_M = 30

    ring = _sai_gon(client, minh)["geometry"]["coordinates"][0]

    assert len(ring) == 5  # the notch is gone: a square again


def test_it_draws_the_exact_boundary_with_no_tolerance(client: Client, minh: User, wards, settings):
    Ward.objects.filter(code=SAI_GON).update(boundary=_jagged(), area_km2=4.8)
    settings.SAFECITY_MAP_WARD_SIMPLIFY_M = 0

    ring = _sai_gon(client, minh)["geometry"]["coordinates"][0]

    assert len(ring) == 8
    assert [106.70001, 10.77002] in ring
