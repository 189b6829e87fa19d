"""Forms of the cameras pages: typed input from people, checked here for field-by-field
messages. The services check again (they are the gate for the API too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecity.accounts.models import Clearance
from safecity.cameras.models import Camera, Hit, Watchlist, WatchlistEntry
from safecity.core.errors import ApplicationError

# ``<input type="datetime-local">`` sends local wall-clock time without an offset; it is read
# in the site's time zone (Asia/Ho_Chi_Minh), as the officer sees it.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def local_moment(**kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput(), **kwargs)


def local_text(moment: datetime) -> str:
    """A moment as a ``datetime-local`` value, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def apply_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    fields = error.fields or {}
    for name, texts in fields.items():
        for text in texts if isinstance(texts, list) else [texts]:
            form.add_error(name if name in form.fields else None, str(text))
    if not fields:
        form.add_error(None, str(error.message))


class CameraFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Camera.Status.choices],
    )


class ConfirmForm(forms.Form):
    incident_id = forms.IntegerField(
        label=_("Add to incident #"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to open a new incident at the camera."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class DismissForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why dismiss it?"),
        choices=[("", _("— choose —")), *Hit.Dismissal.choices],
        error_messages={"required": _("Say why the hit is dismissed.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


def clearance_choices(user: Any) -> list[tuple[int, Any]]:
    """The classifications an officer may give: up to their own clearance."""
    top = int(getattr(user, "clearance", Clearance.UNCLASSIFIED))
    return [(value, label) for value, label in Clearance.choices if value <= top]


class WatchlistForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Watchlist.Kind.choices)
    reason = forms.CharField(label=_("Why this list"), max_length=500, required=False)
    classification = forms.TypedChoiceField(
        label=_("Classification"), coerce=int, choices=(), initial=Clearance.UNCLASSIFIED
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["classification"].choices = clearance_choices(user)  # type: ignore[attr-defined]


class EntryForm(forms.Form):
    plate = forms.CharField(
        label=_("Plate"),
        max_length=30,
        help_text=_("Any common spelling: 51F-123.45, 51f12345, 59-X1 123.45."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    reason = forms.CharField(label=_("Why it is listed"), max_length=500)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=WatchlistEntry.Priority.choices,
        initial=WatchlistEntry.Priority.NORMAL,
    )
    valid_until = local_moment(label=_("Valid until"), required=False)
    allow_one_edit = forms.BooleanField(
        label=_("Also match reads one character different"),
        required=False,
        help_text=_("For a plate partly covered or often misread. Raises more false hits."),
    )


class EntryRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Why remove it"), max_length=500, required=False)


class TraceForm(forms.Form):
    """``?plate=&from=&to=`` (the API's names; ``from`` is a Python keyword, hence the
    fields added in ``__init__``)."""

    plate = forms.CharField(
        label=_("Plate"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = local_moment(label=_("From"), required=False)
        self.fields["to"] = local_moment(label=_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start >= end:
            self.add_error("to", _("The end must be later than the start."))
        return data


class NearForm(forms.Form):
    radius_m = forms.IntegerField(
        label=_("Within (metres)"), min_value=10, max_value=5000, initial=300, required=False
    )
    minutes = forms.IntegerField(
        label=_("Minutes either side"), min_value=1, max_value=720, initial=15, required=False
    )
