"""Loading the divisions and the ward boundaries. Both loaders are idempotent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from shapely.geometry import shape
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from safecity.core import audit
from safecity.core.text import clean, fold
from safecity.geography.models import Province, Ward

BOUNDARIES_FILE = Path(__file__).resolve().parent / "data" / "hcmc-wards-2025.geojson"


@dataclass(frozen=True)
class LoadResult:
    provinces: int
    wards: int
    boundaries: int


def _value(enum_or_value: Any) -> Any:
    return getattr(enum_or_value, "value", enum_or_value)


@transaction.atomic
def divisions_load(*, actor: Any = None) -> tuple[int, int]:
    """Provinces and wards from ``vietnam-provinces``, names cleaned (NFC, single spaces)."""
    provinces = [
        Province(
            code=int(_value(p.code)),
            name=clean(p.name),
            division_type=str(_value(p.division_type)),
            codename=p.codename,
            phone_code=p.phone_code,
        )
        for p in VnProvince.iter_all()
    ]
    Province.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "codename", "phone_code"],
    )
    wards = [
        Ward(
            code=int(_value(w.code)),
            province_id=int(_value(w.province_code)),
            name=clean(w.name),
            division_type=str(_value(w.division_type)),
            codename=w.codename,
            search_key=fold(clean(w.name)),
        )
        for w in VnWard.iter_all()
    ]
    Ward.objects.bulk_create(
        wards,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["province", "name", "division_type", "codename", "search_key"],
    )
    audit.record(
        "geography.divisions_load",
        actor=actor,
        object_type="geography",
        detail={"provinces": len(provinces), "wards": len(wards)},
    )
    return len(provinces), len(wards)


@transaction.atomic
def boundaries_load(*, path: Path = BOUNDARIES_FILE, actor: Any = None) -> int:
    """Ward polygons from a GeoJSON FeatureCollection whose ``code`` joins ``Ward.code``.

    Raises ``ValueError`` naming the first feature whose ward is unknown, so a wrong file
    never loads half-way.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    known = set(Ward.objects.values_list("code", flat=True))
    updates = []
    for index, feature in enumerate(data.get("features", [])):
        props = feature.get("properties") or {}
        code = int(props["code"])
        if code not in known:
            raise ValueError(f"feature {index}: ward code {code} is not a known ward")
        geometry = feature["geometry"]
        min_lon, min_lat, max_lon, max_lat = shape(geometry).bounds
        updates.append(
            Ward(
                code=code,
                boundary=geometry,
                name_en=clean(props.get("name_en", "")),
                area_km2=props.get("area_km2"),
                label_lat=props.get("label_lat"),
                label_lon=props.get("label_lon"),
                min_lat=min_lat,
                min_lon=min_lon,
                max_lat=max_lat,
                max_lon=max_lon,
            )
        )
    Ward.objects.bulk_update(
        updates,
        [
            "boundary",
            "name_en",
            "area_km2",
            "label_lat",
            "label_lon",
            "min_lat",
            "min_lon",
            "max_lat",
            "max_lon",
        ],
        batch_size=50,
    )
    audit.record(
        "geography.boundaries_load",
        actor=actor,
        object_type="geography",
        detail={"file": path.name, "wards": len(updates)},
    )
    from safecity.geography.selectors import ward_locator_reset

    ward_locator_reset()
    return len(updates)


def geography_load(
    *, actor: Any = None, progress: Callable[[str], None] | None = None
) -> LoadResult:
    say = progress or (lambda _msg: None)
    say("Loading provinces and wards (vietnam-provinces)…")
    provinces, wards = divisions_load(actor=actor)
    say(f"  {provinces} provinces, {wards} wards")
    say("Loading ward boundaries…")
    boundaries = boundaries_load(actor=actor)
    say(f"  {boundaries} ward boundaries")
    return LoadResult(provinces=provinces, wards=wards, boundaries=boundaries)
