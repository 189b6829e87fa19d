"""A dispatcher folds one incident into another (their reports move over), or undoes a wrong
duplicate link (the report gets an incident of its own)."""

from __future__ import annotations

import math

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.models import AuditEntry
from safecity.geography.distance import EARTH_RADIUS_M
from safecity.incidents.models import Channel, Incident, IncidentEvent, Priority, Report
from safecity.incidents.selectors import report_public_status
from safecity.incidents.services import (
    ReportInput,
    incident_acknowledge,
    incident_close,
    incident_merge,
    incident_set_priority,
    report_submit,
    report_unlink,
)
from tests.conftest import bearer
from tests.incidents.conftest import Hcmc

FAR = 2_000  # metres: beyond every default duplicate distance


def submit(hcmc: Hcmc, category: str = "fire", *, north_m: float = 0) -> Report:
    lat, lon = hcmc.point("Phường Sài Gòn")
    lat += math.degrees(north_m / EARTH_RADIUS_M)
    return report_submit(data=ReportInput(category=category, lat=lat, lon=lon), channel=Channel.WEB)


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


# --- Merge ----------------------------------------------------------------------------------------


def test_it_moves_the_reports_and_sums_the_counts(hcmc: Hcmc, minh: User):
    """GIVEN an incident with two reports and another, far away, with one
    WHEN Minh merges the first into the second
    THEN all three reports belong to the second, which counts three."""
    first = submit(hcmc)
    second = submit(hcmc)
    third = submit(hcmc, north_m=FAR)
    source, target = first.incident, third.incident
    assert fresh(source).report_count == 2

    merged = incident_merge(source=source, target=target, actor=minh)

    assert merged.pk == target.pk
    assert fresh(target).report_count == 3
    assert set(Report.objects.filter(incident=target).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert not Report.objects.filter(incident=source).exists()


def test_it_ends_the_source_as_merged_into_the_target(hcmc: Hcmc, minh: User):
    source = submit(hcmc).incident
    target = submit(hcmc, north_m=FAR).incident

    incident_merge(source=source, target=target, actor=minh)

    source = fresh(source)
    assert source.status == Incident.Status.MERGED
    assert source.merged_into_id == target.pk
    assert source.report_count == 0
    assert source.ended_at is not None
    assert fresh(target).status == Incident.Status.NEW


@pytest.mark.parametrize(
    ("source_priority", "target_priority"), [(Priority.P1, Priority.P3), (Priority.P3, Priority.P1)]
)
def test_it_keeps_the_higher_priority_of_the_two(
    hcmc: Hcmc, minh: User, source_priority: int, target_priority: int
):
    source = submit(hcmc, "other").incident
    target = submit(hcmc, "other", north_m=FAR).incident
    incident_set_priority(incident=source, priority=source_priority, reason="Gọi lại", actor=minh)
    incident_set_priority(incident=target, priority=target_priority, reason="Gọi lại", actor=minh)

    incident_merge(source=source, target=target, actor=minh)

    assert fresh(target).priority == Priority.P1


def test_it_writes_the_merge_on_both_timelines_and_the_audit_trail(hcmc: Hcmc, minh: User):
    source = submit(hcmc).incident
    target = submit(hcmc, north_m=FAR).incident

    incident_merge(source=source, target=target, actor=minh)

    source_event = source.events.get(kind=IncidentEvent.Kind.MERGED)
    target_event = target.events.get(kind=IncidentEvent.Kind.MERGED)
    assert source_event.detail == {"into": target.pk}
    assert target_event.detail == {"absorbed": source.pk, "reports": 1}
    assert source_event.actor == target_event.actor == minh
    entry = AuditEntry.objects.get(action="incident.merge")
    assert entry.object_id == str(target.pk)
    assert entry.actor_username == "minh"
    assert entry.detail == {"source": source.pk, "reports": 1}


def test_it_refuses_to_merge_an_incident_into_itself(hcmc: Hcmc, minh: User):
    incident = submit(hcmc).incident

    with pytest.raises(InvalidInput) as refused:
        incident_merge(source=incident, target=incident, actor=minh)

    assert "target_id" in refused.value.fields
    assert fresh(incident).status == Incident.Status.NEW


def test_it_refuses_to_merge_into_an_ended_incident(hcmc: Hcmc, minh: User):
    source = submit(hcmc).incident
    target = submit(hcmc, north_m=FAR).incident
    incident_close(incident=target, outcome="Báo nhầm", actor=minh, status="false_report")

    with pytest.raises(Conflict) as refused:
        incident_merge(source=source, target=target, actor=minh)

    assert refused.value.code == "incident_ended"
    assert fresh(source).status == Incident.Status.NEW
    assert fresh(source).report_count == 1


def test_it_refuses_to_merge_an_incident_already_merged(hcmc: Hcmc, minh: User):
    source = submit(hcmc).incident
    target = submit(hcmc, north_m=FAR).incident
    other = submit(hcmc, north_m=2 * FAR).incident
    incident_merge(source=source, target=target, actor=minh)

    with pytest.raises(Conflict):
        incident_merge(source=source, target=other, actor=minh)

    assert fresh(source).merged_into_id == target.pk


def test_it_shows_a_merged_incidents_reporter_the_targets_status(hcmc: Hcmc, minh: User):
    """GIVEN Lan's report opened an incident that Minh merges into another
    WHEN Minh acknowledges the target incident
    THEN Lan's tracking code shows "being handled" with the acknowledgement on its timeline."""
    lans_report = submit(hcmc)
    target = submit(hcmc, north_m=FAR).incident
    incident_merge(source=lans_report.incident, target=target, actor=minh)

    incident_acknowledge(incident=target, actor=minh)

    status = report_public_status(lans_report.tracking_code)
    assert status["status"] == "handling"
    assert [item["event"] for item in status["timeline"]] == ["received", "handling"]


def test_it_refuses_a_merge_into_itself_through_the_api(client: Client, hcmc: Hcmc, minh: User):
    incident = submit(hcmc).incident

    response = client.post(
        f"/api/v1/incidents/{incident.pk}/merge",
        {"target_id": incident.pk},
        content_type="application/json",
        **bearer(client, minh),
    )

    assert response.status_code == 422
    assert "target_id" in response.json()["error"]["fields"]


# --- Unlink ---------------------------------------------------------------------------------------


def test_it_gives_an_unlinked_report_its_own_incident(hcmc: Hcmc, minh: User):
    """GIVEN two reports that were linked as one incident
    WHEN Minh unlinks the second
    THEN it has a new incident of its own, and the old one counts one report again."""
    first = submit(hcmc, "security")
    second = submit(hcmc, "security")
    old = first.incident
    assert second.incident_id == old.pk

    new = report_unlink(report=second, actor=minh)

    second.refresh_from_db()
    assert second.incident_id == new.pk != old.pk
    assert second.joined_existing is False
    assert new.report_count == 1
    assert new.category == "security"
    assert new.ward_code == second.ward_code
    assert new.unit == hcmc.station("Phường Sài Gòn")
    assert fresh(old).report_count == 1
    assert first.pk in fresh(old).reports.values_list("pk", flat=True)


def test_it_writes_the_unlink_on_both_timelines_and_the_audit_trail(hcmc: Hcmc, minh: User):
    first = submit(hcmc, "security")
    second = submit(hcmc, "security")

    new = report_unlink(report=second, actor=minh)

    old_event = first.incident.events.get(kind=IncidentEvent.Kind.UNLINKED)
    assert old_event.detail == {"report": second.pk, "new_incident": new.pk}
    assert new.events.get(kind=IncidentEvent.Kind.OPENED).detail == {
        "unlinked_from": first.incident_id
    }
    entry = AuditEntry.objects.get(action="report.unlink")
    assert entry.object_id == str(second.pk)
    assert entry.detail == {"from": first.incident_id, "to": new.pk}
    assert report_public_status(second.tracking_code)["joined_existing"] is False


def test_it_refuses_to_unlink_an_incidents_only_report(hcmc: Hcmc, minh: User):
    only = submit(hcmc)
    incidents = Incident.objects.count()

    with pytest.raises(Conflict) as refused:
        report_unlink(report=only, actor=minh)

    assert refused.value.code == "only_report"
    assert Incident.objects.count() == incidents
    assert fresh(only.incident).report_count == 1


def test_it_refuses_to_unlink_the_only_report_through_the_api(
    client: Client, hcmc: Hcmc, minh: User
):
    only = submit(hcmc)

    response = client.post(
        f"/api/v1/incidents/{only.incident_id}/reports/{only.pk}/unlink",
        **bearer(client, minh),
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "only_report"
