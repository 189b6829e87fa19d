"""Photos and a short video with a report: checked by content, size-limited, stored under
MEDIA_ROOT (outside the web root) and served only through access-checked views.

Images also get a re-encoded copy without EXIF (GPS, camera serial) for anything shown to the
public; the original stays untouched as evidence. Videos are never shown publicly.

The files are written before the row that names them is committed (so that a committed row
always has its file). A transaction that then rolls back, or a crash in between, leaves files
that nothing names. ``media_orphans_sweep`` deletes them once they are an hour old
(``core.media_sweep``); the dispatch timers' ticker runs it daily (``media_housekeeping``).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from safecity.core import audit
from safecity.core.errors import InvalidInput
from safecity.core.media_sweep import orphans_sweep
from safecity.core.periodic import DAY_S, Every
from safecity.incidents.models import Report, ReportMedia

MAX_PHOTOS = 5
MAX_VIDEOS = 1
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4"}
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes, whatever the file is called."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_media", fields={"file": [message]})


def _public_copy(content: bytes, content_type: str) -> bytes:
    """Re-encode the image without any metadata."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        fmt = _PIL_FORMATS[content_type]
        # Turn the pixels upright first: the orientation tag goes with the rest of the EXIF.
        upright = ImageOps.exif_transpose(image) or image
        pixels = (
            upright.convert("RGB")
            if fmt == "JPEG" and upright.mode not in ("RGB", "L")
            else upright
        )
        clean = pixels.copy()
        clean.info = {}  # drops exif, icc, xmp, comments carried in info
        out = io.BytesIO()
        clean.save(out, format=fmt)  # no exif= argument: nothing of the original's metadata
        return out.getvalue()


@transaction.atomic
def report_media_add(*, report: Report, content: bytes, actor: Any = None) -> ReportMedia:
    content_type = sniff(content[:16])
    if content_type is None:
        raise _invalid(_("Only JPEG, PNG or WebP photos and MP4 videos are accepted."))
    is_video = content_type == "video/mp4"
    limit_mb = (
        settings.SAFECITY_MEDIA_VIDEO_MAX_MB if is_video else settings.SAFECITY_MEDIA_PHOTO_MAX_MB
    )
    if len(content) > limit_mb * 1024 * 1024:
        raise _invalid(_("The file is larger than %(mb)s MB.") % {"mb": limit_mb})
    # Lock the report so two uploads at once cannot both pass the count check.
    report = Report.objects.select_for_update().get(pk=report.pk)
    kind = ReportMedia.Kind.VIDEO if is_video else ReportMedia.Kind.PHOTO
    existing = report.media.filter(kind=kind).count()
    if existing >= (MAX_VIDEOS if is_video else MAX_PHOTOS):
        raise _invalid(
            _("A report can have at most one video.")
            if is_video
            else _("A report can have at most %(n)s photos.") % {"n": MAX_PHOTOS}
        )
    public = b""
    if not is_video:
        try:
            public = _public_copy(content, content_type)
        # DecompressionBombError (a small file claiming huge dimensions) is not an OSError.
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            OSError,
            ValueError,
            SyntaxError,
        ):
            raise _invalid(_("This image is damaged or not really an image.")) from None
    now = timezone.now()
    folder = Path("reports") / now.strftime("%Y/%m") / report.tracking_code
    name = f"{uuid.uuid4().hex}.{_EXTENSIONS[content_type]}"
    root = Path(settings.MEDIA_ROOT)
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / name).write_bytes(content)
    public_path = ""
    if public:
        public_path = str(folder / f"public-{name}")
        (root / public_path).write_bytes(public)
    media = ReportMedia.objects.create(
        report=report,
        kind=kind,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        path=str(folder / name),
        public_path=public_path,
        uploaded_at=now,
    )
    audit.record(
        "report.media_add",
        actor=actor,
        object_type="report",
        object_id=report.pk,
        detail={"media": media.pk, "type": content_type, "size": len(content)},
    )
    return media


def media_file(media: ReportMedia, *, public: bool) -> Path:
    path = media.public_path if public else media.path
    return Path(settings.MEDIA_ROOT) / path


# Once a day per process.
sweep_turn = Every(DAY_S)


def _named(names: list[str]) -> set[str]:
    rows = ReportMedia.objects.filter(Q(path__in=names) | Q(public_path__in=names))
    return {name for pair in rows.values_list("path", "public_path") for name in pair}


def media_orphans_sweep(*, now: datetime | None = None) -> int:
    """Delete the report files that no ``ReportMedia`` row names, once an hour old
    (``core.media_sweep``); the number deleted."""
    return orphans_sweep("reports", _named, now=now)


def media_housekeeping() -> None:
    """Once a day per process (on the dispatch timers' ticker, ``sweep_turn``):
    ``media_orphans_sweep``."""
    if sweep_turn.due():
        media_orphans_sweep()
