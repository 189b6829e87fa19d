"""The review queue of possible duplicate persons: pairs side by side (fields aligned,
differences marked, score and why they were paired), merged or marked distinct, and the merge
history with undo. Pairs are read through ``lookups.candidate_read`` (both persons audited as
viewed, with the session's purpose); decisions go through ``records.resolution``, which
audits them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safecity.accounts.access import clearance_filter
from safecity.core.errors import ApplicationError
from safecity.records import lookups, resolution, selectors
from safecity.records.forms import DistinctForm, MergeForm
from safecity.records.models import EntityKind, Merge
from safecity.records.views import (
    WARD_FIELDS,
    field_label,
    page_url,
    records_page,
    session_purpose,
    shown_value,
    ward_names,
)

QUEUE_SHOWN = 10
HISTORY_SHOWN = 30

# What each pair of possible duplicates has in common, or not (``resolution.score_pair``).
REASON_LABELS = {
    "same_cccd_valid": gettext_lazy("Same citizen ID, valid for both"),
    "same_cccd": gettext_lazy("Same citizen ID"),
    "different_cccd": gettext_lazy("Different citizen IDs"),
    "same_old_id": gettext_lazy("Same old ID card"),
    "same_name": gettext_lazy("Same name"),
    "same_name_folded": gettext_lazy("Same name without diacritics"),
    "similar_name": gettext_lazy("Names one letter apart"),
    "same_given_name": gettext_lazy("Same given name"),
    "same_birth_date": gettext_lazy("Same date of birth"),
    "same_birth_year": gettext_lazy("Same year of birth"),
    "different_birth_year": gettext_lazy("Different years of birth"),
    "different_gender": gettext_lazy("Different genders"),
    "same_phone": gettext_lazy("Same phone number"),
    "same_ward": gettext_lazy("Same ward"),
}
# The blocks a pair can come from (a pair is only compared when it shares one).
BLOCKING_REASONS = {"same_cccd_valid", "same_cccd", "same_name", "same_name_folded", "same_phone"}


def _pair_rows(pair: dict[str, Any]) -> list[dict[str, Any]]:
    """Both persons' fields aligned, each row marked same, different or one-sided."""
    a, b = pair["a"], pair["b"]
    wards = ward_names(
        [*(a["fields"].get(n) for n in WARD_FIELDS), *(b["fields"].get(n) for n in WARD_FIELDS)]
    )
    names = (
        "full_name",
        "aliases",
        "cccd",
        "old_id",
        "birth_date",
        "birth_year",
        "gender",
        "nationality",
        "permanent_address",
        "permanent_ward_code",
        "temporary_address",
        "temporary_ward_code",
    )
    rows = []
    for name in names:
        left = shown_value(EntityKind.PERSON, name, a["fields"].get(name), wards)
        right = shown_value(EntityKind.PERSON, name, b["fields"].get(name), wards)
        rows.append(_aligned(name, field_label(EntityKind.PERSON, name), left, right))

    def phones(side: dict[str, Any]) -> str:
        return ", ".join(
            sorted(lk["other"]["label"] for lk in side["links"] if lk["other"]["kind"] == "phone")
        )

    def sources(side: dict[str, Any]) -> str:
        return ", ".join(
            sorted({s["source"] for f in side["facts"] for v in f["values"] for s in v["sources"]})
        )

    rows.append(_aligned("phones", _("Phones"), phones(a), phones(b)))
    rows.append(_aligned("sources", _("Sources"), sources(a), sources(b)))
    rows.append(_aligned("links", _("Links"), str(len(a["links"])), str(len(b["links"]))))
    return rows


def _aligned(name: str, label: str, left: Any, right: Any) -> dict[str, Any]:
    if left in ("", None) and right in ("", None):
        state = "empty"
    elif left in ("", None) or right in ("", None):
        state = "one-sided"
    else:
        state = "same" if str(left) == str(right) else "differs"
    return {"name": name, "label": label, "a": left, "b": right, "state": state}


