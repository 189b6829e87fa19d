"""The filters of the map and statistics pages. Both are GET forms: a filtered page is a link
an officer can bookmark or send, and works with no JavaScript."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.incidents.models import Category
from safecity.map.selectors import HOTSPOT_MAX_RESOLUTION, HOTSPOT_MIN_RESOLUTION
from safecity.map.stats import STATS_MAX_DAYS


def _categories() -> list[tuple[str, Any]]:
    return [("", _("All categories")), *Category.choices]


# Approximate H3 cell sizes, so the choice reads as a distance rather than a number.
RESOLUTION_LABELS = {
    5: _("Very coarse (~250 km²)"),
    6: _("Coarse (~36 km²)"),
    7: _("District (~5 km²)"),
    8: _("Neighbourhood (~0.7 km²)"),
    9: _("Block (~0.1 km²)"),
    10: _("Street corner (~0.015 km²)"),
}


class HotspotForm(forms.Form):
    days = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_categories)
    resolution = forms.TypedChoiceField(
        label=_("Cell size"),
        coerce=int,
        required=False,
        choices=[
            (r, RESOLUTION_LABELS[r])
            for r in range(HOTSPOT_MIN_RESOLUTION, HOTSPOT_MAX_RESOLUTION + 1)
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = sorted({1, 7, 30, 90, 365, settings.SAFECITY_HOTSPOT_DAYS})
        self.fields["days"].choices = [  # type: ignore[attr-defined]
            (d, _("Last 24 hours") if d == 1 else _("Last %(n)s days") % {"n": d}) for d in days
        ]

    def query_values(self) -> dict[str, Any]:
        """since/until/category/resolution for ``selectors.hotspot_query`` (defaults where the
        form is empty or wrong: a bad link still shows a map)."""
        data = self.cleaned_data if self.is_valid() else {}
        days = data.get("days") or settings.SAFECITY_HOTSPOT_DAYS
        until = timezone.now()
        return {
            "since": until - timedelta(days=days),
            "until": until,
            "category": data.get("category") or "",
            "resolution": data.get("resolution") or settings.SAFECITY_HOTSPOT_RESOLUTION,
            "days": days,
        }


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class StatsForm(forms.Form):
    """A period of whole local days (both ends included), a ward and a category."""

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ward = forms.TypedChoiceField(label=_("Ward"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_categories)

    def __init__(self, *args: Any, wards: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", _("All wards")), *wards]  # type: ignore[attr-defined]

    @staticmethod
    def default_days() -> tuple[date, date]:
        today = timezone.localdate()
        return today - timedelta(days=settings.SAFECITY_STATS_DAYS - 1), today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = self.default_days()
        since = data.get("since") or first
        until = data.get("until") or last
        if since > until:
            self.add_error("until", _("The end must not be before the start."))
        elif (until - since).days + 1 > STATS_MAX_DAYS:
            self.add_error(
                "since", _("The period may be at most %(n)s days.") % {"n": STATS_MAX_DAYS}
            )
        data["since"], data["until"] = since, until
        return data

    def query_values(self) -> dict[str, Any]:
        """since/until (``[first day 00:00, day after the last 00:00)``, local time), ward code
        and category for ``stats.stats_query``. Call after ``is_valid()`` returned true."""
        data = self.cleaned_data
        return {
            "since": _day_start(data["since"]),
            "until": _day_start(data["until"] + timedelta(days=1)),
            "ward_code": data.get("ward"),
            "category": data.get("category") or "",
        }
