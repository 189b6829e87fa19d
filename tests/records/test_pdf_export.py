"""A record or a list of search results as a PDF printout: the export permission, a stated
purpose and an audit entry, like the CSV exports; Vietnamese text intact; the classification
marking in the header and who exported it, when and why on every page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from pypdf import PdfReader

from safecity.accounts.models import Unit, User
from safecity.core.models import AuditEntry
from safecity.records import services
from safecity.records.models import Case, Person, RecordAccess
from tests.conftest import bearer
from tests.records.conftest import case, person, put

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
PURPOSE = "VA-2025/0012 xác minh đối tượng"


@pytest.fixture
def hoa_nguyen(wards: object) -> Person:
    """The person exported: a woman born in 1990, her name with every kind of tone mark."""
    return person(
        full_name="Nguyễn Thị Hoà",
        cccd="079190001234",
        birth_date="1990-04-12",
        gender="female",
        permanent_address="12 Lê Lợi",
        ward_code="26740",
    )


@pytest.fixture
def theft(criminal_police: Unit, wards: object) -> Case:
    """A case classified Mật (Hoà the investigator is cleared for it), opened at 01:30 UTC."""
    return case(
        criminal_police,
        number="VA-2025/0012",
        summary="Trộm cắp xe máy tại chợ Bến Thành",
        classification="1",
        opened_at="2025-03-05T01:30:00+00:00",
    )


def _get(client: Client, user: User, url: str, **params: Any) -> Any:
    headers = {k: params.pop(k) for k in list(params) if k.startswith("HTTP_")}
    return client.get(url, params, **bearer(client, user), **headers)


def _pages(response: Any) -> list[str]:
    assert response.content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_it_exports_a_person_as_a_pdf_with_vietnamese_text_intact(
    client: Client, hoa: User, hoa_nguyen: Person
) -> None:
    response = _get(
        client, hoa, f"/api/v1/records/persons/{hoa_nguyen.pk}/export.pdf", purpose=PURPOSE
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        rf'attachment; filename="person-{hoa_nguyen.pk}-\d{{8}}-\d{{4}}\.pdf"',
        response["Content-Disposition"],
    )
    text = "\n".join(_pages(response))
    assert "Nguyễn Thị Hoà" in text
    assert "079190001234" in text
    assert "Phường Bến Thành" in text
    assert PURPOSE in text
    assert "hoa" in text and "Đặng Thị Hoà" in text
    assert "dan-cu" in text  # the source of each fact
    assert "SafeCity — Cá nhân — THƯỜNG" in text  # kind and marking, in Vietnamese by default


def test_it_audits_the_pdf_export_with_its_purpose(
    client: Client, hoa: User, hoa_nguyen: Person
) -> None:
    _get(client, hoa, f"/api/v1/records/persons/{hoa_nguyen.pk}/export.pdf", purpose=PURPOSE)

    entry = AuditEntry.objects.get(action="records.person.export_pdf")
    assert (entry.outcome, entry.actor_username, entry.purpose) == ("success", "hoa", PURPOSE)
    assert (entry.object_type, entry.object_id) == ("person", str(hoa_nguyen.pk))
    assert entry.detail["format"] == "pdf"
    assert entry.detail["returned"] == [f"person:{hoa_nguyen.pk}"]
    access = RecordAccess.objects.get(kind="person", entity_id=hoa_nguyen.pk)
    assert (access.action, access.purpose, access.audit_seq) == ("export", PURPOSE, entry.seq)


def test_it_refuses_a_pdf_without_the_export_permission_and_audits_the_refusal(
    client: Client, tam: User, hoa_nguyen: Person
) -> None:
    """Tâm the records clerk reads records but may not export them."""
    record = _get(
        client, tam, f"/api/v1/records/persons/{hoa_nguyen.pk}/export.pdf", purpose=PURPOSE
    )
    search = _get(
        client, tam, "/api/v1/records/search/export.pdf", q="Nguyễn Thị Hoà", purpose=PURPOSE
    )

    assert (record.status_code, search.status_code) == (403, 403)
    assert record.json()["error"]["code"] == "forbidden"
    for action in ("records.person.export_pdf", "records.search.export_pdf"):
        denied = AuditEntry.objects.get(action=action)
        assert (denied.outcome, denied.actor_username) == ("denied", "tam")
    assert not RecordAccess.objects.exists()


@pytest.mark.parametrize("purpose", [None, "", "ab"])
def test_it_answers_428_to_a_pdf_without_a_purpose(
    client: Client, hoa: User, hoa_nguyen: Person, purpose: str | None
) -> None:
    params = {} if purpose is None else {"purpose": purpose}

    record = _get(client, hoa, f"/api/v1/records/persons/{hoa_nguyen.pk}/export.pdf", **params)
    search = _get(client, hoa, "/api/v1/records/search/export.pdf", q="Hoà", **params)

    assert (record.status_code, search.status_code) == (428, 428)
    assert record.json()["error"]["code"] == "purpose_required"
    assert search.json()["error"]["code"] == "purpose_required"
    assert not AuditEntry.objects.filter(action__endswith="export_pdf").exists()


def test_a_case_above_the_officers_clearance_is_not_found(
    client: Client, hoa: User, criminal_police: Unit
) -> None:
    """Hoà is cleared for Mật; a Tối mật case of her own department does not exist for her."""
    secret = case(criminal_police, number="VA-2025/0099", classification="2")

    response = _get(client, hoa, f"/api/v1/records/cases/{secret.pk}/export.pdf", purpose=PURPOSE)

    assert response.status_code == 404
    assert not RecordAccess.objects.exists()


def test_it_marks_a_case_with_its_classification_and_lists_links_and_timeline(
    client: Client, hoa: User, hoa_nguyen: Person, theft: Case
) -> None:
    """GIVEN a Mật case opened at 01:30 UTC with Nguyễn Thị Hoà linked as its suspect
    WHEN Hoà exports it, once in Vietnamese and once in English
    THEN each printout carries the marking in that language, the suspect under her role,
    and the timeline in Ho Chi Minh City time."""
    services.link_add(actor=hoa, role="suspect", a=hoa_nguyen, b=theft)
    url = f"/api/v1/records/cases/{theft.pk}/export.pdf"

    vietnamese = "\n".join(_pages(_get(client, hoa, url, purpose=PURPOSE)))
    english = "\n".join(_pages(_get(client, hoa, url, purpose=PURPOSE, HTTP_ACCEPT_LANGUAGE="en")))

    assert "SafeCity — Vụ việc — MẬT" in vietnamese
    assert "SafeCity — Case — CONFIDENTIAL" in english
    assert "Trộm cắp xe máy tại chợ Bến Thành" in vietnamese
    assert re.search(r"Suspect \(1\)\s+Person: Nguyễn Thị Hoà \(1990\)", english)
    assert "05/03/2025 08:30" in english  # opened at 01:30 UTC, printed in HCMC time
    assert AuditEntry.objects.filter(action="records.case.export_pdf").count() == 2
    entry = AuditEntry.objects.filter(action="records.case.export_pdf").latest("seq")
    assert set(entry.detail["returned"]) == {f"case:{theft.pk}", f"person:{hoa_nguyen.pk}"}


def test_it_exports_search_results_as_a_pdf_stamped_on_every_page(
    client: Client, hoa: User, wards: object
) -> None:
    """Sixty results take more than one page: each page says who exported them and why."""
    put(
        "person",
        *(
            {"full_name": f"Trần Văn Bình {chr(0x41 + i % 26)}{i}", "birth_date": "1985"}
            for i in range(60)
        ),
        source="dan-cu",
    )
    put("person", {"full_name": "Lê Thị Ngọc", "cccd": "079185004321", "birth_date": "1985"})

    response = _get(
        client, hoa, "/api/v1/records/search/export.pdf", q="Trần Văn Bình", purpose=PURPOSE
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="search-')
    pages = _pages(response)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"{number}/{len(pages)}" in page
        assert "hoa" in page and PURPOSE in page
    text = "\n".join(pages)
    assert "Trần Văn Bình A0" in text and "Trần Văn Bình H59" in text
    assert "Lê Thị Ngọc" not in text
    entry = AuditEntry.objects.get(action="records.search.export_pdf")
    assert entry.purpose == PURPOSE
    assert len(entry.detail["returned"]) == 60
    assert RecordAccess.objects.filter(action="export").count() == 60


def test_the_search_printout_takes_the_marking_of_its_most_classified_result(
    client: Client, hoa: User, theft: Case
) -> None:
    response = _get(
        client, hoa, "/api/v1/records/search/export.pdf", q="VA-2025/0012", purpose=PURPOSE
    )

    text = "\n".join(_pages(response))
    assert "— MẬT" in text
    assert "VA-2025/0012" in text


def test_it_prints_whatever_was_typed_without_failing(client: Client, hoa: User) -> None:
    """Characters the font lacks, control characters and a long unbroken word still give a
    PDF (the API is fuzzed; a 500 here would be a bug), and the purpose is printed as typed."""
    query = "漢字 🚓 \x07\x1b\ue000" + "ư" * 150
    purpose = "kiểm tra {nb}"

    response = _get(client, hoa, "/api/v1/records/search/export.pdf", q=query, purpose=purpose)

    assert response.status_code == 200
    text = "".join(_pages(response))
    assert "ư" * 50 in text.replace("\n", "")
    assert "kiểm tra {nb}" in text


def test_it_stamps_the_export_time_in_ho_chi_minh_city_time(
    client: Client, hoa: User, hoa_nguyen: Person
) -> None:
    before = datetime.now(UTC)
    response = _get(
        client, hoa, f"/api/v1/records/persons/{hoa_nguyen.pk}/export.pdf", purpose=PURPOSE
    )
    after = datetime.now(UTC)

    first_page = _pages(response)[0]
    expected = {t.astimezone(HCMC).strftime("%d/%m/%Y %H:%M") for t in (before, after)}
    assert expected & set(re.findall(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", first_page))
