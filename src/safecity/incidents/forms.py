"""Forms of the incidents pages: typed input from people, checked here before a service sees
it. The services check again (they are the only gate for the API too); these forms exist to
give a person field-by-field messages and keep what they typed."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safecity.core.phones import to_e164
from safecity.geography.selectors import wards_of
from safecity.incidents.models import DEFAULT_PRIORITY, Category, Priority
from safecity.incidents.services import CLOSING_STATUSES

TRACKING_CODE = re.compile(r"^[A-Z0-9]{6,12}$")


def new_form_key() -> str:
    """A key made when the form is drawn: sending the same form twice makes one report."""
    return uuid.uuid4().hex


def ward_choices() -> list[tuple[Any, Any]]:
    wards = wards_of(settings.SAFECITY_PROVINCE_CODE).values_list("code", "name")
    return [("", _("— choose the ward —")), *wards]


def default_priority(category: str) -> int:
    return int(DEFAULT_PRIORITY[Category(category)])


class LocationForm(forms.Form):
    """Where it is: a point (map pin or the phone's position, set by the page's script) or,
    without a point, a typed address and its ward (works with no JavaScript at all)."""

    lat = forms.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.HiddenInput(attrs={"data-lat": ""}),
    )
    lon = forms.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput(attrs={"data-lon": ""}),
    )
    location_source = forms.ChoiceField(
        required=False,
        choices=[("pin", "pin"), ("device", "device")],
        widget=forms.HiddenInput(attrs={"data-source": ""}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "street-address", "placeholder": _("House number, street")}
        ),
    )
    ward_code = forms.TypedChoiceField(
        label=_("Ward"), coerce=int, empty_value=None, required=False, choices=()
    )
    form_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward_code"].choices = ward_choices()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("form_key", new_form_key())

    @property
    def has_point(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("lat") is not None and data.get("lon") is not None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lat") is None or data.get("lon") is None:
            data["lat"] = data["lon"] = None
        if data["lat"] is None:
            data["location_source"] = "address"
            if not data.get("address") and "address" not in self.errors:
                self.add_error(
                    "address",
                    _("Type the address, or put a pin on the map."),
                )
            if data.get("ward_code") is None and "ward_code" not in self.errors:
                self.add_error("ward_code", _("Choose the ward of this address."))
        elif not data.get("location_source"):
            data["location_source"] = "pin"
        return data


class ReportForm(LocationForm):
    """A citizen's report (``/report/``)."""

    field_order = [
        "category",
        "lat",
        "lon",
        "location_source",
        "address",
        "ward_code",
        "description",
        "reporter_name",
        "reporter_phone",
        "form_key",
    ]

    category = forms.ChoiceField(
        label=_("What is happening?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is happening.")},
    )
    description = forms.CharField(
        label=_("Describe what you see"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _("What happened, how many people are hurt, is it still going on?"),
            }
        ),
    )
    reporter_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone number (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
        ),
        help_text=_("So the police can call you back if they need to."),
    )

    def clean_reporter_phone(self) -> str:
        phone = str(self.cleaned_data.get("reporter_phone", "")).strip()
        if phone and to_e164(phone) is None:
            raise forms.ValidationError(_("This is not a valid phone number."))
        return phone


class CallForm(LocationForm):
    """A 113/114 call entered by a call-taker (``/ops/incidents/intake/``)."""

    field_order = [
        "caller_number",
        "category",
        "priority",
        "address",
        "ward_code",
        "lat",
        "lon",
        "location_source",
        "description",
        "caller_name",
        "notes",
        "form_key",
    ]

    caller_number = forms.CharField(
        label=_("Caller's number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autofocus": True, "autocomplete": "off"}
        ),
        help_text=_("Leave empty if the number is withheld."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the category.")},
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", _("Default for the category")), *Priority.choices],
    )
    description = forms.CharField(
        label=_("What the caller says"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    caller_name = forms.CharField(
        label=_("Caller's name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    notes = forms.CharField(
        label=_("Internal notes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by officers only, never by the caller."),
    )

    def clean_caller_number(self) -> str:
        phone = str(self.cleaned_data.get("caller_number", "")).strip()
        if phone and to_e164(phone) is None:
            raise forms.ValidationError(_("This is not a valid phone number."))
        return phone


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "ABCD234XYZ",
            }
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", str(self.cleaned_data["code"])).upper()
        if not TRACKING_CODE.match(code):
            raise forms.ValidationError(
                _("A tracking code has 10 letters and digits, like ABCD234XYZ.")
            )
        return code


# --- Officers' actions on one incident ---------------------------------------------------------


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("New priority"), coerce=int, choices=Priority.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class MergeForm(forms.Form):
    target_id = forms.IntegerField(
        label=_("Merge into incident number"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close as"),
        choices=[(s.value, s.label) for s in CLOSING_STATUSES],
        initial="closed",
    )
    outcome = forms.CharField(
        label=_("Outcome"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def form_errors_text(form: forms.Form) -> str:
    """Every message of a form on one line, for a flash message after a redirect."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)
