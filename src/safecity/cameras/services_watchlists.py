"""Every change to watchlists and their entries, each audited and each raising the
watchlists' version (which tells every process's matching index to look again). Re-exported by
``cameras.services``."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.accounts.models import Clearance, Unit, User
from safecity.cameras.matching import index_changed
from safecity.cameras.models import Watchlist, WatchlistEntry, WatchlistVersion
from safecity.core import audit
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.identifiers import plate_key, plate_parse
from safecity.core.text import clean


def _unit_of(actor: Any, fallback: Unit) -> Unit:
    unit = getattr(actor, "unit", None)
    return unit if isinstance(unit, Unit) else fallback


def acting_officer(actor: Any) -> User | None:
    """The officer behind a change (``None`` for the system or a device)."""
    return actor if isinstance(actor, User) else None


def _bump(*, entry_ids: list[int] = (), epoch: bool = False) -> int:  # type: ignore[assignment]
    """Raise the watchlists' version in this transaction (holding its row's lock until the
    commit, so versions commit in order) and stamp the changed entries with it."""
    # A new row starts at a random epoch: a database restored, flushed or rolled back to
    # before the row existed can never look like the one a process's index was built from.
    row, _created = WatchlistVersion.objects.select_for_update().get_or_create(
        pk=1, defaults={"epoch": secrets.randbits(62)}
    )
    WatchlistVersion.objects.filter(pk=1).update(
        version=F("version") + 1, epoch=F("epoch") + (1 if epoch else 0)
    )
    version = row.version + 1
    if entry_ids:
        WatchlistEntry.objects.filter(pk__in=entry_ids).update(version=version)
    index_changed()
    return version


@transaction.atomic
def watchlist_create(
    *,
    name: str,
    kind: str,
    reason: str = "",
    unit: Unit | None = None,
    classification: int = Clearance.UNCLASSIFIED,
    actor: Any,
) -> Watchlist:
    name = clean(name)[:200]
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the watchlist a name.")]
    if kind not in Watchlist.Kind.values:
        errors["kind"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Watchlist.Kind.values)}]
    if classification not in Clearance.values or classification > getattr(
        actor, "clearance", Clearance.TOP_SECRET
    ):
        errors["classification"] = [_("You cannot classify above your own clearance.")]
    owner: Unit | None = unit or getattr(actor, "unit", None)
    if owner is None:
        errors["unit"] = [_("A watchlist needs an owning unit.")]
    if errors or owner is None:
        raise InvalidInput(fields=errors)
    watchlist = Watchlist.objects.create(
        name=name,
        kind=kind,
        reason=clean(reason, multiline=True)[:500],
        unit=owner,
        classification=classification,
        created_by=acting_officer(actor),
    )
    audit.record(
        "watchlist.create",
        actor=actor,
        object_type="watchlist",
        object_id=watchlist.pk,
        detail={"name": name, "kind": kind, "unit": owner.code},
    )
    return watchlist


@transaction.atomic
def watchlist_set_active(*, watchlist: Watchlist, active: bool, actor: Any) -> Watchlist:
    """Switch a whole watchlist on or off (its entries stop or start hitting)."""
    if watchlist.active != active:
        Watchlist.objects.filter(pk=watchlist.pk).update(active=active)
        watchlist.active = active
        _bump(epoch=True)
        audit.record(
            "watchlist.activate" if active else "watchlist.deactivate",
            actor=actor,
            object_type="watchlist",
            object_id=watchlist.pk,
        )
    return watchlist


def entry_plate(text: str) -> tuple[str, str]:
    """A listed plate typed in any common spelling: (compact key, display form). A plate that
    fits no Vietnamese shape (a foreign or very old plate) is listed by its letters and digits
    as typed."""
    plate = plate_parse(text or "")
    if plate is not None:
        return plate.key, plate.display
    key = plate_key(text or "")
    if not 4 <= len(key) <= 12:
        raise InvalidInput(
            fields={"plate": [_("Give a licence plate, e.g. 51F-123.45 or 59-X1 123.45.")]}
        )
    return key, key


def _entry_audit(entry: WatchlistEntry) -> dict[str, Any]:
    return {
        "watchlist": entry.watchlist_id,
        "plate": entry.display,
        "reason": entry.reason,
        "priority": entry.priority,
        "valid_until": entry.valid_until,
        "allow_one_edit": entry.allow_one_edit,
    }


@transaction.atomic
def entry_add(
    *,
    watchlist: Watchlist,
    plate: str,
    reason: str,
    actor: Any,
    priority: str = WatchlistEntry.Priority.NORMAL,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    allow_one_edit: bool = False,
    classification: int | None = None,
    unit: Unit | None = None,
) -> WatchlistEntry:
    """List a plate. The entry belongs to the unit of the officer who adds it (the watchlist's
    unit when added by the system) and is at least as classified as its watchlist."""
    key, display = entry_plate(plate)
    now = timezone.now()
    reason = clean(reason, multiline=True)[:500]
    errors: dict[str, list[str]] = {}
    if len(reason) < 3:
        errors["reason"] = [_("Say why this plate is listed.")]
    if priority not in WatchlistEntry.Priority.values:
        errors["priority"] = [
            _("Choose one of: %(c)s.") % {"c": ", ".join(WatchlistEntry.Priority.values)}
        ]
    start = valid_from or now
    if valid_until is not None and valid_until <= max(start, now):
        errors["valid_until"] = [_("The end must be later than the start and than now.")]
    level = max(watchlist.classification, classification or 0)
    if level > getattr(actor, "clearance", Clearance.TOP_SECRET):
        errors["classification"] = [_("You cannot classify above your own clearance.")]
    if errors:
        raise InvalidInput(fields=errors)
    if WatchlistEntry.objects.filter(
        watchlist=watchlist, plate_key=key, removed_at__isnull=True
    ).exists():
        raise Conflict(_("This plate is already on this watchlist."), code="already_listed")
    entry = WatchlistEntry.objects.create(
        watchlist=watchlist,
        plate_key=key,
        display=display,
        reason=reason,
        priority=priority,
        valid_from=start,
        valid_until=valid_until,
        unit=unit or _unit_of(actor, watchlist.unit),
        classification=level,
        allow_one_edit=allow_one_edit,
        added_by=acting_officer(actor),
        added_at=now,
        updated_at=now,
    )
    entry.version = _bump(entry_ids=[entry.pk])
    audit.record(
        "watchlist.entry_add",
        actor=actor,
        object_type="watchlist_entry",
        object_id=entry.pk,
        detail=_entry_audit(entry),
    )
    return entry


def entries_add_many(
    *, watchlist: Watchlist, rows: list[dict[str, Any]], actor: Any
) -> list[WatchlistEntry]:
    """List many plates at once (the demo, imports): one transaction, one audit entry each,
    one version bump. Rows: ``plate``, ``reason`` and optionally ``priority``,
    ``valid_until``, ``allow_one_edit``."""
    now = timezone.now()
    made: list[WatchlistEntry] = []
    with transaction.atomic():
        listed = set(
            WatchlistEntry.objects.filter(watchlist=watchlist, removed_at__isnull=True).values_list(
                "plate_key", flat=True
            )
        )
        for row in rows:
            key, display = entry_plate(row["plate"])
            if key in listed:
                continue
            listed.add(key)
            made.append(
                WatchlistEntry(
                    watchlist=watchlist,
                    plate_key=key,
                    display=display,
                    reason=clean(row["reason"], multiline=True)[:500],
                    priority=row.get("priority", WatchlistEntry.Priority.NORMAL),
                    valid_from=now,
                    valid_until=row.get("valid_until"),
                    unit=_unit_of(actor, watchlist.unit),
                    classification=watchlist.classification,
                    allow_one_edit=bool(row.get("allow_one_edit", False)),
                    added_by=acting_officer(actor),
                    added_at=now,
                    updated_at=now,
                )
            )
        WatchlistEntry.objects.bulk_create(made, batch_size=500)
        version = _bump()
        WatchlistEntry.objects.filter(watchlist=watchlist, added_at=now, version=0).update(
            version=version
        )
        audit.record_many(
            [
                {
                    "action": "watchlist.entry_add",
                    "actor": actor,
                    "object_type": "watchlist_entry",
                    "object_id": entry.pk,
                    "detail": _entry_audit(entry),
                }
                for entry in made
            ]
        )
    return made


@transaction.atomic
def entry_remove(*, entry: WatchlistEntry, actor: Any, reason: str = "") -> WatchlistEntry:
    """Take a plate off its watchlist. The entry is kept (its hits point at it), marked
    removed; it never hits again."""
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        return entry  # removing twice is not an error
    now = timezone.now()
    entry.removed_at = now
    entry.removed_by = acting_officer(actor)
    entry.removal_reason = clean(reason, multiline=True)[:500]
    entry.updated_at = now
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason", "updated_at"])
    entry.version = _bump(entry_ids=[entry.pk])
    audit.record(
        "watchlist.entry_remove",
        actor=actor,
        object_type="watchlist_entry",
        object_id=entry.pk,
        detail={**_entry_audit(entry), "why": entry.removal_reason},
    )
    return entry


_EDITABLE = ("reason", "priority", "valid_until", "allow_one_edit")


@transaction.atomic
def entry_edit(*, entry: WatchlistEntry, actor: Any, **changes: Any) -> WatchlistEntry:
    """Change an entry's reason, priority, end of validity or one-edit matching (its plate is
    not editable: remove it and list the right one). Audited with the values before and
    after."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise InvalidInput(fields={k: [_("This cannot be changed.")] for k in sorted(unknown)})
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        raise Conflict(_("This entry was removed."), code="entry_removed")
    errors: dict[str, list[str]] = {}
    if "reason" in changes:
        changes["reason"] = clean(changes["reason"] or "", multiline=True)[:500]
        if len(changes["reason"]) < 3:
            errors["reason"] = [_("Say why this plate is listed.")]
    if "priority" in changes and changes["priority"] not in WatchlistEntry.Priority.values:
        errors["priority"] = [
            _("Choose one of: %(c)s.") % {"c": ", ".join(WatchlistEntry.Priority.values)}
        ]
    if "allow_one_edit" in changes and not isinstance(changes["allow_one_edit"], bool):
        errors["allow_one_edit"] = [_("Say yes or no.")]
    if changes.get("valid_until") is not None and changes["valid_until"] <= timezone.now():
        errors["valid_until"] = [_("The end must be later than now.")]
    if errors:
        raise InvalidInput(fields=errors)
    before = {k: getattr(entry, k) for k in changes}
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.updated_at = timezone.now()
    entry.save(update_fields=[*changes, "updated_at"])
    entry.version = _bump(entry_ids=[entry.pk])
    audit.record(
        "watchlist.entry_edit",
        actor=actor,
        object_type="watchlist_entry",
        object_id=entry.pk,
        detail={"before": before, "after": changes},
    )
    return entry
