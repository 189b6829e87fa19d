"""What a camera's text becomes: every plate kind of DOMAIN.md with its key and display form,
look-alike characters read by their place in the plate, and unreadable text kept as sent."""

from __future__ import annotations

from typing import Any

import pytest

from safecity.cameras.matching import fold, read_plate, within_one_edit


@pytest.mark.parametrize(
    ("sent", "key", "display", "kind", "locality"),
    [
        ("51F12345", "51F12345", "51F-123.45", "car", 51),
        ("51F1234", "51F1234", "51F-1234", "car", 51),
        ("59X112345", "59X112345", "59-X1 123.45", "motorbike", 59),
        ("59AA12345", "59AA12345", "59-AA 123.45", "under_50cc", 59),
        ("51LD12345", "51LD12345", "51LD-123.45", "special", 51),
        ("29MD112345", "29MD112345", "29-MĐ1 123.45", "special", 29),
        ("51R12345", "51R12345", "51R-123.45", "special", 51),
        ("80NG12345", "80NG12345", "80-NG-123-45", "diplomatic", 80),
        ("T5112345", "T5112345", "T51-123.45", "temporary", 51),
    ],
)
def test_a_camera_s_text_is_read_as_every_kind_of_plate(
    sent: str, key: str, display: str, kind: str, locality: int
) -> None:
    plate = read_plate(sent)

    assert (plate.key, plate.display, plate.kind, plate.locality) == (key, display, kind, locality)
    assert plate.valid and not plate.unreadable


@pytest.mark.parametrize(
    ("sent", "key"),
    [("5IF12345", "51F12345"), ("S1F-I23.4S", "51F12345"), ("59-XI 8B8.OO", "59X188800")],
)
def test_look_alikes_are_resolved_and_the_read_marked_corrected(sent: str, key: str) -> None:
    plate = read_plate(sent)

    assert plate.key == key
    assert plate.raw_key != key
    assert not plate.valid and not plate.unreadable


def test_text_that_fits_no_plate_is_unreadable_but_keeps_its_letters() -> None:
    plate = read_plate("XYZ-99")

    assert plate.unreadable
    assert (plate.key, plate.display) == ("XYZ99", "XYZ99")


def test_the_look_alike_key_maps_each_character_to_the_first_of_its_class() -> None:
    from safecity.core.identifiers import LOOKALIKE_CLASSES

    first = {ch: cls[0] for cls in LOOKALIKE_CLASSES for ch in cls}
    every = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    assert fold(every) == "".join(first.get(ch, ch) for ch in every)
    assert fold("ĐÐ-é") == "ĐÐ-é"  # not a compact key's characters: unchanged


def test_the_look_alike_key_and_one_edit_distance() -> None:
    assert fold("51B80000") == fold("5IB8OOOO")
    assert within_one_edit("51F12345", "51F12346")
    assert within_one_edit("51F12345", "51F1234")
    assert within_one_edit("51F1234", "51F12345")
    assert not within_one_edit("51F12345", "51F12364")  # a swap is two edits
    assert not within_one_edit("51F12345", "51F123")


def test_resolving_a_look_alike_never_leaves_its_class() -> None:
    # The matcher finds exact matches through the look-alike key: that holds only because the
    # grammar's corrections map each character within its look-alike class.
    from safecity.core.identifiers import _AS_DIGIT, _AS_LETTER

    for table in (_AS_DIGIT, _AS_LETTER):
        for sent, read_as in table.items():
            assert fold(sent) == fold(read_as), (sent, read_as)


def _entry(entry_id: int, key: str, *, one_edit: bool, since: Any) -> Any:
    from safecity.cameras.matching import Entry

    return Entry(
        {
            "id": entry_id,
            "plate_key": key,
            "display": key,
            "reason": "",
            "priority": "normal",
            "valid_from": since,
            "valid_until": None,
            "allow_one_edit": one_edit,
            "unit_id": 1,
            "classification": 0,
            "watchlist_id": 1,
            "watchlist__name": "list",
            "watchlist__kind": "stolen",
            "watchlist__unit__path": "/1/",
        }
    )


def _reference_matches(
    entries: list[tuple[int, str, bool]], text: str
) -> dict[int, tuple[str, float]]:
    """Every entry compared with the read one by one: the rule the index must agree with."""
    plate = read_plate(text)
    found: dict[int, tuple[str, float]] = {}
    if not plate.raw_key:
        return found
    for entry_id, key, one_edit in entries:
        if key in {plate.key, plate.raw_key}:
            found[entry_id] = ("exact", 1.0)
        elif fold(key) == plate.alike:
            found[entry_id] = ("lookalike", 0.9)
        elif one_edit and len(plate.alike) > 3 and within_one_edit(plate.alike, fold(key)):
            found[entry_id] = ("one_edit", 0.7)
    return found


