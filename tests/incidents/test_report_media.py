"""Photos and a short video with a report: recognised by their content whatever they are called,
size- and count-limited, kept under MEDIA_ROOT as evidence, with a copy of each photo stripped of
EXIF (the GPS position of the reporter's phone) for anything shown outside the police."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from safecity.core.models import AuditEntry
from safecity.incidents import media
from safecity.incidents.media import MAX_PHOTOS
from safecity.incidents.models import Channel, Report, ReportMedia
from safecity.incidents.services import ReportInput, report_submit
from tests.incidents.conftest import Hcmc

GPS_IFD = 0x8825  # EXIF tag 34853, GPSInfo
# Where Lan stood, in EXIF's degrees/minutes/seconds.
LANS_POSITION = {1: "N", 2: (10.0, 46.0, 37.0), 3: "E", 4: (106.0, 42.0, 3.0)}
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"


def image(fmt: str, *, exif: Image.Exif | None = None, size: tuple[int, int] = (48, 32)) -> bytes:
    out = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt, **extra)
    return out.getvalue()


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "Lan's phone"  # camera model
    exif[GPS_IFD] = LANS_POSITION
    return image("JPEG", exif=exif)


def noise_png(min_bytes: int) -> bytes:
    """A real PNG of random pixels (which do not compress) at least ``min_bytes`` long."""
    side = int((min_bytes / 3) ** 0.5) + 8
    pixels = random.Random(7).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) >= min_bytes
    return data


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming enormous dimensions (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def report(hcmc: Hcmc) -> Report:
    """Lan's report of a traffic accident, just sent."""
    lat, lon = hcmc.point("Phường Sài Gòn")
    return report_submit(
        data=ReportInput(category="traffic_accident", lat=lat, lon=lon), channel=Channel.WEB
    )


def upload(
    client: Client, report: Report, content: bytes, name: str = "photo.jpg", ctype: str = ""
) -> Any:
    file = SimpleUploadedFile(name, content, content_type=ctype or "application/octet-stream")
    return client.post(f"/api/v1/reports/{report.tracking_code}/media", {"file": file})


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_refused(response: Any, settings: Any) -> None:
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_media"
    assert "file" in error["fields"]
    assert ReportMedia.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("content", "content_type", "kind"),
    [
        (image("JPEG"), "image/jpeg", "photo"),
        (image("PNG"), "image/png", "photo"),
        (image("WEBP"), "image/webp", "photo"),
        (MP4, "video/mp4", "video"),
    ],
    ids=["jpeg", "png", "webp", "mp4"],
)
def test_it_accepts_photos_and_a_video_by_their_content(
    client: Client, report: Report, content: bytes, content_type: str, kind: str
):
    response = upload(client, report, content, name="upload.bin")

    assert response.status_code == 201
    assert response.json() == {
        "id": ReportMedia.objects.get().pk,
        "kind": kind,
        "content_type": content_type,
        "size": len(content),
    }


def test_it_accepts_a_png_called_exe(client: Client, report: Report):
    response = upload(
        client, report, image("PNG"), name="anh.exe", ctype="application/x-msdownload"
    )

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    assert ReportMedia.objects.get().path.endswith(".png")


def test_it_refuses_a_text_file_called_jpg(client: Client, report: Report, settings: Any):
    response = upload(client, report, b"Hello, this is not a photo\n" * 10, ctype="image/jpeg")

    assert_refused(response, settings)


def test_it_refuses_a_damaged_image(client: Client, report: Report, settings: Any):
    damaged = b"\xff\xd8\xff\xe0" + random.Random(3).randbytes(2000)

    response = upload(client, report, damaged, name="photo.jpg", ctype="image/jpeg")

    assert_refused(response, settings)


def test_it_refuses_a_tiny_image_claiming_enormous_dimensions(
    client: Client, report: Report, settings: Any
):
    bomb = png_header_only(20_000, 20_000)  # 400 megapixels in under 100 bytes

    response = upload(client, report, bomb, name="photo.png")

    assert_refused(response, settings)


def test_it_refuses_a_photo_over_the_size_limit(client: Client, report: Report, settings: Any):
    settings.SAFECITY_MEDIA_PHOTO_MAX_MB = 1

    response = upload(client, report, noise_png(1024 * 1024 + 1), name="big.png")

    assert_refused(response, settings)


def test_it_limits_photos_and_videos_separately(client: Client, report: Report, settings: Any):
    """GIVEN photos may be at most 1 MB
    WHEN Lan sends a video larger than that
    THEN it is accepted (videos have their own, larger limit)."""
    settings.SAFECITY_MEDIA_PHOTO_MAX_MB = 1
    video = MP4 + b"\x00" * (1024 * 1024 + 1)

    response = upload(client, report, video, name="clip.mp4")

    assert response.status_code == 201
    assert response.json()["kind"] == "video"


