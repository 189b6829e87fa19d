"""A public warning goes out only after a second officer approves it: the publisher Lan drafts
it in the officers' pages (wards from the list, a circle drawn on the map), cannot approve it
herself, the commander Thắng approves it in his own browser, Lan publishes it, and a citizen
finds it on the public page, in the Atom feed and as a CAP message."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils import timezone
from lxml import etree

from safecity.alerts import cap
from safecity.alerts.models import Alert

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

    from tests.browser.conftest import AsgiServer

DESK: ViewportSize = {"width": 1280, "height": 900}
WARDS = ("Phường Bến Thành", "Phường Cầu Ông Lãnh")
HEADLINE = "Giàn giáo công trình đổ ra đường Hàm Nghi: tránh khu vực"
ATOM = "{http://www.w3.org/2005/Atom}"
CAP = f"{{{cap.CAP_NS}}}"
# Around the city centre, where the compose map opens: where the drawn circle must be.
CENTRE_BOX = ((10.75, 10.80), (106.68, 106.72))


def _log_in(context: BrowserContext, base: str, username: str, to: str, errors: list[str]) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda error: errors.append(f"{username}: {error}"))
    page.goto(f"{base}/accounts/login/?next={to}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(settings.SAFECITY_DEMO_PASSWORD or "safecity-demo")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.url == f"{base}{to}", page.url
    return page


def _draw_circle(page: Page) -> None:
    """Leaflet.draw's circle tool: press in the middle of the map (the city centre at zoom 11,
    about 75 m a pixel), drag 15 px, release: a circle of about 1 km."""
    from playwright.sync_api import expect

    area = page.locator("#compose-map")
    area.locator(".leaflet-draw-draw-circle").click()
    expect(area.locator(".leaflet-draw-tooltip")).to_contain_text("Bấm và kéo để vẽ hình tròn")
    box = area.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y, steps=3)
    page.mouse.up()
    expect(page.locator("#id_shapes")).to_have_value(re.compile(r'"circles":\[\{"lat"'))


@pytest.mark.browser
def test_a_warning_reaches_the_public_only_after_a_second_officer_approves_it(
    asgi_server: AsgiServer, chromium: Browser, results_dir: Path
) -> None:
    """GIVEN the demo publisher Lan and the demo commander Thắng, each in their own browser
    WHEN Lan drafts a warning (two wards from the list and a circle on the map)
    THEN she has no approve button, and approving it anyway is refused
    WHEN Thắng opens the draft and approves it
    THEN it is still not on the public page
    WHEN Lan publishes it
    THEN a citizen sees it on /alerts/, in the Atom feed, and as CAP 1.2 with a +07:00 time."""
    from playwright.sync_api import expect

    base = asgi_server.url
    errors: list[str] = []

    lan_browser = chromium.new_context(viewport=DESK)
    lan = _log_in(lan_browser, base, "publisher", "/ops/alerts/", errors)
    with lan.expect_navigation():
        lan.locator("nav.subnav").get_by_role("link", name="Cảnh báo mới").click()
    expect(lan.locator("main h1")).to_have_text("Cảnh báo mới")
    lan.locator("#id_category").select_option("Safety")
    lan.locator("#id_event_vi").fill("Sập giàn giáo công trình")
    lan.locator("#id_urgency").select_option("Immediate")
    lan.locator("#id_severity").select_option("Severe")
    lan.locator("#id_certainty").select_option("Observed")
    lan.locator("#id_response_type").select_option("Avoid")
    lan.locator("#id_headline_vi").fill(HEADLINE)
    lan.locator("#id_description_vi").fill(
        "Giàn giáo của một công trình đang thi công đổ xuống lòng đường Hàm Nghi lúc 14 giờ; "
        "lực lượng cứu nạn đang làm việc tại hiện trường."
    )
    lan.locator("#id_instruction_vi").fill("Không đi vào khu vực; đi theo hướng dẫn của công an.")
    expires = timezone.localtime() + timedelta(hours=6)
    lan.locator("#id_expires").fill(expires.strftime("%Y-%m-%dT%H:%M"))
    # Choose the wards once their boundaries are on the map (a canvas): chosen before, the map
    # zooms to them when the boundaries arrive, and the zoom would run under the pen.
    expect(lan.locator("#compose-map .leaflet-overlay-pane canvas")).to_have_count(1)
    lan.locator("#id_wards").select_option(label=list(WARDS))
    _draw_circle(lan)
    lan.locator("#id_area_desc_vi").fill("Bán kính 1 km quanh công trình đường Hàm Nghi")
    lan.screenshot(path=results_dir / "alert-compose.png", full_page=True)
    token = lan.locator("form.compose input[name=csrfmiddlewaretoken]").input_value()
    with lan.expect_navigation():
        lan.get_by_role("button", name="Lưu bản nháp").click()

    found = re.fullmatch(rf"{re.escape(base)}/ops/alerts/(\d+)/", lan.url)
    assert found, lan.url
    alert_id = int(found[1])
    draft = Alert.objects.get(pk=alert_id)
    assert (draft.status, draft.author.username) == (Alert.Status.DRAFT, "publisher")
    # Exactly the wards from the list: the click that ends the circle did not toggle another.
    assert sorted(w.name for w in draft.wards.all()) == sorted(WARDS)
    assert len(draft.circles) == 1, draft.circles
    circle = draft.circles[0]
    (south, north), (west, east) = CENTRE_BOX
    assert south < circle["lat"] < north and west < circle["lon"] < east, circle
    assert 0.5 < circle["radius_km"] < 2, circle
    expect(lan.get_by_test_id("status")).to_have_text("Bản nháp")
    expect(lan.locator("[data-action=approve]")).to_have_count(0)
    expect(lan.locator("section.actions")).to_contain_text("Một cán bộ khác phải phê duyệt")

    # Without the button, a hand-made POST from her session is refused too.
    refused = lan.request.post(
        f"{base}/ops/alerts/{alert_id}/approve/", form={"csrfmiddlewaretoken": token}
    )
    assert refused.status == 403, refused.status
    assert "Đồng chí là người soạn cảnh báo này" in refused.text()
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Alert.Status.DRAFT, None)

    thang_browser = chromium.new_context(viewport=DESK)
    thang = _log_in(thang_browser, base, "commander", "/ops/alerts/", errors)
    expect(thang.get_by_test_id("to-approve")).to_be_visible()
    with thang.expect_navigation():
        thang.get_by_role("link", name=HEADLINE).click()
    assert thang.url == f"{base}/ops/alerts/{alert_id}/", thang.url
    expect(thang.locator("[data-action=publish]")).to_have_count(0)  # commanders do not publish
    with thang.expect_navigation():
        thang.get_by_role("button", name="Phê duyệt").click()
    expect(thang.get_by_test_id("status")).to_have_text("Đã duyệt, chưa phát hành")
    expect(thang.locator("dl.facts")).to_contain_text("Phạm Đức Thắng")
    expect(thang.locator("[data-action=publish]")).to_have_count(0)
    thang_browser.close()

    public = chromium.new_context(viewport=DESK)
    citizen = public.new_page()
    citizen.set_default_timeout(10_000)
    citizen.on("pageerror", lambda error: errors.append(f"public: {error}"))
    citizen.goto(f"{base}/alerts/")
    expect(citizen.locator("main h1")).to_have_text("Cảnh báo đang có hiệu lực")
    expect(citizen.get_by_text(HEADLINE)).to_have_count(0)  # approved is not yet public

    # The commander approves but does not publish (no accounts.publish_alerts): Lan does.
    lan.reload()
    with lan.expect_navigation():
        lan.get_by_role("button", name="Phát hành ngay").click()
    expect(lan.get_by_test_id("status")).to_have_text("Đã phát hành")
    draft.refresh_from_db()
    identifier = draft.identifier
    assert draft.status == Alert.Status.PUBLISHED and identifier, (draft.status, identifier)
    expect(lan.locator("dl.facts code")).to_have_text(identifier)
    lan_browser.close()

    citizen.reload()
    card = citizen.locator(f'[data-testid=alert-list] li[data-identifier="{identifier}"]')
    expect(card.locator("h2")).to_have_text(HEADLINE)
    for name in WARDS:
        expect(card.locator(".alert-places")).to_contain_text(name)
    citizen.screenshot(path=results_dir / "alerts-public.png", full_page=True)

    cap_url = f"{base}/alerts/{identifier}.xml"
    feed = citizen.request.get(f"{base}/alerts/feed.atom")
    assert feed.ok, feed.status
    entries = {
        entry.findtext(f"{ATOM}id"): entry.findtext(f"{ATOM}title")
        for entry in etree.fromstring(feed.body()).iter(f"{ATOM}entry")
    }
    assert entries.get(cap_url) == HEADLINE, entries

    message = citizen.request.get(cap_url)
    assert message.ok, message.status
    root = etree.fromstring(message.body())
    assert root.findtext(f"{CAP}identifier") == identifier
    sent = root.findtext(f"{CAP}sent") or ""
    assert sent.endswith("+07:00"), sent
    assert root.findtext(f"{CAP}info/{CAP}headline") == HEADLINE
    assert len(root.findall(f"{CAP}info/{CAP}area/{CAP}circle")) == 1
    public.close()

    assert errors == [], f"JavaScript errors: {errors}"
