"""A plate camera reads a stolen car: the hit reaches the dispatcher's console and the incident
queue live, with its sound, and the dispatcher confirms it from the banner; an incident opens
and the hit leaves every console."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

from safecity.accounts.models import User
from safecity.cameras import services
from safecity.cameras.models import Hit, Watchlist

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.browser.conftest import AsgiServer

PLATE = "51F-888.88"
# Lê Lợi near Bến Thành market, inside the Sài Gòn ward.
PLACE = (10.7731, 106.6995)


def _post_reads(base: str, key: str, reads: list[dict[str, Any]]) -> Any:
    """What the camera sends: its reads, with its device key."""
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{base}/api/v1/cameras/reads",
        method="POST",
        data=json.dumps({"reads": reads}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _log_in(context: BrowserContext, base: str, to: str, errors: list[str]) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda error: errors.append(f"{to}: {error}"))
    page.goto(f"{base}/accounts/login/?next={to}")
    page.locator("#id_username").fill("dispatcher")
    page.locator("#id_password").fill(settings.SAFECITY_DEMO_PASSWORD or "safecity-demo")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.url == f"{base}{to}", page.url
    return page


@pytest.mark.browser
def test_a_stolen_plate_read_alerts_the_console_live_and_the_dispatcher_confirms_it(
    asgi_server: AsgiServer, chromium: Browser
) -> None:
    """GIVEN the demo city, a new plate camera on Lê Lợi with its device key, and 51F-888.88 on
    a stolen-vehicles list; Minh's console and his incident queue open (live)
    WHEN the camera posts a read of "51F88888"
    THEN both pages show the hit without a reload: plate, camera, watchlist and reason, match
    type, priority, the nearest available units, and the sound toggle
    WHEN Minh confirms it from the console (keyboard), opening a new incident
    THEN the incident is in the console's queue and in the incident queue, and the hit has left
    both pages."""
    from playwright.sync_api import expect

    base = asgi_server.url
    errors: list[str] = []
    minh = User.objects.get(username="dispatcher")
    camera = services.camera_create(
        code="CAM-TEST-LELOI",
        name="Lê Lợi – Pasteur (thử nghiệm)",
        lat=PLACE[0],
        lon=PLACE[1],
        unit=minh.unit,
    )
    key = services.camera_key_issue(camera=camera)
    stolen = services.watchlist_create(
        name="Xe bị trộm (kiểm thử)", kind=Watchlist.Kind.STOLEN, actor=minh
    )
    services.entry_add(
        watchlist=stolen,
        plate=PLATE,
        reason="Mất cắp tại chợ Bến Thành sáng nay",
        priority="high",
        actor=minh,
    )

    desk = chromium.new_context(viewport={"width": 1280, "height": 800})
    console = _log_in(desk, base, "/ops/console/", errors)
    queue = desk.new_page()  # the same session: a second log-in would renew the CSRF token
    queue.set_default_timeout(10_000)
    queue.on("pageerror", lambda error: errors.append(f"queue: {error}"))
    queue.goto(f"{base}/ops/incidents/")
    for page in (console, queue):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "connected")
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    # --- The camera reads the stolen plate ---------------------------------------------------
    seen = datetime.now(UTC) - timedelta(seconds=2)
    answer = _post_reads(
        base,
        key,
        [
            {
                "camera": camera.code,
                "ts": seen.isoformat(),
                "plate": "51F88888",
                "confidence": 0.94,
                "vehicle_type": "car",
                "color": "trắng",
            }
        ],
    )
    assert answer["accepted"] == 1, answer
    assert [(h["entry_plate"], h["match"], h["alerted"]) for h in answer["hits"]] == [
        (PLATE, "exact", True)
    ]
    hit_id = answer["hits"][0]["hit_id"]

    for page in (console, queue):
        card = page.locator(f'#camera-hits-list li[data-hit-id="{hit_id}"]')
        expect(card).to_be_visible()
        expect(card.locator(".plate").first).to_have_text(PLATE)
        expect(card).to_contain_text(camera.name)
        expect(card).to_contain_text("Xe bị trộm (kiểm thử)")
        expect(card).to_contain_text("Mất cắp tại chợ Bến Thành sáng nay")
        expect(card.locator(".hit-match")).to_have_class("hit-match hit-match-exact")
        expect(card).to_have_class("hit-alert hit-prio-high")
        expect(page.locator("#camera-hits-sound")).to_be_visible()
        assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    card = console.locator(f'#camera-hits-list li[data-hit-id="{hit_id}"]')
    expect(card.locator(".hit-units li").first).to_be_visible()  # ranked at the camera

    # --- Minh confirms it from the console, with the keyboard ---------------------------------
    card.locator(".hit-open-confirm").focus()
    console.keyboard.press("Enter")
    new_incident = card.locator('.hit-confirm input[value="new"]')
    expect(new_incident).to_be_focused()
    expect(new_incident).to_be_checked()
    card.locator(".hit-confirm .hit-send").press("Enter")

    expect(card).to_have_count(0)
    done = console.locator("#camera-hits-status a")
    expect(done).to_be_visible()
    hit = Hit.objects.get(pk=hit_id)
    assert hit.status == Hit.Status.CONFIRMED and hit.incident_id, hit.status
    expect(done).to_have_attribute("href", f"/ops/incidents/{hit.incident_id}/")
    expect(
        console.locator(f'#incident-list li[data-incident-id="{hit.incident_id}"]')
    ).to_be_visible()

    # The queue, another console: the incident arrives, the hit leaves.
    expect(queue.locator(f'#queue-rows tr[data-incident-id="{hit.incident_id}"]')).to_be_visible()
    expect(queue.locator(f'#camera-hits-list li[data-hit-id="{hit_id}"]')).to_have_count(0)
    expect(queue.locator("#camera-hits-status")).to_contain_text(PLATE)
    assert queue.evaluate("window.__sameDocument === true"), "the queue reloaded"
    assert errors == [], errors
