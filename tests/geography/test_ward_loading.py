"""Loading Vietnam's 2025 divisions and HCMC's ward boundaries, and finding a ward by name
or by a point."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from safecity.core.models import AuditEntry
from safecity.geography.models import Province, Ward
from safecity.geography.selectors import ward_at, ward_locator_reset
from safecity.geography.services import BOUNDARIES_FILE, boundaries_load, divisions_load

HCMC = 79
HA_NOI = (21.0, 105.8)


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Divisions and boundaries, loaded once for this module inside a transaction rolled back
    after it (each test's own changes roll back to a savepoint within it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        divisions_load()
        boundaries_load()
        yield
        transaction.set_rollback(True)
    ward_locator_reset()


@pytest.fixture
def geography(loaded: None, db: None) -> Iterator[None]:
    yield
    ward_locator_reset()  # a test may have loaded other boundaries, now rolled back


def _features() -> list[dict[str, Any]]:
    return json.loads(BOUNDARIES_FILE.read_text(encoding="utf-8"))["features"]


def test_it_loads_34_provinces_and_3321_wards(db: None):
    assert divisions_load() == (34, 3321)

    assert Province.objects.count() == 34
    assert Ward.objects.count() == 3321
    assert Province.objects.get(code=HCMC).name == "Thành phố Hồ Chí Minh"


def test_it_loads_the_divisions_again_without_duplicates(geography: None):
    divisions_load()

    assert Province.objects.count() == 34
    assert Ward.objects.count() == 3321
    assert Ward.objects.filter(province_id=HCMC, boundary__isnull=False).count() == 168


def test_it_stores_names_nfc_with_single_spaces(geography: None):
    for name in Ward.objects.values_list("name", flat=True):
        assert unicodedata.is_normalized("NFC", name), name
        assert "  " not in name, name
        assert name == name.strip(), name


def test_it_cleans_a_name_the_package_has_with_two_spaces(geography: None):
    from vietnam_provinces import Ward as VnWard

    upstream = next(w for w in VnWard.iter_all() if "Rạch Dừa" in w.name)
    assert "  " in upstream.name  # still doubled upstream; if fixed, pick another example

    ward = Ward.objects.get(code=int(getattr(upstream.code, "value", upstream.code)))
    assert ward.name == "Phường Rạch Dừa"
    assert ward.search_key == "phuong rach dua"


def test_it_has_the_city_wards_by_kind(geography: None):
    kinds = Counter(Ward.objects.filter(province_id=HCMC).values_list("division_type", flat=True))

    assert kinds == {"phường": 113, "xã": 54, "đặc khu": 1}
    assert Ward.objects.get(province_id=HCMC, division_type="đặc khu").name == "Đặc khu Côn Đảo"


def test_it_joins_every_boundary_to_a_city_ward(geography: None):
    codes = [int(feature["properties"]["code"]) for feature in _features()]
    city_wards = set(Ward.objects.filter(province_id=HCMC).values_list("code", flat=True))

    assert len(codes) == len(set(codes)) == 168
    assert set(codes) == city_wards
    assert Ward.objects.filter(province_id=HCMC, boundary__isnull=True).count() == 0
    assert Ward.objects.exclude(province_id=HCMC).filter(boundary__isnull=False).count() == 0


def test_it_keeps_the_boundary_file_facts(geography: None):
    feature = next(f for f in _features() if f["properties"]["name"] == "Phường Sài Gòn")
    ward = Ward.objects.get(code=feature["properties"]["code"])

    assert ward.name_en == feature["properties"]["name_en"]
    assert ward.label_lat == feature["properties"]["label_lat"]
    assert ward.min_lat < ward.label_lat < ward.max_lat
    assert ward.min_lon < ward.label_lon < ward.max_lon


def test_it_rejects_a_boundary_file_with_an_unknown_ward(geography: None, tmp_path: Path):
    """GIVEN a boundary file whose first feature redraws Phường Sài Gòn and whose second names
    a ward that does not exist
    WHEN it is loaded
    THEN the load fails naming the unknown code, and Sài Gòn keeps its boundary."""
    sai_gon = Ward.objects.get(province_id=HCMC, name="Phường Sài Gòn")
    square = {
        "type": "Polygon",
        "coordinates": [
            [[106.0, 10.0], [106.1, 10.0], [106.1, 10.1], [106.0, 10.1], [106.0, 10.0]]
        ],
    }
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"code": sai_gon.code}, "geometry": square},
                    {"type": "Feature", "properties": {"code": 99999}, "geometry": square},
                ],
            }
        ),
        encoding="utf-8",
    )
    audited = AuditEntry.objects.filter(action="geography.boundaries_load").count()

    with pytest.raises(ValueError, match="99999"):
        boundaries_load(path=bad)

    sai_gon_after = Ward.objects.get(code=sai_gon.code)
    assert sai_gon_after.boundary == sai_gon.boundary
    assert sai_gon_after.min_lat == sai_gon.min_lat
    assert AuditEntry.objects.filter(action="geography.boundaries_load").count() == audited
    assert ward_at(sai_gon.label_lat, sai_gon.label_lon) == sai_gon


def test_it_finds_each_city_ward_at_its_label_point(geography: None):
    wards = Ward.objects.filter(province_id=HCMC)

    found = {ward.code: ward_at(ward.label_lat, ward.label_lon) for ward in wards}

    assert {code: w.code if w else None for code, w in found.items()} == {
        ward.code: ward.code for ward in wards
    }


def test_it_finds_no_ward_far_from_the_city(geography: None):
    assert ward_at(*HA_NOI) is None
    assert ward_at(0.0, 0.0) is None


def test_it_finds_wards_by_name_without_diacritics_on_the_api(client: Client, geography: None):
    response = client.get("/api/v1/geography/wards", {"q": "sai gon"})

    assert response.status_code == 200
    names = [ward["name"] for ward in response.json()]
    assert "Phường Sài Gòn" in names
    assert all("Sài Gòn" in name for name in names)
    assert {ward["province_code"] for ward in response.json()} == {HCMC}


def test_it_lists_the_force_province_wards_by_default(client: Client, geography: None):
    response = client.get("/api/v1/geography/wards")

    assert response.status_code == 200
    assert len(response.json()) == 168


def test_it_lists_the_34_provinces_without_login(client: Client, geography: None):
    response = client.get("/api/v1/geography/provinces")

    assert response.status_code == 200
    assert len(response.json()) == 34


def test_it_locates_a_point_on_the_api(client: Client, geography: None):
    sai_gon = Ward.objects.get(province_id=HCMC, name="Phường Sài Gòn")

    response = client.get(
        "/api/v1/geography/wards/locate", {"lat": sai_gon.label_lat, "lon": sai_gon.label_lon}
    )

    assert response.status_code == 200
    assert response.json()["code"] == sai_gon.code
    assert response.json()["name"] == "Phường Sài Gòn"


def test_it_answers_not_found_outside_every_ward_on_the_api(client: Client, geography: None):
    lat, lon = HA_NOI
    response = client.get("/api/v1/geography/wards/locate", {"lat": lat, "lon": lon})

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "outside_wards"
    assert error["message"]
    assert error["fields"] == {}


def test_it_rejects_a_point_off_the_globe_on_the_api(client: Client, geography: None):
    response = client.get("/api/v1/geography/wards/locate", {"lat": 91, "lon": 106.7})

    assert response.status_code == 422
    assert "lat" in response.json()["error"]["fields"]
