"""Files under MEDIA_ROOT that no row names any more.

An app writes an uploaded file before the row that names it commits, so that a committed row
always has its file. A transaction that then rolls back, or a crash in between, leaves a file
nothing names: a citizen's photo, a snapshot of a car and its driver, kept by no one's
decision. ``orphans_sweep`` deletes such files of one folder once they are old enough that no
upload can still be on its way to naming them; each app says which names its rows hold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from safecity.core import audit

log = logging.getLogger(__name__)

# A file younger than this may belong to an upload being stored right now.
ORPHAN_AGE = timedelta(hours=1)
CHUNK = 500


def orphans_sweep(
    folder: str,
    named: Callable[[list[str]], set[str]],
    *,
    older_than: timedelta = ORPHAN_AGE,
    now: datetime | None = None,
) -> int:
    """Delete the files under ``MEDIA_ROOT/folder`` older than ``older_than`` whose names
    (relative to MEDIA_ROOT, as the rows store them) ``named`` does not return; the number
    deleted, audited (``media.orphans_delete``) when any."""
    root = Path(settings.MEDIA_ROOT)
    base = root / folder
    if not base.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - older_than.total_seconds()
    old = [p for p in base.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]
    deleted = 0
    for start in range(0, len(old), CHUNK):
        files = {p.relative_to(root).as_posix(): p for p in old[start : start + CHUNK]}
        kept = named(list(files))
        for name, path in files.items():
            if name not in kept:
                path.unlink(missing_ok=True)
                deleted += 1
    if deleted:
        log.warning("deleted %d file(s) under %s that no row names", deleted, folder)
        audit.record(
            "media.orphans_delete",
            object_type="media",
            object_id=folder,
            detail={"files": deleted, "older_than_s": int(older_than.total_seconds())},
        )
    return deleted
