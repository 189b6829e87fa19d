"""A citizen reports an emergency with a map pin on her phone; the dispatcher's queue, open in
another browser, shows the incident appear live, without reloading."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

from safecity.incidents.models import Report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

    from tests.browser.conftest import AsgiServer

PHONE: ViewportSize = {"width": 390, "height": 844}
SAI_GON_LABEL_POINT = (10.779947, 106.702495)  # "Phường Sài Gòn"


def _no_sideways_scroll(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.browser
def test_a_citizen_report_appears_live_in_the_dispatcher_queue(
    asgi_server: AsgiServer, chromium: Browser, results_dir: Path
) -> None:
    """GIVEN the dispatcher Minh has the incident queue open (live connection up)
    WHEN Lan, on her phone, pins a place in Phường Sài Gòn on the map and sends a rescue report
    THEN she sees her tracking page, and Minh's queue shows the new P1 incident with a banner,
    in the same page, without a reload."""
    from playwright.sync_api import expect

    base = asgi_server.url
    errors: list[str] = []

    desk = chromium.new_context(viewport={"width": 1280, "height": 800})
    queue = desk.new_page()
    queue.set_default_timeout(10_000)
    queue.on("pageerror", lambda error: errors.append(f"queue: {error}"))
    queue.goto(f"{base}/accounts/login/?next=/ops/incidents/")
    queue.locator("#id_username").fill("dispatcher")
    queue.locator("#id_password").fill(settings.SAFECITY_DEMO_PASSWORD or "safecity-demo")
    with queue.expect_navigation():
        queue.locator("main button[type=submit]").click()
    assert queue.url == f"{base}/ops/incidents/", queue.url
    expect(queue.locator("#live-status")).to_have_attribute("data-state", "connected")
    queue.evaluate("window.__sameDocument = true")  # gone if the page reloads

    phone = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    citizen = phone.new_page()
    citizen.set_default_timeout(10_000)
    citizen.on("pageerror", lambda error: errors.append(f"report: {error}"))
    citizen.goto(f"{base}/report/")
    expect(citizen.locator("html")).to_have_attribute("lang", "vi")
    expect(citizen.locator("#report-map")).to_be_visible()
    citizen.evaluate(
        "([lat, lon]) => { SafeCityReport.map.setView([lat, lon], 17, {animate: false}); }",
        list(SAI_GON_LABEL_POINT),
    )
    citizen.locator("#report-map").click()  # the middle of the map: the ward's label point
    expect(citizen.locator("#pin-status")).to_contain_text("Phường Sài Gòn")
    citizen.locator("input[name=category][value=rescue]").check()
    citizen.locator("#id_description").fill("Hai người mắc kẹt trong thang máy, tầng 12")
    citizen.screenshot(path=results_dir / "report-phone.png", full_page=True)
    report_overflow = _no_sideways_scroll(citizen)
    with citizen.expect_navigation():
        citizen.locator("#send-report").click()

    assert re.fullmatch(rf"{re.escape(base)}/track/[A-Z0-9]{{10}}/", citizen.url), citizen.url
    code = citizen.get_by_test_id("tracking-code").inner_text().strip()
    citizen.screenshot(path=results_dir / "track-phone.png", full_page=True)
    report = Report.objects.select_related("incident").get(tracking_code=code)
    assert report.location_source == "pin"
    assert report.incident.priority == 1

    row = queue.locator(f'#queue-rows tr[data-incident-id="{report.incident_id}"]')
    expect(row).to_be_visible(timeout=5_000)
    expect(row).to_contain_text("Phường Sài Gòn")
    expect(row.locator(".prio")).to_have_text("P1")
    expect(queue.locator("#p1-banner")).to_be_visible()
    order = queue.evaluate(
        "Array.from(document.querySelectorAll('#queue-rows tr'),"
        " r => [+r.dataset.priority, +r.dataset.opened])"
    )
    assert order == sorted(order), f"the queue is not by priority, then age: {order}"
    assert queue.evaluate("window.__sameDocument") is True, "the queue page reloaded"
    queue.screenshot(path=results_dir / "queue-desktop.png")
    queue.set_viewport_size(PHONE)
    queue.screenshot(path=results_dir / "queue-phone.png", full_page=True)
    queue_overflow = _no_sideways_scroll(queue)
    phone.close()
    desk.close()

    assert errors == [], f"JavaScript errors: {errors}"
    assert report_overflow <= 0, f"/report/ scrolls sideways on a phone by {report_overflow}px"
    assert queue_overflow <= 0, f"the queue scrolls sideways on a phone by {queue_overflow}px"
