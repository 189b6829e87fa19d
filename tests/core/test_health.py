from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_it_reports_the_process_up_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_reports_ready_when_the_database_is_migrated(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
