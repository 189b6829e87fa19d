"""NUL characters never reach the database: PostgreSQL cannot store them, SQLite can, and the
API must answer the same on both — a 422 in the one error format, not a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import ApiToken, User
from tests.conftest import bearer


@pytest.mark.django_db
def test_it_refuses_a_nul_in_the_query_string(client: Client) -> None:
    response = client.get("/api/v1/geography/wards", {"q": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
def test_it_refuses_a_json_escaped_nul_in_the_body(client: Client, minh: User) -> None:
    response = client.post(
        "/api/v1/me/tokens",
        data='{"name": "a\\u0000b"}',
        content_type="application/json",
        **bearer(client, minh),
    )
    assert response.status_code == 422
    assert "__all__" in response.json()["error"]["fields"]
    assert not ApiToken.objects.filter(name__startswith="a").exists()


@pytest.mark.django_db
def test_it_accepts_an_escaped_backslash_followed_by_u0000_text(client: Client, minh: User) -> None:
    response = client.post(
        "/api/v1/me/tokens",
        data='{"name": "path\\\\u0000"}',
        content_type="application/json",
        **bearer(client, minh),
    )
    assert response.status_code == 201
    assert response.json()["name"] == "path\\u0000"
