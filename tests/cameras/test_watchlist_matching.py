"""Every read, and each of its candidate readings, is matched against the active watchlist
entries: exactly, across look-alike characters, and one further edit for entries that ask for
it. Expired, future and removed entries never hit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from safecity.accounts.models import User
from safecity.cameras import matching, services
from safecity.cameras.models import (
    Camera,
    Hit,
    PlateRead,
    Watchlist,
    WatchlistEntry,
    WatchlistVersion,
)
from safecity.cameras.services import reads_ingest
from tests.cameras.conftest import read
from tests.conftest import Published


def _hits(result: Any) -> list[tuple[str, str, str]]:
    return [(h["plate"], h["entry_plate"], h["match"]) for h in result.hits]


def test_a_read_of_a_listed_plate_hits_exactly(
    camera: Camera, listed: WatchlistEntry, published: Published
) -> None:
    result = reads_ingest(reads=[read(camera, "51F12345")], trusted=True)

    assert _hits(result) == [("51F-123.45", "51F-123.45", "exact")]
    hit = Hit.objects.get()
    assert (hit.entry, hit.match, hit.camera, hit.read.plate_key) == (
        listed,
        "exact",
        camera,
        "51F12345",
    )
    assert hit.score == pytest.approx(0.92)  # the read's confidence
    assert hit.status == Hit.Status.NEW
    assert result.hits[0]["entry_id"] == listed.pk
    assert result.hits[0]["watchlist"] == "Xe bị trộm"


def test_a_misread_the_plate_grammar_resolves_still_hits_exactly(
    camera: Camera, listed: WatchlistEntry
) -> None:
    result = reads_ingest(reads=[read(camera, "5IF-I23.4S")], trusted=True)

    assert [h["match"] for h in result.hits] == ["exact"]


def test_a_difference_only_in_look_alike_classes_is_a_near_exact_match(
    camera: Camera, stolen: Watchlist, quan: User
) -> None:
    # Listed as an under-50 cc plate "59-AB"; the camera reads "59-A8", which the grammar
    # takes for a motorbike series (letter + digit): only the look-alike classes join them.
    services.entry_add(watchlist=stolen, plate="59-AB 123.45", reason="Xe máy mất", actor=quan)

    result = reads_ingest(reads=[read(camera, "59-A8 123.45")], trusted=True)

    assert _hits(result) == [("59-A8 123.45", "59-AB 123.45", "lookalike")]
    assert result.hits[0]["score"] < 0.92


def test_one_further_edit_hits_only_entries_that_allow_it(
    camera: Camera, stolen: Watchlist, quan: User
) -> None:
    services.entry_add(
        watchlist=stolen,
        plate="51F-123.45",
        reason="Cho phép sai một ký tự",
        actor=quan,
        allow_one_edit=True,
    )
    services.entry_add(watchlist=stolen, plate="51G-777.88", reason="Chỉ khớp đúng", actor=quan)

    result = reads_ingest(
        reads=[
            read(camera, "51F-123.46"),  # one substitution
            read(camera, "51F-1234"),  # one character missing
            read(camera, "51G-777.89"),  # one substitution, entry does not allow it
            read(camera, "51F-124.46"),  # two substitutions
        ],
        trusted=True,
    )

    assert [(h["read_index"], h["match"], h["entry_plate"]) for h in result.hits] == [
        (0, "one_edit", "51F-123.45"),
        (1, "one_edit", "51F-123.45"),
    ]


def test_a_key_s_neighbourhood_is_each_character_deleted_and_the_key_whole() -> None:
    # The unrolled functions (by length) and the loop (other lengths) must agree, in order.
    for key in ("", "5", "51F", "51F1", "51F12345", "59X112345", "80NG12345", "ABCDEFGHIJKLMNOP"):
        assert matching.neighbourhood(key) == (*matching.deletions(key), key)
    assert matching.neighbourhood("51F12") == ("1F12", "5F12", "5112", "51F2", "51F1", "51F12")


def test_one_edit_at_either_end_and_an_extra_character_hit(
    camera: Camera, stolen: Watchlist, quan: User
) -> None:
    services.entry_add(
        watchlist=stolen,
        plate="59X1-123.45",
        reason="Cho phép sai một ký tự",
        actor=quan,
        allow_one_edit=True,
    )

    result = reads_ingest(
        reads=[
            read(camera, "69X1-123.45"),  # first character
            read(camera, "59X1-123.47"),  # last character
            read(camera, "59X1-123.457"),  # one extra at the end
            read(camera, "9X1-123.45"),  # first missing
        ],
        trusted=True,
    )

    assert [(h["read_index"], h["match"]) for h in result.hits] == [
        (0, "one_edit"),
        (1, "one_edit"),
        (2, "one_edit"),
        (3, "one_edit"),
    ]


def test_a_candidate_reading_hits_with_its_own_confidence(
    camera: Camera, listed: WatchlistEntry
) -> None:
    result = reads_ingest(
        reads=[
            read(
                camera,
                "51F-128.45",
                candidates=[{"plate": "51F-123.45", "confidence": 0.6}],
            )
        ],
        trusted=True,
    )

    assert _hits(result) == [("51F-128.45", "51F-123.45", "exact")]
    assert result.hits[0]["score"] == pytest.approx(0.6)
    assert Hit.objects.get().read_plate == "51F-123.45"


def test_expired_removed_and_not_yet_valid_entries_never_hit(
    camera: Camera, stolen: Watchlist, quan: User
) -> None:
    now = timezone.now()
    expiring = services.entry_add(
        watchlist=stolen,
        plate="51F-111.11",
        reason="Hết hạn",
        actor=quan,
        valid_until=now + timedelta(minutes=10),
    )
    removed = services.entry_add(watchlist=stolen, plate="51F-222.22", reason="Sẽ gỡ", actor=quan)
    services.entry_remove(entry=removed, actor=quan, reason="Đã tìm thấy xe")
    services.entry_add(
        watchlist=stolen,
        plate="51F-333.33",
        reason="Từ tuần sau",
        actor=quan,
        valid_from=now + timedelta(days=7),
    )

    plates = ["51F-111.11", "51F-222.22", "51F-333.33"]
    before_expiry = reads_ingest(
        reads=[read(camera, p, ts=now) for p in plates],
        now=now + timedelta(minutes=5),
        trusted=True,
    )
    later = now + timedelta(minutes=20)
    after_expiry = reads_ingest(
        reads=[read(camera, p, ts=later) for p in plates], now=later, trusted=True
    )

    assert [(h["read_index"], h["entry_id"]) for h in before_expiry.hits] == [(0, expiring.pk)]
    assert after_expiry.hits == []
    assert PlateRead.objects.count() == 6


def test_an_inactive_watchlist_hits_nothing(
    camera: Camera, stolen: Watchlist, listed: WatchlistEntry, quan: User
) -> None:
    services.watchlist_set_active(watchlist=stolen, active=False, actor=quan)

    assert reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True).hits == []

    services.watchlist_set_active(watchlist=stolen, active=True, actor=quan)

    assert len(reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True).hits) == 1


def test_a_plate_on_two_watchlists_hits_both(
    camera: Camera, stolen: Watchlist, listed: WatchlistEntry, quan: User
) -> None:
    bolo = services.watchlist_create(name="BOLO", kind="bolo", actor=quan)
    services.entry_add(watchlist=bolo, plate="51F 12345", reason="Liên quan vụ cướp", actor=quan)

    result = reads_ingest(reads=[read(camera, "51F-123.45")], trusted=True)

    assert sorted(h["watchlist"] for h in result.hits) == ["BOLO", "Xe bị trộm"]


def test_an_entry_another_process_adds_is_seen_within_the_check_interval(
    camera: Camera, stolen: Watchlist, quan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN this process's index is built
    WHEN another process lists a plate (its rows and the version row change, but this
    process's index was not told)
    THEN the next batch after the check interval matches it."""
    assert reads_ingest(reads=[read(camera, "51F-999.99")], trusted=True).hits == []
    entry = WatchlistEntry.objects.create(
        watchlist=stolen,
        plate_key="51F99999",
        display="51F-999.99",
        reason="Từ máy chủ khác",
        unit=quan.unit,
        version=50,
    )
    WatchlistVersion.objects.update_or_create(pk=1, defaults={"version": 50})
    monkeypatch.setattr(matching, "CHECK_EVERY_S", 0.0)

    result = reads_ingest(reads=[read(camera, "51F-999.99")], trusted=True)

    assert [h["entry_id"] for h in result.hits] == [entry.pk]


def test_a_hit_goes_live_to_the_station_of_the_camera_and_up_its_tree(
    camera: Camera, listed: WatchlistEntry, published: Published
) -> None:
    reads_ingest(reads=[read(camera, "51F-123.45", vehicle_type="car", color="đen")], trusted=True)

    [(payload, routing)] = published.named("camera.hit")
    # The camera's station and its tree, and the unit keeping the list (the command centre).
    assert routing["unit_path"][: len(camera.unit.ancestor_ids)] == camera.unit.ancestor_ids
    assert set(routing["unit_path"]) == set(camera.unit.ancestor_ids) | set(
        listed.watchlist.unit.ancestor_ids
    )
    assert routing["capability"] == "cameras.view_hits"
    assert payload["entry"]["reason"] == "Trình báo mất xe ngày 01/07"
    assert payload["camera"]["code"] == camera.code
    assert payload["plate"] == "51F-123.45"
    assert payload["color"] == "đen"
    assert payload["units_url"].endswith(f"/cameras/hits/{payload['id']}")