def test_it_takes_at_most_five_photos(client: Client, report: Report):
    accepted = [upload(client, report, image("JPEG")).status_code for _ in range(MAX_PHOTOS)]

    sixth = upload(client, report, image("JPEG"))

    assert accepted == [201] * 5
    assert sixth.status_code == 422
    assert sixth.json()["error"]["code"] == "invalid_media"
    assert report.media.count() == 5


def test_it_takes_one_video_besides_the_photos(client: Client, report: Report):
    for _ in range(MAX_PHOTOS):
        upload(client, report, image("PNG"))

    first_video = upload(client, report, MP4, name="a.mp4")
    second_video = upload(client, report, MP4, name="b.mp4")

    assert first_video.status_code == 201
    assert second_video.status_code == 422
    assert second_video.json()["error"]["code"] == "invalid_media"
    assert report.media.filter(kind="video").count() == 1


def test_it_keeps_the_file_under_media_root_with_its_sha256(
    client: Client, report: Report, settings: Any
):
    content = photo_with_gps()

    upload(client, report, content)

    media = ReportMedia.objects.get()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    original = (media_root / media.path).resolve()
    assert original.is_relative_to(media_root)
    assert not original.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert original.read_bytes() == content
    assert media.sha256 == hashlib.sha256(content).hexdigest()
    assert media.size == len(content)
    assert report.tracking_code in media.path
    entry = AuditEntry.objects.get(action="report.media_add")
    assert entry.detail == {"media": media.pk, "type": "image/jpeg", "size": len(content)}


def test_it_strips_exif_and_gps_from_the_public_copy_only(
    client: Client, report: Report, settings: Any
):
    """GIVEN a photo from Lan's phone carrying its GPS position in EXIF
    WHEN she adds it to her report
    THEN the original keeps the EXIF (evidence), and the public copy has none at all."""
    upload(client, report, photo_with_gps())

    media = ReportMedia.objects.get()
    root = Path(settings.MEDIA_ROOT)
    with Image.open(root / media.path) as original:
        assert original.getexif().get_ifd(GPS_IFD) == LANS_POSITION
    public_bytes = (root / media.public_path).read_bytes()
    with Image.open(io.BytesIO(public_bytes)) as public:
        assert public.format == "JPEG"
        assert public.size == (48, 32)
        assert dict(public.getexif()) == {}
        assert "exif" not in public.info
    assert b"Exif" not in public_bytes
    assert b"Lan's phone" not in public_bytes


def test_it_makes_no_public_copy_of_a_video(client: Client, report: Report):
    upload(client, report, MP4, name="clip.mp4")

    assert ReportMedia.objects.get().public_path == ""


def test_it_refuses_media_a_day_after_the_report(client: Client, report: Report, settings: Any):
    Report.objects.filter(pk=report.pk).update(
        received_at=timezone.now() - timedelta(hours=24, minutes=1)
    )

    response = upload(client, report, image("JPEG"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "media_window_closed"
    assert stored_files(settings) == []


def test_it_answers_404_for_an_unknown_tracking_code(client: Client, hcmc: Hcmc):
    response = client.post(
        "/api/v1/reports/ABCDEFGHJK/media",
        {"file": SimpleUploadedFile("a.jpg", image("JPEG"), content_type="image/jpeg")},
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_tracking_code"


def test_files_that_no_report_names_are_swept_once_an_hour_old(
    client: Client, report: Report, settings: Any, monkeypatch: pytest.MonkeyPatch
):
    """GIVEN a photo stored with its report, and a second upload whose transaction rolled back
    after its files were written (the audit failed)
    THEN the second's files stay until the sweep, which deletes them (and only them) once they
    are older than an hour, and audits it."""
    assert upload(client, report, image("PNG")).status_code == 201
    kept = set(stored_files(settings))

    def audit_down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("safecity.incidents.media.audit.record", audit_down)
    with pytest.raises(RuntimeError):
        media.report_media_add(report=report, content=image("JPEG"))
    monkeypatch.undo()
    orphans = set(stored_files(settings)) - kept
    assert len(orphans) == 2  # the original and its public copy
    assert ReportMedia.objects.count() == 1

    assert media.media_orphans_sweep() == 0  # too young: may be a report being stored
    an_hour_on = timezone.now() + timedelta(hours=1, minutes=1)
    assert media.media_orphans_sweep(now=an_hour_on) == 2

    assert set(stored_files(settings)) == kept
    [entry] = AuditEntry.objects.filter(action="media.orphans_delete")
    assert (entry.object_id, entry.detail["files"]) == ("reports", 2)
    assert media.media_orphans_sweep(now=an_hour_on) == 0
