"""The call-taker's intake page (/ops/incidents/intake/): a 113/114 call becomes a report of an
incident, new or already open, and the page is ready for the next call."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.core.models import AuditEntry
from safecity.incidents.models import DEFAULT_PRIORITY, Category, Channel, Report
from tests import factories
from tests.incidents.conftest import Hcmc

URL = "/ops/incidents/intake/"
BEN_THANH = "Phường Bến Thành"


@pytest.fixture
def mai(hcmc: Hcmc) -> User:
    """Mai, a call-taker at the command centre."""
    return factories.officer(
        username="mai", unit_=hcmc.command_centre, roles=["call_taker"], full_name="Lê Thị Mai"
    )


@pytest.fixture
def hung_on_patrol(hcmc: Hcmc) -> User:
    """Hùng, a patrol officer at the Bến Thành ward station."""
    return factories.officer(
        username="hung", unit_=hcmc.station(BEN_THANH), roles=["patrol_officer"]
    )


def _call(hcmc: Hcmc, **extra: Any) -> dict[str, Any]:
    return {
        "caller_number": "0912 345 678",
        "category": "security",
        "priority": "",
        "address": "Chợ Bến Thành, cửa Nam",
        "ward_code": str(hcmc.ward(BEN_THANH).code),
        "description": "Hai nhóm thanh niên cầm hung khí",
        "caller_name": "Anh Tuấn",
        "notes": "Người gọi run, nói nhỏ",
        "form_key": "f" * 32,
        **extra,
    }


def test_it_opens_on_the_caller_number_with_numbered_categories(client: Client, mai: User):
    client.force_login(mai)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input[^>]*name="caller_number"[^>]*autofocus', page)
    for number, category in enumerate(Category, start=1):
        assert f'value="{category.value}"' in page
        assert f"<kbd>{number}</kbd>" in page
    assert page.index('name="caller_number"') < page.index('name="category"')
    assert page.index('name="category"') < page.index('name="priority"')


def test_a_call_becomes_a_report_with_the_call_taker_priority_and_notes(
    client: Client, mai: User, hcmc: Hcmc
):
    """GIVEN Mai takes a 113 call about a fight at Bến Thành market
    WHEN she enters it with priority P1 and saves
    THEN a call report exists under a new P1 incident, taken by her, and the page shows the
    incident it made and an empty form for the next call."""
    client.force_login(mai)

    response = client.post(URL, _call(hcmc, priority="1"))

    report = Report.objects.select_related("incident").get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?saved={report.pk}"
    assert report.channel == Channel.CALL
    assert report.taken_by == mai
    assert report.reporter_phone == "+84912345678"
    assert report.reporter_name == "Anh Tuấn"
    assert report.notes == "Người gọi run, nói nhỏ"
    assert report.incident.priority == 1
    assert report.ward_code == hcmc.ward(BEN_THANH).code
    page = client.get(response["Location"]).content.decode()
    assert f'data-incident-id="{report.incident_id}"' in page
    assert f'href="/ops/incidents/{report.incident_id}/"' in page
    assert report.tracking_code in page
    assert "Hai nhóm thanh niên" not in page  # the next call starts from an empty form
    assert "f" * 32 not in page  # and a new form key


def test_without_a_chosen_priority_the_category_default_applies(
    client: Client, mai: User, hcmc: Hcmc
):
    client.force_login(mai)

    client.post(URL, _call(hcmc, category="fire"))

    assert Report.objects.get().incident.priority == DEFAULT_PRIORITY[Category.FIRE]


def test_a_second_call_about_the_same_event_joins_the_open_incident(
    client: Client, mai: User, hcmc: Hcmc
):
    client.force_login(mai)
    client.post(URL, _call(hcmc))

    response = client.post(URL, _call(hcmc, form_key="0" * 32, caller_number=""), follow=True)

    first, second = Report.objects.order_by("pk")
    assert second.incident_id == first.incident_id
    assert second.joined_existing
    assert f"#{first.incident_id}" in response.content.decode()


def test_pressing_save_twice_makes_one_report(client: Client, mai: User, hcmc: Hcmc):
    client.force_login(mai)

    first = client.post(URL, _call(hcmc))
    second = client.post(URL, _call(hcmc))

    assert Report.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_bad_input_keeps_the_call_and_marks_the_fields(client: Client, mai: User, hcmc: Hcmc):
    client.force_login(mai)

    response = client.post(URL, _call(hcmc, category="", caller_number="99", ward_code=""))

    assert response.status_code == 422
    assert Report.objects.count() == 0
    assert set(response.context["form"].errors) == {"category", "caller_number", "ward_code"}
    page = response.content.decode()
    assert 'value="Chợ Bến Thành, cửa Nam"' in page
    assert "Người gọi run, nói nhỏ</textarea>" in page


def test_only_officers_who_take_calls_may_open_it(client: Client, hung_on_patrol: User, hcmc: Hcmc):
    client.force_login(hung_on_patrol)

    assert client.get(URL).status_code == 403
    assert client.post(URL, _call(hcmc)).status_code == 403
    assert Report.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client: Client, db: None):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_call_is_audited_as_taken_by_the_call_taker(client: Client, mai: User, hcmc: Hcmc):
    client.force_login(mai)

    client.post(URL, _call(hcmc))

    entry = AuditEntry.objects.get(action="report.submit")
    assert entry.actor_username == "mai"
    assert entry.detail["channel"] == "call"


def test_a_call_for_another_station_s_ward_is_confirmed_by_message(client: Client, hcmc: Hcmc):
    """GIVEN Nga takes calls at the Sài Gòn ward station
    WHEN a caller reports a fight in Bến Thành, another station's ward
    THEN the call is saved under that station, and since Nga may not open it, the page says
    which incident it became in a message instead of showing it."""
    nga = factories.officer(
        username="nga", unit_=hcmc.station("Phường Sài Gòn"), roles=["call_taker"]
    )
    client.force_login(nga)

    response = client.post(URL, _call(hcmc), follow=True)

    report = Report.objects.get()
    assert report.incident.unit == hcmc.station(BEN_THANH)
    assert response.context["saved"] is None
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert f"#{report.incident_id}" in messages[0]
