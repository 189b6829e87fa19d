"""Every API route needs a logged-in caller unless it is listed in PUBLIC below, so a new route
cannot become public by accident. The API's own documentation is served from this server, with
nothing loaded from the internet (the force's intranet has none)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from safecity.api import api

pytestmark = pytest.mark.django_db

# The routes anyone may call without logging in. Adding one here is a decision to review.
PUBLIC = {
    ("GET", "/api/v1/geography/provinces"),
    ("GET", "/api/v1/geography/wards"),
    ("GET", "/api/v1/geography/wards/locate"),
    ("GET", "/api/v1/geography/wards/{code}"),
    ("GET", "/api/v1/geography/boundaries"),
    # Citizens report and follow their reports without an account.
    ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/reports/{tracking_code}"),
    ("POST", "/api/v1/reports/{tracking_code}/media"),
    # Public warnings are public; citizens subscribe to them without an account.
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/alerts/{identifier}"),
    ("POST", "/api/v1/alerts/subscriptions"),
}

_HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in _HTTP_METHODS
    ]


OPERATIONS = _operations()


def _params(*, public: bool) -> list[Any]:
    return [
        pytest.param(method, path, operation, id=f"{method} {path}")
        for method, path, operation in OPERATIONS
        if ((method, path) in PUBLIC) == public
    ]


def _sample_url(path: str, operation: dict[str, Any]) -> str:
    """The path with each parameter filled by a value of its type (1 for numbers, else "x")."""
    types = {
        p["name"]: p.get("schema", {}).get("type")
        for p in operation.get("parameters", [])
        if p.get("in") == "path"
    }

    def sample(match: re.Match[str]) -> str:
        return "1" if types.get(match.group(1)) in {"integer", "number"} else "x"

    return re.sub(r"\{(\w+)\}", sample, path)


def test_it_finds_the_routes_in_the_schema() -> None:
    """The control for the parametrised tests below: the enumeration is not empty."""
    found = {(method, path) for method, path, _op in OPERATIONS}
    assert found >= PUBLIC, "a PUBLIC route is no longer in the schema; update the list"
    assert len(found - PUBLIC) >= 5


def test_it_has_no_route_missing_from_the_schema() -> None:
    """A route left out of the schema would escape the checks below."""
    patterns, _app, _namespace = api.urls
    routed = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern))
        for p in patterns
        if p.name not in {"openapi-json", "openapi-view", "api-root"}
    }
    assert routed == {path for _method, path, _op in OPERATIONS}


@pytest.mark.parametrize(("method", "path", "operation"), _params(public=False))
def test_it_refuses_an_anonymous_caller(
    client: Client, method: str, path: str, operation: dict[str, Any]
) -> None:
    url = _sample_url(path, operation)

    response = client.generic(method, url, data=b"{}", content_type="application/json")

    assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "operation"), _params(public=True))
def test_it_answers_a_public_route_without_login(
    client: Client, method: str, path: str, operation: dict[str, Any]
) -> None:
    url = _sample_url(path, operation)

    response = client.generic(method, url)

    assert response.status_code not in {401, 403}, f"{method} {url} needs a login"
    assert response.status_code < 500


def test_it_declares_the_public_routes_without_security_in_the_schema() -> None:
    declared_public = {
        (method, path) for method, path, operation in OPERATIONS if not operation.get("security")
    }
    assert declared_public == PUBLIC


# --- The documentation ---------------------------------------------------------------------------


def test_it_serves_the_openapi_schema(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "SafeCity API"
    assert "/api/v1/me" in schema["paths"]


def test_it_serves_the_docs_page_with_every_asset_from_this_server(client: Client) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert assets, "the docs page should load its script and style"
    remote = [a for a in assets if re.match(r"(?i)(https?:)?//", a)]
    assert remote == []
    assert not re.search(r"(?i)https?://", page)
    for asset in assets:
        assert client.get(asset).status_code == 200, f"{asset} is not served"
