"""The dispatcher Minh assigns the top recommended unit from the console; Hùng (patrol1, crew
of the demo car TT-01) sees it on his phone, goes en route and on scene; the console's rows
and its map follow live, and positions posted for the car (by the API, then by the phone's
own location sharing) move its marker. With ``SAFECITY_UPDATE_DOCS=1`` the test
also refreshes docs/console.png, the README's picture of the console."""

from __future__ import annotations

import io
import json
import os
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

from safecity.accounts.models import User
from safecity.accounts.services import token_create
from safecity.dispatch.models import PatrolUnit, UnitStatus
from safecity.geography.distance import distance_m
from safecity.incidents.models import Incident

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

    from tests.browser.conftest import AsgiServer

DESK: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREENSHOT_MAX_BYTES = 300_000
M_PER_DEG = 111_320.0


def _api(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    """Call the server's API as an officer's token would (not through a page)."""
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{base}/api/v1{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


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


def _marker(console: Page, unit_id: int) -> dict[str, Any]:
    return console.evaluate(  # type: ignore[no-any-return]
        """id => { const m = SafeCityConsole.map.unitMarker(id);
                   if (!m) return null;
                   const at = m.getLatLng();
                   return {lat: at.lat, lng: at.lng, status: m.properties.status}; }""",
        unit_id,
    )


def _save_small_png(page: Page, path: Path) -> int:
    """The console as a PNG for the README, made smaller (a 256-colour palette) if needed."""
    from PIL import Image

    raw = page.screenshot()
    if len(raw) > SCREENSHOT_MAX_BYTES:
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        buffer = io.BytesIO()
        image.quantize(colors=256).save(buffer, format="PNG", optimize=True)
        raw = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return len(raw)


@pytest.mark.browser
def test_a_dispatcher_assigns_the_top_unit_and_the_officer_works_it_on_the_phone(
    asgi_server: AsgiServer, chromium: Browser, results_dir: Path
) -> None:
    """GIVEN the demo city, with patrol1's car TT-01 freed from its demo assignment, Minh's
    console and Hùng's phone view open (both live)
    WHEN a P1 call comes in at TT-01's position
    THEN it appears in Minh's queue with the P1 banner, without a reload, and its wait for a
    unit counts, turning amber, then red
    WHEN Minh opens it with the keyboard, presses 1 and Enter
    THEN TT-01 (the top recommendation) is dispatched: Hùng's phone shows the assignment with
    the address, the caller's phone and a geo: link
    WHEN Hùng taps "En route", then "On scene"
    THEN Minh's units board and queue show the new statuses, and the map's marker follows
    WHEN a position is posted for TT-01, then Hùng shares his phone's location
    THEN the marker moves to each."""
    from playwright.sync_api import expect

    base = asgi_server.url
    errors: list[str] = []
    minh = User.objects.get(username="dispatcher")
    hung = User.objects.get(username="patrol1")
    car = PatrolUnit.objects.get(call_sign="TT-01")
    assert car.lat is not None and car.lon is not None
    minh_token = token_create(user=minh)[1]
    hung_token = token_create(user=hung)[1]

    # The demo sends TT-01 to an incident; free it, so it can be the top recommendation.
    mine = _api(base, hung_token, "GET", "/my-unit")
    if mine["assignment"]:
        _api(base, minh_token, "POST", f"/assignments/{mine['assignment']['id']}/release", {})
    assert PatrolUnit.objects.get(pk=car.pk).status == UnitStatus.AVAILABLE

    desk = chromium.new_context(viewport=DESK)
    desk.clock.install()  # the console's clock, moved forward to watch a timer run late
    console = _log_in(desk, base, "dispatcher", "/ops/console/", errors)
    expect(console.locator("#live-status")).to_have_attribute("data-state", "connected")
    console.evaluate("window.__sameDocument = true")  # gone if the page reloads
    unit_row = console.locator(f'#unit-groups li[data-unit-id="{car.pk}"]')
    expect(unit_row).to_have_attribute("data-status", "available")
    expect(unit_row).to_contain_text("TT-01")

    phone = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": car.lat, "longitude": car.lon, "accuracy": 10},
    )
    officer = _log_in(phone, base, "patrol1", "/ops/my-unit/", errors)
    expect(officer.locator("#live-status")).to_have_attribute("data-state", "connected")
    expect(officer.get_by_test_id("unit-call-sign")).to_have_text("TT-01")
    expect(officer.locator("#assignment-empty")).to_be_visible()
    expect(officer.locator("#assignment")).to_be_hidden()

    # --- A P1 call at TT-01's position: live in the queue, with the banner --------------------
    call = _api(
        base,
        minh_token,
        "POST",
        "/calls",
        {
            "category": "security",
            "priority": 1,
            "lat": car.lat,
            "lon": car.lon,
            "address": "86 Lê Lợi",
            "description": "Cướp giật túi xách, nghi phạm chạy bộ về hướng chợ Bến Thành",
            "reporter_name": "Trương Thị Lan",
            "reporter_phone": "0901234567",
        },
    )
    incident_id = call["incident_id"]
    assert not call["joined_existing"]
    row = console.locator(f'#incident-list li[data-incident-id="{incident_id}"]')
    expect(row).to_be_visible()
    expect(row.locator(".prio")).to_have_text("P1")
    timer = row.locator(".timer")
    expect(timer).to_have_class("timer timer-green")  # waiting for a unit (P1: 30 s), counting
    console.clock.fast_forward(23_000)
    expect(timer).to_have_class("timer timer-amber")  # past 75 %
    console.clock.fast_forward(10_000)
    expect(timer).to_have_class("timer timer-red")  # overdue
    expect(console.locator("#p1-banner")).to_be_visible()
    expect(console.locator("#p1-open")).to_contain_text(f"#{incident_id}")
    order = console.evaluate(
        "Array.from(document.querySelectorAll('#incident-list li'), r => +r.dataset.priority)"
    )
    assert order == sorted(order), f"the queue is not by priority: {order}"

    # --- Assign with the keyboard: move to it (j), Enter, 1, Enter ------------------------------
    console.locator("#p1-dismiss").click()
    position = console.evaluate(
        "id => Array.from(document.querySelectorAll('#incident-list li'),"
        " r => +r.dataset.incidentId).indexOf(id)",
        incident_id,
    )
    for _ in range(position + 1):
        console.keyboard.press("j")
    expect(row).to_have_class("inc selected")
    expect(row.locator("button")).to_be_focused()
    console.keyboard.press("Enter")
    panel = console.locator("#dispatch-panel")
    expect(panel).to_be_visible()
    first = console.locator("#rec-list li").first
    expect(first).to_contain_text("TT-01")
    console.keyboard.press("1")
    expect(first).to_have_class("rec picked")
    expect(first.locator(".rec-assign")).to_be_focused()
    console.keyboard.press("Enter")

    expect(unit_row).to_have_attribute("data-status", "dispatched")
    expect(unit_row).to_contain_text(f"#{incident_id}")
    expect(row).to_have_attribute("data-status", "dispatched")
    expect(console.locator("#panel-assignments")).to_contain_text("TT-01")
    assert Incident.objects.get(pk=incident_id).status == Incident.Status.DISPATCHED

    # --- Hùng's phone: the assignment, live, with the caller and the way there -----------------
    expect(officer.locator("#assignment-banner")).to_be_visible()
    expect(officer.get_by_test_id("assignment-address")).to_have_text("86 Lê Lợi")
    expect(officer.locator("#assignment-contacts")).to_contain_text("+84901234567")
    nav = officer.get_by_test_id("navigate")
    expect(nav).to_have_attribute("href", f"geo:{car.lat:.6f},{car.lon:.6f}")
    expect(officer.get_by_test_id("unit-status")).to_have_attribute("data-status", "dispatched")
    officer.locator("#acknowledge").tap()
    expect(officer.locator("#acknowledge")).to_be_hidden()
    expect(officer.locator("#assignment-ack-time")).not_to_be_empty()
    officer.screenshot(path=results_dir / "my-unit-phone.png", full_page=True)

    officer.locator('#status-buttons button[data-status="en_route"]').tap()
    expect(officer.get_by_test_id("unit-status")).to_have_attribute("data-status", "en_route")
    expect(unit_row).to_have_attribute("data-status", "en_route")
    expect(unit_row.locator(".timer")).to_be_visible()  # en route → on scene, counting
    expect(
        console.locator(f'.unit-group[data-status="en_route"] li[data-unit-id="{car.pk}"]')
    ).to_have_count(1)  # moved to its status's group

    officer.locator('#status-buttons button[data-status="on_scene"]').tap()
    expect(officer.get_by_test_id("unit-status")).to_have_attribute("data-status", "on_scene")
    expect(unit_row).to_have_attribute("data-status", "on_scene")
    expect(row).to_have_attribute("data-status", "on_scene")
    expect(row.locator(".status")).to_have_class("status status-on_scene")
    console.wait_for_function(
        "id => SafeCityConsole.map.unitMarker(id).properties.status === 'on_scene'", arg=car.pk
    )

    # --- Positions move the marker: one posted through the API, then the phone's own --------------
    # Fixes are refused when they imply a speed no vehicle has: the posted fix is dated a few
    # seconds back (after the demo's), so the phone's fix a moment later is a plausible move.
    north = (car.lat + 60 / M_PER_DEG, car.lon)
    last_fix = PatrolUnit.objects.get(pk=car.pk).position_at
    assert last_fix is not None
    now = datetime.now(UTC)
    fix_at = now - min(timedelta(seconds=5), (now - last_fix) / 2)
    posted = _api(
        base,
        hung_token,
        "POST",
        f"/units/{car.pk}/positions",
        {
            "fixes": [
                {
                    "lat": north[0],
                    "lon": north[1],
                    "ts": fix_at.isoformat(),
                    "heading": 0,
                    "speed_mps": 4.0,
                }
            ]
        },
    )
    assert posted == {"accepted": 1, "rejected": []}
    console.wait_for_function(
        "([id, lat]) => Math.abs(SafeCityConsole.map.unitMarker(id).getLatLng().lat - lat) < 1e-6",
        arg=[car.pk, north[0]],
    )
    at = _marker(console, car.pk)
    assert distance_m(at["lat"], at["lng"], north[0], north[1]) < 1

    east = (north[0], north[1] + 40 / M_PER_DEG)
    phone.set_geolocation({"latitude": east[0], "longitude": east[1], "accuracy": 8})
    officer.locator("#share-toggle").tap()
    expect(officer.locator("#share-toggle")).to_have_attribute("aria-pressed", "true")
    shared = officer.get_by_test_id("share-status")
    expect(shared).to_have_attribute("data-kind", "sent", timeout=15_000)
    assert shared.get_attribute("data-accepted") == "1", shared.inner_text()
    console.wait_for_function(
        "([id, lng]) => Math.abs(SafeCityConsole.map.unitMarker(id).getLatLng().lng - lng) < 1e-6",
        arg=[car.pk, east[1]],
        timeout=15_000,
    )
    officer.locator("#share-toggle").tap()
    expect(officer.locator("#share-toggle")).to_have_attribute("aria-pressed", "false")

    # --- Two clicks, and a unit someone else took a moment ago: a clear refusal -------------------
    other = (
        Incident.objects.filter(status__in=[Incident.Status.NEW, Incident.Status.ACKNOWLEDGED])
        .exclude(pk=incident_id)
        .order_by("priority", "opened_at")
        .first()
    )
    assert other is not None
    console.locator(f'#incident-list li[data-incident-id="{other.pk}"] button').click()
    expect(panel).to_have_attribute("data-incident-id", str(other.pk))
    top = console.locator("#rec-list li").first
    expect(top).to_be_visible()
    taken = PatrolUnit.objects.get(pk=int(top.get_attribute("data-unit-id") or 0))
    # Behind the console's back (no live event reaches it from this process): as if another
    # dispatcher's console had sent it a moment ago.
    PatrolUnit.objects.filter(pk=taken.pk).update(status=UnitStatus.BUSY)
    top.locator(".rec-assign").click()
    error = console.locator("#assign-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(taken.call_sign)
    console.screenshot(path=results_dir / "console-conflict.png")
    expect(console.locator(f'#rec-list li[data-unit-id="{taken.pk}"]')).to_have_count(0)
    assert Incident.objects.get(pk=other.pk).status == other.status  # nothing was sent

    # --- The picture for the README: the console with the incident open --------------------------
    console.locator("body").press("Escape")
    console.locator(f'#incident-list li[data-incident-id="{incident_id}"] button').click()
    expect(console.locator("#rec-list li").first).to_be_visible()
    console.evaluate("document.activeElement && document.activeElement.blur()")
    # The README's picture is rewritten only when asked, so a test run leaves the tree clean.
    target = DOCS if os.environ.get("SAFECITY_UPDATE_DOCS") == "1" else results_dir
    size = _save_small_png(console, target / "console.png")
    console.screenshot(path=results_dir / "console-desktop.png")
    assert size <= SCREENSHOT_MAX_BYTES, f"console.png is {size} bytes"
    assert console.evaluate("window.__sameDocument") is True, "the console reloaded"
    console.set_viewport_size(PHONE)
    console.screenshot(path=results_dir / "console-phone.png", full_page=True)
    sideways = int(console.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    officer_sideways = int(
        officer.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    )
    phone.close()
    desk.close()

    assert PatrolUnit.objects.get(pk=car.pk).status == UnitStatus.ON_SCENE
    assert errors == [], f"JavaScript errors: {errors}"
    assert sideways <= 0, f"the console scrolls sideways on a phone by {sideways}px"
    assert officer_sideways <= 0, f"my unit scrolls sideways on a phone by {officer_sideways}px"
