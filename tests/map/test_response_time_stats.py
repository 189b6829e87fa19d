"""Response-time statistics on a hand-built timeline whose answers are known: time to
acknowledge, to dispatch and to the first unit on scene (nearest-rank p50/p90), the share
processed within 60 s, counts by status — overall, per ward, per category, within scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safecity.accounts.models import Unit, User
from safecity.incidents.models import Incident
from safecity.map.stats import TimelineRow, percentile, summarise
from tests.conftest import bearer
from tests.map.conftest import (
    BEN_THANH,
    IN_BEN_THANH,
    IN_SAI_GON,
    SAI_GON,
    assignment,
    incident,
    patrol_unit,
)

STATS = "/api/v1/stats/response-times"

# --- Percentiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "expected"),
    # The worked example of the nearest-rank method: {15, 20, 35, 40, 50}.
    [(5, 15), (30, 20), (40, 20), (50, 35), (90, 50), (100, 50)],
)
def test_it_takes_nearest_rank_percentiles(p: int, expected: float) -> None:
    assert percentile([50, 15, 40, 20, 35], p) == expected


def test_it_takes_the_lower_middle_value_as_the_median_of_an_even_count() -> None:
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9


def test_it_computes_the_rank_without_floating_point_drift() -> None:
    """0.9 × 70 is 63.000000000000014 in floating point; the rank must still be 63."""
    assert percentile(list(range(1, 71)), 90) == 63


def test_it_has_no_percentile_of_nothing() -> None:
    assert percentile([], 50) is None


# --- A hand-built timeline ----------------------------------------------------------------------

# (station, category, status, seconds to acknowledge, [(seconds to assign, to on scene), ...])
TIMELINE: list[tuple[str, str, str, float | None, list[tuple[float, float | None]]]] = [
    ("sg", "fire", "closed", 5, [(20, None), (90, 240)]),  # second unit reached it first
    ("sg", "fire", "closed", 8, [(30, 300)]),
    ("sg", "security", "closed", 10, [(45, None)]),
    ("sg", "security", "closed", 12, [(50, 420)]),
    ("sg", "security", "closed", 15, [(60, None)]),  # exactly on the 60 s target: within
    ("bt", "security", "closed", 18, [(61, 600)]),
    ("bt", "fire", "closed", 20, [(75, None)]),
    ("bt", "fire", "closed", 25, [(90, None)]),
    ("bt", "medical", "on_scene", 30, [(120, None)]),
    ("bt", "medical", "dispatched", 40, [(300, None)]),
    ("sg", "other", "cancelled", 90, []),  # never dispatched
    ("sg", "security", "merged", 1, [(1, 2)]),  # a duplicate: counted by status only
]
# Overall, merged left out:
#   acknowledge 5 8 10 12 15 18 20 25 30 40 90 (n=11) → p50 rank 6 = 18, p90 rank 10 = 40
#   dispatch   20 30 45 50 60 61 75 90 120 300 (n=10) → p50 rank 5 = 60, p90 rank 9 = 120
#   on scene  240 300 420 600 (n=4)                   → p50 rank 2 = 300, p90 rank 4 = 600
#   within 60 s: 20 30 45 50 60 → 5 of 10 dispatched


def rows_of(base: datetime) -> list[TimelineRow]:
    rows = []
    for number, (station, category, status, ack, sends) in enumerate(TIMELINE):
        opened = base + timedelta(minutes=number)
        rows.append(
            TimelineRow(
                ward_code=SAI_GON if station == "sg" else BEN_THANH,
                category=category,
                status=status,
                opened_at=opened,
                acknowledged_at=opened + timedelta(seconds=ack) if ack is not None else None,
                first_assigned_at=opened + timedelta(seconds=min(s for s, _o in sends))
                if sends
                else None,
                first_on_scene_at=opened
                + timedelta(seconds=min(o for _s, o in sends if o is not None))
                if any(o is not None for _s, o in sends)
                else None,
            )
        )
    return rows


def test_it_summarises_the_timeline() -> None:
    base = timezone.now() - timedelta(days=1)

    stats = summarise(rows_of(base), key="all", label="all", target_seconds=60)

    assert stats.incidents == 12
    assert (stats.acknowledge.n, stats.acknowledge.p50, stats.acknowledge.p90) == (11, 18, 40)
    assert (stats.dispatch.n, stats.dispatch.p50, stats.dispatch.p90) == (10, 60, 120)
    assert (stats.on_scene.n, stats.on_scene.p50, stats.on_scene.p90) == (4, 300, 600)
    assert (stats.within_target, stats.dispatched) == (5, 10)
    assert stats.share_within_target == 0.5
    assert stats.meets_target is False
    assert stats.not_dispatched == 1
    assert stats.by_status == {
        "cancelled": 1,
        "closed": 8,
        "dispatched": 1,
        "merged": 1,
        "on_scene": 1,
    }


def test_it_moves_the_share_with_the_target() -> None:
    base = timezone.now() - timedelta(days=1)

    stats = summarise(rows_of(base), key="all", label="all", target_seconds=90)

    # 20 30 45 50 60 61 75 90 are within 90 s.
    assert (stats.within_target, stats.share_within_target) == (8, 0.8)


def test_it_has_no_share_when_nothing_was_dispatched() -> None:
    opened = timezone.now()
    row = TimelineRow(SAI_GON, "fire", "new", opened, None, None, None)

    stats = summarise([row], key="x", label="x", target_seconds=60)

    assert stats.share_within_target is None
    assert stats.meets_target is None
    assert (stats.acknowledge.p50, stats.dispatch.p90, stats.not_dispatched) == (None, None, 1)


# --- The same timeline in the database, through the API -----------------------------------------


@pytest.fixture
def timeline(station: Unit, other_station: Unit) -> datetime:
    """The timeline's incidents, opened two days ago a minute apart; returns the first moment."""
    base = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    car = patrol_unit(station, "SG-01", IN_SAI_GON)
    for number, (where, category, status, ack, sends) in enumerate(TIMELINE):
        opened = base + timedelta(minutes=number)
        made = incident(
            station if where == "sg" else other_station,
            IN_SAI_GON if where == "sg" else IN_BEN_THANH,
            category=category,
            status=status,
            opened_at=opened,
            acknowledged_at=opened + timedelta(seconds=ack) if ack is not None else None,
        )
        for assigned, on_scene in sends:
            assignment(made, car, assigned_after=assigned, on_scene_after=on_scene)
    return base


