"""The public warning pages: the warnings in force as a list (readable without JavaScript)
and on a map, one warning's page, in Vietnamese unless the reader chose English."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from safecity.accounts.models import User
from safecity.alerts import services
from safecity.alerts.models import Alert
from tests.alerts.conftest import BEN_THANH, SAI_GON, content, publish

pytestmark = pytest.mark.usefixtures("wards")


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]*)"', page)
    assert match
    return match.group(1)


def _map_items(page: str) -> list[dict[str, object]]:
    match = re.search(r'<script id="alerts-map-data" type="application/json">(.*?)</script>', page)
    assert match, "no map data on the page"
    return json.loads(match.group(1))


def _english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/alerts/"})


def test_it_lists_the_warnings_in_force_in_vietnamese(client: Client, ngoc: User, thang: User):
    alert = publish(ngoc, thang, ward_codes=(SAI_GON, BEN_THANH))

    response = client.get("/alerts/")

    assert response.status_code == 200
    page = response.content.decode()
    assert _html_lang(page) == "vi"
    assert "Triều cường dâng cao, nguy cơ ngập khu trung tâm" in page
    assert "High tide" not in page
    assert "Phường Bến Thành, Phường Sài Gòn" in page
    assert f'href="/alerts/{alert.identifier}/"' in page
    with translation.override("vi"):
        emergency = gettext("Emergency? Call")  # the bar every page carries
    assert emergency != "Emergency? Call"
    assert emergency in page


def test_it_shows_the_english_text_to_a_reader_who_chose_english(
    client: Client, ngoc: User, thang: User
):
    publish(ngoc, thang)
    _english(client)

    page = client.get("/alerts/").content.decode()

    assert _html_lang(page) == "en"
    assert "High tide: central streets may flood" in page


def test_it_falls_back_to_vietnamese_when_a_warning_has_no_english(
    client: Client, ngoc: User, thang: User
):
    publish(ngoc, thang, event_en="", headline_en="", description_en="", instruction_en="")
    _english(client)

    assert "Triều cường dâng cao" in client.get("/alerts/").content.decode()


def test_it_reads_as_a_list_without_javascript(client: Client, ngoc: User, thang: User):
    """The list is server-rendered; the map element is hidden until the script shows it."""
    publish(ngoc, thang)

    page = client.get("/alerts/").content.decode()

    items = re.findall(r'<li class="alert-card[^"]*"', page)
    assert len(items) == 1
    assert re.search(r'<div id="alerts-map"[^>]* hidden>', page)
    assert page.index('class="alert-list"') < page.index('id="alerts-map"')  # list first


def test_it_puts_each_warning_area_on_the_map(client: Client, ngoc: User, thang: User):
    circle = {"lat": 10.7381, "lon": 106.7035, "radius_km": 1.0}
    ward_alert = publish(ngoc, thang, ward_codes=(SAI_GON,), severity="Severe")
    circle_alert = publish(ngoc, thang, ward_codes=(), circles=(circle,), severity="Minor")

    items = _map_items(client.get("/alerts/").content.decode())

    assert [(i["identifier"], i["severity"]) for i in items] == [
        (ward_alert.identifier, "Severe"),  # most severe first
        (circle_alert.identifier, "Minor"),
    ]
    assert items[0]["ward_codes"] == [SAI_GON]
    assert items[1]["circles"] == [circle]
    assert items[1]["url"] == f"/alerts/{circle_alert.identifier}/"


def test_it_leaves_out_expired_superseded_and_draft_warnings(
    client: Client, ngoc: User, thang: User
):
    expired = publish(ngoc, thang, headline_vi="Cảnh báo đã hết hạn")
    Alert.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(seconds=1))
    old = publish(ngoc, thang, headline_vi="Bản cũ")
    update = services.alert_update_draft(
        actor=ngoc, alert=old, content=content(headline_vi="Bản mới")
    )
    services.alert_approve(actor=thang, alert=update)
    services.alert_publish(actor=ngoc, alert=update)
    services.alert_draft_create(actor=ngoc, content=content(headline_vi="Bản nháp chưa duyệt"))

    page = client.get("/alerts/").content.decode()

    assert "Bản mới" in page
    for hidden in ("Cảnh báo đã hết hạn", "Bản cũ", "Bản nháp chưa duyệt"):
        assert hidden not in page


def test_it_says_so_when_nothing_is_in_force(client: Client):
    page = client.get("/alerts/").content.decode()

    assert 'data-testid="no-alerts"' in page
    assert 'id="alerts-map"' not in page


def test_it_shows_one_warning_with_what_to_do(client: Client, ngoc: User, thang: User):
    alert = publish(ngoc, thang)

    response = client.get(f"/alerts/{alert.identifier}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert _html_lang(page) == "vi"
    assert "<h1>Triều cường dâng cao, nguy cơ ngập khu trung tâm</h1>" in page
    assert "Hạn chế đi qua đường trũng" in page
    assert f'href="/alerts/{alert.identifier}.xml"' in page
    assert _map_items(page)[0]["ward_codes"] == [SAI_GON]


def test_it_points_a_superseded_warning_to_its_update(client: Client, ngoc: User, thang: User):
    old = publish(ngoc, thang)
    draft = services.alert_update_draft(actor=ngoc, alert=old, content=content())
    services.alert_approve(actor=thang, alert=draft)
    new = services.alert_publish(actor=ngoc, alert=draft)

    page = client.get(f"/alerts/{old.identifier}/").content.decode()

    assert f'href="/alerts/{new.identifier}/"' in page


def test_it_does_not_show_a_draft(client: Client, ngoc: User):
    draft = services.alert_draft_create(actor=ngoc, content=content())

    assert client.get(f"/alerts/{draft.pk}/").status_code == 404
    assert client.get("/alerts/vn.gov.ca.hcm.safecity.2026.000999/").status_code == 404
