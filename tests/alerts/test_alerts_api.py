"""The warnings API: public reads of the warnings in force and of one message; officers' draft
creation with every field bounded, so odd input is a 422 naming the field, never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import User
from safecity.alerts.models import Alert
from tests.alerts.conftest import SAI_GON, publish
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")


def _draft(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "Security",
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Likely",
        "response_type": "Monitor",
        "event_vi": "Lừa đảo qua điện thoại",
        "headline_vi": "Cảnh giác cuộc gọi giả danh công an",
        "description_vi": "Nhiều người dân nhận cuộc gọi giả danh công an yêu cầu chuyển tiền.",
        "expires": (timezone.now() + timedelta(days=3)).isoformat(),
        "area": {"ward_codes": [SAI_GON]},
    }
    body.update(changes)
    return body


def _post(client: Client, user: User, body: Any) -> Any:
    return client.post(
        "/api/v1/alerts/drafts", data=body, content_type="application/json", **bearer(client, user)
    )


def test_it_lists_the_warnings_in_force_to_anyone(client: Client, ngoc: User, thang: User):
    alert = publish(ngoc, thang)
    publish(ngoc, thang, headline_vi="Hết hạn")
    Alert.objects.filter(headline_vi="Hết hạn").update(expires=timezone.now())

    response = client.get("/api/v1/alerts")

    assert response.status_code == 200
    (item,) = response.json()
    assert (item["identifier"], item["status"], item["msg_type"]) == (
        alert.identifier,
        "published",
        "Alert",
    )
    assert item["area"]["ward_codes"] == [SAI_GON]
    assert item["cap_url"] == f"/alerts/{alert.identifier}.xml"
    assert datetime.fromisoformat(item["sent"]) == alert.sent


def test_it_returns_one_message_by_identifier(client: Client, published: Alert):
    response = client.get(f"/api/v1/alerts/{published.identifier}")

    assert response.status_code == 200
    assert response.json()["headline_vi"] == published.headline_vi


@pytest.mark.parametrize("identifier", ["nope", "x" * 500, "drafts", "%2e%2e"])
def test_it_answers_404_for_an_unknown_identifier(client: Client, identifier: str):
    response = client.get(f"/api/v1/alerts/{identifier}")

    assert response.status_code in {404, 405}
    assert response.json()["error"]["code"] in {"not_found", "method_not_allowed"}


def test_it_creates_a_draft(client: Client, ngoc: User):
    response = _post(client, ngoc, _draft())

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["identifier"], body["msg_type"]) == ("draft", None, "Alert")
    assert Alert.objects.get().author == ngoc


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "Weather"}, "category"),
        ({"urgency": ""}, "urgency"),
        ({"headline_vi": ""}, "headline_vi"),
        ({"headline_vi": "x" * 161}, "headline_vi"),
        ({"description_vi": "x" * 4001}, "description_vi"),
        ({"event_vi": "Ngập\u0001"}, "event_vi"),
        ({"event_vi": "\ud800"}, "event_vi"),
        ({"expires": "9999-12-31T23:59:59+14:00"}, "expires"),
        ({"expires": "0001-01-01T00:00:00-12:00"}, "expires"),
        ({"expires": "tomorrow"}, "expires"),
        ({"expires": 1e300}, "expires"),
        ({"effective": "2200-01-01T00:00:00"}, "effective"),
        ({"area": {"ward_codes": [-1]}}, "area.ward_codes.0"),
        ({"area": {"ward_codes": [SAI_GON] * 201}}, "area.ward_codes"),
        ({"area": {"circles": [{"lat": 1e308, "lon": 0, "radius_km": 1}]}}, "area.circles.0.lat"),
        (
            {"area": {"circles": [{"lat": 10, "lon": 106, "radius_km": -1}]}},
            "area.circles.0.radius_km",
        ),
        ({"area": {"polygons": [[{"lat": 10, "lon": 106}]]}}, "area.polygons.0"),
        ({"area": {}}, "area"),
        ({"article_ids": [99999]}, "article_ids"),
        ({"headline_en": "Scam calls"}, "event_en"),
    ],
)
def test_it_refuses_bad_drafts_naming_the_field(
    client: Client, ngoc: User, changes: dict[str, Any], field: str
):
    response = _post(client, ngoc, _draft(**changes))

    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert not Alert.objects.exists()


def test_it_reads_a_time_without_offset_as_vietnam_time(client: Client, ngoc: User):
    expires = timezone.localtime() + timedelta(days=1)

    _post(client, ngoc, _draft(expires=expires.strftime("%Y-%m-%dT%H:%M:%S")))

    stored = timezone.localtime(Alert.objects.get().expires)
    assert stored.replace(microsecond=0) == expires.replace(microsecond=0)
    assert stored.utcoffset() == timedelta(hours=7)


def test_it_refuses_a_draft_from_the_commander(client: Client, thang: User):
    response = _post(client, thang, _draft())

    assert response.status_code == 403


def test_it_answers_401_without_a_token(client: Client):
    response = client.post("/api/v1/alerts/drafts", data=_draft(), content_type="application/json")

    assert response.status_code == 401