def _merge_history(user: Any, purpose_text: str) -> list[Merge]:
    """The latest merges of persons the officer may see, for undo. Not in ``lookups`` yet: the
    names shown are listed in the audit trail like any other look (``lookups.log_access``)."""
    selectors.require_manager(user)
    merges = list(
        Merge.objects.select_related("winner", "loser", "by", "undone_by")
        .filter(
            clearance_filter(user, "winner__classification"),
            clearance_filter(user, "loser__classification"),
        )
        .order_by("-at", "-id")[:HISTORY_SHOWN]
    )
    if merges:
        shown = {(EntityKind.PERSON, m.winner_id) for m in merges}
        shown |= {(EntityKind.PERSON, m.loser_id) for m in merges}
        lookups.log_access(
            actor=user,
            audit_action="records.merges.read",
            purpose=lookups.require_purpose(purpose_text),
            listed=sorted(shown),
            object_type="merge",
            detail={"merges": [m.pk for m in merges]},
        )
    return merges


@records_page(selectors.MANAGE)
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """Possible duplicates, likeliest first, side by side (each pair read through
    ``lookups.candidate_read``: both persons are audited as viewed), and the merge history."""
    user = request.user
    purpose_text = session_purpose(request)
    waiting = list(selectors.review_queue(user, limit=100))
    pairs = []
    for candidate in waiting[:QUEUE_SHOWN]:
        pair = lookups.candidate_read(actor=user, pk=candidate.pk, purpose=purpose_text)
        pairs.append(
            {
                **pair,
                "rows": _pair_rows(pair),
                "reason_items": [
                    {
                        "code": code,
                        "label": REASON_LABELS.get(code, code),
                        "blocking": code in BLOCKING_REASONS,
                        "against": code.startswith("different_"),
                    }
                    for code in pair["reasons"]
                ],
                "a_url": page_url(EntityKind.PERSON, pair["a"]["fields"]["id"]),
                "b_url": page_url(EntityKind.PERSON, pair["b"]["fields"]["id"]),
            }
        )
    return render(
        request,
        "records/duplicates.html",
        {
            "pairs": pairs,
            "more": max(0, len(waiting) - QUEUE_SHOWN),
            "merges": _merge_history(user, purpose_text),
            "purpose": purpose_text,
        },
    )


def _decide(request: HttpRequest, act: Callable[[], str]) -> HttpResponse:
    try:
        text = act()
    except ApplicationError as error:
        messages.error(request, " ".join([str(error.message), *_field_texts(error)]))
    else:
        messages.success(request, text)
    return redirect("records:duplicates")


def _field_texts(error: ApplicationError) -> list[str]:
    texts: list[str] = []
    for value in (error.fields or {}).values():
        texts.extend(str(t) for t in (value if isinstance(value, list) else [value]))
    return texts


@records_page(selectors.MANAGE, purpose=False)
@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    candidate = selectors.access_candidate(user, pk)

    def act() -> str:
        form = MergeForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_("Choose which record to keep."))
        merge = resolution.candidate_merge(
            actor=user,
            candidate=candidate,
            winner_id=form.cleaned_data["winner_id"],
            reason=form.cleaned_data["reason"],
        )
        return _("Person #%(loser)s merged into #%(winner)s.") % {
            "loser": merge.loser_id,
            "winner": merge.winner_id,
        }

    return _decide(request, act)


@records_page(selectors.MANAGE, purpose=False)
@require_POST
def duplicate_distinct(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    candidate = selectors.access_candidate(user, pk)

    def act() -> str:
        form = DistinctForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        resolution.candidate_mark_distinct(actor=user, candidate=candidate, reason=reason)
        return _("Persons #%(a)s and #%(b)s marked as different people.") % {
            "a": candidate.person_a_id,
            "b": candidate.person_b_id,
        }

    return _decide(request, act)


@records_page(selectors.MANAGE, purpose=False)
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    merge = selectors.access_merge(user, pk)

    def act() -> str:
        undone = resolution.merge_undo(actor=user, merge=merge)
        return _("Merge undone: person #%(loser)s is a record of its own again.") % {
            "loser": undone.loser_id
        }

    return _decide(request, act)
