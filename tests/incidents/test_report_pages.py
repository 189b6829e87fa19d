"""The citizens' pages: report an emergency at /report/ (with or without JavaScript) and follow
it at /track/<code>/."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from safecity.accounts.models import User
from safecity.incidents import services
from safecity.incidents.models import Category, Channel, Report
from safecity.incidents.selectors import PUBLIC_STATUS
from tests import factories
from tests.incidents.conftest import Hcmc

SAI_GON = "Phường Sài Gòn"
BEN_THANH = "Phường Bến Thành"


def _form_key(page: str) -> str:
    match = re.search(r'name="form_key" value="([0-9a-f]{32})"', page)
    assert match, "no form key on the page"
    return match.group(1)


def _by_address(hcmc: Hcmc, **extra: Any) -> dict[str, Any]:
    return {
        "category": "fire",
        "address": "12 Lê Thánh Tôn",
        "ward_code": str(hcmc.ward(SAI_GON).code),
        "description": "Khói đen bốc ra từ tầng 3",
        "reporter_name": "Trương Thị Lan",
        "reporter_phone": "0901 234 567",
        "form_key": "a" * 32,
        **extra,
    }


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def minh_at_command(hcmc: Hcmc) -> User:
    """Minh, a dispatcher at the command centre."""
    return factories.officer(
        username="minh",
        unit_=hcmc.command_centre,
        roles=["dispatcher"],
        full_name="Nguyễn Văn Minh",
    )


# --- The form ---------------------------------------------------------------------------------


def test_it_draws_the_report_form_in_vietnamese_with_every_category_and_the_wards(
    client: Client, hcmc: Hcmc
):
    response = client.get("/report/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert 'enctype="multipart/form-data"' in page
    for category in Category:
        assert f'value="{category.value}"' in page
        with translation.override("vi"):
            assert str(category.label) in page
    assert f'<option value="{hcmc.ward(SAI_GON).code}">{SAI_GON}</option>' in page
    assert len(_form_key(page)) == 32
    assert "91/2025" in page  # the personal-data notice
    assert 'href="tel:113"' in page  # the call-first fallback stays visible


def test_each_drawing_of_the_form_gets_its_own_key(client: Client, hcmc: Hcmc):
    first = _form_key(client.get("/report/").content.decode())
    second = _form_key(client.get("/report/").content.decode())

    assert first != second


# --- Sending ------------------------------------------------------------------------------------


def test_it_takes_a_report_by_typed_address_and_ward_without_javascript(client: Client, hcmc: Hcmc):
    """GIVEN Lan's phone runs no JavaScript
    WHEN she types an address, picks the ward and sends the plain form
    THEN a report exists at the ward's point and she lands on its tracking page."""
    response = client.post("/report/", _by_address(hcmc))

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/track/{report.tracking_code}/"
    assert report.channel == Channel.WEB
    assert report.location_source == "address"
    assert report.ward_code == hcmc.ward(SAI_GON).code
    assert report.address == "12 Lê Thánh Tôn"
    assert report.reporter_phone == "+84901234567"
    tracking = client.get(response["Location"])
    assert tracking.status_code == 200
    assert report.tracking_code in tracking.content.decode()


def test_it_takes_a_report_with_a_map_pin(client: Client, hcmc: Hcmc):
    lat, lon = hcmc.point(BEN_THANH)

    response = client.post(
        "/report/",
        {
            "category": "traffic_accident",
            "lat": str(lat),
            "lon": str(lon),
            "location_source": "pin",
            "form_key": "b" * 32,
        },
    )

    report = Report.objects.get()
    assert response.status_code == 302
    assert report.location_source == "pin"
    assert report.ward_code == hcmc.ward(BEN_THANH).code
    assert report.reporter_name == report.reporter_phone == ""  # anonymous is fine


def test_sending_the_same_form_twice_makes_one_report(client: Client, hcmc: Hcmc):
    """GIVEN Lan taps "send" and, on a slow connection, taps it again
    WHEN both posts carry the form's key
    THEN one report exists and both answers lead to its tracking page."""
    first = client.post("/report/", _by_address(hcmc))
    second = client.post("/report/", _by_address(hcmc))

    assert Report.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_a_reused_key_with_other_content_asks_to_check_and_send_again(client: Client, hcmc: Hcmc):
    client.post("/report/", _by_address(hcmc))

    response = client.post("/report/", _by_address(hcmc, description="Một chuyện khác"))

    assert response.status_code == 409
    page = response.content.decode()
    assert "Một chuyện khác" in page
    assert _form_key(page) != "a" * 32  # a fresh key lets the corrected form through
    assert Report.objects.count() == 1


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong_per_field(
    client: Client, hcmc: Hcmc
):
    response = client.post(
        "/report/",
        {
            "description": "Có người bị kẹt trong thang máy",
            "address": "45 Nguyễn Huệ",
            "reporter_name": "Lan",
            "reporter_phone": "12",
            "form_key": "c" * 32,
        },
    )

    assert response.status_code == 422
    assert Report.objects.count() == 0
    form = response.context["form"]
    assert set(form.errors) == {"category", "ward_code", "reporter_phone"}
    page = response.content.decode()
    assert "Có người bị kẹt trong thang máy</textarea>" in page
    assert 'value="45 Nguyễn Huệ"' in page
    assert 'value="Lan"' in page
    assert 'value="12"' in page
    assert 'id="id_reporter_phone_error"' in page
    assert 'id="id_ward_code_error"' in page
    assert _form_key(page) == "c" * 32


