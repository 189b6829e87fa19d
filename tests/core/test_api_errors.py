"""Every error under /api/ has one body, ``{"error": {"code", "message", "fields"}}``, whether it
comes from authentication, a service, validation, the throttle or Django's own 404/405 — in
Vietnamese by default and in English on request."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from safecity.accounts.models import Unit, User
from safecity.api import UserThrottle
from tests import factories
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def error_of(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    """Assert the one error format and return its ``error`` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


# --- 401 ---------------------------------------------------------------------------------------


def test_it_answers_401_without_credentials(client: Client) -> None:
    response = client.get("/api/v1/me")

    error_of(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_answers_401_for_a_token_that_does_not_exist(client: Client) -> None:
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer sct_not-a-real-token")

    error_of(response, 401, "unauthenticated")


def test_it_answers_401_for_a_revoked_token(client: Client, minh: User) -> None:
    from safecity.accounts.models import ApiToken
    from safecity.accounts.services import token_revoke

    headers = bearer(client, minh)
    assert client.get("/api/v1/me", **headers).status_code == 200  # the control
    token_revoke(token=ApiToken.objects.get(user=minh), actor=minh)

    error_of(client.get("/api/v1/me", **headers), 401, "unauthenticated")


# --- 403 ---------------------------------------------------------------------------------------


def test_it_answers_403_when_the_caller_lacks_the_capability(client: Client, hung: User) -> None:
    response = client.get("/api/v1/audit", **bearer(client, hung))

    error_of(response, 403, "forbidden")


def test_it_answers_403_for_a_session_post_without_the_csrf_token(minh: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(minh)

    response = browser.post(
        "/api/v1/me/tokens", {"name": "laptop"}, content_type="application/json"
    )

    error_of(response, 403, "csrf_failed")


# --- 404 ---------------------------------------------------------------------------------------


def test_it_answers_404_for_an_unknown_path(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")

    error_of(response, 404, "not_found")


def test_it_answers_404_for_an_unknown_object(client: Client, minh: User) -> None:
    response = client.get("/api/v1/units/999999", **bearer(client, minh))

    error_of(response, 404, "not_found")


def test_it_answers_404_for_an_unknown_object_on_a_public_route(client: Client) -> None:
    response = client.get("/api/v1/geography/wards/99999999")

    error_of(response, 404, "not_found")


def test_it_answers_404_for_an_object_outside_the_callers_scope(
    client: Client, hung: User, other_station: Any
) -> None:
    """Out of scope reads as not found, so its existence does not leak."""
    response = client.get(f"/api/v1/units/{other_station.pk}", **bearer(client, hung))

    error_of(response, 404, "not_found")


# --- 405 ---------------------------------------------------------------------------------------


def test_it_answers_405_for_a_method_the_route_does_not_take(client: Client, minh: User) -> None:
    response = client.put("/api/v1/me", **bearer(client, minh))

    error_of(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


# --- 400 and 422 ---------------------------------------------------------------------------------


def test_it_answers_400_for_malformed_json(client: Client, minh: User) -> None:
    response = client.post(
        "/api/v1/me/tokens",
        "{not json",
        content_type="application/json",
        **bearer(client, minh),
    )

    error_of(response, 400, "bad_request")


def test_it_answers_422_naming_a_field_of_the_wrong_type(client: Client, minh: User) -> None:
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "laptop", "days": "soon"},
        content_type="application/json",
        **bearer(client, minh),
    )

    error = error_of(response, 422, "invalid")
    assert list(error["fields"]) == ["days"]
    assert error["fields"]["days"] and all(isinstance(m, str) for m in error["fields"]["days"])


def test_it_answers_422_naming_a_field_a_service_refused(client: Client, minh: User) -> None:
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "laptop", "days": 0},
        content_type="application/json",
        **bearer(client, minh),
    )

    error = error_of(response, 422, "invalid")
    assert list(error["fields"]) == ["days"]


def test_it_answers_422_naming_a_bad_query_parameter(client: Client) -> None:
    response = client.get("/api/v1/geography/wards/locate", {"lat": "north", "lon": "106.7"})

    error = error_of(response, 422, "invalid")
    assert "lat" in error["fields"]
    assert "lon" not in error["fields"]


