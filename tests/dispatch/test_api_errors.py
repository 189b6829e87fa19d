"""Bad input to the dispatch API is answered in the one error format, never with a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.dispatch.models import PatrolUnit
from safecity.incidents.models import Incident
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999  # beyond a 64-bit integer


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/units/{unit}/status", {"status": "flying"}, 422),
        ("post", "/api/v1/units/{unit}/status", {"status": 3}, 422),
        ("post", "/api/v1/units/{unit}/status", {}, 422),
        ("post", "/api/v1/units/{unit}/shift", {"on_duty": "maybe"}, 422),
        ("post", "/api/v1/incidents/{incident}/assignments", {"unit_ids": []}, 422),
        ("post", "/api/v1/incidents/{incident}/assignments", {"unit_ids": ["TT-01"]}, 422),
        ("post", "/api/v1/incidents/{incident}/assignments", {"unit_ids": [HUGE]}, 404),
        ("post", "/api/v1/incidents/{incident}/assignments", {"unit_ids": [-1]}, 404),
        ("post", "/api/v1/incidents/{incident}/assignments", {"unit_ids": [1] * 21}, 422),
        ("get", "/api/v1/incidents/{incident}/recommendations?limit=0", None, 422),
        ("get", "/api/v1/incidents/{incident}/recommendations?limit=x", None, 422),
        ("get", "/api/v1/dispatch/units?limit=-3", None, 422),
        ("get", "/api/v1/dispatch/units?on_duty=perhaps", None, 422),
        ("get", f"/api/v1/dispatch/units/{HUGE}", None, 404),
        ("post", f"/api/v1/units/{HUGE}/status", {"status": "busy"}, 404),
        ("post", f"/api/v1/units/{HUGE}/positions", {"fixes": []}, 422),
        (
            "post",
            f"/api/v1/units/{HUGE}/positions",
            {"fixes": [{"lat": 10.7, "lon": 106.7, "ts": "2025-01-01T00:00:00Z"}]},
            404,
        ),
        (
            "post",
            "/api/v1/units/{unit}/positions",
            {"fixes": [{"lat": 10.7, "lon": 106.7, "ts": "9999-99-99"}]},
            422,
        ),
        ("post", f"/api/v1/assignments/{HUGE}/acknowledge", None, 404),
        ("post", "/api/v1/assignments/1/release", {"status": "on_scene"}, 404),
        ("get", f"/api/v1/incidents/{HUGE}/recommendations", None, 404),
        ("post", "/api/v1/dispatch/units", {"call_sign": "", "kind": "x", "station_id": 1}, 422),
    ],
)
def test_bad_input_is_an_error_in_the_one_format(
    client: Client,
    minh: User,
    car: PatrolUnit,
    incident: Incident,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
) -> None:
    url = path.format(unit=car.pk, incident=incident.pk)
    kwargs: dict[str, Any] = bearer(client, minh)
    if body is not None:
        kwargs.update(data=body, content_type="application/json")

    response = getattr(client, method)(url, **kwargs)

    _error(response, status)


def test_a_body_that_is_not_json_is_refused(client: Client, minh: User, car: PatrolUnit) -> None:
    response = client.post(
        f"/api/v1/units/{car.pk}/positions",
        data=b"{not json",
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code in {400, 422}
    _error(response, response.status_code)


def test_an_unknown_status_names_the_choices(client: Client, minh: User, car: PatrolUnit) -> None:
    response = client.post(
        f"/api/v1/units/{car.pk}/status",
        {"status": "flying"},
        content_type="application/json",
        **bearer(client, minh),
    )

    error = _error(response, 422)
    assert "available" in error["fields"]["status"][0]


def test_releasing_to_a_status_on_an_incident_is_refused(
    client: Client, minh: User, car: PatrolUnit, incident: Incident
) -> None:
    from safecity.dispatch.services import assign_units

    [assignment] = assign_units(incident=incident, units=[car], actor=minh)

    response = client.post(
        f"/api/v1/assignments/{assignment.pk}/release",
        {"status": "on_scene"},
        content_type="application/json",
        **bearer(client, minh),
    )

    error = _error(response, 422)
    assert "status" in error["fields"]


def test_a_fix_with_an_infinite_latitude_is_refused_on_its_own(
    client: Client, minh: User, car: PatrolUnit
) -> None:
    """JSON's 1e400 parses as infinity; an offset of +17:33 is converted to UTC first."""
    response = client.post(
        f"/api/v1/units/{car.pk}/positions",
        {"fixes": [{"lat": 1e400, "lon": 106.7, "ts": "2025-01-01T00:00:00+17:33"}]},
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code == 200
    assert response.json()["rejected"][0]["code"] == "invalid"
