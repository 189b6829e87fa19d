"""Page forms: composing a warning (wards from a list, shapes from the map when JavaScript
runs), cancelling one, writing an article, and the citizens' subscription form."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safecity.alerts import services
from safecity.alerts.models import (
    Alert,
    Article,
    Category,
    Certainty,
    ResponseType,
    Severity,
    Urgency,
)
from safecity.geography.models import Ward

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def province_wards() -> Any:
    return Ward.objects.filter(province_id=settings.SAFECITY_PROVINCE_CODE).order_by("name")


class WardChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class _Moment(forms.DateTimeField):
    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is not None and not 2000 <= moment.year <= 2100:
            raise forms.ValidationError(_("Enter a date between 2000 and 2100."))
        return moment


_CONTENT_TEXT = (
    "category",
    "urgency",
    "severity",
    "certainty",
    "response_type",
    "event_vi",
    "event_en",
    "headline_vi",
    "headline_en",
    "description_vi",
    "description_en",
    "instruction_vi",
    "instruction_en",
    "area_desc_vi",
    "area_desc_en",
)


class AlertForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    event_vi = forms.CharField(label=_("Event (Vietnamese)"), max_length=120)
    event_en = forms.CharField(label=_("Event (English)"), max_length=120, required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=Certainty.choices)
    response_type = forms.ChoiceField(
        label=_("What people should do"),
        choices=[("", "—"), *ResponseType.choices],
        required=False,
    )
    headline_vi = forms.CharField(
        label=_("Headline (Vietnamese)"),
        max_length=160,
        help_text=_("Short: it is the first line of the SMS."),
    )
    headline_en = forms.CharField(label=_("Headline (English)"), max_length=160, required=False)
    description_vi = forms.CharField(
        label=_("Description (Vietnamese)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    instruction_vi = forms.CharField(
        label=_("What to do (Vietnamese)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    instruction_en = forms.CharField(
        label=_("What to do (English)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    effective = _Moment(
        label=_("Effective from"),
        required=False,
        widget=_DATETIME,
        input_formats=_INPUT_FORMATS,
        help_text=_("Empty: from publication."),
    )
    expires = _Moment(label=_("Expires"), widget=_DATETIME, input_formats=_INPUT_FORMATS)
    wards = WardChoiceField(
        label=_("Wards"),
        queryset=Ward.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    area_desc_vi = forms.CharField(
        label=_("Description of the drawn area (Vietnamese)"), max_length=300, required=False
    )
    area_desc_en = forms.CharField(
        label=_("Description of the drawn area (English)"), max_length=300, required=False
    )
    # Filled by the map's drawing tools: {"circles": [{lat, lon, radius_km}], "polygons":
    # [[[lat, lon], …]]}. Without JavaScript it stays empty and the wards are the area.
    shapes = forms.CharField(required=False, max_length=60000, widget=forms.HiddenInput)
    articles = forms.ModelMultipleChoiceField(
        label=_("Linked awareness articles"),
        queryset=Article.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wards"].queryset = province_wards()  # type: ignore[attr-defined]
        self.fields["articles"].queryset = Article.objects.filter(  # type: ignore[attr-defined]
            status=Article.Status.PUBLISHED
        ).order_by("title_vi")

    def clean_shapes(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("shapes") or ""
        if not raw.strip():
            return {"circles": [], "polygons": []}
        try:
            data = json.loads(raw)
            circles = [
                {"lat": float(c["lat"]), "lon": float(c["lon"]), "radius_km": float(c["radius_km"])}
                for c in data.get("circles", [])
            ]
            polygons = [
                [(float(lat), float(lon)) for lat, lon in p] for p in data.get("polygons", [])
            ]
        except (ValueError, TypeError, KeyError, AttributeError):
            raise forms.ValidationError(_("The drawn shapes could not be read.")) from None
        return {"circles": circles, "polygons": polygons}

    def content(self) -> services.AlertContent:
        data = self.cleaned_data
        return services.AlertContent(
            **{name: data.get(name) or "" for name in _CONTENT_TEXT},
            effective=data.get("effective"),
            expires=data["expires"],
            ward_codes=tuple(w.code for w in data.get("wards") or []),
            circles=tuple(data["shapes"]["circles"]),
            polygons=tuple(tuple(p) for p in data["shapes"]["polygons"]),
            article_ids=tuple(a.pk for a in data.get("articles") or []),
        )

    @classmethod
    def initial_from(cls, alert: Alert) -> dict[str, Any]:
        """Values to start an edit or an Update from."""
        names = [n for n in cls.base_fields if n not in {"wards", "articles", "shapes"}]
        initial: dict[str, Any] = {name: getattr(alert, name) for name in names}
        initial["wards"] = list(alert.wards.all())
        initial["articles"] = list(alert.articles.all())
        initial["shapes"] = json.dumps({"circles": alert.circles, "polygons": alert.polygons})
        return initial

    def apply_errors(self, fields: dict[str, Any]) -> None:
        """Show a service's field errors next to the form's fields."""
        aliases = {"ward_codes": "wards", "circles": "shapes", "polygons": "shapes"}
        aliases |= {"article_ids": "articles", "area": "wards"}
        for name, messages in fields.items():
            target = aliases.get(name, name)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(target if target in self.fields else None, str(message))


class CancelForm(forms.Form):
    reason_vi = forms.CharField(
        label=_("Why is the warning cancelled? (Vietnamese)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason_en = forms.CharField(
        label=_("Why is the warning cancelled? (English)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ArticleForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Article.Topic.choices)
    slug = forms.SlugField(
        label=_("Address name"),
        max_length=120,
        required=False,
        help_text=_("Letters, digits and dashes; empty: made from the title."),
    )
    title_vi = forms.CharField(label=_("Title (Vietnamese)"), max_length=200)
    summary_vi = forms.CharField(label=_("Summary (Vietnamese)"), max_length=500, required=False)
    body_vi = forms.CharField(
        label=_("Text (Vietnamese)"), max_length=20000, widget=forms.Textarea(attrs={"rows": 12})
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    summary_en = forms.CharField(label=_("Summary (English)"), max_length=500, required=False)
    body_en = forms.CharField(
        label=_("Text (English)"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )

    def content(self) -> services.ArticleContent:
        return services.ArticleContent(**self.cleaned_data)


class SubscribeForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    wards = WardChoiceField(
        label=_("Wards you want warnings for"),
        queryset=Ward.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wards"].queryset = province_wards()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and not self.errors:
            raise forms.ValidationError(_("Give a mobile number or an e-mail address (or both)."))
        return data
