"""`safecity token create --camera CODE` prints a new device key for that camera alone."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from safecity.accounts.models import DeviceKey
from safecity.cameras.models import Camera
from safecity.cameras.services import reads_ingest
from tests.cameras.conftest import device, read


def test_it_prints_a_key_that_posts_for_that_camera_only(
    camera: Camera, other_camera: Camera
) -> None:
    out = io.StringIO()

    call_command("token", "create", "--camera", camera.code, stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scd_")
    key = DeviceKey.objects.get()
    assert (key.kind, key.subject, key.unit) == ("camera", camera.code, camera.unit)
    result = reads_ingest(
        reads=[read(camera, "51F-123.45"), read(other_camera, "51F-123.45")],
        device=device(lines[0]),
    )
    assert result.accepted == 1 and result.rejected[0]["code"] == "camera_not_yours"


def test_a_new_key_replaces_the_camera_s_old_one(camera: Camera) -> None:
    first, second = io.StringIO(), io.StringIO()
    call_command("token", "create", "--camera", camera.code, stdout=first)
    call_command("token", "create", "--camera", camera.code, stdout=second)

    from safecity.accounts.services import device_key_authenticate

    assert device_key_authenticate(first.getvalue().strip()) is None
    assert device_key_authenticate(second.getvalue().strip()) is not None


def test_an_unknown_camera_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="no camera"):
        call_command("token", "create", "--camera", "CAM-NOWHERE", stdout=io.StringIO())


def test_a_device_key_is_revoked_by_its_prefix(camera: Camera) -> None:
    out = io.StringIO()
    call_command("token", "create", "--camera", camera.code, stdout=out)
    raw = out.getvalue().strip()

    call_command("token", "revoke", "--prefix", raw[:10], stdout=io.StringIO())

    from safecity.accounts.services import device_key_authenticate

    assert device_key_authenticate(raw) is None
