"""The unit tree and unit scope: an officer sees their unit's subtree; the city command sees
every unit; citizens see none."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.test import Client

from safecity.accounts.access import access_unit, clearance_filter, in_scope, scoped
from safecity.accounts.models import Clearance, Unit, User
from safecity.core.errors import Forbidden, NotFound
from tests import factories
from tests.conftest import bearer


@pytest.fixture
def patrol_team(station: Unit) -> Unit:
    """A patrol team under the Sài Gòn ward station (Hùng's station)."""
    return factories.unit(name="Tổ tuần tra 1", kind=Unit.Kind.TEAM, parent=station)


def _codes(units: object) -> set[str]:
    return {unit.code for unit in units}  # type: ignore[attr-defined]


def test_it_builds_materialised_paths_root_first(city: Unit, station: Unit, patrol_team: Unit):
    assert city.path == f"/{city.pk}/"
    assert station.path == f"/{city.pk}/{station.pk}/"
    assert patrol_team.path == f"/{city.pk}/{station.pk}/{patrol_team.pk}/"
    assert patrol_team.ancestor_ids == [city.pk, station.pk, patrol_team.pk]


def test_it_stores_the_path_in_the_database(station: Unit, patrol_team: Unit):
    stored = Unit.objects.get(pk=patrol_team.pk)
    assert stored.path == patrol_team.path
    assert stored.path.startswith(Unit.objects.get(pk=station.pk).path)


def test_it_limits_a_station_officer_to_the_station_subtree(
    hung: User, city: Unit, command_centre: Unit, station: Unit, other_station: Unit, patrol_team
):
    visible = scoped(hung, Unit.objects.all(), unit_field="")
    assert _codes(visible) == {station.code, patrol_team.code}
    assert in_scope(hung, patrol_team)
    assert not in_scope(hung, other_station)
    assert not in_scope(hung, city)


def test_it_reports_a_sibling_station_as_not_found(hung: User, other_station: Unit):
    with pytest.raises(NotFound):
        access_unit(hung, other_station.pk)


def test_it_reports_the_parent_unit_as_not_found_to_a_station_officer(hung: User, city: Unit):
    with pytest.raises(NotFound):
        access_unit(hung, city.pk)


def test_it_opens_a_unit_inside_the_subtree(hung: User, patrol_team: Unit):
    assert access_unit(hung, patrol_team.pk) == patrol_team


def test_it_treats_a_malformed_unit_id_as_not_found(hung: User):
    with pytest.raises(NotFound):
        access_unit(hung, "not-a-number")


def test_it_shows_every_unit_to_the_command_centre(
    minh: User, city: Unit, command_centre: Unit, station: Unit, other_station: Unit, patrol_team
):
    visible = scoped(minh, Unit.objects.all(), unit_field="")
    assert _codes(visible) == set(Unit.objects.values_list("code", flat=True))
    assert len(visible) == 5
    assert access_unit(minh, other_station.pk) == other_station
    assert access_unit(minh, city.pk) == city


def test_it_shows_citizens_no_unit(lan: User, station: Unit):
    assert not scoped(lan, Unit.objects.all(), unit_field="").exists()
    assert not in_scope(lan, station)
    with pytest.raises(Forbidden):
        access_unit(lan, station.pk)


def test_it_shows_an_inactive_officer_no_unit(hung: User, station: Unit):
    User.objects.filter(pk=hung.pk).update(is_active=False)
    hung.refresh_from_db()
    assert not scoped(hung, Unit.objects.all(), unit_field="").exists()
    with pytest.raises(Forbidden):
        access_unit(hung, station.pk)


def test_it_scopes_objects_owned_by_a_unit(hung: User, minh: User, station: Unit, other_station):
    """GIVEN officers at Hùng's station and at a sibling station
    WHEN Hùng lists officers through ``scoped`` (owned by their ``unit``)
    THEN he sees his station's officers only, while Minh at the command centre sees all."""
    colleague = factories.officer(username="tuan", unit_=station)
    stranger = factories.officer(username="khoa", unit_=other_station)
    officers = User.objects.filter(kind=User.Kind.OFFICER)

    assert set(scoped(hung, officers)) == {hung, colleague}
    assert set(scoped(minh, officers)) == {hung, minh, colleague, stranger}


def test_it_builds_the_clearance_filter_on_the_named_field(station: Unit):
    confidential = factories.officer(unit_=station, clearance=Clearance.CONFIDENTIAL)
    assert clearance_filter(confidential, "classification") == Q(classification__lte=1)


def test_it_shows_objects_at_or_below_the_officer_clearance(city: Unit, station: Unit):
    """GIVEN objects classified thường, Mật, Tối mật and Tuyệt mật (officers' own clearance
    column stands in for a classification here)
    WHEN an officer cleared for Mật filters them
    THEN thường and Mật pass; Tối mật and Tuyệt mật do not."""
    levels = {
        level: factories.officer(unit_=station, clearance=level)
        for level in (
            Clearance.UNCLASSIFIED,
            Clearance.CONFIDENTIAL,
            Clearance.SECRET,
            Clearance.TOP_SECRET,
        )
    }
    reader = levels[Clearance.CONFIDENTIAL]

    visible = User.objects.filter(clearance_filter(reader, "clearance"))

    assert set(visible) == {levels[Clearance.UNCLASSIFIED], levels[Clearance.CONFIDENTIAL]}


def test_it_lets_no_classified_object_through_to_a_citizen(lan: User, station: Unit):
    factories.officer(unit_=station, clearance=Clearance.UNCLASSIFIED)
    assert not User.objects.filter(clearance_filter(lan, "clearance")).exists()


def test_it_combines_scope_and_clearance(hung: User, station: Unit, other_station: Unit):
    in_station_secret = factories.officer(unit_=station, clearance=Clearance.SECRET)
    in_station_open = factories.officer(unit_=station)
    factories.officer(unit_=other_station)

    visible = scoped(
        hung,
        User.objects.exclude(pk=hung.pk),
        unit_field="unit",
        classification_field="clearance",
    )

    assert list(visible) == [in_station_open]
    assert in_station_secret not in visible


def test_it_lists_units_in_scope_on_the_api(
    client: Client, hung: User, city: Unit, station: Unit, other_station: Unit, patrol_team
):
    response = client.get("/api/v1/units", **bearer(client, hung))

    assert response.status_code == 200
    assert {unit["code"] for unit in response.json()} == {station.code, patrol_team.code}


def test_it_lists_every_unit_to_the_command_centre_on_the_api(
    client: Client, minh: User, city: Unit, station: Unit, other_station: Unit
):
    response = client.get("/api/v1/units", **bearer(client, minh))

    assert response.status_code == 200
    assert {unit["code"] for unit in response.json()} == set(
        Unit.objects.values_list("code", flat=True)
    )


def test_it_answers_not_found_for_a_unit_out_of_scope_on_the_api(
    client: Client, hung: User, other_station: Unit, station: Unit
):
    headers = bearer(client, hung)

    outside = client.get(f"/api/v1/units/{other_station.pk}", **headers)
    inside = client.get(f"/api/v1/units/{station.pk}", **headers)

    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "not_found"
    assert inside.status_code == 200
    assert inside.json()["code"] == station.code


def test_it_refuses_the_unit_list_to_a_citizen(client: Client, lan: User, station: Unit):
    client.force_login(lan)

    response = client.get("/api/v1/units")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_it_refuses_the_unit_list_without_credentials(client: Client, station: Unit):
    response = client.get("/api/v1/units")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
