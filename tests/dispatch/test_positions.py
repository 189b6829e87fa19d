"""Positions from a unit's tracker or an officer's phone: each fix accepted or refused with a
reason; the history kept for the retention; the newest fix becomes the unit's position."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecity.accounts.models import DeviceKey, Unit, User
from safecity.accounts.services import device_key_create
from safecity.dispatch.models import PatrolUnit, Position
from safecity.dispatch.positions import Fix, positions_purge, positions_record, province_bounds
from safecity.dispatch.selectors import PositionTarget, access_unit_for_positions
from safecity.geography.models import Province, Ward
from tests.conftest import bearer
from tests.dispatch.conftest import CENTRE, fresh_unit, north_of, patrol_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hcmc_bounds(db: None) -> None:
    """One ward whose box stands for the province's bounds (10.3–11.2 N, 106.3–107.1 E)."""
    province = Province.objects.create(
        code=79, name="Thành phố Hồ Chí Minh", division_type="thành phố", codename="ho_chi_minh"
    )
    Ward.objects.create(
        code=26734,
        province=province,
        name="Phường Sài Gòn",
        division_type="phường",
        codename="sai_gon",
        search_key="phuong sai gon",
        min_lat=10.3,
        max_lat=11.2,
        min_lon=106.3,
        max_lon=107.1,
    )


def target(unit: PatrolUnit) -> PositionTarget:
    unit = PatrolUnit.objects.select_related("station").get(pk=unit.pk)
    return PositionTarget(
        unit.pk,
        unit.call_sign,
        unit.status,
        unit.station.path,
        unit.lat,
        unit.lon,
        unit.position_at,
    )


def fix(at: tuple[float, float], ts: datetime, **kwargs: Any) -> Fix:
    return Fix(lat=at[0], lon=at[1], ts=ts, **kwargs)


@pytest.fixture
def tracked(station: Unit) -> PatrolUnit:
    """A car whose last accepted fix was a minute ago at the centre."""
    return patrol_unit(
        station, call_sign="TT-09", at=CENTRE, position_at=timezone.now() - timedelta(minutes=1)
    )


def test_it_accepts_good_fixes_stores_them_and_moves_the_unit(tracked: PatrolUnit) -> None:
    now = timezone.now()
    fixes = [fix(north_of(100 * i), now - timedelta(seconds=30 - 10 * i)) for i in range(3)]

    result = positions_record(target=target(tracked), fixes=fixes, now=now)

    assert (result.accepted, result.rejected) == (3, [])
    unit = fresh_unit(tracked)
    assert (unit.lat, unit.lon) == (fixes[-1].lat, fixes[-1].lon)
    assert unit.position_at == fixes[-1].ts
    assert Position.objects.filter(unit=tracked).count() == 4  # with the first one


@pytest.mark.usefixtures("hcmc_bounds")
@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda now: fix((21.03, 105.85), now), "outside_area"),  # Hà Nội
        (lambda now: fix((91.0, 106.7), now), "invalid"),
        (lambda now: fix(CENTRE, now, accuracy_m=-5.0), "invalid"),
        (lambda now: fix(CENTRE, now, heading=400.0), "invalid"),
        (lambda now: fix(CENTRE, now, speed_mps=float("nan")), "invalid"),
        (lambda now: fix(CENTRE, now + timedelta(minutes=5)), "in_future"),
        (lambda now: fix(CENTRE, now - timedelta(minutes=30)), "too_old"),  # latest: 1 min ago
        (lambda now: fix(north_of(20_000), now), "impossible_speed"),  # 20 km in a minute
        (lambda now: fix(CENTRE, now, speed_mps=95.0), "impossible_speed"),
    ],
)
def test_it_refuses_an_impossible_fix_with_its_reason(
    tracked: PatrolUnit, make: Any, code: str
) -> None:
    now = timezone.now()
    before = fresh_unit(tracked).position_at

    result = positions_record(
        target=target(tracked),
        fixes=[fix(north_of(50), now - timedelta(seconds=1)), make(now)],
        now=now,
    )

    assert result.accepted == 1
    assert [(r.index, r.code) for r in result.rejected] == [(1, code)]
    assert result.rejected[0].message
    assert fresh_unit(tracked).position_at != before


