"""A citizen's report opens an incident in the right ward, owned by that ward's police station;
a report the force cannot place, or with bad fields, is refused and leaves nothing behind."""

from __future__ import annotations

import unicodedata

import h3
import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.core.errors import InvalidInput
from safecity.core.models import AuditEntry
from safecity.geography.models import Ward
from safecity.incidents.models import Channel, Incident, IncidentEvent, Priority, Report
from safecity.incidents.services import H3_RESOLUTION, ReportInput, report_submit
from tests.incidents.conftest import Hcmc

HA_NOI = (21.03, 105.85)
HA_NOI_PROVINCE = 1


def _counts() -> dict[str, int]:
    return {
        "reports": Report.objects.count(),
        "incidents": Incident.objects.count(),
        "events": IncidentEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def _submit(lat: float, lon: float, **fields: object) -> Report:
    data = ReportInput(**{"category": "fire", "lat": lat, "lon": lon, **fields})  # type: ignore[arg-type]
    return report_submit(data=data, channel=Channel.WEB)


def test_it_opens_an_incident_in_the_ward_of_the_point(hcmc: Hcmc):
    lat, lon = hcmc.point("Phường Sài Gòn")

    report = _submit(lat, lon, description="Cháy nhà trên đường Lê Lợi")

    incident = report.incident
    assert incident.category == "fire"
    assert incident.status == Incident.Status.NEW
    assert incident.ward_code == hcmc.ward("Phường Sài Gòn").code
    assert incident.h3_cell == h3.latlng_to_cell(lat, lon, H3_RESOLUTION)
    assert (incident.lat, incident.lon) == (lat, lon)
    assert incident.summary == "Cháy nhà trên đường Lê Lợi"
    assert incident.report_count == 1
    assert report.joined_existing is False
    assert report.ward_code == incident.ward_code
    assert report.location_source == "pin"


def test_it_gives_the_incident_to_the_wards_police_station(hcmc: Hcmc):
    report = _submit(*hcmc.point("Phường Bến Thành"))

    assert report.incident.unit == hcmc.station("Phường Bến Thành")
    assert report.incident.unit.name == "Công an phường Bến Thành"


@pytest.mark.parametrize(
    ("category", "priority"),
    [
        ("fire", Priority.P1),
        ("rescue", Priority.P1),
        ("medical", Priority.P2),
        ("security", Priority.P2),
        ("traffic_accident", Priority.P2),
        ("other", Priority.P3),
    ],
)
def test_it_starts_the_incident_at_the_categorys_priority(hcmc: Hcmc, category: str, priority: int):
    report = _submit(*hcmc.point("Phường Sài Gòn"), category=category)

    assert report.incident.priority == priority


def test_it_lets_a_call_taker_set_the_starting_priority(hcmc: Hcmc, minh: User):
    lat, lon = hcmc.point("Phường Sài Gòn")

    report = report_submit(
        data=ReportInput(category="other", lat=lat, lon=lon),
        channel=Channel.CALL,
        taken_by=minh,
        priority=Priority.P1,
    )

    assert report.incident.priority == Priority.P1
    assert report.taken_by == minh


def test_it_writes_opened_on_the_incidents_timeline(hcmc: Hcmc, lan: User):
    lat, lon = hcmc.point("Phường Sài Gòn")

    report = report_submit(
        data=ReportInput(category="security", lat=lat, lon=lon), channel=Channel.WEB, reporter=lan
    )

    events = list(report.incident.events.all())
    assert [(e.kind, e.status, e.public) for e in events] == [
        (IncidentEvent.Kind.OPENED, Incident.Status.NEW, True)
    ]
    assert events[0].detail == {"channel": "web"}
    assert report.reporter == lan


def test_it_records_the_report_in_the_audit_trail(hcmc: Hcmc, lan: User):
    lat, lon = hcmc.point("Phường Sài Gòn")

    report = report_submit(
        data=ReportInput(category="security", lat=lat, lon=lon), channel=Channel.API, reporter=lan
    )

    entry = AuditEntry.objects.get(action="report.submit")
    assert entry.object_type == "report"
    assert entry.object_id == str(report.pk)
    assert entry.actor_username == "lan"
    assert entry.detail == {"incident": report.incident_id, "channel": "api", "joined": False}


def test_it_refuses_a_point_outside_the_province_and_saves_nothing(hcmc: Hcmc):
    before = _counts()

    with pytest.raises(InvalidInput) as refused:
        _submit(*HA_NOI, description="Cháy ở Hà Nội", reporter_phone="0901234567")

    assert refused.value.code == "outside_province"
    assert set(refused.value.fields) == {"lat", "lon"}
    assert _counts() == before


def test_it_places_a_report_by_its_address_and_ward(hcmc: Hcmc):
    ward = hcmc.ward("Phường Chợ Lớn")

    report = report_submit(
        data=ReportInput(category="security", address="  12 Trần Hưng Đạo ", ward_code=ward.code),
        channel=Channel.WEB,
    )

    assert report.location_source == "address"
    assert report.address == "12 Trần Hưng Đạo"
    assert (report.lat, report.lon) == (ward.label_lat, ward.label_lon)
    assert report.incident.ward_code == ward.code
    assert report.incident.unit == hcmc.station("Phường Chợ Lớn")


def test_it_refuses_an_address_in_a_ward_of_another_province(hcmc: Hcmc):
    hoan_kiem = Ward.objects.get(province_id=HA_NOI_PROVINCE, name="Phường Hoàn Kiếm")
    before = _counts()

    with pytest.raises(InvalidInput) as refused:
        report_submit(
            data=ReportInput(
                category="security", address="1 Đinh Tiên Hoàng", ward_code=hoan_kiem.code
            ),
            channel=Channel.WEB,
        )

    assert refused.value.code == "outside_province"
    assert "ward_code" in refused.value.fields
    assert _counts() == before


def test_it_names_the_location_fields_when_there_is_no_location(client: Client, hcmc: Hcmc):
    before = _counts()

    response = client.post(
        "/api/v1/reports",
        {"category": "fire", "description": "Cháy", "address": "12 Lê Lợi"},  # no ward, no point
        content_type="application/json",
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"lat", "address"}
    assert _counts() == before


def test_it_refuses_an_unknown_category(hcmc: Hcmc):
    with pytest.raises(InvalidInput) as refused:
        _submit(*hcmc.point("Phường Sài Gòn"), category="arson")

    assert set(refused.value.fields) == {"category"}
    assert Report.objects.count() == 0


def test_it_refuses_a_phone_number_that_is_not_one(hcmc: Hcmc):
    with pytest.raises(InvalidInput) as refused:
        _submit(*hcmc.point("Phường Sài Gòn"), reporter_phone="0123")

    assert set(refused.value.fields) == {"reporter_phone"}
    assert Report.objects.count() == 0


def test_it_names_every_bad_field_at_once(hcmc: Hcmc):
    with pytest.raises(InvalidInput) as refused:
        _submit(*hcmc.point("Phường Sài Gòn"), category="arson", reporter_phone="not a phone")

    assert set(refused.value.fields) == {"category", "reporter_phone"}


@pytest.mark.parametrize(
    "typed", ["0901 234 567", "090-123-4567", "+84 90 123 4567", "84901234567"]
)
def test_it_stores_the_phone_number_in_e164(hcmc: Hcmc, typed: str):
    report = _submit(*hcmc.point("Phường Sài Gòn"), reporter_phone=typed)

    assert report.reporter_phone == "+84901234567"


def test_it_stores_text_nfc_with_single_spaces(hcmc: Hcmc):
    decomposed = unicodedata.normalize("NFD", "Trương Thị Lan")
    assert decomposed != "Trương Thị Lan"  # the test input really is decomposed

    report = _submit(
        *hcmc.point("Phường Sài Gòn"),
        reporter_name=f"  {decomposed.replace(' ', '   ')} ",
        description=unicodedata.normalize("NFD", "Cháy   nhà\n\tở  ") + "\u00d0ường Lê Lợi",
        address=unicodedata.normalize("NFD", " 12  Lê Lợi "),
    )

    report.refresh_from_db()
    assert report.reporter_name == "Trương Thị Lan"
    # A description keeps its line breaks (paragraphs a caller dictated); spaces collapse.
    assert report.description == "Cháy nhà\nở Đường Lê Lợi"
    assert report.address == "12 Lê Lợi"
    for text in (report.reporter_name, report.description, report.address):
        assert unicodedata.is_normalized("NFC", text)
