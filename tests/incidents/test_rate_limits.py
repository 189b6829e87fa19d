"""Reports are limited per client address and per phone number (``SAFECITY_REPORT_RATE_IP``,
``SAFECITY_REPORT_RATE_PHONE``, read on every request); a refused report gets 429 with
Retry-After in the API's error format and leaves nothing behind."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from safecity.core import ratelimit
from safecity.incidents.models import Report
from tests.incidents.conftest import Hcmc

MINUTE = 1_750_000_020.0  # the start of a minute (a multiple of 60 s since the epoch)
NOW = MINUTE + 30  # half-way through it: a one-minute window has 30 s left


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limiter's clock stands still, so a test never straddles two windows."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: NOW))


@pytest.fixture
def body(hcmc: Hcmc) -> dict[str, Any]:
    lat, lon = hcmc.point("Phường Bến Thành")
    return {"category": "traffic_accident", "lat": lat, "lon": lon}


def post(client: Client, body: dict[str, Any], *, ip: str = "203.0.113.7") -> Any:
    return client.post("/api/v1/reports", body, content_type="application/json", REMOTE_ADDR=ip)


def assert_rate_limited(response: Any, *, retry_after: int = 30) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"]
    assert error["fields"] == {}


def test_it_limits_reports_from_one_address(client: Client, body: dict[str, Any], settings):
    settings.SAFECITY_REPORT_RATE_IP = "2/m"

    answers = [post(client, body).status_code for _ in range(2)]
    third = post(client, body)

    assert answers == [201, 201]
    assert_rate_limited(third)
    assert Report.objects.count() == 2


def test_it_counts_each_address_on_its_own(client: Client, body: dict[str, Any], settings):
    settings.SAFECITY_REPORT_RATE_IP = "1/m"
    post(client, body, ip="203.0.113.7")

    blocked = post(client, body, ip="203.0.113.7")
    other = post(client, body, ip="198.51.100.20")

    assert blocked.status_code == 429
    assert other.status_code == 201


def test_it_tells_how_long_to_wait_for_an_hourly_limit(
    client: Client, body: dict[str, Any], settings
):
    settings.SAFECITY_REPORT_RATE_IP = "1/h"
    post(client, body)

    response = post(client, body)

    assert_rate_limited(response, retry_after=3600 - int(NOW % 3600))


def test_it_limits_reports_from_one_phone_number_across_addresses(
    client: Client, body: dict[str, Any], settings
):
    """GIVEN a limit of two reports a minute per phone number
    WHEN the same number sends a third report from yet another address
    THEN it is refused, while another number from that address is accepted."""
    settings.SAFECITY_REPORT_RATE_PHONE = "2/m"
    lans = {**body, "reporter_phone": "0901234567"}
    post(client, lans, ip="203.0.113.1")
    post(client, lans, ip="203.0.113.2")

    third = post(client, lans, ip="203.0.113.3")
    someone_else = post(client, {**body, "reporter_phone": "0912345678"}, ip="203.0.113.3")

    assert_rate_limited(third)
    assert someone_else.status_code == 201
    assert Report.objects.filter(reporter_phone="+84901234567").count() == 2


def test_it_counts_one_phone_number_however_it_is_typed(
    client: Client, body: dict[str, Any], settings
):
    settings.SAFECITY_REPORT_RATE_PHONE = "2/m"
    post(client, {**body, "reporter_phone": "0901234567"}, ip="203.0.113.1")
    post(client, {**body, "reporter_phone": "+84 90 123 4567"}, ip="203.0.113.2")

    third = post(client, {**body, "reporter_phone": "090-123-4567"}, ip="203.0.113.3")

    assert_rate_limited(third)


def test_it_switches_every_limit_off(client: Client, body: dict[str, Any], settings):
    settings.SAFECITY_RATELIMIT_ENABLED = False
    settings.SAFECITY_REPORT_RATE_IP = "1/m"
    settings.SAFECITY_REPORT_RATE_PHONE = "1/m"

    answers = [post(client, {**body, "reporter_phone": "0901234567"}).status_code for _ in range(4)]

    assert answers == [201] * 4
    assert Report.objects.count() == 4