def test_it_refuses_a_second_fix_at_the_same_time(tracked: PatrolUnit) -> None:
    now = timezone.now()

    result = positions_record(
        target=target(tracked), fixes=[fix(CENTRE, now), fix(CENTRE, now)], now=now
    )

    assert result.accepted == 1 and [r.code for r in result.rejected] == ["duplicate"]


def test_a_late_fix_within_the_lag_joins_the_history_but_does_not_move_the_unit(
    tracked: PatrolUnit,
) -> None:
    latest = fresh_unit(tracked).position_at
    assert latest is not None

    result = positions_record(
        target=target(tracked), fixes=[fix(north_of(30), latest - timedelta(seconds=20))]
    )

    assert result.accepted == 1
    assert fresh_unit(tracked).position_at == latest
    assert Position.objects.filter(unit=tracked).count() == 2


def test_the_speed_check_follows_the_batch_in_time_order(tracked: PatrolUnit) -> None:
    """Fixes sent out of order are judged against the previous fix in time, not in the list."""
    now = timezone.now()
    fixes = [fix(north_of(600), now), fix(north_of(300), now - timedelta(seconds=30))]

    result = positions_record(target=target(tracked), fixes=fixes, now=now)

    assert result.accepted == 2
    assert fresh_unit(tracked).lat == pytest.approx(north_of(600)[0])


def test_the_province_bounds_come_from_the_ward_boundaries(hcmc_bounds: None) -> None:
    bounds = province_bounds()

    assert bounds is not None
    assert bounds.contains(*CENTRE) and not bounds.contains(21.03, 105.85)


def test_the_purge_deletes_only_history_older_than_the_retention(
    tracked: PatrolUnit, settings: Any
) -> None:
    settings.SAFECITY_POSITION_RETENTION_DAYS = 30
    Position.objects.filter(unit=tracked).update(received_at=timezone.now() - timedelta(days=31))
    positions_record(target=target(tracked), fixes=[fix(north_of(10), timezone.now())])

    deleted = positions_purge()
    call_command("dispatch", "purge-positions")

    assert deleted == 1
    assert Position.objects.filter(unit=tracked).count() == 1


def test_a_fix_older_than_the_retention_is_refused(station: Unit, settings: Any) -> None:
    settings.SAFECITY_POSITION_RETENTION_DAYS = 7
    fresh = patrol_unit(station, call_sign="TT-10", at=None)

    result = positions_record(
        target=target(fresh), fixes=[fix(CENTRE, timezone.now() - timedelta(days=8))]
    )

    assert [r.code for r in result.rejected] == ["too_old"]


# --- Over the API, and who may post -------------------------------------------------------------


def _post(client: Client, unit: PatrolUnit, fixes: list[dict[str, Any]], **headers: Any) -> Any:
    return client.post(
        f"/api/v1/units/{unit.pk}/positions",
        {"fixes": fixes},
        content_type="application/json",
        **headers,
    )


def _json_fix(at: tuple[float, float], ts: datetime, **extra: Any) -> dict[str, Any]:
    return {"lat": at[0], "lon": at[1], "ts": ts.isoformat(), **extra}


