"""Citizens subscribe to warnings for their wards by SMS and/or e-mail, on the page or through
the public API, without an account. Bad input is a 422 naming the fields; sign-ups are limited
per client address and per phone number (429 with Retry-After); a token link unsubscribes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.alerts.models import Subscription
from safecity.core.models import AuditEntry
from safecity.geography.models import Ward
from tests.alerts.conftest import BEN_THANH, SAI_GON

pytestmark = pytest.mark.usefixtures("wards")
URL = "/api/v1/alerts/subscriptions"


def _post(client: Client, body: Any, **extra: Any) -> Any:
    return client.post(URL, data=body, content_type="application/json", **extra)


def test_it_subscribes_a_phone_to_two_wards(client: Client):
    response = _post(client, {"phone": "090 123 4567", "ward_codes": [SAI_GON, BEN_THANH]})

    assert response.status_code == 201
    body = response.json()
    assert (body["phone"], body["email"], body["ward_codes"], body["language"]) == (
        "+84901234567",
        "",
        [SAI_GON, BEN_THANH],
        "vi",
    )
    subscription = Subscription.objects.get()
    assert body["unsubscribe_url"] == f"http://testserver/alerts/unsubscribe/{subscription.token}/"
    entry = AuditEntry.objects.get(action="alert_subscription.create")
    assert entry.detail == {"wards": 2, "sms": True, "email": False}


def test_it_subscribes_an_email_in_english(client: Client):
    response = _post(client, {"email": "Lan@Example.VN", "ward_codes": [SAI_GON], "language": "en"})

    assert response.status_code == 201
    assert (response.json()["email"], response.json()["language"]) == ("lan@example.vn", "en")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"ward_codes": [SAI_GON]}, {"phone"}),
        ({"phone": "12345", "ward_codes": [SAI_GON]}, {"phone"}),
        ({"phone": "02838123456", "ward_codes": [SAI_GON]}, {"phone"}),  # a landline: no SMS
        ({"email": "not-an-address", "ward_codes": [SAI_GON]}, {"email"}),
        ({"phone": "0901234567", "ward_codes": []}, {"ward_codes"}),
        ({"phone": "0901234567", "ward_codes": [1]}, {"ward_codes"}),
        ({"phone": "0901234567", "ward_codes": list(range(1, 60))}, {"ward_codes"}),
        ({"phone": "0901234567", "ward_codes": [SAI_GON], "language": "fr"}, {"language"}),
        ({"phone": "0901234567", "ward_codes": [10**20]}, {"ward_codes.0"}),
        ({"phone": "0" * 5000, "ward_codes": [SAI_GON]}, {"phone"}),
        ({"phone": "0901\u0007234567", "ward_codes": [SAI_GON]}, {"phone"}),
        ({"phone": "0901234567", "ward_codes": "26740"}, {"ward_codes"}),
    ],
)
def test_it_refuses_bad_input_naming_the_fields(
    client: Client, body: dict[str, Any], fields: set[str]
):
    response = _post(client, body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert not Subscription.objects.exists()


def test_it_refuses_a_nul_character(client: Client):
    response = _post(client, '{"phone": "0901\\u0000234567", "ward_codes": [26740]}')

    assert response.status_code == 422


def test_it_refuses_a_body_that_is_not_json(client: Client):
    response = client.post(URL, data="phone=0901234567", content_type="text/plain")

    assert 400 <= response.status_code < 500


def test_it_limits_sign_ups_per_phone_number(client: Client):
    """Nobody may flood one stranger's phone with sign-ups, whatever the spelling."""
    for spelling in ("0901234567", "+84901234567", "090 123 4567"):
        assert _post(client, {"phone": spelling, "ward_codes": [SAI_GON]}).status_code == 201

    response = _post(client, {"phone": "0901-234-567", "ward_codes": [BEN_THANH]})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Subscription.objects.count() == 3


def test_it_limits_sign_ups_per_client_address(client: Client):
    for n in range(20):
        phone = f"09012345{n:02d}"
        assert _post(client, {"phone": phone, "ward_codes": [SAI_GON]}).status_code == 201

    response = _post(client, {"phone": "0907777777", "ward_codes": [SAI_GON]})
    other_address = _post(
        client, {"phone": "0907777777", "ward_codes": [SAI_GON]}, REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert other_address.status_code == 201


def test_it_subscribes_on_the_page_without_javascript(client: Client, wards: dict[int, Ward]):
    page = client.get("/alerts/subscribe/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="wards"' in html and f'value="{SAI_GON}"' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]

    response = client.post(
        "/alerts/subscribe/", {"phone": "0901234567", "wards": [str(SAI_GON), str(BEN_THANH)]}
    )

    assert response.status_code == 201
    subscription = Subscription.objects.get()
    assert subscription.phone == "+84901234567"
    assert f"/alerts/unsubscribe/{subscription.token}/" in response.content.decode()


def test_it_shows_form_errors_on_the_page(client: Client):
    response = client.post("/alerts/subscribe/", {"phone": "12345", "wards": [str(SAI_GON)]})

    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not Subscription.objects.exists()


def test_it_limits_the_page_too(client: Client):
    for _ in range(3):
        client.post("/alerts/subscribe/", {"phone": "0901234567", "wards": [str(SAI_GON)]})

    response = client.post("/alerts/subscribe/", {"phone": "0901234567", "wards": [str(SAI_GON)]})

    assert response.status_code == 429
    assert response["Retry-After"]


def test_it_unsubscribes_by_the_token_link_only_on_confirmation(client: Client):
    """A mail scanner opening the link (GET) must not unsubscribe; the button (POST) does."""
    token = (
        _post(client, {"phone": "0901234567", "ward_codes": [SAI_GON]})
        .json()["unsubscribe_url"]
        .rsplit("/", 2)[1]
    )

    asked = client.get(f"/alerts/unsubscribe/{token}/")
    assert asked.status_code == 200
    assert Subscription.objects.get().is_active

    done = client.post(f"/alerts/unsubscribe/{token}/")
    assert done.status_code == 200
    assert 'data-testid="unsubscribed"' in done.content.decode()
    assert not Subscription.objects.get().is_active
    assert AuditEntry.objects.filter(action="alert_subscription.cancel").count() == 1
    assert client.post(f"/alerts/unsubscribe/{token}/").status_code == 200  # idempotent
    assert AuditEntry.objects.filter(action="alert_subscription.cancel").count() == 1


def test_it_says_when_an_unsubscribe_link_is_unknown(client: Client):
    response = client.post("/alerts/unsubscribe/not-a-token/")

    assert response.status_code == 404
