"""Public reference data: provinces, wards, and which ward a point is in. No log-in needed:
the citizens' report form uses these."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from safecity.core.api import ERROR_RESPONSES
from safecity.core.errors import NotFound
from safecity.geography import selectors
from safecity.geography.models import Province, Ward

router = Router(tags=["geography"])


class ProvinceOut(Schema):
    code: int
    name: str
    division_type: str


class WardOut(Schema):
    code: int
    name: str
    name_en: str
    division_type: str
    province_code: int = Field(validation_alias="province_id")
    label_lat: float | None
    label_lon: float | None


class WardFilter(Schema):
    province: int | None = Field(
        None, ge=1, le=99, description="Province code (default: the force's own province)"
    )
    q: str = Field("", max_length=100, description="Part of the name, with or without accents")


class LocateIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)


@router.get("/provinces", auth=None, response={200: list[ProvinceOut], **ERROR_RESPONSES})
def provinces(request: HttpRequest) -> list[Province]:
    return list(Province.objects.all())


@router.get("/wards", auth=None, response={200: list[WardOut], **ERROR_RESPONSES})
def wards(request: HttpRequest, filters: Query[WardFilter]) -> list[Ward]:
    """Wards of a province (2025 structure), searchable without diacritics."""
    province = filters.province or settings.SAFECITY_PROVINCE_CODE
    return list(selectors.wards_of(province, query=filters.q))


@router.get("/wards/locate", auth=None, response={200: WardOut, **ERROR_RESPONSES})
def ward_locate(request: HttpRequest, point: Query[LocateIn]) -> Ward:
    """The ward containing a point, where ward boundaries are loaded."""
    ward = selectors.ward_at(point.lat, point.lon)
    if ward is None:
        raise NotFound(code="outside_wards")
    return ward


@router.get("/boundaries", auth=None, response={200: dict[str, Any], **ERROR_RESPONSES})
def boundaries(request: HttpRequest, filters: Query[WardFilter], response: HttpResponse) -> Any:
    """Ward boundaries of a province as a GeoJSON FeatureCollection (for maps with no tile
    server: the wards are the background). Cached by browsers for a day."""
    province = filters.province or settings.SAFECITY_PROVINCE_CODE
    response["Cache-Control"] = "public, max-age=86400"
    return selectors.boundaries_geojson(province)


@router.get("/wards/{code}", auth=None, response={200: WardOut, **ERROR_RESPONSES})
def ward(request: HttpRequest, code: int) -> Ward:
    return get_object_or_404(Ward, code=code)
