"""Entity resolution: which persons may be one, and merging them with history and undo.

Candidates come from blocking — only persons sharing a CCCD, a folded name and birth year, or
a phone number are compared (Splink's lesson: never compare everyone with everyone; a block
larger than ``SAFECITY_RECORDS_BLOCK_MAX`` is skipped and reported, since a hundred namesakes
born the same year say nothing about each other). Each pair is scored from its agreements and
disagreements; a reviewer merges it or marks it distinct. Two persons are merged without
review only when their CCCDs are identical and valid for both (structure, birth year,
gender): the one case where the identifier settles it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecity.core import audit
from safecity.core.errors import Conflict, InvalidInput
from safecity.core.identifiers import cccd_problems
from safecity.records.keys import within_one_edit
from safecity.records.models import DuplicateCandidate, Link, Merge, Person, Role, SourceRecord
from safecity.records.rows import PERSON_UPDATE_FIELDS, set_person_keys

# Fields a merge may fill on the winner from the loser, where the winner has none.
FILL_FIELDS = (
    "cccd",
    "old_id",
    "birth_date",
    "birth_year",
    "gender",
    "permanent_address",
    "permanent_ward_id",
    "temporary_address",
    "temporary_ward_id",
    "photo",
)


def cccd_valid(person: Person) -> bool:
    return bool(person.cccd) and not cccd_problems(
        person.cccd,
        birth_year=person.birth_year,
        birth_date=person.birth_date,
        gender=person.gender,
    )


def score_pair(a: Person, b: Person, *, shared_phone: bool = False) -> tuple[float, list[str]]:
    """How likely two persons are one (0–1) and why, as reason codes."""
    score, reasons = 0.0, []
    if a.cccd and b.cccd:
        if a.cccd == b.cccd:
            score += 0.6
            reasons.append("same_cccd_valid" if cccd_valid(a) and cccd_valid(b) else "same_cccd")
        else:
            score -= 0.5
            reasons.append("different_cccd")
    if a.old_id and a.old_id == b.old_id:
        score += 0.3
        reasons.append("same_old_id")
    if a.name_key == b.name_key:
        score += 0.25
        reasons.append("same_name")
    elif a.name_fold == b.name_fold:
        score += 0.2
        reasons.append("same_name_folded")
    elif within_one_edit(a.name_fold, b.name_fold):
        score += 0.15
        reasons.append("similar_name")
    elif a.given_fold == b.given_fold:
        score += 0.05
        reasons.append("same_given_name")
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            score += 0.15
            reasons.append("same_birth_date")
        elif a.birth_year == b.birth_year:
            score += 0.05
            reasons.append("same_birth_year")
        else:
            score -= 0.3
            reasons.append("different_birth_year")
    elif a.birth_year and b.birth_year:
        if a.birth_year == b.birth_year:
            score += 0.1
            reasons.append("same_birth_year")
        else:
            score -= 0.3
            reasons.append("different_birth_year")
    if a.gender and b.gender and a.gender != b.gender:
        score -= 0.3
        reasons.append("different_gender")
    if shared_phone:
        score += 0.15
        reasons.append("same_phone")
    if a.permanent_ward_id and a.permanent_ward_id == b.permanent_ward_id:
        score += 0.05
        reasons.append("same_ward")
    return round(max(0.0, min(1.0, score)), 3), reasons


@dataclass
class FindResult:
    compared: int = 0
    candidates: int = 0
    new: int = 0
    skipped_blocks: list[str] = field(default_factory=list)


def _blocks(block_max: int, result: FindResult) -> list[tuple[str, list[int]]]:
    active = Person.objects.filter(merged_into__isnull=True)
    blocks: list[tuple[str, list[int]]] = []

    def add(label: str, ids: list[int]) -> None:
        if len(ids) > block_max:
            result.skipped_blocks.append(f"{label} ({len(ids)} persons)")
        elif len(ids) > 1:
            blocks.append((label, sorted(ids)))

    groups: dict[Any, list[int]] = defaultdict(list)
    same_cccd = active.exclude(cccd="").values("cccd").annotate(n=Count("id")).filter(n__gt=1)
    cccds = [row["cccd"] for row in same_cccd]
    for pk, cccd in active.filter(cccd__in=cccds).values_list("id", "cccd"):
        groups[("cccd", cccd)].append(pk)
    same_name = (
        active.filter(birth_year__isnull=False)
        .values("name_fold", "birth_year")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in same_name:
        namesakes = active.filter(name_fold=row["name_fold"], birth_year=row["birth_year"])
        groups[("name", row["name_fold"], row["birth_year"])] = list(
            namesakes.values_list("id", flat=True)[: block_max + 1]
        )
    phone_links = Link.objects.filter(
        role__in=(Role.SUBSCRIBER, Role.USER), person__merged_into__isnull=True
    )
    shared = phone_links.values("phone_id").annotate(n=Count("person_id", distinct=True))
    phone_ids = [row["phone_id"] for row in shared.filter(n__gt=1)]
    for phone_id, person_id in phone_links.filter(phone_id__in=phone_ids).values_list(
        "phone_id", "person_id"
    ):
        if person_id not in groups[("phone", phone_id)]:
            groups[("phone", phone_id)].append(person_id)
    for key, ids in groups.items():
        add(":".join(str(part) for part in key), ids)
    return blocks


@transaction.atomic
def duplicates_find(*, actor: Any = None, block_max: int | None = None) -> FindResult:
    """Find and score candidate pairs; pending pairs are refreshed, decided ones left alone."""
    block_max = block_max or settings.SAFECITY_RECORDS_BLOCK_MAX
    result = FindResult()
    blocks = _blocks(block_max, result)
    phone_pairs: set[tuple[int, int]] = set()
    pairs: set[tuple[int, int]] = set()
    for label, ids in blocks:
        for pair in combinations(ids, 2):
            pairs.add(pair)
            if label.startswith("phone:"):
                phone_pairs.add(pair)
    persons = Person.objects.in_bulk({pk for pair in pairs for pk in pair})
    existing = {
        (c.person_a_id, c.person_b_id): c
        for c in DuplicateCandidate.objects.filter(
            person_a_id__in=[a for a, _b in pairs], person_b_id__in=[b for _a, b in pairs]
        )
    }
    fresh, refreshed = [], []
    for a_id, b_id in sorted(pairs):
        result.compared += 1
        score, reasons = score_pair(
            persons[a_id], persons[b_id], shared_phone=(a_id, b_id) in phone_pairs
        )
        if score < 0.3:
            continue
        result.candidates += 1
        candidate = existing.get((a_id, b_id))
        if candidate is None:
            fresh.append(
                DuplicateCandidate(person_a_id=a_id, person_b_id=b_id, score=score, reasons=reasons)
            )
        elif candidate.status == DuplicateCandidate.Status.PENDING:
            candidate.score, candidate.reasons = score, reasons
            refreshed.append(candidate)
    DuplicateCandidate.objects.bulk_create(fresh)
    DuplicateCandidate.objects.bulk_update(refreshed, ["score", "reasons"])
    result.new = len(fresh)
    audit.record(
        "records.duplicates.find",
        actor=actor,
        detail={
            "compared": result.compared,
            "candidates": result.candidates,
            "new": result.new,
            "skipped_blocks": result.skipped_blocks[:50],
        },
    )
    return result


def _lock_pending(candidate: DuplicateCandidate) -> DuplicateCandidate:
    """The pair re-read under a row lock, inside the caller's transaction; ``Conflict`` if it
    was decided meanwhile (a merge and a mark-distinct racing for the same pair)."""
    locked = DuplicateCandidate.objects.select_for_update().filter(pk=candidate.pk).first()
    if locked is None or locked.status != DuplicateCandidate.Status.PENDING:
        raise Conflict(_("This pair was decided already."), code="already_decided")
    return locked


def _pair(a: Person, b: Person) -> tuple[int, int]:
    return (a.pk, b.pk) if a.pk < b.pk else (b.pk, a.pk)


@transaction.atomic
def person_merge(
    *,
    actor: Any,
    winner: Person,
    loser: Person,
    reason: str = "",
    candidate: DuplicateCandidate | None = None,
    automatic: bool = False,
) -> Merge:
    """Fold ``loser`` into ``winner``: the loser's links and source records move to the
    winner, the winner gains the loser's name (as an alias) and any value it lacked, and the
    loser stays as a pointer (``merged_into``). Everything moved is written down for undo."""
    if candidate is not None:
        candidate = _lock_pending(candidate)
    winner = Person.objects.select_for_update().get(pk=winner.pk)
    loser = Person.objects.select_for_update().get(pk=loser.pk)
    if winner.pk == loser.pk:
        raise InvalidInput(fields={"winner_id": [_("A person cannot be merged with itself.")]})
    if winner.merged_into_id or loser.merged_into_id:
        raise Conflict(_("One of these persons is already merged."), code="already_merged")
    if automatic and not (winner.cccd == loser.cccd and cccd_valid(winner) and cccd_valid(loser)):
        raise Conflict(
            _("Only persons with the same valid citizen ID are merged without review."),
            code="review_required",
        )
    between = Q(person=winner, other_person=loser) | Q(person=loser, other_person=winner)
    moved_person = list(
        Link.objects.filter(person=loser).exclude(between).values_list("id", flat=True)
    )
    moved_other = list(
        Link.objects.filter(other_person=loser).exclude(between).values_list("id", flat=True)
    )
    of_loser = SourceRecord.objects.filter(kind="person", entity_id=loser.pk)
    sources = list(of_loser.values_list("id", flat=True))
    Link.objects.filter(id__in=moved_person).update(person=winner)
    Link.objects.filter(id__in=moved_other).update(other_person=winner)
    SourceRecord.objects.filter(id__in=sources).update(entity_id=winner.pk)

    before = {name: getattr(winner, name) for name in FILL_FIELDS}
    before["aliases"] = list(winner.aliases or [])
    for name in FILL_FIELDS:
        if getattr(winner, name) in ("", None) and getattr(loser, name) not in ("", None):
            setattr(winner, name, getattr(loser, name))
    aliases = list(winner.aliases or [])
    for name in [loser.full_name, *(loser.aliases or [])]:
        if name and name != winner.full_name and name not in aliases:
            aliases.append(name)
    winner.aliases = aliases
    winner.updated_at = timezone.now()
    set_person_keys(winner)
    winner.save(update_fields=PERSON_UPDATE_FIELDS)
    after = {name: getattr(winner, name) for name in FILL_FIELDS}
    after["aliases"] = list(winner.aliases)
    loser.merged_into = winner
    loser.save(update_fields=["merged_into"])

    if candidate is None:
        a, b = _pair(winner, loser)
        candidate = DuplicateCandidate.objects.filter(person_a_id=a, person_b_id=b).first()
    if candidate is not None:
        candidate.status = DuplicateCandidate.Status.MERGED
        candidate.decided_at = timezone.now()
        candidate.decided_by = actor if getattr(actor, "pk", None) else None
        candidate.decision_reason = reason[:300] or (
            "automatic: same valid CCCD" if automatic else ""
        )
        candidate.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    merge = Merge.objects.create(
        winner=winner,
        loser=loser,
        candidate=candidate,
        automatic=automatic,
        reason=reason[:300],
        moved={
            "links_person": moved_person,
            "links_other": moved_other,
            "sources": sources,
            "before": _jsonable(before),
            "after": _jsonable(after),
        },
        by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        "records.person.merge",
        actor=actor,
        object_type="person",
        object_id=winner.pk,
        detail={
            "loser": loser.pk,
            "merge": merge.pk,
            "automatic": automatic,
            "links": len(moved_person) + len(moved_other),
            "sources": len(sources),
        },
    )
    return merge


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


def _restored(name: str, value: Any) -> Any:
    if name == "birth_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


@transaction.atomic
def merge_undo(*, actor: Any, merge: Merge) -> Merge:
    """Put the loser back: its links and source records return to it, and the winner's
    values that the merge filled (and nobody changed since) are emptied again."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise Conflict(_("This merge was undone already."), code="already_undone")
    winner = Person.objects.select_for_update().get(pk=merge.winner_id)
    loser = Person.objects.select_for_update().get(pk=merge.loser_id)
    if winner.merged_into_id is not None:
        raise Conflict(
            _("The person was merged again since; undo that merge first."), code="merged_since"
        )
    moved = merge.moved
    Link.objects.filter(id__in=moved["links_person"], person=winner).update(person=loser)
    Link.objects.filter(id__in=moved["links_other"], other_person=winner).update(other_person=loser)
    SourceRecord.objects.filter(id__in=moved["sources"], entity_id=winner.pk).update(
        entity_id=loser.pk
    )
    before, after = moved["before"], moved["after"]
    current = _jsonable({name: getattr(winner, name) for name in FILL_FIELDS})
    for name in FILL_FIELDS:
        if before.get(name) != after.get(name) and current.get(name) == after.get(name):
            setattr(winner, name, _restored(name, before.get(name)))
    added = [a for a in after.get("aliases", []) if a not in before.get("aliases", [])]
    winner.aliases = [a for a in (winner.aliases or []) if a not in added]
    winner.updated_at = timezone.now()
    set_person_keys(winner)
    winner.save(update_fields=PERSON_UPDATE_FIELDS)
    loser.merged_into = None
    loser.save(update_fields=["merged_into"])
    if merge.candidate_id:
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=DuplicateCandidate.Status.PENDING,
            decided_at=None,
            decided_by=None,
            decision_reason="",
        )
    merge.undone_at = timezone.now()
    merge.undone_by = actor if getattr(actor, "pk", None) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    audit.record(
        "records.person.merge_undo",
        actor=actor,
        object_type="person",
        object_id=winner.pk,
        detail={"loser": loser.pk, "merge": merge.pk},
    )
    return merge


