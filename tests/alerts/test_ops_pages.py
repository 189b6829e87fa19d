"""The officers' warning pages: who may open them, composing a draft with wards only (no
JavaScript) or with drawn shapes, and the approve / publish / update / cancel buttons each
officer is offered — and refused when they press one they may not."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import User
from safecity.alerts import services
from safecity.alerts.models import Alert
from tests.alerts.conftest import BEN_THANH, SAI_GON, content

pytestmark = pytest.mark.usefixtures("wards")


def _form(**changes: object) -> dict[str, object]:
    expires = timezone.localtime() + timedelta(hours=8)
    data: dict[str, object] = {
        "category": "Fire",
        "event_vi": "Cháy lớn",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "response_type": "Shelter",
        "headline_vi": "Cháy kho hàng, khói lan rộng",
        "description_vi": "Khói dày trong bán kính 1 km.",
        "instruction_vi": "Đóng cửa sổ, ở trong nhà.",
        "expires": expires.strftime("%Y-%m-%dT%H:%M"),
        "wards": [str(SAI_GON), str(BEN_THANH)],
        "shapes": "",
    }
    data.update(changes)
    return data


def _actions(page: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z]+)"', page))


def test_it_sends_an_anonymous_visitor_to_log_in(client: Client):
    response = client.get("/ops/alerts/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/ops/alerts/"


@pytest.mark.parametrize("path", ["/ops/alerts/", "/ops/alerts/new/", "/ops/alerts/articles/"])
def test_it_refuses_a_dispatcher(client: Client, minh: User, path: str):
    client.force_login(minh)

    assert client.get(path).status_code == 403


def test_it_refuses_a_citizen(client: Client, lan: User):
    client.force_login(lan)

    assert client.get("/ops/alerts/").status_code == 403


def test_it_opens_the_list_from_the_officers_home_tile(client: Client, ngoc: User):
    client.force_login(ngoc)

    home = client.get("/ops/").content.decode()

    assert 'href="/ops/alerts/" data-capability="alerts"' in home
    assert client.get("/ops/alerts/").status_code == 200


def test_it_composes_a_draft_with_wards_only_as_without_javascript(client: Client, ngoc: User):
    client.force_login(ngoc)
    page = client.get("/ops/alerts/new/").content.decode()
    assert '<select name="wards"' in page
    assert 'id="compose-map"' in page and "leaflet.draw.js" in page

    response = client.post("/ops/alerts/new/", _form())

    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ops/alerts/{alert.pk}/"
    assert (alert.status, alert.author, alert.headline_vi) == (
        Alert.Status.DRAFT,
        ngoc,
        "Cháy kho hàng, khói lan rộng",
    )
    assert sorted(alert.wards.values_list("code", flat=True)) == [SAI_GON, BEN_THANH]
    assert (alert.circles, alert.polygons) == ([], [])


def test_it_composes_a_draft_with_shapes_drawn_on_the_map(client: Client, ngoc: User):
    shapes = {
        "circles": [{"lat": 10.7381, "lon": 106.7035, "radius_km": 1}],
        "polygons": [[[10.77, 106.70], [10.78, 106.71], [10.76, 106.71]]],
    }
    client.force_login(ngoc)

    client.post("/ops/alerts/new/", _form(wards=[], shapes=json.dumps(shapes)))

    alert = Alert.objects.get()
    assert alert.circles == [{"lat": 10.7381, "lon": 106.7035, "radius_km": 1.0}]
    assert alert.polygons == [[[10.77, 106.7], [10.78, 106.71], [10.76, 106.71]]]


@pytest.mark.parametrize(
    ("changes", "message_field"),
    [
        ({"wards": [], "shapes": ""}, "wards"),
        ({"shapes": "{not json"}, "shapes"),
        ({"shapes": '{"circles": [{"lat": NaN, "lon": 106.7, "radius_km": 1}]}'}, "shapes"),
        ({"expires": "2001-01-01T00:00"}, "expires"),
        ({"headline_en": "Fire"}, "event_en"),
    ],
)
def test_it_shows_errors_on_the_compose_form(
    client: Client, ngoc: User, changes: dict[str, object], message_field: str
):
    client.force_login(ngoc)

    response = client.post("/ops/alerts/new/", _form(**changes))

    assert response.status_code == 422
    assert message_field in response.context["form"].errors
    assert not Alert.objects.exists()


def test_it_offers_the_author_no_approve_button_and_refuses_her_press(client: Client, ngoc: User):
    draft = services.alert_draft_create(actor=ngoc, content=content())
    client.force_login(ngoc)

    page = client.get(f"/ops/alerts/{draft.pk}/").content.decode()
    pressed = client.post(f"/ops/alerts/{draft.pk}/approve/")

    assert _actions(page) == set()
    assert '<pre class="xml">' in page  # the CAP message it would make, to check before
    assert pressed.status_code == 403
    assert 'data-testid="action-error"' in pressed.content.decode()
    draft.refresh_from_db()
    assert draft.status == Alert.Status.DRAFT


def test_it_walks_a_warning_from_draft_to_published_through_the_pages(
    client: Client, ngoc: User, thang: User
):
    """GIVEN Ngọc's draft
    WHEN Thắng approves it on its page and Ngọc publishes it on hers
    THEN it is published, and Ngọc is offered Update and Cancel."""
    draft = services.alert_draft_create(actor=ngoc, content=content())
    client.force_login(thang)
    assert _actions(client.get(f"/ops/alerts/{draft.pk}/").content.decode()) == {"approve"}
    assert client.post(f"/ops/alerts/{draft.pk}/approve/").status_code == 302

    client.force_login(ngoc)
    assert _actions(client.get(f"/ops/alerts/{draft.pk}/").content.decode()) == {"publish"}
    assert client.post(f"/ops/alerts/{draft.pk}/publish/").status_code == 302

    draft.refresh_from_db()
    assert draft.status == Alert.Status.PUBLISHED
    assert draft.web == f"http://testserver/alerts/{draft.identifier}/"
    page = client.get(f"/ops/alerts/{draft.pk}/").content.decode()
    assert _actions(page) == {"update", "cancel"}
    assert 'data-testid="deliveries"' in page


def test_it_refuses_the_commander_the_publish_button(client: Client, ngoc: User, thang: User):
    draft = services.alert_draft_create(actor=ngoc, content=content())
    services.alert_approve(actor=thang, alert=draft)
    client.force_login(thang)

    assert client.post(f"/ops/alerts/{draft.pk}/publish/").status_code == 403


def test_it_starts_an_update_from_the_published_content(client: Client, published: Alert, ngoc):
    client.force_login(ngoc)

    form_page = client.get(f"/ops/alerts/{published.pk}/update/")
    assert form_page.context["form"].initial["headline_vi"] == published.headline_vi
    response = client.post(
        f"/ops/alerts/{published.pk}/update/", _form(headline_vi="Cập nhật: cháy đã khống chế")
    )

    update = Alert.objects.get(msg_type=Alert.MsgType.UPDATE)
    assert response["Location"] == f"/ops/alerts/{update.pk}/"
    assert (update.replaces, update.status) == (published, Alert.Status.DRAFT)


def test_it_cancels_from_the_page(client: Client, published: Alert, ngoc: User):
    client.force_login(ngoc)

    response = client.post(f"/ops/alerts/{published.pk}/cancel/", {"reason_vi": "Báo nhầm."})

    cancel = Alert.objects.get(msg_type=Alert.MsgType.CANCEL)
    assert response["Location"] == f"/ops/alerts/{cancel.pk}/"
    assert (cancel.replaces, cancel.description_vi) == (published, "Báo nhầm.")


def test_it_refuses_to_update_a_draft(client: Client, ngoc: User):
    draft = services.alert_draft_create(actor=ngoc, content=content())
    client.force_login(ngoc)

    assert client.get(f"/ops/alerts/{draft.pk}/update/").status_code == 409


def test_it_lists_drafts_waiting_for_the_approver(client: Client, ngoc: User, thang: User):
    services.alert_draft_create(actor=ngoc, content=content(headline_vi="Chờ duyệt"))
    client.force_login(thang)

    page = client.get("/ops/alerts/").content.decode()

    assert "Chờ duyệt" in page
    assert 'data-testid="to-approve"' in page