def stats(client: Client, user: User, **params: Any) -> dict[str, Any]:
    response = client.get(STATS, params, **bearer(client, user))
    assert response.status_code == 200, response.content
    return response.json()


def figures(group: dict[str, Any]) -> dict[str, Any]:
    return {
        "incidents": group["incidents"],
        "ack": (group["acknowledge"]["p50_s"], group["acknowledge"]["p90_s"]),
        "dispatch": (group["dispatch"]["p50_s"], group["dispatch"]["p90_s"]),
        "on_scene": (group["on_scene"]["p50_s"], group["on_scene"]["p90_s"]),
        "within": (group["within_target"], group["dispatched"]),
        "share": group["share_within_target"],
        "not_dispatched": group["not_dispatched"],
    }


SAI_GON_FIGURES = {
    "incidents": 7,
    "ack": (10, 90),  # 5 8 10 12 15 90
    "dispatch": (45, 60),  # 20 30 45 50 60
    "on_scene": (300, 420),  # 240 300 420
    "within": (5, 5),
    "share": 1.0,
    "not_dispatched": 1,
}
BEN_THANH_FIGURES = {
    "incidents": 5,
    "ack": (25, 40),  # 18 20 25 30 40
    "dispatch": (90, 300),  # 61 75 90 120 300
    "on_scene": (600, 600),
    "within": (0, 5),
    "share": 0.0,
    "not_dispatched": 0,
}


def test_it_answers_the_command_with_the_whole_citys_figures(
    client: Client, thang: User, timeline: datetime
):
    body = stats(client, thang)

    assert figures(body["overall"]) == {
        "incidents": 12,
        "ack": (18, 40),
        "dispatch": (60, 120),
        "on_scene": (300, 600),
        "within": (5, 10),
        "share": 0.5,
        "not_dispatched": 1,
    }
    assert body["overall"]["by_status"]["closed"] == 8
    assert body["overall"]["by_status"]["merged"] == 1
    assert (body["target_seconds"], body["target_share"]) == (60, 0.9)
    assert body["percentile_method"] == "nearest-rank"


