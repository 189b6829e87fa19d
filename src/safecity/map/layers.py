"""The map's layers: a name → provider registry.

A provider is a function ``provider(user, bbox, params) -> FeatureCollection dict``:
- ``user``: the caller, already allowed to open the map (``access_map``); the provider still
  limits its rows to what this officer may see;
- ``bbox``: ``None``, or an object with ``min_lon``, ``min_lat``, ``max_lon``, ``max_lat``
  (floats, validated) and ``contains(lat, lon)``;
- ``params``: the request's other filters (``since``, ``until``, ``category``, ``resolution``),
  ``None`` where not given.
It returns a GeoJSON FeatureCollection (RFC 7946: ``[lon, lat]`` positions).

The map's own layers are registered below. Another app adds one without importing the map (the
dependency direction is ``… → dispatch → map``; ``cameras`` sits below ``map``): it writes a
module ``<app>/map_layers.py`` holding ``MAP_LAYERS = {"name": provider}``, which
``layers_discover`` (``MapConfig.ready``) finds the way the admin finds ``admin.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps

from safecity.core.errors import NotFound
from safecity.map import selectors
from safecity.map.geojson import BBox, collection

LayerProvider = Callable[[Any, Any, Mapping[str, Any]], dict[str, Any]]
DISCOVERY_MODULE = "map_layers"

_LAYERS: dict[str, LayerProvider] = {}


def layer_register(name: str, provider: LayerProvider) -> None:
    """Add (or replace) the provider of layer ``name``."""
    _LAYERS[name] = provider


def layer_names() -> list[str]:
    return sorted(_LAYERS)


def layer_provider(name: str) -> LayerProvider:
    provider = _LAYERS.get(name)
    if provider is None:
        raise NotFound(code="unknown_layer", fields={"name": sorted(_LAYERS)})
    return provider


def layers_discover(app_names: Iterable[str] | None = None) -> list[str]:
    """Register the ``MAP_LAYERS`` of every installed app's ``map_layers`` module (or of the
    apps named); returns the names registered. An app without the module is skipped; an error
    inside one is raised, so a broken layer stops start-up instead of vanishing."""
    names = [c.name for c in apps.get_app_configs()] if app_names is None else list(app_names)
    found = []
    for app_name in names:
        module_name = f"{app_name}.{DISCOVERY_MODULE}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        for name, provider in dict(getattr(module, "MAP_LAYERS", {})).items():
            layer_register(name, provider)
            found.append(name)
    return found


# --- The map's own layers -------------------------------------------------------------------------


def _incidents(user: Any, bbox: BBox | None, params: Mapping[str, Any]) -> dict[str, Any]:
    return collection(selectors.incident_features(user, bbox), layer="incidents")


def _units(user: Any, bbox: BBox | None, params: Mapping[str, Any]) -> dict[str, Any]:
    return collection(selectors.unit_features(user, bbox), layer="units")


def _wards(user: Any, bbox: BBox | None, params: Mapping[str, Any]) -> dict[str, Any]:
    return collection(selectors.ward_features(user, bbox), layer="wards")


def _hotspots(user: Any, bbox: BBox | None, params: Mapping[str, Any]) -> dict[str, Any]:
    query = selectors.hotspot_query(
        since=params.get("since"),
        until=params.get("until"),
        category=params.get("category"),
        resolution=params.get("resolution"),
    )
    cells = selectors.hotspot_cells(user, query)
    return collection(
        selectors.hotspot_features(cells, bbox),
        layer="hotspots",
        since=query.since.isoformat(),
        until=query.until.isoformat(),
        category=query.category,
        resolution=query.resolution,
        max_count=cells[0].count if cells else 0,
    )


def _cameras(user: Any, bbox: BBox | None, params: Mapping[str, Any]) -> dict[str, Any]:
    # A placeholder until the cameras app exists: its ``cameras/map_layers.py`` registers the
    # real provider under the same name, which replaces this one at start-up.
    return collection([], layer="cameras")


layer_register("incidents", _incidents)
layer_register("units", _units)
layer_register("wards", _wards)
layer_register("hotspots", _hotspots)
layer_register("cameras", _cameras)
