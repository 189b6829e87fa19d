"""The statistics page (/ops/stats/) with its server-drawn charts, and its CSV export: the same
filters, the same figures, and every export written to the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.core.models import AuditEntry
from safecity.map.stats import CSV_HEADER, ResponseTimes, StatsQuery, csv_rows, summarise
from tests.map.conftest import (
    BEN_THANH,
    IN_BEN_THANH,
    IN_SAI_GON,
    SAI_GON,
    assignment,
    incident,
    patrol_unit,
)

PAGE = "/ops/stats/"
EXPORT = "/ops/stats/export.csv"


@pytest.fixture
def two_incidents(station: Unit, other_station: Unit) -> None:
    """Sài Gòn: dispatched after 40 s, on scene after 5 min. Bến Thành: dispatched after 100 s."""
    car = patrol_unit(station, "SG-01", IN_SAI_GON)
    opened = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    fast = incident(
        station,
        IN_SAI_GON,
        category="fire",
        status="closed",
        opened_at=opened,
        acknowledged_at=opened + timedelta(seconds=10),
    )
    slow = incident(
        other_station,
        IN_BEN_THANH,
        status="closed",
        opened_at=opened + timedelta(minutes=5),
        acknowledged_at=opened + timedelta(minutes=5, seconds=30),
    )
    assignment(fast, car, assigned_after=40, on_scene_after=300)
    assignment(slow, car, assigned_after=100)


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so spreadsheet programs read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


# --- The page ------------------------------------------------------------------------------------


def test_it_shows_the_statistics_in_vietnamese(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    response = client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng xuất" in page
    assert '<dd data-testid="stat-incidents">2</dd>' in page
    assert response.context["result"].overall.dispatch.p50 == 40


def test_it_draws_the_charts_as_svg_on_the_server(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    page = client.get(PAGE).content.decode()

    assert page.count('<svg class="chart"') == 4
    assert "<script" not in page.split('<div class="charts">')[1].split("</div>")[0]
    # The ward chart: Sài Gòn dispatched within 60 s (100 %), Bến Thành not (0 %).
    assert "100% (1/1)" in page and "0% (0/1)" in page


def test_it_escapes_the_labels_inside_the_charts() -> None:
    from safecity.map.charts import share_chart

    group = summarise([], key="x", label="<script>alert(1)</script>", target_seconds=60)
    svg = share_chart("A & B", [group], 60)

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "A &amp; B" in svg
    assert ">—</text>" in svg  # nothing dispatched: no share, said in words, no zero bar


def test_it_filters_the_page_by_ward(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    response = client.get(PAGE, {"ward": BEN_THANH})

    result = response.context["result"]
    assert result.overall.incidents == 1
    assert [g.key for g in result.by_ward] == [str(BEN_THANH)]


def test_it_offers_a_station_commander_only_his_wards(client: Client, quan: User, two_incidents):
    client.force_login(quan)

    response = client.get(PAGE)

    choices = [code for code, _name in response.context["form"].fields["ward"].choices]
    assert choices == ["", SAI_GON]
    assert response.context["result"].overall.incidents == 1


def test_it_explains_a_bad_period_instead_of_failing(client: Client, thang: User, wards):
    client.force_login(thang)

    response = client.get(PAGE, {"since": "2025-06-10", "until": "2025-06-01"})

    assert response.status_code == 200
    assert response.context["result"] is None
    assert "until" in response.context["form"].errors


def test_it_counts_whole_local_days(client: Client, thang: User, station: Unit):
    """A period of days runs from the first day's 00:00 to the last day's 24:00, Vietnam time."""
    day = timezone.localdate() - timedelta(days=3)
    from datetime import datetime, time

    midnight = timezone.make_aware(datetime.combine(day, time.min))
    incident(station, IN_SAI_GON, opened_at=midnight - timedelta(seconds=1))  # the day before
    incident(station, IN_SAI_GON, opened_at=midnight)
    incident(station, IN_SAI_GON, opened_at=midnight + timedelta(hours=23, minutes=59))
    client.force_login(thang)

    response = client.get(PAGE, {"since": day.isoformat(), "until": day.isoformat()})

    assert response.context["result"].overall.incidents == 2


@pytest.mark.parametrize("who", ["minh", "khoa", "hung", "thu"])
def test_it_refuses_the_page_to_officers_who_do_not_command(
    client: Client, who: str, request: pytest.FixtureRequest
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(PAGE).status_code == 403


def test_it_sends_an_anonymous_visitor_to_log_in(client: Client, db: None):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- The export -----------------------------------------------------------------------------------


def test_it_exports_the_figures_as_csv(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="response-times-')
    rows = _rows(response)
    assert rows[0] == list(CSV_HEADER)
    overall = dict(zip(rows[0], rows[1], strict=True))
    assert (overall["group"], overall["incidents"]) == ("all", "2")
    assert (overall["dispatch_p50_s"], overall["dispatch_p90_s"]) == ("40", "100")
    assert (overall["acknowledge_p50_s"], overall["on_scene_p50_s"]) == ("10", "300")
    assert (overall["within_target"], overall["share_within_target"]) == ("1", "0.5000")
    assert overall["status_closed"] == "2"
    wards = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[2:] if r[0] == "ward"}
    assert wards["Phường Sài Gòn"]["dispatch_p50_s"] == "40"
    assert wards["Phường Bến Thành"]["share_within_target"] == "0.0000"
    assert {r[1] for r in rows if r[0] == "category"} == {"fire", "security"}


def test_it_exports_with_the_pages_filters(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    rows = _rows(client.get(EXPORT, {"category": "fire"}))

    overall = dict(zip(rows[0], rows[1], strict=True))
    assert overall["incidents"] == "1"
    assert [r[2] for r in rows if r[0] == "ward"] == ["Phường Sài Gòn"]


def test_it_audits_every_export(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    client.get(EXPORT, {"ward": SAI_GON})

    entry = AuditEntry.objects.get(action="stats.export")
    assert entry.actor_id == thang.pk
    assert entry.outcome == "success"
    assert entry.detail["ward"] == SAI_GON
    assert entry.detail["incidents"] == 1
    assert entry.object_type == "response_times"


def test_it_does_not_audit_the_page_itself(client: Client, thang: User, two_incidents):
    client.force_login(thang)

    client.get(PAGE)

    assert not AuditEntry.objects.filter(action="stats.export").exists()


def test_it_refuses_the_export_to_a_dispatcher(client: Client, minh: User, two_incidents):
    client.force_login(minh)

    response = client.get(EXPORT)

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="stats.export").exists()


def test_it_refuses_an_export_of_a_bad_period(client: Client, thang: User, wards):
    client.force_login(thang)

    response = client.get(EXPORT, {"since": "2025-06-10", "until": "2025-06-01"})

    assert response.status_code == 422
    assert not AuditEntry.objects.filter(action="stats.export").exists()


def test_it_defuses_spreadsheet_formulas_in_names() -> None:
    now = timezone.now()
    group = summarise([], key="=1+1", label='=HYPERLINK("x")', target_seconds=60)
    result = ResponseTimes(
        query=StatsQuery(since=now - timedelta(days=1), until=now),
        target_seconds=60,
        overall=group,
    )

    row = csv_rows(result)[1]

    assert (row[1], row[2]) == ("'=1+1", '\'=HYPERLINK("x")')
