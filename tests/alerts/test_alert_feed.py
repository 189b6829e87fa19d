"""The Atom feed at /alerts/feed.atom lists the CAP messages in force, each entry linking to
its XML: never an expired, superseded or cancelled warning, nor a draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from safecity.accounts.models import User
from safecity.alerts import services
from safecity.alerts.models import Alert
from tests.alerts.conftest import assert_valid_cap, content, publish

pytestmark = pytest.mark.usefixtures("wards")
ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client: Client) -> list[etree._Element]:
    response = client.get("/alerts/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_it_lists_only_warnings_in_force(client: Client, ngoc: User, thang: User):
    """GIVEN one warning in force, one expired, and one draft
    THEN the feed has exactly the one in force."""
    in_force = publish(ngoc, thang, headline_vi="Đang có hiệu lực")
    expired = publish(ngoc, thang, headline_vi="Đã hết hạn")
    Alert.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(minutes=1))
    services.alert_draft_create(actor=ngoc, content=content(headline_vi="Bản nháp"))

    entries = _entries(client)

    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Đang có hiệu lực"]
    link = entries[0].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"http://testserver/alerts/{in_force.identifier}.xml"
    assert link.get("type") == "application/cap+xml"
    assert link.get("rel") == "alternate"
    assert entries[0].findtext(f"{ATOM}id") == link.get("href")


def test_it_links_each_entry_to_a_valid_cap_message(client: Client, ngoc: User, thang: User):
    for n in range(3):
        publish(ngoc, thang, headline_vi=f"Cảnh báo số {n}")

    entries = _entries(client)

    assert len(entries) == 3
    for entry in entries:
        href = entry.find(f"{ATOM}link").get("href")  # type: ignore[union-attr]
        response = client.get(href.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert_valid_cap(response.content)


def test_it_is_a_valid_empty_feed_when_nothing_is_in_force(client: Client):
    assert _entries(client) == []


def test_it_drops_a_warning_the_moment_it_expires(client: Client, ngoc: User, thang: User):
    alert = publish(ngoc, thang)
    assert len(_entries(client)) == 1

    Alert.objects.filter(pk=alert.pk).update(expires=timezone.now())

    assert _entries(client) == []
