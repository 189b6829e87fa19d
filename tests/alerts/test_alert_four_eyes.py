"""Four-eyes: a warning is written by one officer and approved by another holding
accounts.approve_alerts before anyone may publish it. The author can never approve their own
draft; an officer without the capability is refused; a changed draft needs approving again."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.alerts import services
from safecity.alerts.models import Alert
from safecity.core.errors import Conflict, Forbidden
from safecity.core.models import AuditEntry
from tests import factories
from tests.alerts.conftest import content
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("wards")


@pytest.fixture
def draft(ngoc: User) -> Alert:
    return services.alert_draft_create(actor=ngoc, content=content())


def test_it_refuses_the_author_approving_her_own_draft(draft: Alert, ngoc: User):
    """Ngọc's role holds approve_alerts too; it still cannot approve what she wrote."""
    with pytest.raises(Forbidden) as refused:
        services.alert_approve(actor=ngoc, alert=draft)

    assert refused.value.code == "four_eyes"
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Alert.Status.DRAFT, None)
    denial = AuditEntry.objects.filter(action="alert.approve").latest("seq")
    assert (denial.actor_id, denial.outcome, denial.detail) == (
        ngoc.pk,
        "denied",
        {"reason": "four_eyes"},
    )


def test_it_refuses_the_author_on_the_api(client: Client, draft: Alert, ngoc: User):
    response = client.post(f"/api/v1/alerts/{draft.pk}/approve", **bearer(client, ngoc))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "four_eyes"


def test_it_lets_a_second_officer_approve(client: Client, draft: Alert, thang: User):
    response = client.post(f"/api/v1/alerts/{draft.pk}/approve", **bearer(client, thang))

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Alert.Status.APPROVED, thang)
    assert AuditEntry.objects.filter(action="alert.approve", actor_id=thang.pk).exists()


def test_it_lets_another_publisher_approve(draft: Alert, command_centre: Unit):
    bao = factories.officer(username="bao", unit_=command_centre, roles=["alert_publisher"])

    approved = services.alert_approve(actor=bao, alert=draft)

    assert approved.status == Alert.Status.APPROVED


def test_it_refuses_an_officer_who_may_not_approve(client: Client, draft: Alert, minh: User):
    """Minh, a dispatcher, holds no approve_alerts capability."""
    response = client.post(f"/api/v1/alerts/{draft.pk}/approve", **bearer(client, minh))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    draft.refresh_from_db()
    assert draft.status == Alert.Status.DRAFT
    denial = AuditEntry.objects.filter(actor_id=minh.pk).latest("seq")
    assert (denial.action, denial.outcome) == ("alert.access:accounts.approve_alerts", "denied")


def test_it_refuses_the_commander_writing_a_warning(client: Client, thang: User):
    """Approving is not writing: the commander's role holds approve_alerts only."""
    with pytest.raises(Forbidden):
        services.alert_draft_create(actor=thang, content=content())


def test_it_refuses_to_publish_an_unapproved_draft(client: Client, draft: Alert, ngoc: User):
    response = client.post(f"/api/v1/alerts/{draft.pk}/publish", **bearer(client, ngoc))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_approved"
    draft.refresh_from_db()
    assert draft.status == Alert.Status.DRAFT


def test_it_refuses_to_approve_twice(draft: Alert, thang: User):
    services.alert_approve(actor=thang, alert=draft)

    with pytest.raises(Conflict):
        services.alert_approve(actor=thang, alert=draft)


def test_it_needs_a_new_approval_after_the_author_changes_the_draft(
    draft: Alert, ngoc: User, thang: User
):
    """GIVEN Thắng approved Ngọc's draft
    WHEN Ngọc changes its headline
    THEN the draft is back to "draft", without an approver, and cannot be published."""
    services.alert_approve(actor=thang, alert=draft)

    services.alert_draft_edit(actor=ngoc, alert=draft, content=content(headline_vi="Đã sửa"))

    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.headline_vi) == (
        Alert.Status.DRAFT,
        None,
        "Đã sửa",
    )
    with pytest.raises(Conflict):
        services.alert_publish(actor=ngoc, alert=draft)


def test_it_lets_only_the_author_change_a_draft(draft: Alert, command_centre: Unit):
    """Otherwise the approver could approve words they wrote themselves."""
    bao = factories.officer(username="bao", unit_=command_centre, roles=["alert_publisher"])

    with pytest.raises(Forbidden) as refused:
        services.alert_draft_edit(actor=bao, alert=draft, content=content(headline_vi="Của Bảo"))

    assert refused.value.code == "not_author"


def test_it_hides_drafts_of_another_unit_from_a_ward_publisher(
    client: Client, draft: Alert, station: Unit
):
    """Scope: a publisher of a ward station sees only their unit's subtree."""
    ward_publisher = factories.officer(username="phuong", unit_=station, roles=["alert_publisher"])

    response = client.post(f"/api/v1/alerts/{draft.pk}/approve", **bearer(client, ward_publisher))

    assert response.status_code == 404
