"""The public reports API: a citizen's app sends a report (safely retried with an
``Idempotency-Key``) and follows it by its tracking code, seeing nothing but its own report's
status."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.core.models import AuditEntry, IdempotencyRecord
from safecity.incidents.models import Incident, Report
from tests.conftest import bearer
from tests.incidents.conftest import Hcmc


@pytest.fixture
def body(hcmc: Hcmc) -> dict[str, Any]:
    """Lan's report of a fight in Phường Sài Gòn."""
    lat, lon = hcmc.point("Phường Sài Gòn")
    return {
        "category": "security",
        "description": "Hai nhóm thanh niên đánh nhau trước chợ",
        "lat": lat,
        "lon": lon,
        "location_source": "device",
        "reporter_name": "Trương Thị Lan",
        "reporter_phone": "0901 234 567",
    }


def post(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/api/v1/reports", body, content_type="application/json", **headers)


def _counts() -> dict[str, int]:
    return {
        "reports": Report.objects.count(),
        "incidents": Incident.objects.count(),
        "audit": AuditEntry.objects.count(),
        "keys": IdempotencyRecord.objects.count(),
    }


def test_it_accepts_a_report_without_login(client: Client, body: dict[str, Any]):
    response = post(client, body)

    assert response.status_code == 201
    answer = response.json()
    report = Report.objects.get()
    assert answer["id"] == report.pk
    assert answer["tracking_code"] == report.tracking_code
    assert answer["incident_id"] == report.incident_id
    assert answer["status"] == "received"
    assert answer["joined_existing"] is False
    assert report.channel == "api"
    assert report.reporter_phone == "+84901234567"


def test_it_replays_the_first_answer_for_a_retry_with_the_same_key(
    client: Client, body: dict[str, Any]
):
    """GIVEN Lan's app sent a report with an Idempotency-Key and lost the answer
    WHEN it sends the same request again with the same key
    THEN it gets the first answer again and no second report exists."""
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="2b1f0c8e-lan-report-1")
    after_first = _counts()

    retry = post(client, body, HTTP_IDEMPOTENCY_KEY="2b1f0c8e-lan-report-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert _counts() == after_first
    assert after_first["reports"] == 1


def test_it_refuses_the_same_key_with_another_report(client: Client, body: dict[str, Any]):
    post(client, body, HTTP_IDEMPOTENCY_KEY="lan-key")
    after_first = _counts()

    response = post(client, {**body, "description": "Một vụ khác"}, HTTP_IDEMPOTENCY_KEY="lan-key")

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "idempotency_conflict",
            "message": response.json()["error"]["message"],
            "fields": {},
        }
    }
    assert response.json()["error"]["message"]
    assert _counts() == after_first


def test_it_makes_two_reports_for_two_keys(client: Client, body: dict[str, Any]):
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="key-1")
    second = post(client, body, HTTP_IDEMPOTENCY_KEY="key-2")

    assert first.json()["tracking_code"] != second.json()["tracking_code"]
    assert second.json()["joined_existing"] is True
    assert Report.objects.count() == 2


@pytest.mark.parametrize("key", ["k" * 201, "   "])
def test_it_refuses_an_idempotency_key_that_is_too_long_or_blank(
    client: Client, body: dict[str, Any], key: str
):
    before = _counts()

    response = post(client, body, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert _counts() == before


def test_it_accepts_a_key_of_exactly_200_characters(client: Client, body: dict[str, Any]):
    response = post(client, body, HTTP_IDEMPOTENCY_KEY="k" * 200)

    assert response.status_code == 201


def test_it_names_each_bad_field(client: Client, hcmc: Hcmc):
    response = post(
        client,
        {
            "description": "x" * 4001,
            "lat": 91,
            "lon": 106.7,
            "location_source": "satellite",
            "ward_code": 0,
        },
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {
        "category",
        "description",
        "lat",
        "location_source",
        "ward_code",
    }
    assert Report.objects.count() == 0


def test_it_names_the_service_checked_fields(client: Client, body: dict[str, Any]):
    response = post(client, {**body, "category": "arson", "reporter_phone": "12"})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"category", "reporter_phone"}


# --- Following a report ---------------------------------------------------------------------------


def test_it_shows_a_report_to_whoever_has_its_code(client: Client, body: dict[str, Any]):
    code = post(client, body).json()["tracking_code"]

    response = Client().get(f"/api/v1/reports/{code}")

    assert response.status_code == 200
    status = response.json()
    assert status["tracking_code"] == code
    assert status["category"] == "security"
    assert status["status"] == "received"
    assert [item["event"] for item in status["timeline"]] == ["received"]


def test_it_reads_the_code_in_any_case(client: Client, body: dict[str, Any]):
    code = post(client, body).json()["tracking_code"]

    response = client.get(f"/api/v1/reports/{code.lower()}")

    assert response.status_code == 200
    assert response.json()["tracking_code"] == code


def test_it_shows_only_that_reports_status_after_an_officer_acts(
    client: Client, body: dict[str, Any], minh: User
):
    """GIVEN Lan's report and Bình's of the same fight, linked as one incident
    WHEN Minh acknowledges the incident through the API
    THEN Lan's code shows "being handled", and her status shows neither Minh, nor any phone
    number, nor Bình's tracking code."""
    lans = post(client, body).json()
    binhs = post(
        client, {**body, "reporter_name": "Phạm Văn Bình", "reporter_phone": "0912345678"}
    ).json()
    assert binhs["incident_id"] == lans["incident_id"]
    acknowledged = client.post(
        f"/api/v1/incidents/{lans['incident_id']}/acknowledge", **bearer(client, minh)
    )
    assert acknowledged.status_code == 200

    response = Client().get(f"/api/v1/reports/{lans['tracking_code']}")

    status = response.json()
    assert status["status"] == "handling"
    assert [item["event"] for item in status["timeline"]] == ["received", "handling"]
    text = response.content.decode()
    for secret in (
        "minh",
        "Nguyễn Văn Minh",
        "+84901234567",
        "0901 234 567",
        "+84912345678",
        "Phạm Văn Bình",
        "Trương Thị Lan",
        binhs["tracking_code"],
    ):
        assert secret not in text, secret


def test_it_answers_404_in_the_error_format_for_an_unknown_code(client: Client, hcmc: Hcmc):
    response = client.get("/api/v1/reports/ABCDEFGHJK")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_tracking_code"
    assert error["message"]
    assert error["fields"] == {}


def test_it_refuses_a_code_longer_than_any_tracking_code(client: Client, hcmc: Hcmc):
    response = client.get("/api/v1/reports/" + "A" * 21)

    assert response.status_code == 422
    assert "tracking_code" in response.json()["error"]["fields"]
