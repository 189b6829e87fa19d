"""Another app adds a map layer by writing ``<app>/map_layers.py`` with ``MAP_LAYERS``: the map
finds it at start-up (as the admin finds ``admin.py``) and serves it like its own layers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from safecity.accounts.models import User
from safecity.map import layers
from tests.conftest import bearer


@pytest.fixture
def registry() -> Iterator[dict[str, Any]]:
    """The registry as it was, restored after the test."""
    saved = dict(layers._LAYERS)
    yield layers._LAYERS
    layers._LAYERS.clear()
    layers._LAYERS.update(saved)


@pytest.fixture
def with_layer_app(registry: dict[str, Any]) -> list[str]:
    installed = [config.name for config in apps.get_app_configs()]
    return layers.layers_discover([*installed, "tests.map.layer_app"])


def test_it_registers_the_built_in_layers() -> None:
    assert {"incidents", "units", "wards", "hotspots", "cameras"} <= set(layers.layer_names())


def test_it_finds_a_layer_in_another_apps_map_layers_module(with_layer_app: list[str]) -> None:
    assert "speed_cameras" in with_layer_app
    assert "speed_cameras" in layers.layer_names()


def test_it_serves_a_discovered_layer_with_the_bbox_and_the_caller(
    client: Client, minh: User, with_layer_app: list[str]
) -> None:
    response = client.get(
        "/api/v1/map/layers/speed_cameras",
        {"bbox": "106.69,10.77,106.71,10.79"},
        **bearer(client, minh),
    )

    assert response.status_code == 200
    features = response.json()["features"]
    assert [f["id"] for f in features] == ["CAM-1"]
    assert features[0]["properties"]["seen_by"] == "minh"


def test_it_lets_an_app_replace_the_camera_placeholder(registry: dict[str, Any]) -> None:
    def cameras(user: Any, bbox: Any, params: Any) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [], "layer": "real cameras"}

    layers.layer_register("cameras", cameras)

    assert layers.layer_provider("cameras")(None, None, {})["layer"] == "real cameras"


def test_it_still_checks_map_access_before_a_discovered_layer(
    client: Client, thu: User, with_layer_app: list[str]
) -> None:
    response = client.get("/api/v1/map/layers/speed_cameras", **bearer(client, thu))

    assert response.status_code == 403