def test_the_index_finds_what_comparing_every_entry_finds() -> None:
    import random
    from datetime import UTC, datetime, timedelta

    from safecity.cameras.matching import WatchlistIndex

    rng = random.Random(2)
    week_ago = datetime.now(UTC) - timedelta(days=7)
    # Keys of every length a plate has (7 to 10), so entries one edit apart differ in length.
    keys = {
        f"5{rng.randint(0, 9)}{rng.choice('BDFGLSZ')}"
        + rng.choice(["", "1", "D1"])
        + f"{rng.randint(0, 99999):05d}"[rng.randint(0, 1) :]
        for _ in range(600)
    }
    entries = [(i, key, rng.random() < 0.3) for i, key in enumerate(sorted(keys), 1)]
    index = WatchlistIndex()
    for entry_id, key, one_edit in entries:
        index._put(_entry(entry_id, key, one_edit=one_edit, since=week_ago))
    swaps = {"0": "OD", "1": "IL", "5": "S", "8": "B", "2": "Z", "6": "G", "B": "8", "S": "5"}
    tried = hits = 0
    for entry_id, key, _one_edit in entries:
        for _ in range(6):
            chars = list(key)
            i = rng.randrange(len(chars))
            roll = rng.random()
            if roll < 0.3 and chars[i] in swaps:
                chars[i] = rng.choice(swaps[chars[i]])
            elif roll < 0.5:
                chars[i] = rng.choice("0123456789")
            elif roll < 0.6:
                del chars[i]
            elif roll < 0.7:
                chars.insert(i, rng.choice("0123456789"))
            text = "".join(chars)
            got = {
                m.entry.id: (m.match, m.score)
                for m in index.match(read_plate(text), None, [], datetime.now(UTC))
            }
            expected = _reference_matches(entries, text)
            assert got == expected, (text, key, entry_id)
            # The same text offered as a camera's second reading, at half confidence.
            as_candidate = {
                m.entry.id: (m.match, m.score)
                for m in index.match(read_plate("?"), None, [(text, 0.5)], datetime.now(UTC))
            }
            assert as_candidate == {k: (how, score / 2) for k, (how, score) in expected.items()}
            tried += 1
            hits += bool(got)
    assert hits > tried // 3  # matches were exercised, not only misses


def test_the_one_edit_filter_counts_entries_and_forgets_removed_ones() -> None:
    from datetime import UTC, datetime, timedelta

    from safecity.cameras.matching import WatchlistIndex

    now = datetime.now(UTC)
    index = WatchlistIndex()
    index._put(_entry(1, "51F12345", one_edit=True, since=now - timedelta(days=1)))
    # The same first five characters.
    index._put(_entry(2, "51F12399", one_edit=True, since=now - timedelta(days=1)))

    def one_edit_hits(text: str) -> set[int]:
        return {m.entry.id for m in index.match(read_plate(text), None, [], now)}

    assert one_edit_hits("51F12346") == {1}
    assert one_edit_hits("51F12398") == {2}
    index._remove(1)
    assert one_edit_hits("51F12346") == set()
    assert one_edit_hits("51F12398") == {2}  # its head is still counted for entry 2
    index._remove(2)
    assert index.heads == index.tails == index.ends == index.fronts == index.near == {}


def test_the_one_edit_filter_lets_through_every_read_one_edit_away() -> None:
    """Every single substitution, deletion and insertion, at every position, of one-edit
    entries of each plate length (7 to 10): the cheap test in front of the deletion
    neighbourhood (``WatchlistIndex._near_variants``) must let each through, and the index
    must then find the entry."""
    from datetime import UTC, datetime, timedelta

    from safecity.cameras.matching import WatchlistIndex

    now = datetime.now(UTC)
    keys = ["51F1234", "51F12345", "59X112345", "29MD112345"]
    for entry_id, key in enumerate(keys, 1):
        index = WatchlistIndex()
        index._put(_entry(entry_id, key, one_edit=True, since=now - timedelta(days=1)))
        edits = set()
        for i in range(len(key) + 1):
            for ch in "7K":
                edits.add(key[:i] + ch + key[i:])  # inserted
                if i < len(key):
                    edits.add(key[:i] + ch + key[i + 1 :])  # substituted
            if i < len(key):
                edits.add(key[:i] + key[i + 1 :])  # deleted
        edits.discard(key)
        assert len(edits) > 4 * len(key)
        for text in edits:
            alike = read_plate(text).alike
            assert index._near_variants(alike), (key, text)
            found = index.match(read_plate(text), None, [], now)
            assert [m.entry.id for m in found] == [entry_id], (key, text)
        # A read two edits away (the last two characters changed) matches nothing.
        far = key[:-2] + "77" if key[-2:] != "77" else key[:-2] + "44"
        assert index.match(read_plate(far), None, [], now) == []