@transaction.atomic
def candidate_mark_distinct(
    *, actor: Any, candidate: DuplicateCandidate, reason: str = ""
) -> DuplicateCandidate:
    candidate = _lock_pending(candidate)
    candidate.status = DuplicateCandidate.Status.DISTINCT
    candidate.decided_at = timezone.now()
    candidate.decided_by = actor if getattr(actor, "pk", None) else None
    candidate.decision_reason = reason[:300]
    candidate.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit.record(
        "records.duplicates.distinct",
        actor=actor,
        object_type="duplicate_candidate",
        object_id=candidate.pk,
        detail={"a": candidate.person_a_id, "b": candidate.person_b_id, "reason": reason[:300]},
    )
    return candidate


def candidate_merge(
    *, actor: Any, candidate: DuplicateCandidate, winner_id: int | None = None, reason: str = ""
) -> Merge:
    """Merge a reviewed pair; the winner is the one named, else the older record."""
    if candidate.status != DuplicateCandidate.Status.PENDING:
        raise Conflict(_("This pair was decided already."), code="already_decided")
    a, b = candidate.person_a, candidate.person_b
    if winner_id not in (None, a.pk, b.pk):
        raise InvalidInput(fields={"winner_id": [_("Must be one of the pair.")]})
    winner, loser = (b, a) if winner_id == b.pk else (a, b)
    return person_merge(actor=actor, winner=winner, loser=loser, reason=reason, candidate=candidate)


def duplicates_auto_merge(*, actor: Any = None) -> list[Merge]:
    """Merge the pending pairs whose CCCDs are identical and valid (the older record wins)."""
    merges = []
    pending = DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.PENDING)
    for candidate in pending.order_by("person_a_id", "person_b_id"):
        if "same_cccd_valid" not in candidate.reasons:
            continue
        a = Person.objects.get(pk=candidate.person_a_id)
        b = Person.objects.get(pk=candidate.person_b_id)
        if a.merged_into_id or b.merged_into_id:
            continue
        merges.append(
            person_merge(
                actor=actor,
                winner=a,
                loser=b,
                candidate=candidate,
                automatic=True,
                reason="same valid CCCD",
            )
        )
    return merges