# --- 429 ---------------------------------------------------------------------------------------


def test_it_answers_429_with_retry_after_when_an_anonymous_caller_is_too_fast(
    client: Client,
) -> None:
    """GIVEN the anonymous limit of 60 requests a minute
    WHEN one address asks 61 times
    THEN the first 60 are answered and the 61st is refused, saying when to come back."""
    statuses = [client.get("/api/v1/geography/provinces").status_code for _ in range(60)]
    assert set(statuses) == {200}

    response = client.get("/api/v1/geography/provinces")

    error_of(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


def test_it_keeps_counting_when_the_caller_varies_x_forwarded_for(client: Client) -> None:
    """A client cannot buy a fresh allowance by writing a new X-Forwarded-For each time."""
    for i in range(60):
        client.get("/api/v1/geography/provinces", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")

    response = client.get("/api/v1/geography/provinces", HTTP_X_FORWARDED_FOR="198.51.100.99")

    error_of(response, 429, "rate_limited")


def test_it_gives_namesakes_their_own_allowance(rf: RequestFactory, station: Unit) -> None:
    """GIVEN two officers with the same name (many are called Nguyễn Văn Minh)
    WHEN one of them uses up a caller's allowance
    THEN the other still has his."""
    minh_one, minh_two = (
        factories.officer(username=username, unit_=station, full_name="Nguyễn Văn Minh")
        for username in ("minh.nv1", "minh.nv2")
    )
    throttle = UserThrottle("2/m")

    def allowed(user: User) -> bool:
        request = rf.get("/api/v1/me")
        request.auth = user  # type: ignore[attr-defined]
        return throttle.allow_request(request)

    assert [allowed(minh_one), allowed(minh_one), allowed(minh_one)] == [True, True, False]
    assert allowed(minh_two) is True


# --- Language ------------------------------------------------------------------------------------


def test_it_answers_in_english_when_asked(client: Client) -> None:
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    error = error_of(response, 401, "unauthenticated")
    assert error["message"] == "Log in or send a valid API token."
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]  # a cache must keep the languages apart


def test_it_answers_in_vietnamese_by_default(client: Client) -> None:
    english = error_of(client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en"), 401, "unauthenticated")[
        "message"
    ]

    response = client.get("/api/v1/me")

    vietnamese = error_of(response, 401, "unauthenticated")["message"]
    assert response["Content-Language"] == "vi"
    assert vietnamese != english  # fails until the vi catalogue is compiled (django.mo)


def test_it_keeps_the_chosen_language_cookie_over_the_header(client: Client) -> None:
    client.cookies["safecity_language"] = "vi"

    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "vi"
    assert error_of(response, 401, "unauthenticated")["message"] != (
        "Log in or send a valid API token."
    )


@pytest.mark.django_db
def test_it_accepts_any_iso_offset_in_a_time_filter(client: Client, thu: User) -> None:
    """Schemathesis found this on PostgreSQL: an offset of +17:33 is valid ISO 8601 but out of
    PostgreSQL's range; times are converted to UTC before any query."""
    from tests.conftest import bearer

    response = client.get(
        "/api/v1/audit",
        {"until": "0716-04-13T08:21:13+17:33", "since": "2026-01-01T00:00:00+17:33"},
        **bearer(client, thu),
    )
    assert response.status_code == 422  # year 716 is outside the accepted range

    response = client.get(
        "/api/v1/audit", {"since": "2026-01-01T00:00:00+17:33"}, **bearer(client, thu)
    )
    assert response.status_code == 200


def test_an_id_larger_than_any_stored_is_a_400_not_a_500(client: Client, city: Unit) -> None:
    auditor = factories.officer(username="kiemtra", unit_=city, roles=["auditor"])
    huge = 312314096796486662270100040966995968  # found by the schema fuzzer

    answer = client.get(f"/api/v1/records/vehicles/{huge}/access-log", **bearer(client, auditor))

    assert answer.status_code in (400, 404)
    assert set(answer.json()["error"]) >= {"code", "message"}