def test_a_pin_outside_the_city_is_refused_and_the_form_kept(client: Client, hcmc: Hcmc):
    response = client.post(
        "/report/",
        {
            "category": "security",
            "lat": "21.0285",
            "lon": "105.8542",  # Hà Nội
            "description": "Đánh nhau",
            "form_key": "d" * 32,
        },
    )

    assert response.status_code == 422
    assert Report.objects.count() == 0
    assert "Đánh nhau</textarea>" in response.content.decode()
    assert response.context["form"].errors["address"]


def test_photos_are_attached_and_a_bad_file_never_loses_the_report(client: Client, hcmc: Hcmc):
    """GIVEN Lan attaches a photo and a file that is not an image
    WHEN she sends the report
    THEN the report and the photo are saved, and the tracking page says which file was not."""
    data = _by_address(hcmc)
    data["photos"] = [_upload("chay.png", _png()), _upload("notes.txt", b"not an image at all")]

    response = client.post("/report/", data, follow=True)

    report = Report.objects.get()
    assert response.redirect_chain == [(f"/track/{report.tracking_code}/", 302)]
    assert report.media.count() == 1
    page = response.content.decode()
    assert "notes.txt" in page
    assert 'class="warning"' in page


def test_the_public_report_is_rate_limited_per_address(client: Client, hcmc: Hcmc, settings: Any):
    settings.SAFECITY_REPORT_RATE_IP = "2/m"
    for n in range(2):
        client.post("/report/", _by_address(hcmc, form_key=f"{n}" * 32))

    response = client.post("/report/", _by_address(hcmc, form_key="e" * 32))

    assert response.status_code == 429
    assert "Khói đen bốc ra từ tầng 3" in response.content.decode()
    assert Report.objects.count() == 2


# --- Tracking ---------------------------------------------------------------------------------


def _report(hcmc: Hcmc, ward: str = SAI_GON, **extra: Any) -> Report:
    lat, lon = hcmc.point(ward)
    data = {"category": "security", "lat": lat, "lon": lon, **extra}
    return services.report_submit(data=services.ReportInput(**data), channel=Channel.WEB)


def test_the_tracking_page_shows_status_and_timeline_but_no_officer(
    client: Client, hcmc: Hcmc, minh_at_command: User
):
    report = _report(hcmc, reporter_name="Trương Thị Lan", reporter_phone="0901234567")
    services.incident_acknowledge(incident=report.incident, actor=minh_at_command)

    response = client.get(f"/track/{report.tracking_code}/")

    assert response.status_code == 200
    page = response.content.decode()
    with translation.override("vi"):
        handling = str(PUBLIC_STATUS["acknowledged"][1])
    assert handling in page
    assert page.count('<li data-event="') == 2  # received, then being handled
    assert f'data-api-url="/api/v1/reports/{report.tracking_code}"' in page
    for secret in ("Nguyễn Văn Minh", "minh", "Trương Thị Lan", "0901234567", "+84901234567"):
        assert secret not in page


def test_the_tracking_page_says_when_the_report_joined_an_incident_already_handled(
    client: Client, hcmc: Hcmc
):
    first = _report(hcmc)
    second = _report(hcmc)
    assert second.incident_id == first.incident_id

    joined = client.get(f"/track/{second.tracking_code}/").content.decode()
    alone = client.get(f"/track/{first.tracking_code}/").content.decode()

    assert re.search(r'id="track-joined"\s*>', joined)
    assert re.search(r'id="track-joined"\s+hidden>', alone)
    assert first.tracking_code not in joined  # nothing about the other report


def test_typing_a_code_leads_to_its_page(client: Client, hcmc: Hcmc):
    report = _report(hcmc)
    typed = f"{report.tracking_code[:4].lower()}-{report.tracking_code[4:].lower()}"

    response = client.get("/track/", {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == f"/track/{report.tracking_code}/"


def test_an_unknown_code_says_so_on_the_lookup_form(client: Client, hcmc: Hcmc):
    response = client.get("/track/ABCDEFGHJK/")

    assert response.status_code == 404
    assert response.context["form"].errors["code"]
    assert 'value="ABCDEFGHJK"' in response.content.decode()


def test_a_malformed_code_is_refused_before_any_lookup(client: Client, db: None):
    response = client.get("/track/", {"code": "???"})

    assert response.status_code == 422
    assert response.context["form"].errors["code"]
