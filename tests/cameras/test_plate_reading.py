"""What a camera's text becomes: every plate kind of DOMAIN.md with its key and display form,
look-alike characters read by their place in the plate, and unreadable text kept as sent."""

from __future__ import annotations

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


def test_the_look_alike_key_and_one_edit_distance() -> None:
    assert fold("51B80000") == fold("5IB8OOOO")
    assert within_one_edit("51F12345", "51F12346")
    assert within_one_edit("51F12345", "51F1234")
    assert within_one_edit("51F1234", "51F12345")
    assert not within_one_edit("51F12345", "51F12364")  # a swap is two edits
    assert not within_one_edit("51F12345", "51F123")