def test_the_crew_posts_a_batch_and_hears_which_fixes_were_refused(
    client: Client, tracked: PatrolUnit, hung: User
) -> None:
    PatrolUnit.members.through.objects.create(patrolunit_id=tracked.pk, user_id=hung.pk)
    now = timezone.now()

    response = _post(
        client,
        tracked,
        [
            _json_fix(north_of(40), now - timedelta(seconds=5), accuracy_m=6, heading=90),
            _json_fix(CENTRE, now + timedelta(hours=1)),
            _json_fix(north_of(80), now, speed_mps=4.2),
        ],
        **bearer(client, hung),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [(1, "in_future")]
    assert fresh_unit(tracked).speed_mps == 4.2


def test_the_unit_s_tracker_posts_with_its_device_key(
    client: Client, station: Unit, tracked: PatrolUnit
) -> None:
    _key, raw = device_key_create(
        name="GPS TT-09", kind=DeviceKey.Kind.TRACKER, unit=station, subject=tracked.call_sign
    )

    response = _post(
        client,
        tracked,
        [_json_fix(north_of(10), timezone.now())],
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200 and response.json()["accepted"] == 1


def test_a_device_key_posts_for_its_own_unit_only(
    client: Client, station: Unit, tracked: PatrolUnit
) -> None:
    other = patrol_unit(station, call_sign="TT-11")
    _key, raw = device_key_create(
        name="GPS TT-11", kind=DeviceKey.Kind.TRACKER, unit=station, subject=str(other.pk)
    )
    _camera, camera_raw = device_key_create(
        name="Camera", kind=DeviceKey.Kind.CAMERA, unit=station, subject=str(tracked.pk)
    )
    body = [_json_fix(north_of(10), timezone.now())]

    own = _post(client, other, body, HTTP_AUTHORIZATION=f"Bearer {raw}")
    foreign = _post(client, tracked, body, HTTP_AUTHORIZATION=f"Bearer {raw}")
    camera = _post(client, tracked, body, HTTP_AUTHORIZATION=f"Bearer {camera_raw}")

    assert own.status_code == 200
    assert foreign.status_code == 404 and camera.status_code == 404
    assert Position.objects.filter(unit=tracked).count() == 1


def test_an_officer_not_in_the_crew_cannot_post_a_unit_s_positions(
    client: Client, tracked: PatrolUnit, hung: User, minh: User
) -> None:
    body = [_json_fix(north_of(10), timezone.now())]

    stranger = _post(client, tracked, body, **bearer(client, hung))
    dispatcher = _post(client, tracked, body, **bearer(client, minh))

    assert stranger.status_code == 403
    assert dispatcher.status_code == 200  # a dispatcher in scope may correct a position


def test_the_positions_api_refuses_malformed_batches_whole(
    client: Client, tracked: PatrolUnit, minh: User
) -> None:
    headers = bearer(client, minh)
    now = timezone.now()

    empty = _post(client, tracked, [], **headers)
    too_many = _post(client, tracked, [_json_fix(CENTRE, now)] * 1001, **headers)
    bad_time = _post(client, tracked, [{"lat": 10.7, "lon": 106.7, "ts": "yesterday"}], **headers)
    text_lat = _post(
        client, tracked, [{"lat": "north", "lon": 106.7, "ts": now.isoformat()}], **headers
    )

    for response in (empty, too_many, bad_time, text_lat):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid"
    assert "fixes.0.ts" in bad_time.json()["error"]["fields"]


def test_access_reads_the_unit_and_the_permission_in_one_query(
    tracked: PatrolUnit, hung: User, django_assert_num_queries: Any
) -> None:
    PatrolUnit.members.through.objects.create(patrolunit_id=tracked.pk, user_id=hung.pk)
    hung = User.objects.select_related("unit").get(pk=hung.pk)

    with django_assert_num_queries(1):
        found = access_unit_for_positions(hung, tracked.pk)

    assert found.call_sign == "TT-09"


@pytest.mark.usefixtures("hcmc_bounds")
def test_a_batch_costs_two_statements_whatever_its_size(tracked: PatrolUnit) -> None:
    now = timezone.now()
    fixes = [fix(north_of(i), now - timedelta(seconds=55 - i / 20)) for i in range(1000)]
    spot = target(tracked)
    assert province_bounds() is not None  # read once per process

    with CaptureQueriesContext(connection) as queries:
        result = positions_record(target=spot, fixes=fixes, now=now)

    # An ``executemany`` is logged once, as "1000 times: INSERT …".
    statements = [q["sql"].split(" times: ")[-1].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in {"SAVEPOINT", "RELEASE"}] == ["INSERT", "UPDATE"]
    assert result.accepted == 1000
    assert Position.objects.filter(unit=tracked).count() == 1001
