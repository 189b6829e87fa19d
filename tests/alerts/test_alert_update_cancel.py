"""A published warning never changes: an Update or a Cancel is a new message, approved like
any other, whose `references` name the earlier message(s) as "sender,identifier,sent". Once
it is published the earlier warning is superseded or cancelled and leaves the feed."""

from __future__ import annotations

import pytest
from django.test import Client
from lxml import etree

from safecity.accounts.models import User
from safecity.alerts import cap, services
from safecity.alerts.models import Alert
from safecity.core.errors import Conflict
from tests.alerts.conftest import BEN_THANH, NS, SAI_GON, assert_valid_cap, content
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")


def _approve_and_publish(draft: Alert, author: User, approver: User) -> Alert:
    services.alert_approve(actor=approver, alert=draft)
    return services.alert_publish(actor=author, alert=draft)


def _feed_links(client: Client) -> list[str]:
    root = etree.fromstring(client.get("/alerts/feed.atom").content)
    return [
        link.get("href", "")
        for link in root.iterfind(
            "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}link"
        )
    ]


def _reference(alert: Alert) -> str:
    return f"{alert.sender},{alert.identifier},{cap.cap_time(alert.sent)}"  # type: ignore[arg-type]


def test_it_publishes_an_update_that_references_and_supersedes_the_earlier_warning(
    client: Client, published: Alert, ngoc: User, thang: User
):
    """GIVEN a published flooding warning for Phường Sài Gòn
    WHEN Ngọc writes an Update that adds Phường Bến Thành, Thắng approves it and it is published
    THEN the Update's CAP message references the first, the first is superseded, and only the
    Update is in the feed."""
    draft = services.alert_update_draft(
        actor=ngoc,
        alert=published,
        content=content(headline_vi="Nước đã lên: ngập 30 cm", ward_codes=(SAI_GON, BEN_THANH)),
    )
    update = _approve_and_publish(draft, ngoc, thang)

    root = assert_valid_cap(update.xml)
    assert root.findtext("cap:msgType", namespaces=NS) == "Update"
    assert root.findtext("cap:references", namespaces=NS) == _reference(published)
    published.refresh_from_db()
    assert published.status == Alert.Status.SUPERSEDED
    assert published.ended_at == update.sent
    assert [link.rsplit("/", 1)[1] for link in _feed_links(client)] == [f"{update.identifier}.xml"]


def test_it_cancels_a_warning_with_a_new_message_referencing_the_whole_chain(
    client: Client, published: Alert, ngoc: User, thang: User
):
    update = _approve_and_publish(
        services.alert_update_draft(actor=ngoc, alert=published, content=content()), ngoc, thang
    )
    draft = services.alert_cancel_draft(
        actor=ngoc, alert=update, reason="Triều đã rút, các tuyến đường đã khô ráo."
    )
    cancel = _approve_and_publish(draft, ngoc, thang)

    root = assert_valid_cap(cancel.xml)
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert root.findtext("cap:references", namespaces=NS) == (
        f"{_reference(published)} {_reference(update)}"
    )
    assert root.findtext("cap:note", namespaces=NS) == "Triều đã rút, các tuyến đường đã khô ráo."
    infos = root.findall("cap:info", NS)
    assert {i.findtext("cap:responseType", namespaces=NS) for i in infos} == {"AllClear"}
    update.refresh_from_db()
    assert update.status == Alert.Status.CANCELLED
    # The Cancel message itself stays in the CAP feed so aggregators learn of it.
    links = _feed_links(client)
    assert [link.rsplit("/", 1)[1] for link in links] == [f"{cancel.identifier}.xml"]
    # Citizens' list no longer shows the warning.
    assert update.identifier not in client.get("/alerts/").content.decode()


def test_it_keeps_every_message_of_the_chain_xsd_valid_and_served(
    client: Client, published: Alert, ngoc: User, thang: User
):
    update = _approve_and_publish(
        services.alert_update_draft(actor=ngoc, alert=published, content=content()), ngoc, thang
    )
    cancel = _approve_and_publish(
        services.alert_cancel_draft(actor=ngoc, alert=update, reason="Hết nguy cơ."), ngoc, thang
    )

    for message in (published, update, cancel):
        response = client.get(f"/alerts/{message.identifier}.xml")
        assert response.status_code == 200
        assert_valid_cap(response.content)


def test_it_refuses_to_update_a_warning_already_superseded(
    published: Alert, ngoc: User, thang: User
):
    _approve_and_publish(
        services.alert_update_draft(actor=ngoc, alert=published, content=content()), ngoc, thang
    )
    published.refresh_from_db()

    with pytest.raises(Conflict):
        services.alert_update_draft(actor=ngoc, alert=published, content=content())


def test_it_refuses_a_second_update_drafted_against_the_same_warning(
    published: Alert, ngoc: User, thang: User
):
    """Two updates drafted in parallel: whichever is published second finds the warning
    already superseded and is refused, so a chain never forks."""
    first = services.alert_update_draft(actor=ngoc, alert=published, content=content())
    second = services.alert_update_draft(actor=ngoc, alert=published, content=content())
    _approve_and_publish(first, ngoc, thang)
    services.alert_approve(actor=thang, alert=second)

    with pytest.raises(Conflict):
        services.alert_publish(actor=ngoc, alert=second)

    second.refresh_from_db()
    assert second.status == Alert.Status.APPROVED


def test_it_updates_and_cancels_through_the_api(
    client: Client, published: Alert, ngoc: User, thang: User
):
    payload = {
        "category": "Met",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "event_vi": "Ngập đường",
        "headline_vi": "Ngập 40 cm tại trung tâm",
        "description_vi": "Nước ngập sâu, xe máy chết máy nhiều.",
        "expires": (published.expires).isoformat(),
        "area": {"ward_codes": [SAI_GON]},
    }
    update = client.post(
        f"/api/v1/alerts/{published.pk}/update",
        data=payload,
        content_type="application/json",
        **bearer(client, ngoc),
    )
    assert update.status_code == 201
    assert (update.json()["msg_type"], update.json()["status"]) == ("Update", "draft")
    assert update.json()["replaces"] == published.identifier

    cancel = client.post(
        f"/api/v1/alerts/{published.pk}/cancel",
        data={"reason_vi": "Báo nhầm."},
        content_type="application/json",
        **bearer(client, ngoc),
    )
    assert cancel.status_code == 201
    body = cancel.json()
    assert (body["msg_type"], body["response_type"], body["description_vi"]) == (
        "Cancel",
        "AllClear",
        "Báo nhầm.",
    )
    assert body["headline_vi"].startswith("Đã hủy: ")
    assert body["headline_en"].startswith("Cancelled: ")


def test_it_refuses_a_cancel_without_a_reason(client: Client, published: Alert, ngoc: User):
    response = client.post(
        f"/api/v1/alerts/{published.pk}/cancel",
        data={"reason_vi": ""},
        content_type="application/json",
        **bearer(client, ngoc),
    )

    assert response.status_code == 422
    assert "reason_vi" in response.json()["error"]["fields"]
