"""The records pages' forms: the purpose of a working session, the search box with its
filters, and the reviewer's decision on a pair of possible duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecity.core.text import clean
from safecity.records.lookups import PURPOSE_MAX, PURPOSE_MIN
from safecity.records.models import Gender

KIND_CHOICES = (
    ("any", _("Everything")),
    ("person", pgettext_lazy("record kind", "Persons")),
    ("vehicle", pgettext_lazy("record kind", "Vehicles")),
    ("phone", pgettext_lazy("record kind", "Phones")),
    ("case", pgettext_lazy("record kind", "Cases")),
    ("organisation", pgettext_lazy("record kind", "Organisations")),
)
YEAR_MIN, YEAR_MAX = 1900, 2100


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of your look-ups"),
        min_length=PURPOSE_MIN,
        max_length=PURPOSE_MAX,
        help_text=_(
            "A case number (e.g. VA-2025/0012) or a short reason. It is written beside every "
            "search and every record you open until you change it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_purpose(self) -> str:
        text = clean(self.cleaned_data["purpose"])
        if len(text) < PURPOSE_MIN:
            raise forms.ValidationError(
                _("State the purpose of this look-up: a case number or a short reason.")
            )
        return text


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        help_text=_(
            "A name (with or without diacritics; add a birth year to narrow), a citizen ID, a "
            "plate in any spelling, a phone number or a case number."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
    )
    kind = forms.ChoiceField(label=_("Look in"), choices=KIND_CHOICES, required=False)
    ward = forms.TypedChoiceField(
        label=_("Ward"), coerce=int, required=False, empty_value=None, choices=()
    )
    birth_year_from = forms.IntegerField(
        label=_("Born from"), min_value=YEAR_MIN, max_value=YEAR_MAX, required=False
    )
    birth_year_to = forms.IntegerField(
        label=_("Born until"), min_value=YEAR_MIN, max_value=YEAR_MAX, required=False
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=(
            ("", _("Any")),
            (Gender.MALE, Gender.MALE.label),
            (Gender.FEMALE, Gender.FEMALE.label),
        ),
    )

    def __init__(self, *args: Any, wards: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", _("Any ward")), *wards]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("birth_year_from"), data.get("birth_year_to")
        if low and high and low > high:
            self.add_error("birth_year_to", _("The end year comes before the start year."))
        return data


class MergeForm(forms.Form):
    winner_id = forms.IntegerField(label=_("Keep"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class DistinctForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
