"""The demo dispatcher logs in through a real browser, in Vietnamese, then switches to English."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.utils import translation

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}


def _role_label(slug: str, language: str) -> str:
    from safecity.accounts.roles import role_label

    with translation.override(language):
        return str(role_label(slug))


def _switch_language(page: Page, code: str) -> None:
    """Pick a language in the header's select; its change submits the form and reloads."""
    with page.expect_navigation():
        page.select_option("header select#language", code)
    page.wait_for_load_state("domcontentloaded")


def _no_sideways_scroll(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.browser
def test_the_dispatcher_logs_in_in_vietnamese_and_switches_to_english(
    chromium: Browser, live_server: Any, demo_data: None, results_dir: Path
) -> None:
    # (chromium first: without a browser the test is skipped before the demo data loads)
    from playwright.sync_api import expect

    # The browser asks for English: pages still start in Vietnamese (only the switch counts).
    context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main h1")).to_have_text("Đăng nhập")
    expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()

    page.locator("#id_username").fill("dispatcher")
    page.locator("#id_password").fill(settings.SAFECITY_DEMO_PASSWORD or "safecity-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()

    assert page.url == f"{live_server.url}/ops/", page.url
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_test_id("officer-name")).to_contain_text("Nguyễn Văn Minh")
    expect(page.get_by_test_id("officer-unit")).to_have_text("Trung tâm Chỉ huy")
    role_vi = _role_label("dispatcher", "vi")
    assert role_vi != "Dispatcher", "the role label has no Vietnamese translation"
    expect(page.get_by_test_id("officer-roles")).to_contain_text(role_vi)
    expect(page.locator("main h1")).not_to_have_text("Officers' home")

    _switch_language(page, "en")

    assert page.url == f"{live_server.url}/ops/", page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Officers' home")
    expect(page.get_by_test_id("officer-name")).to_contain_text("Nguyễn Văn Minh")
    expect(page.get_by_test_id("officer-roles")).to_contain_text("Dispatcher")
    expect(page.locator("header select#language")).to_have_value("en")
    assert errors == [], f"JavaScript errors on the page: {errors}"

    # The same session on a phone: the page must fit the screen, and the switch must work there.
    phone = chromium.new_context(
        storage_state=context.storage_state(),
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.close()
    mobile = phone.new_page()
    mobile.set_default_timeout(10_000)
    mobile.goto(f"{live_server.url}/ops/")
    expect(mobile.locator("html")).to_have_attribute("lang", "en")
    mobile.screenshot(path=results_dir / "officer-home-phone-en.png")
    _switch_language(mobile, "vi")
    expect(mobile.locator("html")).to_have_attribute("lang", "vi")
    expect(mobile.get_by_test_id("officer-name")).to_be_visible()
    mobile.screenshot(path=results_dir / "officer-home-phone-vi.png")
    mobile.screenshot(path=results_dir / "officer-home-phone-vi-full.png", full_page=True)
    overflow = _no_sideways_scroll(mobile)
    # The log-in page as a colleague picking up the phone would first see it.
    phone.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    mobile.goto(f"{live_server.url}/accounts/login/")
    expect(mobile.locator("html")).to_have_attribute("lang", "vi")
    mobile.screenshot(path=results_dir / "login-phone-vi.png")
    login_overflow = _no_sideways_scroll(mobile)
    phone.close()
    assert overflow <= 0, f"the officers' home scrolls sideways on a phone by {overflow}px"
    assert login_overflow <= 0, f"the log-in page scrolls sideways on a phone by {login_overflow}px"
