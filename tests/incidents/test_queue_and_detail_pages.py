"""The officers' incident queue (/ops/incidents/), one incident's page with its actions, and the
reporters' photos served behind the same access rules."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from safecity.accounts.models import User
from safecity.core.models import AuditEntry
from safecity.incidents import media, services
from safecity.incidents.models import Channel, Incident, Report
from tests import factories
from tests.incidents.conftest import Hcmc

QUEUE = "/ops/incidents/"
SAI_GON = "Phường Sài Gòn"
BEN_THANH = "Phường Bến Thành"


def _report(hcmc: Hcmc, ward: str, category: str = "security", **extra: Any) -> Report:
    lat, lon = hcmc.point(ward)
    data = services.ReportInput(category=category, lat=lat, lon=lon, **extra)
    return services.report_submit(data=data, channel=Channel.WEB)


def _queue_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-incident-id="(\d+)"', page)]


@pytest.fixture
def minh(hcmc: Hcmc) -> User:
    """Minh, a dispatcher at the command centre (sees the whole city)."""
    return factories.officer(
        username="minh",
        unit_=hcmc.command_centre,
        roles=["dispatcher"],
        full_name="Nguyễn Văn Minh",
    )


@pytest.fixture
def khoa(hcmc: Hcmc) -> User:
    """Khoa, a dispatcher at the Sài Gòn ward station (sees his ward only)."""
    return factories.officer(
        username="khoa", unit_=hcmc.station(SAI_GON), roles=["dispatcher"], full_name="Phan Khoa"
    )


@pytest.fixture
def hung(hcmc: Hcmc) -> User:
    """Hùng, a patrol officer at the Sài Gòn ward station."""
    return factories.officer(username="hung", unit_=hcmc.station(SAI_GON), roles=["patrol_officer"])


@pytest.fixture
def saigon_fight(hcmc: Hcmc) -> Incident:
    return _report(
        hcmc, SAI_GON, reporter_name="Trương Thị Lan", reporter_phone="0901234567"
    ).incident


@pytest.fixture
def benthanh_fire(hcmc: Hcmc) -> Incident:
    return _report(hcmc, BEN_THANH, category="fire").incident


# --- The queue ----------------------------------------------------------------------------------


def test_the_command_centre_sees_every_open_incident_most_urgent_first(
    client: Client, minh: User, saigon_fight: Incident, benthanh_fire: Incident
):
    client.force_login(minh)

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert _queue_ids(response.content.decode()) == [benthanh_fire.pk, saigon_fight.pk]  # P1, P2


def test_a_ward_station_sees_only_its_own_ward(
    client: Client, khoa: User, saigon_fight: Incident, benthanh_fire: Incident
):
    client.force_login(khoa)

    page = client.get(QUEUE).content.decode()

    assert _queue_ids(page) == [saigon_fight.pk]


def test_within_a_priority_the_oldest_comes_first(client: Client, minh: User, hcmc: Hcmc):
    older = _report(hcmc, SAI_GON).incident
    newer = _report(hcmc, BEN_THANH).incident
    client.force_login(minh)

    assert _queue_ids(client.get(QUEUE).content.decode()) == [older.pk, newer.pk]


def test_ended_and_merged_incidents_leave_the_queue(
    client: Client, minh: User, saigon_fight: Incident, benthanh_fire: Incident, hcmc: Hcmc
):
    third = _report(hcmc, "Phường Chợ Lớn").incident
    services.incident_close(incident=benthanh_fire, outcome="Dập tắt", actor=minh)
    services.incident_merge(source=third, target=saigon_fight, actor=minh)
    client.force_login(minh)

    assert _queue_ids(client.get(QUEUE).content.decode()) == [saigon_fight.pk]


def test_each_row_shows_what_a_dispatcher_needs(
    client: Client, minh: User, benthanh_fire: Incident
):
    client.force_login(minh)

    page = client.get(QUEUE).content.decode()

    row = re.search(rf'<tr data-incident-id="{benthanh_fire.pk}".*?</tr>', page, re.S)
    assert row is not None
    html = row.group(0)
    assert 'data-priority="1"' in html
    assert str(benthanh_fire.get_category_display()) in html
    assert BEN_THANH in html
    assert '<span data-field="reports">1</span>' in html
    assert re.search(r'data-field="elapsed"[^>]*>\d\d:\d\d<', html)
    assert f'href="/ops/incidents/{benthanh_fire.pk}/"' in html
    assert 'id="queue-labels"' in page  # the live script's labels


def test_the_rows_alone_are_served_for_a_resync_after_reconnecting(
    client: Client, minh: User, saigon_fight: Incident
):
    client.force_login(minh)

    response = client.get(QUEUE, {"rows": "1"})

    page = response.content.decode()
    assert _queue_ids(page) == [saigon_fight.pk]
    assert "<html" not in page


def test_officers_without_an_incident_role_may_not_open_the_queue(client: Client, hcmc: Hcmc):
    thu = factories.officer(username="thu", unit_=hcmc.force, roles=["auditor"])
    client.force_login(thu)

    assert client.get(QUEUE).status_code == 403


def test_the_officers_home_tile_leads_to_the_queue(client: Client, minh: User):
    client.force_login(minh)

    page = client.get("/ops/").content.decode()

    assert 'href="/ops/incidents/" data-capability="incidents"' in page


# --- One incident ------------------------------------------------------------------------------


def test_the_detail_shows_the_reporters_contact_and_audits_the_read(
    client: Client, minh: User, saigon_fight: Incident
):
    client.force_login(minh)

    response = client.get(f"{QUEUE}{saigon_fight.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Trương Thị Lan" in page
    assert 'href="tel:+84901234567"' in page
    entry = AuditEntry.objects.filter(action="incident.read").get()
    assert entry.actor_username == "minh"
    assert entry.object_id == str(saigon_fight.pk)


def test_an_incident_out_of_scope_is_not_found(client: Client, khoa: User, benthanh_fire: Incident):
    client.force_login(khoa)

    assert client.get(f"{QUEUE}{benthanh_fire.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="incident.read").exists()


def test_acknowledging_changes_the_status_and_is_audited(
    client: Client, minh: User, saigon_fight: Incident
):
    client.force_login(minh)

    response = client.post(f"{QUEUE}{saigon_fight.pk}/acknowledge/", follow=True)

    saigon_fight.refresh_from_db()
    assert saigon_fight.status == Incident.Status.ACKNOWLEDGED
    assert response.redirect_chain == [(f"{QUEUE}{saigon_fight.pk}/", 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert AuditEntry.objects.filter(action="incident.acknowledge", actor_username="minh").exists()


def test_a_priority_change_needs_a_reason(client: Client, minh: User, saigon_fight: Incident):
    client.force_login(minh)

    refused = client.post(f"{QUEUE}{saigon_fight.pk}/priority/", {"priority": "1"}, follow=True)
    saigon_fight.refresh_from_db()
    assert saigon_fight.priority == 2
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]

    client.post(
        f"{QUEUE}{saigon_fight.pk}/priority/", {"priority": "1", "reason": "Có dao"}, follow=True
    )
    saigon_fight.refresh_from_db()
    assert saigon_fight.priority == 1
    entry = AuditEntry.objects.get(action="incident.priority")
    assert entry.detail == {"before": 2, "after": 1, "reason": "Có dao"}


def test_merging_moves_the_reports_and_opens_the_target(
    client: Client, minh: User, saigon_fight: Incident, hcmc: Hcmc
):
    other = _report(hcmc, BEN_THANH).incident
    client.force_login(minh)

    response = client.post(f"{QUEUE}{other.pk}/merge/", {"target_id": saigon_fight.pk})

    other.refresh_from_db()
    assert response["Location"] == f"{QUEUE}{saigon_fight.pk}/"
    assert other.status == Incident.Status.MERGED
    assert Report.objects.filter(incident=saigon_fight).count() == 2
    assert AuditEntry.objects.filter(action="incident.merge").exists()


def test_merging_into_an_incident_out_of_scope_or_itself_is_refused_with_a_message(
    client: Client, khoa: User, saigon_fight: Incident, benthanh_fire: Incident
):
    client.force_login(khoa)

    for target in (benthanh_fire.pk, saigon_fight.pk):
        response = client.post(
            f"{QUEUE}{saigon_fight.pk}/merge/", {"target_id": target}, follow=True
        )
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    saigon_fight.refresh_from_db()
    assert saigon_fight.status == Incident.Status.NEW


def test_unlinking_gives_a_report_its_own_incident(
    client: Client, minh: User, saigon_fight: Incident, hcmc: Hcmc
):
    joined = _report(hcmc, SAI_GON)
    assert joined.incident_id == saigon_fight.pk
    client.force_login(minh)

    client.post(f"{QUEUE}{saigon_fight.pk}/reports/{joined.pk}/unlink/")

    joined.refresh_from_db()
    assert joined.incident_id != saigon_fight.pk
    assert AuditEntry.objects.filter(action="report.unlink").exists()


def test_closing_with_an_outcome_ends_the_incident(
    client: Client, minh: User, saigon_fight: Incident
):
    client.force_login(minh)

    client.post(f"{QUEUE}{saigon_fight.pk}/close/", {"status": "closed", "outcome": "Đã giải tán"})

    saigon_fight.refresh_from_db()
    assert saigon_fight.status == Incident.Status.CLOSED
    assert saigon_fight.outcome == "Đã giải tán"
    assert saigon_fight.pk not in _queue_ids(client.get(QUEUE).content.decode())


def test_closing_twice_answers_with_a_message_not_an_error_page(
    client: Client, minh: User, saigon_fight: Incident
):
    client.force_login(minh)
    data = {"status": "closed", "outcome": "Xong"}
    client.post(f"{QUEUE}{saigon_fight.pk}/close/", data, follow=True)

    response = client.post(f"{QUEUE}{saigon_fight.pk}/close/", data, follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_patrol_officer_reads_the_incident_but_may_not_act_on_it(
    client: Client, hung: User, saigon_fight: Incident
):
    client.force_login(hung)

    page = client.get(f"{QUEUE}{saigon_fight.pk}/").content.decode()
    assert "/acknowledge/" not in page

    assert client.post(f"{QUEUE}{saigon_fight.pk}/acknowledge/").status_code == 403
    saigon_fight.refresh_from_db()
    assert saigon_fight.status == Incident.Status.NEW


# --- Reporters' photos ----------------------------------------------------------------------------


@pytest.fixture
def photo(saigon_fight: Incident) -> Any:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(out, format="JPEG")
    report = saigon_fight.reports.get()
    return media.report_media_add(report=report, content=out.getvalue())


def test_an_officer_in_scope_sees_the_photo_and_the_read_is_audited(
    client: Client, khoa: User, photo: Any
):
    client.force_login(khoa)

    response = client.get(f"{QUEUE}media/{photo.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="report.media_read", actor_username="khoa").exists()


def test_the_detail_page_shows_the_photo_through_the_checked_view(
    client: Client, minh: User, photo: Any, saigon_fight: Incident
):
    client.force_login(minh)

    page = client.get(f"{QUEUE}{saigon_fight.pk}/").content.decode()

    assert f'src="{QUEUE}media/{photo.pk}/"' in page


def test_an_officer_out_of_scope_may_not_see_the_photo(client: Client, hcmc: Hcmc, photo: Any):
    other = factories.officer(username="vy", unit_=hcmc.station(BEN_THANH), roles=["dispatcher"])
    client.force_login(other)

    assert client.get(f"{QUEUE}media/{photo.pk}/").status_code == 404


def test_anonymous_visitors_may_not_see_the_photo(client: Client, photo: Any):
    response = client.get(f"{QUEUE}media/{photo.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
