"""An investigator finds a person by a name typed without diacritics and explores who and what
is linked to him on the link graph, in a real browser: purpose first, search, the person's
page, the graph's SVG, and a click that brings a further record in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safecity.accounts.models import Clearance, Unit
from safecity.records.models import Role
from safecity.records.services import link_add
from tests import factories
from tests.records.conftest import case, person, vehicle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

    from tests.browser.conftest import AsgiServer

DESK: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def demo_data(transactional_db: None, settings: Any) -> dict[str, int]:
    """Instead of the whole demo (thousands of records, a month of incidents): the force, the
    investigator Hoà, and one theft — An owns 51F-123.45; he and Bình are suspects in the case;
    Bình's brother Cường is three links from An, beyond the first drawing of the graph."""
    settings.SAFECITY_MFA_REQUIRED = False
    force = factories.force()
    police = factories.unit(name="Phòng Cảnh sát hình sự", kind=Unit.Kind.DEPARTMENT, parent=force)
    factories.officer(
        username="hoa",
        unit_=police,
        roles=["investigator"],
        clearance=Clearance.CONFIDENTIAL,
        full_name="Đặng Thị Hoà",
    )
    an = person(full_name="Nguyễn Văn An", cccd="079090001111", birth_date="1990-05-01")
    binh = person(full_name="Trần Văn Bình", birth_date="1988")
    cuong = person(full_name="Trần Văn Cường", birth_date="1985")
    car = vehicle(plate="51F-123.45", owner_cccd=an.cccd)
    theft = case(police, number="VA-2025/0012", summary="Trộm cắp xe máy")
    link_add(actor=None, role=Role.SUSPECT, a=an, b=theft)
    link_add(actor=None, role=Role.SUSPECT, a=binh, b=theft)
    link_add(actor=None, role=Role.RELATIVE, a=binh, b=cuong, detail="anh trai")
    return {"an": an.pk, "binh": binh.pk, "cuong": cuong.pk, "car": car.pk}


@pytest.mark.browser
def test_an_investigator_finds_a_person_and_expands_the_link_graph(
    asgi_server: AsgiServer, chromium: Browser, demo_data: dict[str, int], results_dir: Path
) -> None:
    """GIVEN the investigator Hoà and the theft's records
    WHEN she opens the records search, she is asked for a purpose first
    WHEN she gives the case number and searches "nguyen van an"
    THEN An is the first result; his page draws the graph with his vehicle and Bình
    WHEN she clicks Bình's circle
    THEN Bình's brother Cường appears on the graph, linked to him
    WHEN she clicks Cường's name
    THEN his page opens; on a phone its columns stack."""
    from playwright.sync_api import expect

    base = asgi_server.url
    errors: list[str] = []
    context = chromium.new_context(viewport=DESK)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{base}/accounts/login/?next=/ops/records/")
    page.locator("#id_username").fill("hoa")
    page.locator("#id_password").fill(factories.PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.url.startswith(f"{base}/ops/records/purpose/"), page.url

    page.locator("#id_purpose").fill("VA-2025/0012")
    with page.expect_navigation():
        page.get_by_test_id("purpose-submit").click()
    assert page.url == f"{base}/ops/records/", page.url
    expect(page.get_by_test_id("purpose-banner")).to_contain_text("VA-2025/0012")

    page.locator("#id_q").fill("nguyen van an")
    with page.expect_navigation():
        page.locator("#id_q").press("Enter")
    first = page.get_by_test_id("result").first
    expect(first).to_contain_text("Nguyễn Văn An")
    expect(first).to_contain_text("079090001111")
    with page.expect_navigation():
        first.locator("a").click()
    assert page.url == f"{base}/ops/records/persons/{demo_data['an']}/", page.url

    graph = page.get_by_test_id("records-graph")
    expect(graph.locator("svg")).to_be_visible()
    car = graph.locator(f'[data-id="vehicle:{demo_data["car"]}"]')
    expect(car).to_have_count(1)
    expect(car).to_contain_text("51F-123.45")
    binh = graph.locator(f'[data-id="person:{demo_data["binh"]}"]')
    expect(binh).to_have_count(1)
    cuong = graph.locator(f'[data-id="person:{demo_data["cuong"]}"]')
    expect(cuong).to_have_count(0)
    before = graph.locator("g.node").count()
    page.screenshot(path=results_dir / "records-person.png", full_page=True)

    binh.locator("circle").click()

    expect(cuong).to_have_count(1)
    expect(cuong).to_contain_text("Trần Văn Cường")
    assert graph.locator("g.node").count() == before + 1
    expect(graph.locator("g.node.expanded")).to_have_count(2)  # An, and now Bình
    # The API answered in the page's language: the new link's role is Vietnamese too.
    expect(graph.locator("text.edge-label", has_text="Người thân")).to_have_count(1)
    page.screenshot(path=results_dir / "records-person-expanded.png", full_page=True)

    # The circle only expanded; the name opens the record's page.
    with page.expect_navigation():
        cuong.locator("a").click()
    assert page.url == f"{base}/ops/records/persons/{demo_data['cuong']}/", page.url
    expect(page.get_by_test_id("record-label")).to_have_text("Trần Văn Cường (1985)")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(graph.locator(f'[data-id="person:{demo_data["binh"]}"]')).to_have_count(1)
    page.screenshot(path=results_dir / "records-person-phone.png", full_page=True)
    columns = page.locator(".record-col")
    left, right = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert left is not None and right is not None
    assert right["y"] >= left["y"] + left["height"] - 1  # stacked on a phone
    assert errors == []
    context.close()
