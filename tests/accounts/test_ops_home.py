"""The officers' home: who you are and what your roles open, in Vietnamese unless you chose
English; and the audit trail page for auditors only."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from safecity.accounts.menu import MENU
from safecity.accounts.models import Unit, User
from safecity.accounts.roles import ROLES_BY_SLUG
from safecity.core.models import AuditEntry
from tests import factories
from tests.conftest import bearer

TITLES = {item.key: item.title for item in MENU}


def _vi(text: object) -> str:
    """The Vietnamese catalogue's translation, which must exist (differ from the English)."""
    with translation.override("vi"):
        translated = str(text)
    with translation.override("en"):
        english = str(text)
    assert translated != english, f"no Vietnamese translation for {english!r}"
    return translated


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]*)"', page)
    assert match, "no <html lang> on the page"
    return match.group(1)


def _testid(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert match, f"no {testid} on the page"
    return match.group(1)


def _tiles(page: str) -> set[str]:
    return set(re.findall(r'data-capability="([^"]+)"', page))


@pytest.fixture
def dispatcher(command_centre: Unit) -> User:
    """Minh as the demo has him: a captain, dispatcher at the command centre."""
    return factories.officer(
        username="dispatcher",
        unit_=command_centre,
        roles=["dispatcher"],
        full_name="Nguyễn Văn Minh",
        rank="dai_uy",
        badge_number="CA79-0003",
    )


def test_it_shows_the_dispatcher_home_in_vietnamese(client: Client, dispatcher: User):
    client.force_login(dispatcher)

    response = client.get("/ops/")

    assert response.status_code == 200
    page = response.content.decode()
    assert _html_lang(page) == "vi"
    assert _testid(page, "officer-name").startswith("Nguyễn Văn Minh")
    assert _testid(page, "officer-unit") == "Trung tâm Chỉ huy"
    assert _testid(page, "officer-roles") == _vi(ROLES_BY_SLUG["dispatcher"].label)
    assert _tiles(page) == {"incidents", "console", "map"}
    for key in ("incidents", "console", "map"):
        assert _vi(TITLES[key]) in page
    assert "CA79-0003" in page


def test_it_shows_the_dispatcher_home_in_english_after_switching(client: Client, dispatcher: User):
    """GIVEN Minh is logged in
    WHEN he picks English in the language switch (POST /i18n/setlang/)
    THEN the language cookie is set and the officers' home is in English."""
    client.force_login(dispatcher)

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/ops/"})
    response = client.get("/ops/")

    assert switched.status_code == 302
    assert client.cookies["safecity_language"].value == "en"
    page = response.content.decode()
    assert _html_lang(page) == "en"
    assert _testid(page, "officer-roles") == "Dispatcher"
    assert "Incident queue" in page
    assert "Dispatch console" in page
    assert _vi(TITLES["console"]) not in page


def test_it_ignores_the_browser_language_on_pages(client: Client, dispatcher: User):
    client.force_login(dispatcher)

    response = client.get("/ops/", HTTP_ACCEPT_LANGUAGE="en")

    assert _html_lang(response.content.decode()) == "vi"


def test_it_opens_only_the_tiles_of_the_patrol_role(client: Client, hung: User):
    client.force_login(hung)

    page = client.get("/ops/").content.decode()

    assert _tiles(page) == {"my_unit"}
    assert _testid(page, "officer-unit") == "Công an phường Sài Gòn"


def test_it_refuses_the_officers_home_to_a_citizen(client: Client, lan: User):
    client.force_login(lan)

    response = client.get("/ops/")

    assert response.status_code == 403


def test_it_refuses_the_officers_home_to_an_officer_without_roles(client: Client, station):
    nobody = factories.officer(username="moi", unit_=station, roles=[])
    client.force_login(nobody)

    assert client.get("/ops/").status_code == 403


def test_it_sends_an_anonymous_visitor_to_log_in(client: Client, db: None):
    response = client.get("/ops/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/ops/"


def test_it_shows_the_auditor_the_audit_tile(client: Client, thu: User):
    client.force_login(thu)

    page = client.get("/ops/").content.decode()

    assert _tiles(page) == {"audit"}
    assert 'href="/ops/audit/" data-capability="audit"' in page
    assert _vi(TITLES["audit"]) in page


def test_it_lists_audit_entries_to_the_auditor(client: Client, thu: User, minh: User, hung):
    client.force_login(thu)

    response = client.get("/ops/audit/")

    assert response.status_code == 200
    actions = {entry.action for entry in response.context["page"]}
    assert {"unit.create", "officer.create"} <= actions
    assert "officer.create" in response.content.decode()


def test_it_filters_audit_entries(client: Client, thu: User, minh: User, hung: User):
    """GIVEN the trail holds unit and officer creations, and one failed log-in by Hùng
    WHEN Thu filters by action, by officer and by outcome
    THEN each list holds only the matching entries."""
    client.post("/accounts/login/", {"username": "hung", "password": "wrong password"})
    client.force_login(thu)

    by_action = client.get("/ops/audit/", {"action": "officer."}).context["page"]
    by_outcome = client.get("/ops/audit/", {"outcome": "failure"}).context["page"]
    by_actor = client.get("/ops/audit/", {"actor": "hung", "action": "login."}).context["page"]

    assert {e.action for e in by_action} == {"officer.create"}
    assert len(by_action) == 3  # Thu, Minh and Hùng
    assert [(e.action, e.actor_username) for e in by_outcome] == [("login.failure", "hung")]
    assert [e.action for e in by_actor] == ["login.failure"]


def test_it_audits_reading_the_audit_trail(client: Client, thu: User):
    client.force_login(thu)

    client.get("/ops/audit/", {"action": "login.", "outcome": "denied"})

    read = AuditEntry.objects.filter(action="audit.read").latest("seq")
    assert read.actor_id == thu.pk
    assert read.outcome == "success"
    assert read.detail == {"action": "login.", "outcome": "denied", "page": 1}


def test_it_refuses_the_audit_page_to_a_dispatcher(client: Client, minh: User):
    client.force_login(minh)

    response = client.get("/ops/audit/")

    assert response.status_code == 403
    denied = AuditEntry.objects.filter(action="audit.read").latest("seq")
    assert denied.actor_id == minh.pk
    assert denied.outcome == "denied"


def test_it_refuses_the_audit_api_to_a_dispatcher(client: Client, minh: User):
    response = client.get("/api/v1/audit", **bearer(client, minh))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not AuditEntry.objects.filter(action="audit.read", outcome="success").exists()


def test_it_lists_and_audits_entries_on_the_audit_api(client: Client, thu: User, minh: User):
    response = client.get(
        "/api/v1/audit", {"action": "officer.create", "limit": 1}, **bearer(client, thu)
    )

    assert response.status_code == 200
    body = response.json()
    assert [entry["action"] for entry in body["results"]] == ["officer.create"]
    assert body["results"][0]["detail"]["username"] == "minh"
    assert body["next_before_seq"] == body["results"][0]["seq"]
    read = AuditEntry.objects.filter(action="audit.read").latest("seq")
    assert (read.actor_id, read.outcome) == (thu.pk, "success")
    assert read.detail == {"action": "officer.create"}
