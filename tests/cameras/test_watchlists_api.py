"""Watchlists and their entries over the API: who may list and unlist plates, and the audit
trail of every change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safecity.accounts.models import Unit, User
from safecity.cameras.models import Watchlist, WatchlistEntry
from safecity.core.models import AuditEntry
from tests import factories
from tests.conftest import bearer


def _post(client: Client, user: User, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json", **bearer(client, user))


def test_an_operator_creates_a_watchlist_owned_by_their_unit(client: Client, quan: User) -> None:
    response = _post(
        client,
        quan,
        "/api/v1/watchlists",
        {"name": "Xe bị trộm", "kind": "stolen", "reason": "Trình báo mất xe"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["unit_id"], body["entries"]) == ("stolen", quan.unit_id, 0)
    assert AuditEntry.objects.filter(action="watchlist.create", object_id=str(body["id"])).exists()
    listing = client.get("/api/v1/watchlists", **bearer(client, quan)).json()
    assert [w["name"] for w in listing] == ["Xe bị trộm"]


def test_a_bad_kind_is_refused(client: Client, quan: User) -> None:
    response = _post(client, quan, "/api/v1/watchlists", {"name": "X", "kind": "fun"})

    assert response.status_code == 422
    assert "kind" in response.json()["error"]["fields"]


def test_adding_an_entry_takes_any_spelling_and_is_audited(
    client: Client, quan: User, stolen: Watchlist
) -> None:
    response = _post(
        client,
        quan,
        f"/api/v1/watchlists/{stolen.pk}/entries",
        {"plate": "59x1 12345", "reason": "Xe máy mất tại chợ", "priority": "high"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["plate"], body["plate_key"], body["priority"]) == (
        "59-X1 123.45",
        "59X112345",
        "high",
    )
    assert body["active"] is True and body["added_by"] == "Lê Minh Quân"
    audit = AuditEntry.objects.get(action="watchlist.entry_add")
    assert audit.actor_username == "quan"
    assert audit.detail["plate"] == "59-X1 123.45"
    assert audit.detail["reason"] == "Xe máy mất tại chợ"


def test_a_plate_already_listed_is_a_409_and_a_non_plate_a_422(
    client: Client, quan: User, stolen: Watchlist, listed: WatchlistEntry
) -> None:
    path = f"/api/v1/watchlists/{stolen.pk}/entries"

    again = _post(client, quan, path, {"plate": "51f12345", "reason": "Lần nữa"})
    nonsense = _post(client, quan, path, {"plate": "?!", "reason": "Không phải biển số"})
    no_reason = _post(client, quan, path, {"plate": "51F-555.55", "reason": " "})

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_listed"
    assert nonsense.status_code == 422 and "plate" in nonsense.json()["error"]["fields"]
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]


def test_removing_an_entry_keeps_it_marked_removed_and_is_audited(
    client: Client, quan: User, stolen: Watchlist, listed: WatchlistEntry
) -> None:
    response = client.delete(
        f"/api/v1/watchlists/{stolen.pk}/entries/{listed.pk}?reason=Đã tìm thấy xe",
        **bearer(client, quan),
    )

    assert response.status_code == 204
    listed.refresh_from_db()
    assert listed.removed_at is not None and listed.removed_by == quan
    audit = AuditEntry.objects.get(action="watchlist.entry_remove")
    assert audit.detail["why"] == "Đã tìm thấy xe"
    live = client.get(f"/api/v1/watchlists/{stolen.pk}/entries", **bearer(client, quan)).json()
    removed = client.get(
        f"/api/v1/watchlists/{stolen.pk}/entries?removed=true", **bearer(client, quan)
    ).json()
    assert live == [] and [e["id"] for e in removed] == [listed.pk]


def test_editing_an_entry_is_audited_with_before_and_after(
    client: Client, quan: User, stolen: Watchlist, listed: WatchlistEntry
) -> None:
    response = client.patch(
        f"/api/v1/watchlists/{stolen.pk}/entries/{listed.pk}",
        {"priority": "critical", "allow_one_edit": True},
        content_type="application/json",
        **bearer(client, quan),
    )

    assert response.status_code == 200, response.content
    assert (response.json()["priority"], response.json()["allow_one_edit"]) == ("critical", True)
    audit = AuditEntry.objects.get(action="watchlist.entry_edit")
    assert audit.detail["before"] == {"priority": "normal", "allow_one_edit": False}


@pytest.mark.parametrize(
    "body",
    [{"allow_one_edit": None}, {"reason": None}, {"priority": None}, {"reason": "  "}],
)
def test_an_edit_with_a_null_or_empty_value_is_refused_and_changes_nothing(
    client: Client, quan: User, stolen: Watchlist, listed: WatchlistEntry, body: dict[str, Any]
) -> None:
    response = client.patch(
        f"/api/v1/watchlists/{stolen.pk}/entries/{listed.pk}",
        body,
        content_type="application/json",
        **bearer(client, quan),
    )

    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"].keys() == body.keys()
    listed.refresh_from_db()
    assert (listed.allow_one_edit, listed.priority) == (False, "normal")
    assert listed.reason == "Trình báo mất xe ngày 01/07"
    assert not AuditEntry.objects.filter(action="watchlist.entry_edit").exists()


def test_a_station_sees_the_city_s_lists_but_not_another_station_s(
    client: Client, stolen: Watchlist, station: Unit, other_station: Unit
) -> None:
    ours = factories.officer(unit_=station, roles=["camera_operator"])
    theirs = factories.officer(unit_=other_station, roles=["camera_operator"])
    _post(client, theirs, "/api/v1/watchlists", {"name": "Danh sách riêng", "kind": "custom"})

    names = [w["name"] for w in client.get("/api/v1/watchlists", **bearer(client, ours)).json()]

    assert names == ["Xe bị trộm"]


def test_officers_without_the_capability_cannot_list_plates(
    client: Client, hung: User, minh: User, stolen: Watchlist
) -> None:
    path = f"/api/v1/watchlists/{stolen.pk}/entries"

    by_patrol = _post(client, hung, path, {"plate": "51F-123.45", "reason": "Thử"})
    by_dispatcher = _post(client, minh, path, {"plate": "51F-123.45", "reason": "Thử"})

    assert by_patrol.status_code == 403
    assert by_dispatcher.status_code == 403  # dispatchers see hits, they do not list plates
    assert client.get(path, **bearer(client, minh)).status_code == 200
    assert not WatchlistEntry.objects.exists()