def test_it_splits_the_figures_by_ward(client: Client, thang: User, timeline: datetime):
    by_ward = {g["key"]: g for g in stats(client, thang)["by_ward"]}

    assert figures(by_ward[str(SAI_GON)]) == SAI_GON_FIGURES
    assert figures(by_ward[str(BEN_THANH)]) == BEN_THANH_FIGURES
    assert by_ward[str(SAI_GON)]["name"] == "Phường Sài Gòn"


def test_it_splits_the_figures_by_category(client: Client, thang: User, timeline: datetime):
    by_category = {g["key"]: g for g in stats(client, thang)["by_category"]}

    fire = figures(by_category["fire"])  # dispatch 20 30 75 90; on scene 240 300
    assert (fire["incidents"], fire["dispatch"], fire["on_scene"]) == (4, (30, 90), (240, 300))
    assert fire["within"] == (2, 4)
    assert by_category["other"]["not_dispatched"] == 1
    assert set(by_category) == {"fire", "security", "medical", "other"}


def test_it_gives_a_station_commander_his_stations_figures_only(
    client: Client, quan: User, timeline: datetime
):
    body = stats(client, quan)

    assert figures(body["overall"]) == SAI_GON_FIGURES
    assert [g["key"] for g in body["by_ward"]] == [str(SAI_GON)]


def test_it_filters_by_ward_and_category(client: Client, thang: User, timeline: datetime):
    ben_thanh = stats(client, thang, ward=BEN_THANH)
    fire = stats(client, thang, category="fire")

    assert figures(ben_thanh["overall"]) == BEN_THANH_FIGURES
    assert fire["overall"]["incidents"] == 4
    assert [g["key"] for g in fire["by_category"]] == ["fire"]


def test_it_counts_only_incidents_opened_in_the_period(
    client: Client, thang: User, timeline: datetime
):
    # The first five incidents open at base + 0..4 minutes.
    body = stats(
        client,
        thang,
        since=timeline.isoformat(),
        until=(timeline + timedelta(minutes=5)).isoformat(),
    )

    assert body["overall"]["incidents"] == 5
    assert body["overall"]["dispatch"]["p50_s"] == 45


def test_it_defaults_to_the_last_seven_days(client: Client, thang: User, station: Unit):
    incident(station, IN_SAI_GON, opened_at=timezone.now() - timedelta(days=8))
    incident(station, IN_SAI_GON, opened_at=timezone.now() - timedelta(days=6))

    body = stats(client, thang)

    assert body["overall"]["incidents"] == 1
    since = datetime.fromisoformat(body["since"])
    until = datetime.fromisoformat(body["until"])
    assert until - since == timedelta(days=7)


def test_it_leaves_out_incidents_above_the_officers_clearance(
    client: Client, thang: User, station: Unit
):
    incident(station, IN_SAI_GON, classification=3)

    assert stats(client, thang)["overall"]["incidents"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2025-06-02T00:00:00+07:00", "until": "2025-06-01T00:00:00+07:00"}, "until"),
        ({"since": "2024-01-01T00:00:00+07:00", "until": "2025-06-01T00:00:00+07:00"}, "since"),
        ({"category": "ufo"}, "category"),
        ({"ward": "abc"}, "ward"),
        ({"since": "0001-01-01T00:00:00"}, "since"),
    ],
)
def test_it_refuses_a_bad_question(client: Client, thang: User, params: dict[str, Any], field: str):
    response = client.get(STATS, params, **bearer(client, thang))

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("who", ["minh", "khoa", "hung", "thu"])
def test_it_refuses_the_statistics_to_officers_who_do_not_command(
    client: Client, who: str, request: pytest.FixtureRequest
):
    user = request.getfixturevalue(who)

    response = client.get(STATS, **bearer(client, user))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_it_leaves_a_merged_incident_out_of_every_time(client: Client, thang: User, station: Unit):
    car = patrol_unit(station, "SG-09", IN_SAI_GON)
    opened = timezone.now() - timedelta(hours=1)
    merged = incident(
        station,
        IN_SAI_GON,
        status=Incident.Status.MERGED,
        opened_at=opened,
        acknowledged_at=opened + timedelta(seconds=3),
    )
    assignment(merged, car, assigned_after=4, on_scene_after=5)

    overall = stats(client, thang)["overall"]

    assert overall["incidents"] == 1
    assert overall["by_status"] == {"merged": 1}
    assert (overall["acknowledge"]["n"], overall["dispatch"]["n"], overall["on_scene"]["n"]) == (
        0,
        0,
        0,
    )
